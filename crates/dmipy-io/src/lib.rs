//! File formats of dmipy-rs (NIfTI, FSL, Camino, JSON schemes).
#![deny(missing_docs)]

mod error;
mod nifti;

pub use error::Error;
pub use nifti::{
    Affine, ByteOrder, DataType, IDENTITY, NiftiHeader, NiftiImage, NiftiVersion, Sample,
    SpatialUnit, TimeUnit, encode_nifti, parse_nifti, read_nifti, read_nifti_as, write_nifti,
};
