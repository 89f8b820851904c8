//! Multi-compartment spherical deconvolution (Dmipy 1.x's `MultiCompartmentSphericalHarmonicsModel`): kernels, design, solvers, fits, peaks and tissue responses.
//!
//! - [`ConvolutionKernel`] (`kernel.rs`) — rotational harmonics of a fixed-parameter compartment
//!   per pulse group, or of a data-driven response per shell.
//! - [`MultiCompartmentSphericalHarmonicsModel`] (`model.rs`) — kernels, S0 responses and fractions;
//!   [`bind`](MultiCompartmentSphericalHarmonicsModel::bind) builds the design and constraints once.
//! - Solvers: the exact positivity-constrained QP (`qp.rs`, on the crate's NNLS, `crate::nnls`) and
//!   Tournier 2007's iterative CSD (`tournier.rs`).
//! - [`fit_sh_deconvolution`] and [`ShDeconvolutionFit`] (`fit.rs`) — all voxels in parallel; FOD,
//!   fractions, MSE, R², anisotropy index, norm of the Laplacian.
//! - [`PeakFinder`] (`peaks.rs`) on a [`GeodesicSphere`] (`sphere.rs`).
//! - Tissue responses from data (`response.rs`): Tournier 2013 (WM) and Dhollander 2016 (WM/GM/CSF).
//! - `basis.rs` — Dmipy's SH coefficients to MRtrix3's (`tournier07`, non-legacy) for files.

mod basis;
mod fit;
mod kernel;
mod model;
mod peaks;
mod qp;
mod response;
mod sphere;
#[cfg(test)]
mod tests;
mod tournier;

pub use crate::nnls::NnlsInfo;
pub use basis::dmipy_to_mrtrix3;
pub use fit::{ShDeconvolutionFit, ShVoxelFlag, fit_sh_deconvolution};
pub use kernel::ConvolutionKernel;
pub use model::{
    BoundShModel, MultiCompartmentSphericalHarmonicsModel, ShFitOptions, ShSolver, TournierOptions,
};
pub use peaks::{Peak, PeakFinder, PeakOptions};
pub use response::{
    DhollanderOptions, ThreeTissueResponse, TissueResponse, TournierResponseOptions,
    dhollander_2016, tournier_2013,
};
pub use sphere::GeodesicSphere;
