//! Volume helpers: voxel masks, gathering masked voxels voxel-major, scattering back to a grid.
//!
//! Images store volumes one after another (voxel `v` of volume `t` at `t · n + v`, `n` voxels
//! per volume); fitting, tractography and Python want one row per voxel. A mask has one entry
//! per voxel of the grid; "the `k`-th masked voxel" counts masked voxels in file order.

use crate::Error;
use crate::nifti::{NiftiImage, RawNifti, Sample, read_raw_nifti};
use std::path::Path;

/// The grid indices of the masked voxels, in file order.
pub fn masked_indices(mask: &[bool]) -> impl Iterator<Item = usize> + '_ {
    mask.iter().enumerate().filter(|(_, m)| **m).map(|(v, _)| v)
}

/// The rows of the masked voxels (`masked × volumes`, voxel-major) from volume-major `data`
/// holding whole volumes of `mask.len()` voxels each.
pub fn gather<T: Copy>(data: &[T], mask: &[bool]) -> Result<Vec<T>, Error> {
    let n = mask.len();
    if n == 0 || !data.len().is_multiple_of(n) {
        return Err(Error::ShapeMismatch {
            what: "values for whole volumes of the mask's grid".into(),
            expected: vec![n],
            found: vec![data.len()],
        });
    }
    let volumes = data.len() / n;
    Ok(masked_indices(mask)
        .flat_map(|v| (0..volumes).map(move |t| data[t * n + v]))
        .collect())
}

/// The masked voxels of an image, voxel-major (`masked × volumes`).
pub fn masked_signals<T: Sample>(image: &NiftiImage<T>, mask: &[bool]) -> Result<Vec<T>, Error> {
    if mask.len() != image.voxels_per_volume() {
        return Err(Error::ShapeMismatch {
            what: "mask entries (one per voxel of the image's grid)".into(),
            expected: vec![image.voxels_per_volume()],
            found: vec![mask.len()],
        });
    }
    gather(image.data(), mask)
}

/// The inverse of [`gather`]: per-masked-voxel rows (`masked × width`) put back onto the grid
/// as `width` volumes (volume slowest), `fill` outside the mask.
pub fn scatter<T: Copy>(
    values: &[T],
    width: usize,
    mask: &[bool],
    fill: T,
) -> Result<Vec<T>, Error> {
    let masked = mask.iter().filter(|&&m| m).count();
    if values.len() != masked * width {
        return Err(Error::ShapeMismatch {
            what: format!("values for {masked} masked voxels × {width}"),
            expected: vec![masked * width],
            found: vec![values.len()],
        });
    }
    let n = mask.len();
    let mut grid = vec![fill; n * width];
    for (row, v) in values.chunks_exact(width.max(1)).zip(masked_indices(mask)) {
        for (c, &value) in row.iter().enumerate() {
            grid[c * n + v] = value;
        }
    }
    Ok(grid)
}

/// The voxels of a mask file whose (first-volume) value is non-zero; the mask's grid must
/// be `grid` (the first three dimensions of the image it selects from).
pub fn read_mask(path: impl AsRef<Path>, grid: &[usize]) -> Result<Vec<bool>, Error> {
    let path = path.as_ref();
    let mask = read_raw_nifti(path)?;
    let grid: Vec<usize> = grid.iter().take(3).copied().collect();
    let own: Vec<usize> = mask.shape().iter().take(3).copied().collect();
    if own != grid || mask.voxels_per_volume() != grid.iter().product::<usize>() {
        return Err(Error::MaskGrid {
            path: path.to_path_buf(),
            shape: mask.shape().to_vec(),
            grid,
        });
    }
    Ok(mask.mask_where(0, |v| v != 0.0))
}

/// The default fitting mask: voxels whose first volume is positive and finite. Decodes only
/// the first volume.
pub fn first_volume_positive(image: &RawNifti) -> Vec<bool> {
    image.mask_where(0, |v| v.is_finite() && v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_inverts_the_masked_gather() {
        let mask = [true, false, true];
        // 3 voxels, 2 volumes, volume slowest: voxel v, volume t at t * 3 + v.
        let grid = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        let gathered = gather(&grid, &mask).unwrap();
        assert_eq!(gathered, [1.0, 10.0, 3.0, 30.0]);
        assert_eq!(
            scatter(&gathered, 2, &mask, 0.0).unwrap(),
            [1.0, 0.0, 3.0, 10.0, 0.0, 30.0]
        );
        assert_eq!(masked_indices(&mask).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn lengths_that_do_not_fit_the_mask_are_errors() {
        let mask = [true, false, true];
        let err = gather(&[1.0; 7], &mask).unwrap_err();
        assert!(err.to_string().contains("found [7]"), "{err}");
        let err = scatter(&[1.0; 3], 2, &mask, 0.0).unwrap_err();
        assert!(err.to_string().contains("expected [4], found [3]"), "{err}");
        assert!(gather(&[1.0; 3], &[]).is_err());
    }
}
