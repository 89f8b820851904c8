//! `MaskStop`: stop on leaving a binary mask (nearest voxel, as DIPY's BinaryStoppingCriterion).

use super::{StopReason, StoppingCriterion};
use crate::{Error, Grid};
use dmipy::Scalar;

/// A binary mask on a grid; a point is inside when its nearest voxel is set (DIPY's
/// `BinaryStoppingCriterion`). A piecewise-constant test, decided on the real part.
#[derive(Debug, Clone)]
pub struct MaskStop {
    grid: Grid,
    mask: Vec<bool>,
}

impl MaskStop {
    /// A mask of one value per voxel (first index fastest).
    pub fn new(grid: Grid, mask: Vec<bool>) -> Result<Self, Error> {
        if mask.len() != grid.voxels() {
            return Err(Error::LengthMismatch {
                what: "mask voxels".into(),
                expected: grid.voxels(),
                found: mask.len(),
            });
        }
        Ok(Self { grid, mask })
    }
}

impl<D: Scalar> StoppingCriterion<D> for MaskStop {
    fn stop(&self, point: &[D; 3]) -> Option<StopReason> {
        let p = point.map(|x| x.re());
        match self.grid.nearest(&p) {
            Some(v) if self.mask[v] => None,
            Some(_) => Some(StopReason::Mask),
            None => Some(StopReason::LeftImage),
        }
    }
}
