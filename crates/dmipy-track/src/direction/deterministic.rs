//! `FollowAxis`: deterministic tracking along an orientation field's axis (peaks, tensors, analytic).

use super::DirectionGetter;
use crate::Rng;
use crate::field::OrientationField;
use dmipy::Scalar;

/// Follows the field's axis closest to the incoming direction ([`OrientationField::axis`]) when
/// it lies within `max_angle` of it. Smooth in the point and field values except where the chosen
/// peak changes (decided on the real part).
#[derive(Debug, Clone)]
pub struct FollowAxis<F> {
    /// The field.
    pub field: F,
    /// cos of the maximum angle between successive directions.
    pub cos_min: f64,
}

impl<F> FollowAxis<F> {
    /// A getter with a maximum angle per step in degrees.
    pub fn new(field: F, max_angle_deg: f64) -> Self {
        Self {
            field,
            cos_min: max_angle_deg.to_radians().cos(),
        }
    }
}

impl<D: Scalar, F: OrientationField<D>> DirectionGetter<D> for FollowAxis<F> {
    fn initial_directions(&self, seed: &[f64; 3], _rng: &mut Rng) -> Vec<[f64; 3]> {
        self.field.seed_axes(seed)
    }

    fn direction(&self, point: &[D; 3], incoming: &[D; 3], _rng: &mut Rng) -> Option<[D; 3]> {
        let d = self.field.axis(point, incoming, self.cos_min)?;
        let c = d[0] * incoming[0] + d[1] * incoming[1] + d[2] * incoming[2];
        (c.re() >= self.cos_min - 1e-12).then_some(d)
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.field.contains(point)
    }
}
