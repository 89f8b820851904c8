//! Compartments whose signal depends on the gradient only through its angle to one axis.

use super::Compartment;
use crate::{AcquisitionScheme, Error, Scalar, Shell};

/// The acquisition values one kernel evaluation needs, of one measurement or of a whole shell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pulse {
    /// b-value (s/m²).
    pub bvalue: f64,
    /// Gradient pulse duration δ (s), if known.
    pub delta: Option<f64>,
    /// Gradient pulse separation Δ (s), if known.
    pub big_delta: Option<f64>,
    /// Echo time (s), if known.
    pub echo_time: Option<f64>,
}

impl Pulse {
    /// The values of measurement `index` of `scheme`.
    pub fn of_measurement(scheme: &AcquisitionScheme, index: usize) -> Self {
        Self {
            bvalue: scheme.bvalues()[index],
            delta: scheme.delta().map(|d| d[index]),
            big_delta: scheme.big_delta().map(|d| d[index]),
            echo_time: scheme.echo_time().map(|t| t[index]),
        }
    }

    /// The values of a shell (its mean b-value).
    pub fn of_shell(shell: &Shell) -> Self {
        Self {
            bvalue: shell.bvalue,
            delta: shell.delta,
            big_delta: shell.big_delta,
            echo_time: shell.echo_time,
        }
    }

    /// (δ, Δ) in s, or `MissingSchemeField` naming `model`.
    pub fn require_timing(&self, model: &str) -> Result<(f64, f64), Error> {
        match (self.delta, self.big_delta) {
            (Some(d), Some(big)) => Ok((d, big)),
            _ => Err(Error::MissingSchemeField {
                model: model.into(),
                field: "delta and Delta (pulse timing)",
            }),
        }
    }

    /// The diffusion time τ = Δ − δ/3 (s), as the scheme derives it (Dmipy 1.x convention).
    pub fn require_tau(&self, model: &str) -> Result<f64, Error> {
        let (delta, big_delta) = self.require_timing(model)?;
        Ok(crate::acquisition::tau(delta, big_delta))
    }

    /// $q = \sqrt{b/\tau}/(2\pi)$ (m⁻¹), the q-value the scheme derives from b, δ and Δ
    /// (Stejskal & Tanner 1965, doi:10.1063/1.1695690, eq. 7, with $b = (2\pi q)^2\tau$), or
    /// `MissingSchemeField` naming `model`. Equals [`AcquisitionScheme::qvalues`] of the
    /// measurement to rounding (tested).
    pub fn require_qvalue(&self, model: &str) -> Result<f64, Error> {
        let (delta, big_delta) = self.require_timing(model)?;
        Ok(crate::acquisition::q_from_b(self.bvalue, delta, big_delta))
    }
}

/// A compartment with an axis `mu` (the first parameter, `[θ, φ]`) whose signal depends on the gradient
/// direction only through the cosine of its angle to that axis.
///
/// This is what orientation dispersion (Watson, Bingham) and spherical means integrate: the kernel
/// along a given cosine, for the acquisition values of one shell or measurement. Implementations
/// share one kernel function with [`Compartment::signal`], so both give the same value for a unit
/// gradient at that cosine.
pub trait AxiallySymmetric: Compartment {
    /// Signal for a gradient at cosine `cosine` to the axis; `params` is the full parameter slice
    /// (its `mu` entries are ignored). Errors when `params` has the wrong length or the pulse lacks
    /// a field the model needs.
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error>;

    /// The signals at several cosines for one pulse, into `out` (same length as `cosines`).
    ///
    /// The default calls [`axial_signal`](Self::axial_signal) per cosine; models with work that
    /// depends only on the pulse and parameters (e.g. a root sum over the pulse timing) override it
    /// to do that work once.
    fn axial_signals<D: Scalar>(
        &self,
        pulse: &Pulse,
        cosines: &[f64],
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        check_same_length(self.name(), cosines.len(), out.len())?;
        for (o, &c) in out.iter_mut().zip(cosines) {
            *o = self.axial_signal(pulse, D::from(c), params)?;
        }
        Ok(())
    }

    /// `ParameterCount` unless `params` has [`Compartment::parameter_count`] entries.
    fn check_axial_params<D>(&self, params: &[D]) -> Result<(), Error> {
        if params.len() == self.parameter_count() {
            Ok(())
        } else {
            Err(Error::ParameterCount {
                model: self.name().into(),
                expected: self.parameter_count(),
                found: params.len(),
            })
        }
    }
}

/// `LengthMismatch` unless the output buffer has one entry per cosine.
pub(crate) fn check_same_length(model: &str, cosines: usize, out: usize) -> Result<(), Error> {
    if cosines == out {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: format!("{model} axial-signal buffer (one per cosine)"),
            expected: cosines,
            found: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulse_q_and_tau_equal_the_scheme_s() {
        let scheme = AcquisitionScheme::hcp_wu_minn().expect("scheme");
        let (q, tau) = (scheme.qvalues().expect("q"), scheme.tau().expect("tau"));
        for i in 0..scheme.len() {
            let pulse = Pulse::of_measurement(&scheme, i);
            let (pq, pt) = (
                pulse.require_qvalue("t").unwrap(),
                pulse.require_tau("t").unwrap(),
            );
            assert!(
                (pq - q[i]).abs() <= 1e-15 * q[i].max(1.0),
                "{i}: {pq} vs {}",
                q[i]
            );
            assert_eq!(pt, tau[i]);
        }
        let bare = Pulse {
            bvalue: 1e9,
            delta: Some(0.01),
            big_delta: None,
            echo_time: None,
        };
        assert!(matches!(
            bare.require_qvalue("M"),
            Err(Error::MissingSchemeField { .. })
        ));
    }
}
