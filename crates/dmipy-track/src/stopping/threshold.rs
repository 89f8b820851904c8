//! `ThresholdStop`: stop where a trilinearly interpolated scalar map (FA, GFA, a fraction) falls below a threshold.

use super::{StopReason, StoppingCriterion};
use crate::{Error, Grid};
use dmipy::Scalar;

/// Stops when the interpolated map value is below `threshold` (DIPY's
/// `ThresholdStoppingCriterion`), on the real part.
#[derive(Debug, Clone)]
pub struct ThresholdStop {
    grid: Grid,
    map: Vec<f64>,
    threshold: f64,
}

impl ThresholdStop {
    /// A map of one value per voxel and its threshold.
    pub fn new(grid: Grid, map: Vec<f64>, threshold: f64) -> Result<Self, Error> {
        if map.len() != grid.voxels() {
            return Err(Error::LengthMismatch {
                what: "stopping map voxels".into(),
                expected: grid.voxels(),
                found: map.len(),
            });
        }
        Ok(Self {
            grid,
            map,
            threshold,
        })
    }

    /// The interpolated map at a point.
    pub fn value<D: Scalar>(&self, point: &[D; 3]) -> Option<D> {
        self.grid.interpolate(&self.map, point)
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

impl<D: Scalar> StoppingCriterion<D> for ThresholdStop {
    fn stop(&self, point: &[D; 3]) -> Option<StopReason> {
        match self.value(point) {
            Some(v) if v.re() >= self.threshold => None,
            Some(_) => Some(StopReason::Threshold),
            None => Some(StopReason::LeftImage),
        }
    }
}
