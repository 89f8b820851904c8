//! `SoftThreshold`: a sigmoid-weighted stopping rule for gradient-based use.

use super::threshold::ThresholdStop;
use super::{StopReason, StoppingCriterion};
use dmipy::Scalar;

/// A smooth version of [`ThresholdStop`]: each point gets the survival factor
/// $w = \sigma\big((m(\mathbf p) - T)/\tau\big)$, σ(x) = 1/(1 + e^{−x}), with m the interpolated
/// map, T the threshold and τ the width (map units); the tracker multiplies the factors along the
/// streamline, so a loss weighted by the survival is differentiable where a hard stop is not.
/// The streamline itself stops only when the cumulative weight would fall below `floor`
/// (decided on the real part) or the point leaves the image. As τ → 0 it tends to the hard rule.
#[derive(Debug, Clone)]
pub struct SoftThreshold {
    /// The map and threshold.
    pub map: ThresholdStop,
    /// τ, the sigmoid width (map units, > 0).
    pub width: f64,
}

impl<D: Scalar> StoppingCriterion<D> for SoftThreshold {
    fn stop(&self, point: &[D; 3]) -> Option<StopReason> {
        self.map
            .value(point)
            .is_none()
            .then_some(StopReason::LeftImage)
    }

    fn weight(&self, point: &[D; 3]) -> D {
        match self.map.value(point) {
            Some(m) => {
                let x = (m - self.map.threshold()) / self.width;
                (D::one() + (-x).exp()).recip()
            }
            None => D::zero(),
        }
    }
}
