//! `PointSeeds`: seeds given as world-space points (mm), checked to lie inside the image.

use super::SeedGenerator;
use crate::{Error, Grid};

/// A list of world points; each must lie inside `grid`.
#[derive(Debug, Clone)]
pub struct PointSeeds {
    /// The image the seeds must lie in.
    pub grid: Grid,
    /// The points (world mm).
    pub points: Vec<[f64; 3]>,
}

impl SeedGenerator for PointSeeds {
    fn seeds(&self) -> Result<Vec<[f64; 3]>, Error> {
        if let Some((index, point)) = self
            .points
            .iter()
            .enumerate()
            .find(|(_, p)| !self.grid.contains(p))
        {
            return Err(Error::SeedOutside {
                index,
                point: *point,
            });
        }
        Ok(self.points.clone())
    }
}
