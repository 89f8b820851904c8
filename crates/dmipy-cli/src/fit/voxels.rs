//! From NIfTI images to the voxel × measurement matrix the fitter takes, and back.

use anyhow::{Result, bail};
use dmipy_io::NiftiImage;
use std::path::Path;

/// Which voxels of the DWI's grid to fit: the mask image's non-zero voxels, or, without a mask,
/// voxels whose first volume is positive and finite.
pub fn read_mask(path: Option<&Path>, dwi: &NiftiImage<f64>) -> Result<Vec<bool>> {
    let n = dwi.voxels_per_volume();
    let Some(path) = path else {
        return Ok(dwi.data()[..n]
            .iter()
            .map(|&v| v.is_finite() && v > 0.0)
            .collect());
    };
    let mask = dmipy_io::read_nifti(path)?;
    let grid = |s: &[usize]| s.iter().take(3).copied().collect::<Vec<_>>();
    if grid(mask.shape()) != grid(dwi.shape()) || mask.voxels_per_volume() != n {
        bail!(
            "mask {} has shape {:?}, but the DWI's grid is {:?}",
            path.display(),
            mask.shape(),
            grid(dwi.shape())
        );
    }
    Ok(mask.data()[..n].iter().map(|&v| v != 0.0).collect())
}

/// The signals of the masked voxels, voxel-major (`voxels × volumes`), from a NIfTI image whose
/// volume index is slowest.
pub fn masked_signals(dwi: &NiftiImage<f64>, mask: &[bool]) -> Vec<f64> {
    let (n, volumes, data) = (dwi.voxels_per_volume(), dwi.volumes(), dwi.data());
    mask.iter()
        .enumerate()
        .filter(|(_, m)| **m)
        .flat_map(|(v, _)| (0..volumes).map(move |t| data[t * n + v]))
        .collect()
}

/// Scatters per-masked-voxel values (`masked × width`) back onto the grid (`width` volumes,
/// volume slowest), with `fill` outside the mask.
pub fn scatter(values: &[f64], width: usize, mask: &[bool], fill: f64) -> Vec<f64> {
    let n = mask.len();
    let mut grid = vec![fill; n * width];
    for (k, v) in mask
        .iter()
        .enumerate()
        .filter(|(_, m)| **m)
        .map(|(v, _)| v)
        .enumerate()
    {
        for c in 0..width {
            grid[c * n + v] = values[k * width + c];
        }
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scatter_inverts_the_masked_gather() {
        let mask = [true, false, true];
        // 3 voxels, 2 volumes, volume slowest: voxel v, volume t at t * 3 + v.
        let grid = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0];
        let gathered: Vec<f64> = mask
            .iter()
            .enumerate()
            .filter(|(_, m)| **m)
            .flat_map(|(v, _)| (0..2).map(move |t| grid[t * 3 + v]))
            .collect();
        assert_eq!(gathered, [1.0, 10.0, 3.0, 30.0]);
        assert_eq!(
            scatter(&gathered, 2, &mask, 0.0),
            [1.0, 0.0, 3.0, 10.0, 0.0, 30.0]
        );
    }
}
