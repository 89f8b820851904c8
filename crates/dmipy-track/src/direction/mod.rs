//! Direction getters: the rule that picks the next direction from a field (DIPY's `DirectionGetter`).

mod deterministic;
mod maximum;
mod probabilistic;

pub use deterministic::FollowAxis;
pub use maximum::DeterministicMaximum;
pub use probabilistic::Probabilistic;

use crate::Rng;
use dmipy::Scalar;

/// Picks directions: at a seed (initial directions) and along a streamline (the next step).
pub trait DirectionGetter<D: Scalar>: Sync {
    /// Unit directions (world) to start from at a seed, strongest first; empty when none.
    fn initial_directions(&self, seed: &[f64; 3], rng: &mut Rng) -> Vec<[f64; 3]>;
    /// The unit direction (world) to follow at `point` when arriving along `incoming`, or `None`
    /// when no direction lies within the angle limit (the streamline stops for `Angle`).
    fn direction(&self, point: &[D; 3], incoming: &[D; 3], rng: &mut Rng) -> Option<[D; 3]>;
    /// Whether the point lies inside the field's image.
    fn contains(&self, point: &[D; 3]) -> bool;
}

/// Candidate sphere directions within the cone: indices with amplitude ≥ `relative` × the
/// maximum amplitude and |cos| to `incoming` ≥ `cos_min`, with their sign-aligned cosine sign.
pub(crate) fn cone_candidates<D: Scalar>(
    sphere: &[[f64; 3]],
    pmf: &[D],
    incoming: &[f64; 3],
    cos_min: f64,
    relative: f64,
) -> Vec<(usize, f64, f64)> {
    let max = pmf.iter().map(|p| p.re()).fold(0.0, f64::max);
    if max <= 0.0 {
        return Vec::new();
    }
    sphere
        .iter()
        .zip(pmf)
        .enumerate()
        .filter_map(|(i, (u, p))| {
            let c = u[0] * incoming[0] + u[1] * incoming[1] + u[2] * incoming[2];
            let a = p.re();
            (a >= relative * max && a > 0.0 && c.abs() >= cos_min).then(|| (i, a, c.signum()))
        })
        .collect()
}

/// The strongest candidate of [`cone_candidates`] in one pass and without allocating: the
/// direction with the largest amplitude within the cone (the last of equal ones, as
/// `Iterator::max_by`), or `None` when it lies below `relative` × the maximum over the sphere
/// (then every cone direction does).
pub(crate) fn strongest_in_cone<D: Scalar>(
    sphere: &[[f64; 3]],
    pmf: &[D],
    incoming: &[f64; 3],
    cos_min: f64,
    relative: f64,
) -> Option<(usize, f64)> {
    let (mut max, mut best) = (0.0f64, None::<(usize, f64, f64)>);
    for (i, (u, p)) in sphere.iter().zip(pmf).enumerate() {
        let a = p.re();
        max = max.max(a);
        let c = u[0] * incoming[0] + u[1] * incoming[1] + u[2] * incoming[2];
        if !a.is_nan() && c.abs() >= cos_min && best.is_none_or(|b| a >= b.1) {
            best = Some((i, a, c.signum()));
        }
    }
    let (i, a, s) = best?;
    (max > 0.0 && a > 0.0 && a >= relative * max).then_some((i, s))
}
