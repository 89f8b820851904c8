//! Stopping criteria: where a streamline ends, and why (DIPY's `StoppingCriterion`).

mod mask;
mod soft;
mod threshold;

pub use mask::MaskStop;
pub use soft::SoftThreshold;
pub use threshold::ThresholdStop;

use dmipy::Scalar;

/// Why one end of a streamline stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The next point would leave the binary mask.
    Mask,
    /// The scalar map fell below its threshold.
    Threshold,
    /// The next point would leave the image.
    LeftImage,
    /// No direction within the maximum angle (or no fibre at all).
    Angle,
    /// The maximum length was reached.
    MaxLength,
    /// The soft survival weight fell below its floor.
    SoftWeight,
}

impl StopReason {
    /// A stable integer code for per-streamline data in files: 1 mask, 2 threshold, 3 left
    /// image, 4 angle, 5 maximum length, 6 soft weight.
    pub fn code(self) -> u8 {
        match self {
            Self::Mask => 1,
            Self::Threshold => 2,
            Self::LeftImage => 3,
            Self::Angle => 4,
            Self::MaxLength => 5,
            Self::SoftWeight => 6,
        }
    }
}

/// A rule checked at each new point.
pub trait StoppingCriterion<D: Scalar>: Sync {
    /// `Some(reason)` when the streamline must end before this point (the point is not kept).
    fn stop(&self, point: &[D; 3]) -> Option<StopReason>;
    /// The smooth survival factor in [0, 1] of this point (1 for hard criteria); the tracker
    /// multiplies them along the streamline for gradient-based use.
    fn weight(&self, point: &[D; 3]) -> D {
        let _ = point;
        D::one()
    }
}
