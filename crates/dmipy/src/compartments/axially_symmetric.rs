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
}

/// A compartment with an axis `mu` (the first parameter, `[θ, φ]`) whose signal depends on the gradient
/// direction only through the cosine of its angle to that axis.
///
/// This is what orientation dispersion (Watson, Bingham) and spherical means integrate: the kernel
/// along a given cosine, for the acquisition values of one shell or measurement.
pub trait AxiallySymmetric: Compartment {
    /// Signal for a gradient at cosine `cosine` to the axis; `params` is the full parameter slice
    /// (its `mu` entries are ignored). Errors when the pulse lacks a field the model needs.
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error>;
}
