//! `Probabilistic`: a direction drawn from the FOD within the cone (DIPY's ProbabilisticDirectionGetter, MRtrix iFOD1-like).

use super::maximum::pmf_peaks;
use super::{DirectionGetter, cone_candidates};
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
}

impl<P> Probabilistic<P> {
    /// A getter with the maximum angle (degrees) and relative threshold.
    pub fn new(field: P, max_angle_deg: f64, relative_threshold: f64) -> Self {
        Self {
            field,
            cos_min: max_angle_deg.to_radians().cos(),
            relative_threshold,
        }
    }
}

impl<D: Scalar, P: PmfField<D>> DirectionGetter<D> for Probabilistic<P> {
    fn initial_directions(&self, seed: &[f64; 3], _rng: &mut Rng) -> Vec<[f64; 3]> {
        pmf_peaks(&self.field, seed, self.relative_threshold)
    }

    fn direction(&self, point: &[D; 3], incoming: &[D; 3], rng: &mut Rng) -> Option<[D; 3]> {
        let sphere = self.field.sphere();
        let mut pmf = vec![D::zero(); sphere.len()];
        if !self.field.pmf(point, &mut pmf) {
            return None;
        }
        let inc = incoming.map(|x| x.re());
        let c = cone_candidates(sphere, &pmf, &inc, self.cos_min, self.relative_threshold);
        let total: f64 = c.iter().map(|x| x.1).sum();
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let mut u = rng.uniform() * total;
        for &(i, a, s) in &c {
            if u < a {
                return Some(sphere[i].map(|x| D::from(x * s)));
            }
            u -= a;
        }
        c.last().map(|&(i, _, s)| sphere[i].map(|x| D::from(x * s)))
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.field.contains(point)
    }
}
