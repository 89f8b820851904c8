//! Fitting: the `FitModel` trait a fittable model implements, and the map of the fitting engine.
//!
//! - [`FitModel`] — what the engine needs from a model: free parameters (SI), bounds, scales,
//!   kinds, and one signal function generic over [`Scalar`] with a caller-owned scratch buffer.
//! - `levenberg_marquardt` — a bounded Levenberg–Marquardt solver for one voxel, with exact
//!   Jacobians from dual numbers (`jacobian`), orientations on a tangent chart (`chart`).
//! - `brute_force` — a grid of candidate parameter vectors whose signals are precomputed once per
//!   (model, scheme); it gives each voxel its starting point.
//! - `voxels` — [`fit_voxels`]: S0 normalisation, brute force, Levenberg–Marquardt and
//!   Cramér–Rao standard deviations for every voxel, in parallel.

mod brute_force;
mod chart;
mod cramer_rao;
mod jacobian;
mod layout;
mod levenberg_marquardt;
mod linalg;
mod problem;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
pub(crate) mod test_models;
mod voxels;

pub use brute_force::{BruteForceGrid, BruteForceOptions};
pub use chart::axis_angle;
pub use levenberg_marquardt::{LmOptions, StopReason};
pub use voxels::{
    FitControl, FitOptions, FitResult, InitialGuess, S0Mode, VoxelFlag, fit_voxels, fit_voxels_with,
};

use crate::{AcquisitionScheme, Error, ParameterKind, Scalar};

/// A model the fitting engine can fit: a vector of free parameters in SI units with box bounds,
/// scales and kinds, and a signal function generic over the scalar type.
///
/// The multi-compartment model implements this; tests implement it by hand from compartments.
///
/// Conventions:
/// - [`kinds`](Self::kinds) has one entry per free scalar. An orientation takes two consecutive
///   entries [`ParameterKind::Orientation`], θ then φ (rad, Dmipy's `mu`); the engine optimises
///   it on a tangent chart of the sphere, so its bounds are not used, and reports it wrapped to
///   θ ∈ [0, π], φ ∈ (−π, π].
/// - Entries [`ParameterKind::Fraction`] are volume fractions in [0, 1]; the brute-force grid
///   places all of them together on the simplex {f ≥ 0, Σf ≤ 1} (the free fractions of a model
///   whose last fraction is 1 − Σf). A model whose fractions are nested (each in [0, 1]
///   independently) should mark them [`ParameterKind::Other`] to get a per-parameter grid.
/// - Every other parameter is optimised as `x / scale` within its bounds.
pub trait FitModel: Sync {
    /// Number of free scalar parameters.
    fn n_free(&self) -> usize;

    /// Lower and upper bound of each free parameter, SI units (length [`n_free`](Self::n_free)).
    fn bounds(&self) -> &[(f64, f64)];

    /// Typical magnitude of each free parameter (SI), e.g. 1e-9 m²/s for a diffusivity.
    fn scales(&self) -> &[f64];

    /// Kind of each free parameter (length [`n_free`](Self::n_free)).
    fn kinds(&self) -> &[ParameterKind];

    /// Number of scalars of type `D` the signal function needs as scratch space for a scheme of
    /// `n_measurements` measurements (e.g. one buffer per compartment). Default: none.
    fn scratch_len(&self, n_measurements: usize) -> usize {
        let _ = n_measurements;
        0
    }

    /// Writes the signal attenuation (1 at b = 0) of every measurement of `scheme` into `out`
    /// for the free parameters `x` (SI units). `scratch` has length
    /// [`scratch_len`](Self::scratch_len)`(scheme.len())`; the engine owns it so that nothing is
    /// allocated per voxel.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        x: &[D],
        out: &mut [D],
        scratch: &mut [D],
    ) -> Result<(), Error>;
}
