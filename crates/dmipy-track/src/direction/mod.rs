//! Direction getters: the rule that picks the next direction from a field (DIPY's `DirectionGetter`).

mod deterministic;
mod maximum;
mod probabilistic;

pub use deterministic::FollowAxis;
pub use maximum::DeterministicMaximum;
pub use probabilistic::Probabilistic;

use crate::Rng;
use crate::field::PmfField;
use dmipy::Scalar;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::OnceLock;

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

/// The cones of every sphere vertex for one angle limit, built on first use: the FOD getters
/// step along sphere vertices, so their incoming direction is ± a vertex and its cone a lookup
/// (by the bits of the direction) instead of a pass over the sphere. Any other direction (an
/// RK4 blend, a seed direction from elsewhere) falls back to [`cone`].
#[derive(Debug, Clone, Default)]
pub(crate) struct ConeTable(OnceLock<Cones>);

#[derive(Debug, Clone)]
struct Cones {
    cos_min: f64,
    sphere_len: usize,
    /// The cone of +vertex i at 2i and of −vertex i at 2i + 1: indices and aligning signs.
    members: Vec<(Vec<usize>, Vec<f64>)>,
    /// Fx hashing: the keys are our own sphere's bits, so SipHash's flood resistance buys
    /// nothing, and its cost showed in profiles of the step.
    by_bits: FxHashMap<[u64; 3], usize>,
}

impl ConeTable {
    /// The sphere directions within the cone of `incoming` (|cos| ≥ `cos_min`), in sphere
    /// order, with the sign (±1) that aligns each with `incoming`: the same as [`cone`].
    pub(crate) fn cone<'a>(
        &'a self,
        sphere: &[[f64; 3]],
        incoming: &[f64; 3],
        cos_min: f64,
    ) -> (Cow<'a, [usize]>, Cow<'a, [f64]>) {
        let cones = self.0.get_or_init(|| Cones::new(sphere, cos_min));
        if cones.cos_min == cos_min
            && cones.sphere_len == sphere.len()
            && let Some(&k) = cones.by_bits.get(&incoming.map(f64::to_bits))
        {
            let (indices, signs) = &cones.members[k];
            return (Cow::Borrowed(indices), Cow::Borrowed(signs));
        }
        let (indices, signs) = cone(sphere, incoming, cos_min);
        (Cow::Owned(indices), Cow::Owned(signs))
    }
}

/// Cones up to this size are interpolated into a stack buffer (no allocation per step); a
/// 30° cone on the default 362-direction hemisphere holds about 48 directions.
const STACK_CONE: usize = 128;

impl ConeTable {
    /// The step shared by the FOD getters: the cone of `incoming` (as [`cone`](Self::cone)) and
    /// its interpolated amplitudes at `point`, handed to `choose` with the cone's sphere
    /// indices, aligning signs and the field's upper bound of the sphere's maximum
    /// ([`PmfField::pmf_subset`]); `None` outside the field.
    pub(crate) fn with_amplitudes<D: Scalar, P: PmfField<D>, R>(
        &self,
        field: &P,
        point: &[D; 3],
        incoming: &[f64; 3],
        cos_min: f64,
        choose: impl FnOnce(&[usize], &[f64], &[D], f64) -> Option<R>,
    ) -> Option<R> {
        let (indices, signs) = self.cone(field.sphere(), incoming, cos_min);
        let n = indices.len();
        let (mut stack, mut heap) = ([D::zero(); STACK_CONE], Vec::new());
        let pmf = if n <= STACK_CONE {
            &mut stack[..n]
        } else {
            heap.resize(n, D::zero());
            &mut heap[..]
        };
        let bound = field.pmf_subset(point, &indices, pmf)?;
        choose(&indices, &signs, pmf, bound)
    }
}

impl Cones {
    fn new(sphere: &[[f64; 3]], cos_min: f64) -> Self {
        let mut members = Vec::with_capacity(2 * sphere.len());
        let mut by_bits = FxHashMap::with_capacity_and_hasher(2 * sphere.len(), Default::default());
        for (i, u) in sphere.iter().enumerate() {
            let minus = u.map(|c| -c);
            members.push(cone(sphere, u, cos_min));
            members.push(cone(sphere, &minus, cos_min));
            by_bits.entry(u.map(f64::to_bits)).or_insert(2 * i);
            by_bits.entry(minus.map(f64::to_bits)).or_insert(2 * i + 1);
        }
        Cones {
            cos_min,
            sphere_len: sphere.len(),
            members,
            by_bits,
        }
    }
}

/// The sphere directions within the cone of `incoming` (|cos| ≥ `cos_min`), in sphere order,
/// with the sign (±1) that aligns each with `incoming`.
pub(crate) fn cone(
    sphere: &[[f64; 3]],
    incoming: &[f64; 3],
    cos_min: f64,
) -> (Vec<usize>, Vec<f64>) {
    let (mut indices, mut signs) = (Vec::new(), Vec::new());
    for (i, u) in sphere.iter().enumerate() {
        let c = u[0] * incoming[0] + u[1] * incoming[1] + u[2] * incoming[2];
        if c.abs() >= cos_min {
            indices.push(i);
            signs.push(c.signum());
        }
    }
    (indices, signs)
}

/// The largest amplitude over the whole sphere at `point` (0 when none is positive; NaN
/// amplitudes are skipped).
pub(crate) fn sphere_maximum<D: Scalar, P: PmfField<D>>(field: &P, point: &[D; 3]) -> f64 {
    let mut all = vec![D::zero(); field.sphere().len()];
    field.pmf(point, &mut all);
    all.iter().map(|a| a.re()).fold(0.0, f64::max)
}
