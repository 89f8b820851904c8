//! Diffusion-weighted images: a NIfTI read together with the acquisition scheme it must match.

use crate::{Error, NiftiImage, Sample, read_nifti};
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
    let volumes = image.volumes();
    if image.shape().len() < 4 || volumes != scheme.len() {
        return Err(Error::SchemeMismatch {
            path: path.as_ref().to_path_buf(),
            shape: image.shape().to_vec(),
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
