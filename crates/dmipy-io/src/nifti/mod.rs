//! NIfTI-1 and NIfTI-2 images (`.nii`, `.nii.gz`): one header model, reading and writing.
//!
//! Why our own code rather than the `nifti` crate (0.18): that crate reads and writes NIfTI-1
//! only, while large diffusion data sets (HCP-style grids, > 32767 voxels along an axis, or
//! files written by tools that default to NIfTI-2) need NIfTI-2 as well. The two versions differ
//! only in field widths and offsets, so one [`NiftiHeader`] (f64 fields, i64 dims) with a codec
//! per version ([`codec`]) covers both, keeps the sform, qform, quaternion parameters, units and
//! scaling exactly, and avoids pulling `ndarray`/`nalgebra` into every consumer of this crate.
//! Voxel data are streamed chunk by chunk, so a header that lies about its size cannot make us
//! allocate more than the file actually holds.

pub(crate) mod affine;
pub(crate) mod codec;
pub(crate) mod datatype;
pub(crate) mod header;
pub(crate) mod image;
pub(crate) mod masked;
pub(crate) mod raw;
pub(crate) mod read;
pub(crate) mod write;

pub use affine::{Affine, IDENTITY, Qform, affine_to_quaternion, quaternion_to_affine};
pub use datatype::{ByteOrder, DataType};
pub use header::{NiftiHeader, NiftiVersion, SpatialUnit, TimeUnit};
pub use image::{NiftiImage, Sample};
pub use masked::{MaskedImage, read_masked};
pub use raw::{RawNifti, parse_raw_nifti, read_raw_nifti};
pub use read::{parse_nifti, read_nifti, read_nifti_as};
pub use write::{encode_nifti, write_nifti};
