//! Pulse timing (δ, Δ, TE) given once for all measurements or once per measurement.

/// A timing value that is either the same for every measurement or given per measurement.
#[derive(Debug, Clone, PartialEq)]
pub enum PerMeasurement {
    /// One value for all measurements (s).
    Constant(f64),
    /// One value per measurement (s).
    Values(Vec<f64>),
}

impl From<f64> for PerMeasurement {
    fn from(value: f64) -> Self {
        Self::Constant(value)
    }
}

impl From<Vec<f64>> for PerMeasurement {
    fn from(values: Vec<f64>) -> Self {
        Self::Values(values)
    }
}

impl From<&[f64]> for PerMeasurement {
    fn from(values: &[f64]) -> Self {
        Self::Values(values.to_vec())
    }
}

/// Pulse timing of a pulsed-gradient spin-echo sequence; each field optional, all in seconds.
///
/// ```
/// use dmipy::PulseTiming;
/// // δ = 10.6 ms and Δ = 43.1 ms for every measurement, TE = 89.5 ms:
/// let t = PulseTiming::pgse(0.0106, 0.0431).with_echo_time(0.0895);
/// // or one value per measurement:
/// let t = PulseTiming::per_measurement(vec![0.01, 0.02], vec![0.03, 0.04]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PulseTiming {
    /// Gradient pulse duration δ (s).
    pub delta: Option<PerMeasurement>,
    /// Gradient pulse separation Δ (s).
    pub big_delta: Option<PerMeasurement>,
    /// Echo time TE (s).
    pub echo_time: Option<PerMeasurement>,
}

impl PulseTiming {
    /// No timing known: enough for Gaussian models (stick, ball, zeppelin, tensor).
    pub fn none() -> Self {
        Self::default()
    }

    /// The same δ and Δ (s) for every measurement.
    pub fn pgse(delta: f64, big_delta: f64) -> Self {
        Self {
            delta: Some(PerMeasurement::Constant(delta)),
            big_delta: Some(PerMeasurement::Constant(big_delta)),
            echo_time: None,
        }
    }

    /// One δ and one Δ (s) per measurement.
    pub fn per_measurement(delta: Vec<f64>, big_delta: Vec<f64>) -> Self {
        Self {
            delta: Some(PerMeasurement::Values(delta)),
            big_delta: Some(PerMeasurement::Values(big_delta)),
            echo_time: None,
        }
    }

    /// The same timing with an echo time (s): one value, or one per measurement.
    pub fn with_echo_time(mut self, echo_time: impl Into<PerMeasurement>) -> Self {
        self.echo_time = Some(echo_time.into());
        self
    }
}
