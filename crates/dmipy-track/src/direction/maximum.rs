//! `DeterministicMaximum`: the FOD's largest amplitude within the cone (DIPY's DeterministicMaximumDirectionGetter).

use super::{ConeTable, DirectionGetter, cone_candidates, sphere_maximum};
use crate::Rng;
use crate::field::PmfField;
use dmipy::Scalar;

/// At each step the sphere direction with the largest FOD amplitude within `max_angle` of the
/// incoming direction, among amplitudes ≥ `relative_threshold` × the maximum (DIPY's
/// `DeterministicMaximumDirectionGetter`, Garyfallidis et al. 2014, Front. Neuroinform. 8:8,
/// doi:10.3389/fninf.2014.00008). The result is a sphere vertex, so its derivative with respect to
/// point and field values is zero (a piecewise-constant choice; use peaks or tensors for gradients).
#[derive(Debug, Clone)]
pub struct DeterministicMaximum<P> {
    /// The FOD field.
    pub field: P,
    /// cos of the maximum angle per step.
    pub cos_min: f64,
    /// Relative amplitude threshold in [0, 1).
    pub relative_threshold: f64,
    /// The cones of the sphere's vertices, built on first use.
    cones: ConeTable,
}

impl<P> DeterministicMaximum<P> {
    /// A getter with the maximum angle (degrees) and relative threshold.
    pub fn new(field: P, max_angle_deg: f64, relative_threshold: f64) -> Self {
        Self {
            field,
            cos_min: max_angle_deg.to_radians().cos(),
            relative_threshold,
            cones: ConeTable::default(),
        }
    }
}

/// Initial directions of a PMF field: sphere vertices that are local maxima among those above the
/// threshold, strongest first (both getters use this).
pub(crate) fn pmf_peaks<D: Scalar, P: PmfField<D>>(
    field: &P,
    seed: &[f64; 3],
    relative: f64,
) -> Vec<[f64; 3]> {
    let sphere = field.sphere();
    let mut pmf = vec![D::zero(); sphere.len()];
    if !field.pmf(&seed.map(D::from), &mut pmf) {
        return Vec::new();
    }
    let mut c: Vec<(usize, f64, f64)> =
        cone_candidates(sphere, &pmf, &[0.0, 0.0, 1.0], 0.0, relative);
    c.sort_by(|a, b| b.1.total_cmp(&a.1));
    c.into_iter().take(1).map(|(i, _, _)| sphere[i]).collect()
}

impl<D: Scalar, P: PmfField<D>> DirectionGetter<D> for DeterministicMaximum<P> {
    fn initial_directions(&self, seed: &[f64; 3], _rng: &mut Rng) -> Vec<[f64; 3]> {
        pmf_peaks(&self.field, seed, self.relative_threshold)
    }

    /// Only the cone's directions are interpolated. The strongest of them (the last of equal
    /// ones, NaN skipped) does not depend on the rest of the sphere; its relative threshold is
    /// tested first against the field's upper bound of the sphere's maximum, and against the
    /// exact maximum (the whole sphere) only when that test fails: the same choice as testing
    /// the exact maximum every step.
    fn direction(&self, point: &[D; 3], incoming: &[D; 3], _rng: &mut Rng) -> Option<[D; 3]> {
        let inc = incoming.map(|x| x.re());
        let choose = |indices: &[usize], signs: &[f64], pmf: &[D], bound: f64| {
            // The last of equal maxima; NaN fails every comparison and is skipped.
            let (mut k, mut a) = (usize::MAX, f64::NEG_INFINITY);
            for (j, p) in pmf.iter().enumerate() {
                if p.re() >= a {
                    (k, a) = (j, p.re());
                }
            }
            let relative = self.relative_threshold;
            let strong = k != usize::MAX
                && a > 0.0
                && (a >= relative * bound || a >= relative * sphere_maximum(&self.field, point));
            let sphere = self.field.sphere();
            strong.then(|| sphere[indices[k]].map(|x| D::from(x * signs[k])))
        };
        (self.cones).with_amplitudes(&self.field, point, &inc, self.cos_min, choose)
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.field.contains(point)
    }
}
