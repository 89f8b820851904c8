//! `Probabilistic`: a direction drawn from the FOD within the cone (DIPY's ProbabilisticDirectionGetter, MRtrix iFOD1-like).

use super::maximum::pmf_peaks;
use super::{ConeTable, DirectionGetter, sphere_maximum};
use crate::Rng;
use crate::field::PmfField;
use dmipy::Scalar;

/// At each step a sphere direction within `max_angle` of the incoming one, drawn with probability
/// proportional to its FOD amplitude among amplitudes ≥ `relative_threshold` × the maximum (the
/// rule of DIPY's `ProbabilisticDirectionGetter`, Garyfallidis et al. 2014,
/// doi:10.3389/fninf.2014.00008; MRtrix's iFOD1 samples the same density by rejection,
/// Tournier et al. 2012, Int. J. Imaging Syst. Technol. 22:53, doi:10.1002/ima.22005). Random
/// numbers come from the streamline's own stream, so results do not depend on the thread count.
#[derive(Debug, Clone)]
pub struct Probabilistic<P> {
    /// The FOD field.
    pub field: P,
    /// cos of the maximum angle per step.
    pub cos_min: f64,
    /// Relative amplitude threshold in [0, 1).
    pub relative_threshold: f64,
    /// The cones of the sphere's vertices, built on first use.
    cones: ConeTable,
}

impl<P> Probabilistic<P> {
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

impl<D: Scalar, P: PmfField<D>> DirectionGetter<D> for Probabilistic<P> {
    fn initial_directions(&self, seed: &[f64; 3], _rng: &mut Rng) -> Vec<[f64; 3]> {
        pmf_peaks(&self.field, seed, self.relative_threshold)
    }

    /// Only the cone's directions are interpolated. A direction is a candidate when its
    /// amplitude is ≥ the relative threshold × the sphere's maximum; with the field's upper
    /// bound B of that maximum and the cone's own maximum C (a lower bound), amplitudes ≥ t·B
    /// are in and those < t·C are out, so the exact maximum (the whole sphere) is computed only
    /// when an amplitude lies between: the same candidates, in the same order, as testing the
    /// exact maximum every step.
    fn direction(&self, point: &[D; 3], incoming: &[D; 3], rng: &mut Rng) -> Option<[D; 3]> {
        let inc = incoming.map(|x| x.re());
        let t = self.relative_threshold;
        let choose = |indices: &[usize], signs: &[f64], pmf: &[D], bound: f64| {
            // One pass, without branches: the cone's maximum, the total at the bound's cut, and
            // the largest positive amplitude below that cut. Some amplitude lies between the two
            // cuts exactly when that largest one reaches t × the cone's maximum. NaN fails every
            // comparison and is left out.
            let high = t * bound;
            let (mut cone_max, mut total, mut below) = (0.0, 0.0, 0.0);
            for a in pmf.iter().map(|p| p.re()) {
                cone_max = f64::max(cone_max, a);
                total += if a > 0.0 && a >= high { a } else { 0.0 };
                below = if a > 0.0 && a < high {
                    f64::max(below, a)
                } else {
                    below
                };
            }
            let undecided = below > 0.0 && below >= t * cone_max;
            let mut cut = high;
            if undecided {
                cut = t * sphere_maximum(&self.field, point);
                total = (pmf.iter().map(|p| p.re()))
                    .map(|a| if a > 0.0 && a >= cut { a } else { 0.0 })
                    .sum();
            }
            if total.is_nan() || total <= 0.0 {
                return None;
            }
            let sphere = self.field.sphere();
            let direction = |k: usize| sphere[indices[k]].map(|x| D::from(x * signs[k]));
            let mut u = rng.uniform() * total;
            let mut last = None;
            for (k, p) in pmf.iter().enumerate() {
                let a = p.re();
                if !(a > 0.0 && a >= cut) {
                    continue;
                }
                if u < a {
                    return Some(direction(k));
                }
                u -= a;
                last = Some(k);
            }
            last.map(direction)
        };
        (self.cones).with_amplitudes(&self.field, point, &inc, self.cos_min, choose)
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.field.contains(point)
    }
}
