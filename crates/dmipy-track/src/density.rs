//! Streamline summaries on a grid: the density map and the end-point connectivity matrix.

use crate::{Error, Grid};

/// The number of streamlines visiting each voxel (each streamline counted once per voxel, at the
/// nearest voxel of each of its points; as DIPY's `utils.density_map` and MRtrix's `tckmap`
/// count them). Points outside the grid are ignored.
pub fn density_map(grid: &Grid, streamlines: &[Vec<[f64; 3]>]) -> Vec<u32> {
    let mut map = vec![0u32; grid.voxels()];
    let mut last_seen = vec![usize::MAX; grid.voxels()];
    for (s, line) in streamlines.iter().enumerate() {
        for p in line {
            if let Some(v) = grid.nearest(p)
                && last_seen[v] != s
            {
                last_seen[v] = s;
                map[v] += 1;
            }
        }
    }
    map
}

/// The symmetric matrix of streamline counts between the labels of the two end points (label of
/// the nearest voxel; label 0, the background, is a row like any other, as in DIPY's
/// `utils.connectivity_matrix`). `labels` are non-negative integers, one per voxel; the matrix
/// is (max label + 1)², row major. End points outside the grid are not counted.
pub fn connectivity_matrix(
    grid: &Grid,
    labels: &[u32],
    streamlines: &[Vec<[f64; 3]>],
) -> Result<(usize, Vec<u64>), Error> {
    if labels.len() != grid.voxels() {
        return Err(Error::LengthMismatch {
            what: "label image voxels".into(),
            expected: grid.voxels(),
            found: labels.len(),
        });
    }
    let n = labels.iter().copied().max().unwrap_or(0) as usize + 1;
    let mut m = vec![0u64; n * n];
    for line in streamlines {
        let (Some(a), Some(b)) = (line.first(), line.last()) else {
            continue;
        };
        if let (Some(va), Some(vb)) = (grid.nearest(a), grid.nearest(b)) {
            let (la, lb) = (labels[va] as usize, labels[vb] as usize);
            m[la * n + lb] += 1;
            if la != lb {
                m[lb * n + la] += 1;
            }
        }
    }
    Ok((n, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_hand() {
        let affine = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let g = Grid::new([3, 1, 1], affine).unwrap();
        // Line 1 visits voxels 0, 1, 2 (two points in voxel 1); line 2 stays in voxel 2.
        let lines = vec![
            vec![
                [0.0, 0.0, 0.0],
                [0.9, 0.0, 0.0],
                [1.2, 0.0, 0.0],
                [2.0, 0.0, 0.0],
            ],
            vec![[2.1, 0.0, 0.0], [1.8, 0.0, 0.0]],
        ];
        assert_eq!(density_map(&g, &lines), vec![1, 1, 2]);
        let (n, m) = connectivity_matrix(&g, &[1, 0, 2], &lines).unwrap();
        assert_eq!(n, 3);
        // Line 1 joins labels 1 and 2; line 2 starts and ends in label 2.
        assert_eq!(m, vec![0, 0, 0, 0, 0, 1, 0, 1, 1]);
        assert!(connectivity_matrix(&g, &[1, 0], &lines).is_err());
    }
}
