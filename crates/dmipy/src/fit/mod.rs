//! Fitting: the `FitModel` trait a fittable model implements, and the map of the fitting engine.
//!
//! - [`FitModel`] — what the engine needs from a model: free parameters (SI), bounds, scales,
//!   kinds, and one signal function generic over [`Scalar`] with an engine-owned scratch value.
//! - `levenberg_marquardt` — a bounded Levenberg–Marquardt solver for one voxel, with exact
//!   Jacobians from dual numbers (`jacobian`), orientations on a tangent chart (`chart`).
//! - `brute_force` — a grid of candidate parameter vectors whose signals are precomputed once per
//!   (model, scheme); it gives each voxel its starting point.
//! - `normalisation` — [`EchoTimeGroups`]: S0 per echo-time group (from the scheme's shells) and
//!   the normalised data of a voxel.
//! - `likelihood` — [`VoxelLikelihood`]: the seam for samplers, the log-likelihood of one voxel's
//!   normalised data under a [`Noise`] model with its exact gradient.
//! - `voxels` — [`fit_voxels`]: S0 normalisation, brute force, Levenberg–Marquardt and
//!   Cramér–Rao standard deviations for every voxel, in parallel.
//! - `rician` — [`NoiseModel`]: Gaussian least squares, or a Rician maximum-likelihood
//!   refinement with a given or estimated σ.

mod brute_force;
mod chart;
mod cramer_rao;
pub(crate) mod jacobian;
mod layout;
mod levenberg_marquardt;
mod likelihood;
mod normalisation;
mod problem;
#[cfg(test)]
mod recovery_tests;
mod rician;
#[cfg(test)]
mod rician_tests;
#[cfg(test)]
pub(crate) mod test_models;
mod voxels;

pub use brute_force::{BruteForceGrid, BruteForceOptions};
pub use chart::axis_angle;
pub use levenberg_marquardt::{LmOptions, StopReason};
pub use likelihood::{Noise, VoxelLikelihood};
pub use normalisation::EchoTimeGroups;
pub use rician::NoiseModel;
pub use voxels::{
    FitControl, FitOptions, FitResult, InitialGuess, S0Mode, VoxelFlag, fit_voxels, fit_voxels_with,
};

use crate::{AcquisitionScheme, Error, ParameterKind, Scalar, VjpScratch};

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

    /// Working memory of the signal function for scalars of type `D` (e.g. one buffer per
    /// compartment, or a [`ModelScratch`](crate::ModelScratch)). The engine creates one per
    /// thread and scalar type with [`scratch`](Self::scratch) and reuses it for every
    /// evaluation, so that nothing is allocated per voxel.
    type Scratch<D: Scalar>: Send;

    /// A scratch value sized for `scheme`.
    fn scratch<D: Scalar>(&self, scheme: &AcquisitionScheme) -> Self::Scratch<D>;

    /// Whether the signal depends on the voxel index (per-voxel fixed parameters). Default false.
    ///
    /// The brute-force grid of such a model cannot be precomputed once: the engine then scores
    /// the grid's candidates voxel by voxel, evaluating each candidate's signal at that voxel
    /// (correct, but one model evaluation per candidate and voxel).
    fn varies_per_voxel(&self) -> bool {
        false
    }

    /// Writes the signal attenuation (1 at b = 0) of every measurement of `scheme` into `out`
    /// for the free parameters `x` (SI units) of voxel `voxel` (the index of the voxel in the
    /// data, for models with per-voxel fixed parameters; others ignore it).
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        voxel: usize,
        x: &[D],
        out: &mut [D],
        scratch: &mut Self::Scratch<D>,
    ) -> Result<(), Error>;

    /// Whether the model computes $J^\top\rho$ itself ([`signal_for_vjp`](Self::signal_for_vjp)
    /// then [`vjp`](Self::vjp)), cheaper than the forward-mode Jacobian. Default false.
    fn has_vjp(&self) -> bool {
        false
    }

    /// The signal at `x` (f64) into `out`, keeping in `state` what [`vjp`](Self::vjp) needs.
    /// Only called when [`has_vjp`](Self::has_vjp); the default refuses.
    fn signal_for_vjp(
        &self,
        _voxel: usize,
        _x: &[f64],
        _out: &mut [f64],
        _state: &mut VjpScratch,
    ) -> Result<(), Error> {
        Err(Error::InvalidArgument {
            what: "vector-Jacobian product".into(),
            reason: "this model has none".into(),
        })
    }

    /// $J^\top\rho$ at the `x` of the last [`signal_for_vjp`](Self::signal_for_vjp) into
    /// `gradient` (length n).
    fn vjp(&self, _rho: &[f64], _state: &mut VjpScratch, _gradient: &mut [f64]) {}
}
