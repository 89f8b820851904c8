//! # dmipy — diffusion-MRI microstructure models in Rust
//!
//! The core of dmipy-rs: acquisition schemes, every compartment model of Dmipy 1.x written once for
//! values and exact derivatives, orientation and size distributions, multi-compartment models with
//! Dmipy's parameter names and links, and voxelwise fitting. It reads no files and prints nothing:
//! file formats live in `dmipy-io`, the command line in `dmipy-cli`, Python in `dmipy-py`.
//!
//! ## Main types
//!
//! - [`AcquisitionScheme`] — what was measured: b-values (s/m²), unit gradient directions, optional
//!   pulse timing δ, Δ and echo time (s), with derived q-values, gradient strengths, τ = Δ − δ/3,
//!   b0 mask and shells.
//! - [`Compartment`] — one tissue compartment (`C1Stick` … `CC3CappedCylinderCallaghanApproximation`,
//!   all listed in [`AnyCompartment`]): a table of [`ParameterSpec`]s and one signal function
//!   generic over [`Scalar`], so that `f64` yields values and dual numbers (`num_dual::Dual64`)
//!   exact derivatives. [`SphericalMean`] gives per-shell means; [`AxiallySymmetric`] the kernel
//!   that orientation dispersion integrates.
//! - Distributions — [`SD1Watson`] and [`SD2Bingham`] dispersion ([`WatsonDispersed`],
//!   [`BinghamDispersed`], exact to ~1e-13 against dense quadrature) and the Gamma size
//!   distribution [`DD1Gamma`] ([`DD1GammaDistributed`]).
//! - [`MultiCompartmentModel`] — components with volume fractions that sum to one, Dmipy's names
//!   and links, spherical-mean and multi-tissue variants, JSON model files, turnkey models
//!   ([`MultiCompartmentModel::turnkey`], [`TURNKEY_NAMES`]).
//! - [`fit_model`] — brute-force start and bounded Levenberg–Marquardt with exact Jacobians for
//!   every voxel in parallel, with Cramér–Rao uncertainties ([`ModelFit`]); or AMICO's
//!   dictionary and regularised NNLS ([`fit_model_amico`]), or MIX's evolutionary search then
//!   refinement ([`fit_model_mix`]).
//! - [`MultiCompartmentSphericalHarmonicsModel`] — MC-CSD / MT-CSD: [`ConvolutionKernel`]s of
//!   fixed-parameter compartments or data-driven [`TissueResponse`]s ([`tournier_2013`],
//!   [`dhollander_2016`]), bound once ([`BoundShModel`]) and fitted by an exact positivity-
//!   constrained QP or Tournier 2007's CSD ([`fit_sh_deconvolution`], [`ShDeconvolutionFit`]);
//!   FOD peaks with [`PeakFinder`].
//! - [`VoxelLikelihood`] — the seam for samplers: S0-normalised data ([`EchoTimeGroups`]), a
//!   [`Noise`] model, and the log-likelihood of a free-parameter vector with its exact gradient.
//! - [`predict_voxels`], [`jacobian_voxels`], [`spherical_mean_voxels`], [`simulate_voxels`] —
//!   many voxels at once, in parallel (what the Python module calls).
//! - Tensor metrics ([`fractional_anisotropy`], [`mean_diffusivity`], …) for the CLI, Python and
//!   tractography.
//! - [`Error`] — every failure, typed and carrying the offending data.
//!
//! Units are SI everywhere; orientations are `mu = [θ, φ]` with unit vector
//! `(sinθ cosφ, sinθ sinφ, cosθ)`, as in Dmipy.
//!
//! ## Example
//!
//! A ball of diffusivity 3e-9 m²/s at b = 1e9 s/m² attenuates to e⁻³, and its derivative with
//! respect to the diffusivity is −b·e⁻³:
//!
//! ```
//! use dmipy::{AcquisitionScheme, Compartment, G1Ball, PulseTiming, SchemeOptions};
//! use num_dual::Dual64;
//!
//! let scheme = AcquisitionScheme::from_bvalues(
//!     &[0.0, 1e9],
//!     &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
//!     PulseTiming::none(),
//!     &SchemeOptions::default(),
//! )?;
//! let mut signal = [0.0; 2];
//! G1Ball.signal(&scheme, &[3e-9], &mut signal)?;
//! assert_eq!(signal[0], 1.0);
//! assert!((signal[1] - (-3.0f64).exp()).abs() < 1e-15);
//!
//! let mut dual = [Dual64::from(0.0); 2];
//! G1Ball.signal(&scheme, &[Dual64::from(3e-9).derivative()], &mut dual)?;
//! assert!((dual[1].eps / (-1e9 * (-3.0f64).exp()) - 1.0).abs() < 1e-14);
//! # Ok::<(), dmipy::Error>(())
//! ```
#![deny(missing_docs)]

mod acquisition;
mod compartments;
mod distributions;
mod error;
mod fit;
mod linalg;
mod log_linear_dti;
mod model;
mod nnls;
mod predict;
mod rng;
mod scalar;
mod sh_deconvolution;
mod special;
mod tensor_metrics;

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
    MAX_KAPPA, MAX_ORDER, SD1Watson, SD2Bingham, SD3Dispersed, SD3SphericalHarmonics,
    SizeDistributable, VolumeWeighting, WatsonCoefficients, WatsonDispersed, disperse_add,
    kappa_to_odi, odi_to_kappa, watson_scaled_normaliser,
};
pub use error::Error;
pub use fit::{
    BruteForceGrid, BruteForceOptions, EchoTimeGroups, FitControl, FitModel, FitOptions, FitResult,
    InitialGuess, LmOptions, Noise, NoiseModel, S0Mode, StopReason, VoxelFlag, VoxelLikelihood,
    axis_angle, fit_voxels, fit_voxels_with,
};
pub use model::{
    AmicoOptions, AmicoWeights, DistributedModel, Distribution, MAX_AMICO_ATOMS, MixOptions,
    ModelComponent, ModelFit, ModelParameter, ModelScratch, MultiCompartmentModel, ParameterValue,
    SolverModel, SolverScratch, TURNKEY_NAMES, VjpScratch, amico_weights, fit_model,
    fit_model_amico, fit_model_mix, nested_from_fractions, nested_to_fractions,
    tortuous_lambda_perp,
};
pub use predict::{
    jacobian_voxels, jacobian_width, predict_voxels, simulate_voxels, spherical_mean_voxels,
};
pub use rng::Rng;
pub use scalar::{Scalar, dot, unit_vector};
pub use sh_deconvolution::{
    BoundShModel, ConvolutionKernel, DhollanderOptions, GeodesicSphere,
    MultiCompartmentSphericalHarmonicsModel, NnlsInfo, Peak, PeakFinder, PeakOptions,
    ShDeconvolutionFit, ShFitOptions, ShSolver, ShVoxelFlag, ThreeTissueResponse, TissueResponse,
    TournierOptions, TournierResponseOptions, dhollander_2016, dmipy_to_mrtrix3,
    fit_sh_deconvolution, tournier_2013,
};
pub use special::{
    bessel_j_f64, bessel_jn, bessel_jn_prime, bessel_jn_prime_zeros, dawson, dual_from_derivatives,
    erf, erfi, legendre_p, real_sh_count, real_sh_mrtrix,
};
pub use tensor_metrics::{
    axial_diffusivity, fractional_anisotropy, mean_diffusivity, principal_eigenvector,
    radial_diffusivity, sorted_eigenvalues, symmetric_eigenvalues, symmetric_eigenvector,
    tensor_from_lower_triangular,
};
