//! # dmipy-track — streamline tractography, right in world space and differentiable
//!
//! Streamlines through the orientation fields that dmipy-rs produces, in world (RAS mm)
//! coordinates on any voxel grid (flipped, oblique, anisotropic), with exact derivatives of
//! every point with respect to the seed and the field values. It reads and writes no files:
//! NIfTI and the tractogram formats (`.tck`, `.trk`) live in `dmipy-io`, the command in
//! `dmipy-cli` (`dmipy track`).
//!
//! ## Main types (DIPY's split: field, direction getter, stopping criterion, seeds, integrator)
//!
//! - [`Grid`] — shape and 4 × 4 voxel-to-world affine; world ↔ voxel, trilinear weights.
//! - Fields — [`OrientationField`]s give a fibre axis ([`PeaksField`], [`TensorField`], the
//!   analytic [`HelixField`]); [`PmfField`]s give FOD amplitudes on a sphere ([`ShField`] in the
//!   [`ShBasis`] `descoteaux07` or `tournier07`, current or legacy, even orders ≤ 12).
//! - [`DirectionGetter`]s — [`FollowAxis`] (deterministic on axes), [`DeterministicMaximum`]
//!   and [`Probabilistic`] (on FODs), each with a maximum angle per step.
//! - [`Integrator`]s — [`Euler`], [`Rk2`], [`Rk4`] (orders 1, 2, 4, tested on circles and helices).
//! - [`StoppingCriterion`]s — [`MaskStop`], [`ThresholdStop`], the smooth [`SoftThreshold`];
//!   leaving the image and the angle limit are checked by the tracker. Each end keeps its
//!   [`StopReason`].
//! - [`SeedGenerator`]s — [`MaskSeeds`] (random keyed by voxel, or a regular sub-voxel grid),
//!   [`PointSeeds`] (world points).
//! - [`track`] (one seed, generic over the scalar) and [`track_all`] (all seeds with rayon;
//!   random streams keyed by streamline index via [`Rng`], so any thread count gives the same
//!   tractogram), with [`TrackingSettings`].
//!
//! - [`TrackingJob`] — a [`FieldVolume`] (peaks, tensors or SH, as NIfTI stores them), an
//!   [`Algorithm`], an [`IntegratorKind`], settings and criteria, run over seeds: what the command
//!   and the Python module share.
//! - [`density_map`] and [`connectivity_matrix`] — the two summaries users compute first.
//!
//! Non-smooth choices — which peak, which sphere vertex, stopping — are made on the real part;
//! derivatives flow through interpolation weights, chosen peaks or tensors, and integration.
//!
//! ## Example
//!
//! A circle of radius 10 mm about the z axis, followed for a quarter turn with RK4 steps of 1 mm:
//! the forward end lands on (0, 10, 0) mm to within 1e-5 mm.
//!
//! ```
//! use dmipy_track::{FollowAxis, HelixField, Rk4, TrackingSettings, track};
//!
//! let getter = FollowAxis::new(HelixField { pitch_per_radian: 0.0 }, 30.0);
//! let quarter = 5.0 * std::f64::consts::PI; // (π/2)·10 mm
//! let settings = TrackingSettings { step_mm: quarter / 16.0, max_length_mm: quarter, ..Default::default() };
//! let line = track(&getter, &Rk4, &[], [10.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0, &settings);
//! let end: [f64; 3] = *line.points.last().unwrap();
//! assert!(end[0].abs() < 1e-5 && (end[1] - 10.0).abs() < 1e-5);
//! assert_eq!(line.points.len(), 17); // seed + 16 steps; the backward half has no budget left
//! ```
#![deny(missing_docs)]

mod density;
mod direction;
mod error;
mod field;
mod grid;
mod integrator;
mod job;
mod seeds;
mod stopping;
mod tracker;
#[cfg(test)]
mod tracker_tests;

pub use density::{connectivity_matrix, density_map};
pub use direction::{DeterministicMaximum, DirectionGetter, FollowAxis, Probabilistic};
pub use dmipy::Rng;
pub use error::Error;
pub use field::{
    Frame, HelixField, OrientationField, PeaksField, PmfField, ShBasis, ShField, TensorField,
    hemisphere, real_sh_basis, sh_order_of_count,
};
pub use grid::{Affine, Grid};
pub use integrator::{DirectionFn, Euler, Integrator, Rk2, Rk4};
pub use job::{Algorithm, FieldVolume, IntegratorKind, TrackingJob};
pub use seeds::{MaskSeeds, Placement, PointSeeds, SeedGenerator};
pub use stopping::{MaskStop, SoftThreshold, StopReason, StoppingCriterion, ThresholdStop};
pub use tracker::{Streamline, TrackingSettings, track, track_all};
