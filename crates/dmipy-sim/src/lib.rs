//! # dmipy-sim — Monte Carlo diffusion-MRI simulator
//!
//! Random walkers in a geometry, arbitrary gradient waveforms, signal = mean of cos φ. It is
//! exact in the limit of small steps and many walkers (steps of fixed length √(6DΔt), elastic
//! reflection at the exact collision point conserving the step's length, as Disimpy), fast on CPUs
//! (one walker at a time through all its steps, walkers in parallel with rayon) and checked against
//! exact signals (free diffusion, and the core's restricted models in the regimes where they are
//! exact). It does not fit models (that is `dmipy`) or read files other than substrate JSON and
//! mesh (PLY, STL) bytes.
//!
//! ## Main types
//!
//! - [`Substrate`] — the seam to the geometry (STYLE §13): "which compartment is this point in?"
//!   and "first wall along this segment, with its normal". Implemented by [`Free`], [`Slab`],
//!   [`Cylinder`], [`Sphere`], [`Ellipsoid`] and [`CylinderPacking`] (Gamma radii packed in a
//!   periodic voxel, intra and extra, optionally permeable) and [`Mesh`] (inside and outside of a
//!   closed triangle surface read by [`parse_mesh`] from PLY or STL, alone or tiled in a periodic
//!   voxel); [`AnySubstrate`] dispatches statically and [`parse_substrate`] reads one from JSON.
//! - [`Waveforms`] — the effective gradient G(t) of every measurement on a time grid, stored as a
//!   few shared temporal profiles times per-measurement vectors, so that the cost per step grows
//!   with the number of distinct profiles, not measurements. Constructors: [`Waveforms::pgse`],
//!   [`Waveforms::pgse_trapezoidal`], [`Waveforms::ogse_cosine`], [`Waveforms::from_samples`].
//! - [`Settings`] and [`Start`] — walkers, seed, threads, where walkers start, permeability.
//! - [`simulate`] → [`SimulationResult`] — signal, standard error, mean of sin φ, per compartment.
//!   The random numbers of walker i are Philox4x32-10 blocks keyed by the seed with counter
//!   (i, draw), so a seed gives a bit-identical signal whatever the thread count.
//! - [`Error`] — every failure, typed; substrate errors name the field.
//!
//! Files: `substrate/` (trait and one file per shape), `waveform.rs`, `walk.rs` (the engine),
//! `result.rs`, `rng.rs`, `spec.rs` (JSON), `vector.rs`.
//!
//! ## Example
//!
//! Free diffusion at D = 2e-9 m²/s and b = 1e9 s/m² gives e⁻² ≈ 0.135 (Stejskal & Tanner 1965):
//!
//! ```
//! use dmipy::{AcquisitionScheme, PulseTiming, SchemeOptions};
//! use dmipy_sim::{Free, Settings, Waveforms, simulate};
//!
//! let scheme = AcquisitionScheme::from_bvalues(
//!     &[0.0, 1e9],
//!     &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
//!     PulseTiming::pgse(0.01, 0.03),
//!     &SchemeOptions::default(),
//! )?;
//! let waveforms = Waveforms::pgse(&scheme, 100)?;
//! let settings = Settings { walkers: 4000, seed: 1, ..Settings::default() };
//! let result = simulate(&Free::new(2e-9)?, &waveforms, &settings)?;
//! assert_eq!(result.signal[0], 1.0);
//! let expected = (-2.0f64).exp();
//! assert!((result.signal[1] - expected).abs() < 4.0 * result.std_error[1]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod derivative;
mod error;
mod result;
mod rng;
mod spec;
mod substrate;
mod vector;
mod walk;
mod waveform;

#[cfg(test)]
mod derivative_tests;
#[cfg(test)]
mod exact_tests;
#[cfg(test)]
mod mesh_tests;
#[cfg(test)]
mod restricted_tests;
#[cfg(test)]
mod tests;

pub use derivative::{
    SignalDerivatives, simulate_any_derivatives, simulate_derivatives, simulate_derivatives_with,
};
pub use error::Error;
pub use result::{ChunkSums, CompartmentSignal, SimulationResult};
pub use spec::{SUBSTRATE_KINDS, parse_substrate, parse_substrate_in};
pub use substrate::{
    AnySubstrate, Cylinder, CylinderPacking, Differentiable, Ellipsoid, Free, Hit, Mesh, Slab,
    Sphere, Substrate, TriangleMesh, parse_mesh,
};
pub use vector::Vec3;
pub use walk::{
    Control, Settings, Start, chunk_count, combine_chunks, final_positions, simulate,
    simulate_chunks, simulate_with,
};
pub use waveform::{WaveformShape, Waveforms};
