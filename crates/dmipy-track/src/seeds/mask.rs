//! `MaskSeeds`: N seeds in every voxel of a mask, random (keyed by voxel) or on a regular sub-voxel grid.

use super::SeedGenerator;
use crate::{Error, Grid, Rng};

/// Where the seeds of a voxel go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Uniform in the voxel, from the stream (seed, voxel index): the same for any thread count.
    Random {
        /// The run's seed.
        seed: u64,
    },
    /// A regular k × k × k grid at sub-voxel offsets (a + ½)/k − ½, a < k; needs N = k³.
    Regular,
}

/// `per_voxel` seeds in each voxel of the mask (voxels in file order).
#[derive(Debug, Clone)]
pub struct MaskSeeds {
    /// The mask's grid.
    pub grid: Grid,
    /// One flag per voxel.
    pub mask: Vec<bool>,
    /// Seeds per voxel (≥ 1).
    pub per_voxel: usize,
    /// Random or regular.
    pub placement: Placement,
}

impl SeedGenerator for MaskSeeds {
    fn seeds(&self) -> Result<Vec<[f64; 3]>, Error> {
        if self.mask.len() != self.grid.voxels() {
            return Err(Error::LengthMismatch {
                what: "seed mask voxels".into(),
                expected: self.grid.voxels(),
                found: self.mask.len(),
            });
        }
        let k = (self.per_voxel as f64).cbrt().round() as usize;
        if self.per_voxel == 0
            || (self.placement == Placement::Regular && k * k * k != self.per_voxel)
        {
            return Err(Error::BadSetting {
                name: "seeds per voxel",
                value: self.per_voxel as f64,
                reason: "must be ≥ 1 (and a cube k³ for a regular grid)",
            });
        }
        let [nx, ny, _] = self.grid.shape();
        let mut out = Vec::new();
        for (v, _) in self.mask.iter().enumerate().filter(|(_, m)| **m) {
            let idx = [v % nx, (v / nx) % ny, v / (nx * ny)].map(|i| i as f64);
            let mut rng = Rng::new(
                match self.placement {
                    Placement::Random { seed } => seed,
                    Placement::Regular => 0,
                },
                v as u64,
            );
            for s in 0..self.per_voxel {
                let offset: [f64; 3] = match self.placement {
                    Placement::Random { .. } => std::array::from_fn(|_| rng.uniform() - 0.5),
                    Placement::Regular => {
                        let a = [s % k, (s / k) % k, s / (k * k)];
                        a.map(|a| (a as f64 + 0.5) / k as f64 - 0.5)
                    }
                };
                let vox: [f64; 3] = std::array::from_fn(|a| idx[a] + offset[a]);
                out.push(self.grid.to_world(&vox));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_grid_seeds_sit_at_known_offsets() {
        let affine = [
            [2.0, 0.0, 0.0, 0.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let grid = Grid::new([2, 1, 1], affine).unwrap();
        let s = MaskSeeds {
            grid: grid.clone(),
            mask: vec![false, true],
            per_voxel: 8,
            placement: Placement::Regular,
        };
        let seeds = s.seeds().unwrap();
        assert_eq!(seeds.len(), 8);
        // Voxel 1 is centred at x = 2 mm; offsets ±¼ voxel = ±0.5 mm.
        assert_eq!(seeds[0], [1.5, -0.5, -0.5]);
        assert_eq!(seeds[7], [2.5, 0.5, 0.5]);
        let bad = MaskSeeds {
            per_voxel: 5,
            ..s.clone()
        };
        assert!(bad.seeds().is_err());
        let r = MaskSeeds {
            per_voxel: 5,
            placement: Placement::Random { seed: 3 },
            ..s
        };
        let a = r.seeds().unwrap();
        assert_eq!(a, r.seeds().unwrap());
        assert!(
            a.iter()
                .all(|p| (p[0] - 2.0).abs() <= 1.0 && p[1].abs() <= 1.0)
        );
    }
}
