//! # dmipy — diffusion-MRI microstructure models in Rust
//!
//! The core of dmipy-rs: acquisition schemes, compartment models written once for values and exact
//! derivatives, and (to come) distributions, multi-compartment models, fitting and inference.
//! It reads no files and prints nothing: file formats live in `dmipy-io`, the command line in
//! `dmipy-cli`.
//!
//! ## Main types
//!
//! - [`AcquisitionScheme`] — what was measured: b-values (s/m²), unit gradient directions, optional
//!   pulse timing δ, Δ and echo time (s), with derived q-values, gradient strengths, τ = Δ − δ/3,
//!   b0 mask and shells.
//! - [`Compartment`] — a model of one tissue compartment: a table of [`ParameterSpec`]s and one
//!   signal function generic over [`Scalar`], so that `f64` yields values and dual numbers
//!   (`num_dual::Dual64`) yield exact derivatives.
//! - [`DD1GammaDistributed`] — a restricted compartment integrated over the volume-weighted
//!   Gamma distribution of radii [`DD1Gamma`]; again a [`Compartment`].
//! - [`Error`] — every failure, typed and carrying the offending data.
//!
//! Units are SI everywhere; orientations are `mu = [θ, φ]` with unit vector
//! `(sinθ cosφ, sinθ sinφ, cosθ)`, as in Dmipy.
#![deny(missing_docs)]

mod acquisition;
mod compartments;
mod distributions;
mod error;
mod fit;
mod model;
mod predict;
mod scalar;
mod special;

pub use acquisition::{
    AcquisitionScheme, GYROMAGNETIC_RATIO, PerMeasurement, PulseTiming, SchemeOptions, Shell,
};
pub use compartments::{
    AnyCompartment, AxiallySymmetric, C1Stick, C2CylinderStejskalTannerApproximation,
    C3CylinderCallaghanApproximation, C4CylinderGaussianPhaseApproximation,
    CC2CappedCylinderStejskalTannerApproximation, CC3CappedCylinderCallaghanApproximation,
    Compartment, DEFAULT_HALF_NODES, G1Ball, G2Zeppelin, G3TemporalZeppelin,
    HalfRangeGaussLegendre, Ivim, P2PlaneStejskalTannerApproximation,
    P3PlaneCallaghanApproximation, ParameterKind, ParameterSpec, Pulse, S1Dot,
    S2SphereStejskalTannerApproximation, S3SphereCallaghanApproximation,
    S4SphereGaussianPhaseApproximation, SphericalMean, Tensor, axial_gaussian_mean,
    axial_model_mean, axially_symmetric_gaussian_mean, axially_symmetric_mean,
};
pub use distributions::{
    BinghamCoefficients, BinghamDispersed, DD1Gamma, DD1GammaDistributed, DispersionCoefficients,
    MAX_KAPPA, MAX_ORDER, SD1Watson, SD2Bingham, SizeDistributable, VolumeWeighting,
    WatsonCoefficients, WatsonDispersed, disperse_add, kappa_to_odi, odi_to_kappa,
    watson_scaled_normaliser,
};
pub use error::Error;
pub use fit::{
    BruteForceGrid, BruteForceOptions, FitControl, FitModel, FitOptions, FitResult, InitialGuess,
    LmOptions, S0Mode, StopReason, VoxelFlag, axis_angle, fit_voxels, fit_voxels_with,
};
pub use model::{
    DistributedModel, Distribution, ModelComponent, ModelFit, ModelParameter, ModelScratch,
    MultiCompartmentModel, ParameterValue, TURNKEY_NAMES, fit_model, nested_from_fractions,
    nested_to_fractions, tortuous_lambda_perp,
};
pub use predict::predict_voxels;
pub use scalar::{Scalar, dot, unit_vector};
pub use special::{
    bessel_j_f64, bessel_jn, bessel_jn_prime, bessel_jn_prime_zeros, dawson, dual_from_derivatives,
    erf, erfi, legendre_p, real_sh_count, real_sh_mrtrix,
};
