//! The simulated signal: per-measurement mean of cos φ with its standard error, per compartment and total.

use serde::Serialize;

/// The signal of one compartment (walkers that started in it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompartmentSignal {
    /// Compartment name, e.g. `intra`.
    pub name: String,
    /// Walkers in the compartment.
    pub walkers: usize,
    /// Mean of cos φ over its walkers, per measurement (1 at zero gradient).
    pub signal: Vec<f64>,
    /// Standard error of that mean, s/√n with s the sample standard deviation of cos φ.
    pub std_error: Vec<f64>,
    /// Mean of sin φ: zero in expectation for a substrate symmetric under x → −x; a check.
    pub mean_sin: Vec<f64>,
}

/// Signals of a simulation: the total (all walkers, so compartments weigh by their walker counts,
/// i.e. their volume fractions for uniform starts) and each compartment's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationResult {
    /// Mean of cos φ over all walkers, per measurement.
    pub signal: Vec<f64>,
    /// Its standard error.
    pub std_error: Vec<f64>,
    /// Mean of sin φ over all walkers (a check, see [`CompartmentSignal::mean_sin`]).
    pub mean_sin: Vec<f64>,
    /// Per-compartment signals, in the substrate's compartment order (empty ones included).
    pub compartments: Vec<CompartmentSignal>,
    /// Walkers simulated.
    pub walkers: usize,
    /// Steps per walker.
    pub steps: usize,
    /// Step duration (s).
    pub dt: f64,
    /// The seed of the random streams.
    pub seed: u64,
    /// Steps whose reflections were cut after the bounce limit (0 for the analytic convex shapes).
    pub truncated_steps: u64,
}

/// Running sums over the walkers of one chunk, per compartment and measurement
/// (compartment-major): Σ cos φ, Σ cos² φ, Σ sin φ, walker counts, truncated steps. What runs
/// split over processes exchange ([`simulate_chunks`](crate::simulate_chunks)), as
/// [`to_flat`](Self::to_flat) numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkSums {
    pub(crate) measurements: usize,
    pub(crate) cos: Vec<f64>,
    pub(crate) cos2: Vec<f64>,
    pub(crate) sin: Vec<f64>,
    pub(crate) count: Vec<usize>,
    pub(crate) truncated: u64,
}

impl ChunkSums {
    pub(crate) fn new(compartments: usize, measurements: usize) -> Self {
        let n = compartments * measurements;
        Self {
            measurements,
            cos: vec![0.0; n],
            cos2: vec![0.0; n],
            sin: vec![0.0; n],
            count: vec![0; compartments],
            truncated: 0,
        }
    }

    /// The sums as one list of numbers: Σcos, Σcos², Σsin (each compartments × measurements),
    /// the compartments' walker counts, the truncated steps (counts exact below 2⁵³).
    pub fn to_flat(&self) -> Vec<f64> {
        let mut v = Vec::with_capacity(3 * self.cos.len() + self.count.len() + 1);
        v.extend(&self.cos);
        v.extend(&self.cos2);
        v.extend(&self.sin);
        v.extend(self.count.iter().map(|&c| c as f64));
        v.push(self.truncated as f64);
        v
    }

    /// The inverse of [`to_flat`](Self::to_flat) for `compartments` × `measurements`.
    pub fn from_flat(
        flat: &[f64],
        compartments: usize,
        measurements: usize,
    ) -> Result<Self, crate::Error> {
        let n = compartments * measurements;
        let counts_ok = flat[(3 * n).min(flat.len())..]
            .iter()
            .all(|c| c.is_finite() && *c >= 0.0 && c.fract() == 0.0);
        if flat.len() != 3 * n + compartments + 1 || !counts_ok {
            return Err(crate::error::invalid_arg(
                "chunk sums",
                format!(
                    "expected {} numbers with whole counts for {compartments} compartments x {measurements} measurements, got {}",
                    3 * n + compartments + 1,
                    flat.len()
                ),
            ));
        }
        Ok(Self {
            measurements,
            cos: flat[..n].to_vec(),
            cos2: flat[n..2 * n].to_vec(),
            sin: flat[2 * n..3 * n].to_vec(),
            count: flat[3 * n..3 * n + compartments]
                .iter()
                .map(|&c| c as usize)
                .collect(),
            truncated: flat[3 * n + compartments] as u64,
        })
    }

    /// Adds one walker's cos φ, cos² φ and sin φ of `measurement` in `compartment`; returns sin φ.
    #[inline]
    pub(crate) fn add_phase(&mut self, compartment: usize, measurement: usize, phase: f64) -> f64 {
        let (s, co) = phase.sin_cos();
        let idx = compartment * self.measurements + measurement;
        self.cos[idx] += co;
        self.cos2[idx] += co * co;
        self.sin[idx] += s;
        s
    }

    /// Adds `other` (a later chunk); done in chunk order, so the result does not depend on threads.
    pub(crate) fn merge(&mut self, other: &ChunkSums) {
        for (a, b) in [
            (&mut self.cos, &other.cos),
            (&mut self.cos2, &other.cos2),
            (&mut self.sin, &other.sin),
        ] {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        self.count
            .iter_mut()
            .zip(&other.count)
            .for_each(|(x, y)| *x += y);
        self.truncated += other.truncated;
    }

    pub(crate) fn finish(
        self,
        names: &[&str],
        steps: usize,
        dt: f64,
        seed: u64,
    ) -> SimulationResult {
        let m = self.measurements;
        let stats = |cos: &[f64], cos2: &[f64], sin: &[f64], n: usize| {
            let (mean, se) = mean_and_std_error(cos, cos2, n);
            let s = sin.iter().map(|v| v / n as f64).collect();
            (mean, se, s)
        };
        let mut total = ChunkSums::new(1, m);
        let mut compartments = Vec::new();
        for (c, name) in names.iter().enumerate() {
            let r = c * m..(c + 1) * m;
            for (dst, src) in [
                (&mut total.cos, &self.cos),
                (&mut total.cos2, &self.cos2),
                (&mut total.sin, &self.sin),
            ] {
                dst.iter_mut()
                    .zip(&src[r.clone()])
                    .for_each(|(x, y)| *x += y);
            }
            let n = self.count[c];
            let (signal, std_error, mean_sin) =
                stats(&self.cos[r.clone()], &self.cos2[r.clone()], &self.sin[r], n);
            compartments.push(CompartmentSignal {
                name: (*name).to_string(),
                walkers: n,
                signal,
                std_error,
                mean_sin,
            });
        }
        let walkers: usize = self.count.iter().sum();
        let (signal, std_error, mean_sin) = stats(&total.cos, &total.cos2, &total.sin, walkers);
        SimulationResult {
            signal,
            std_error,
            mean_sin,
            compartments,
            walkers,
            steps,
            dt,
            seed,
            truncated_steps: self.truncated,
        }
    }
}

/// Means of `n` samples from their sums, and the standard errors of those means from the sums of
/// squares (unbiased variance); NaN where n is too small (0 for a mean, 1 for an error).
pub(crate) fn mean_and_std_error(sum: &[f64], sum2: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let nf = n as f64;
    let mean: Vec<f64> = sum
        .iter()
        .map(|c| if n > 0 { c / nf } else { f64::NAN })
        .collect();
    let se = sum2
        .iter()
        .zip(&mean)
        .map(|(c2, mu)| {
            if n < 2 {
                return f64::NAN;
            }
            let var = ((c2 - nf * mu * mu) / (nf - 1.0)).max(0.0);
            (var / nf).sqrt()
        })
        .collect();
    (mean, se)
}
