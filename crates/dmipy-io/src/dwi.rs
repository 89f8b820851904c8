//! Diffusion-weighted images: a NIfTI read together with the acquisition scheme it must match.

use crate::{
    Error, MaskedImage, NiftiImage, RawNifti, Sample, first_volume_positive, read_mask,
    read_masked, read_nifti, read_raw_nifti,
};
use dmipy::AcquisitionScheme;
use std::path::Path;

/// Check that an image has one volume per measurement of `scheme`: a 4-D image (or 5-D and up,
/// counting the dimensions after the third together) whose volume count is `scheme.len()`.
/// `path` names the image in the error.
pub fn check_matches_scheme<T: Sample>(
    image: &NiftiImage<T>,
    scheme: &AcquisitionScheme,
    path: impl AsRef<Path>,
) -> Result<(), Error> {
    check_shape(image.shape(), scheme, path.as_ref())
}

fn check_shape(shape: &[usize], scheme: &AcquisitionScheme, path: &Path) -> Result<(), Error> {
    let volumes: usize = shape.iter().skip(3).product();
    if shape.len() < 4 || volumes != scheme.len() {
        return Err(Error::SchemeMismatch {
            path: path.to_path_buf(),
            shape: shape.to_vec(),
            volumes,
            measurements: scheme.len(),
        });
    }
    Ok(())
}

/// Read a diffusion-weighted NIfTI image (f64 values) and check it against its scheme.
pub fn read_dwi(
    path: impl AsRef<Path>,
    scheme: &AcquisitionScheme,
) -> Result<NiftiImage<f64>, Error> {
    let path = path.as_ref();
    let image = read_nifti(path)?;
    check_matches_scheme(&image, scheme, path)?;
    Ok(image)
}

/// As [`read_dwi`], keeping the samples undecoded ([`RawNifti`]): the way to read a
/// whole-brain DWI and then [`gather`](RawNifti::gather) only the masked voxels.
pub fn read_dwi_raw(path: impl AsRef<Path>, scheme: &AcquisitionScheme) -> Result<RawNifti, Error> {
    let path = path.as_ref();
    let image = read_raw_nifti(path)?;
    check_shape(image.shape(), scheme, path)?;
    Ok(image)
}

/// A DWI's masked voxels in one pass over the file ([`read_masked`]): the image is checked
/// against `scheme`, then the voxels of the mask file `mask` (non-zero, on the DWI's grid) or,
/// without one, those whose first volume is positive and finite ([`first_volume_positive`])
/// are gathered as f64, voxel-major. Memory: the masked voxels plus one volume of the file.
pub fn read_dwi_masked(
    path: impl AsRef<Path>,
    scheme: &AcquisitionScheme,
    mask: Option<&Path>,
) -> Result<MaskedImage<f64>, Error> {
    let path = path.as_ref();
    read_masked(path, |shape, first| {
        check_shape(shape, scheme, path)?;
        match mask {
            Some(mask) => read_mask(mask, shape),
            None => Ok(first_volume_positive(first)),
        }
    })
}
