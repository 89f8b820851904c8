//! The solver's view of a model's free parameters: which are orientations, fractions or plain
//! box-bounded values, and how a solver step maps back to SI parameters.

use super::FitModel;
use super::chart::{exp_step, normalise, off_pole};
use crate::{Error, ParameterKind};

/// Role of one free scalar in the solver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Role {
    /// A box-bounded value optimised as x / scale.
    Plain {
        /// Lower bound (SI).
        lo: f64,
        /// Upper bound (SI).
        hi: f64,
        /// Scale (SI): the solver's unit step.
        scale: f64,
    },
    /// An angle repeating every `hi − lo` (SI), optimised as x / scale without bounds and
    /// wrapped back into [lo, hi) after each step.
    Periodic {
        /// Start of the period (SI).
        lo: f64,
        /// End of the period (SI).
        hi: f64,
        /// Scale (SI): the solver's unit step.
        scale: f64,
    },
    /// θ of an orientation; φ follows at the next index.
    Theta,
    /// φ of an orientation.
    Phi,
}

/// The validated parameter layout of a model, plus optional S0 factors appended after the model's
/// free parameters (one per echo-time group, bounded below by 0, scale 1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// One role per solver variable (model parameters, then S0 factors).
    pub roles: Vec<Role>,
    /// Number of model free parameters.
    pub n_free: usize,
    /// Indices of the model's fraction parameters.
    pub fractions: Vec<usize>,
}

impl Layout {
    /// Checks the model's tables and builds the layout with `n_s0` S0 factors appended.
    pub fn new<M: FitModel>(model: &M, n_s0: usize) -> Result<Self, Error> {
        let n = model.n_free();
        if n == 0 {
            return Err(invalid("the model has no free parameter to fit".into()));
        }
        let (bounds, scales, kinds) = (model.bounds(), model.scales(), model.kinds());
        for (what, len) in [("bounds", bounds.len()), ("scales", scales.len())] {
            check_len(what, n, len)?;
        }
        check_len("kinds", n, kinds.len())?;
        let mut roles = Vec::with_capacity(n + n_s0);
        let mut fractions = Vec::new();
        let mut i = 0;
        while i < n {
            if kinds[i] == ParameterKind::Orientation {
                if kinds.get(i + 1) != Some(&ParameterKind::Orientation) {
                    return Err(invalid(format!(
                        "orientation at free parameter {i} must be followed by its φ"
                    )));
                }
                roles.extend([Role::Theta, Role::Phi]);
                i += 2;
                continue;
            }
            let ((lo, hi), scale) = (bounds[i], scales[i]);
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(invalid(format!(
                    "bounds of free parameter {i}: ({lo}, {hi})"
                )));
            }
            if !(scale.is_finite() && scale > 0.0) {
                return Err(invalid(format!("scale of free parameter {i}: {scale}")));
            }
            if kinds[i] == ParameterKind::Fraction {
                fractions.push(i);
            }
            roles.push(if kinds[i] == ParameterKind::PeriodicAngle && hi > lo {
                Role::Periodic { lo, hi, scale }
            } else {
                Role::Plain { lo, hi, scale }
            });
            i += 1;
        }
        roles.extend((0..n_s0).map(|_| Role::Plain {
            lo: 0.0,
            hi: f64::INFINITY,
            scale: 1.0,
        }));
        Ok(Self {
            roles,
            n_free: n,
            fractions,
        })
    }

    /// Number of solver variables.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// Bounds of a solver step at `x`, in scaled units: `lo ≤ δ_i ≤ hi` (infinite for
    /// orientations).
    pub fn step_bounds(&self, x: &[f64], i: usize) -> (f64, f64) {
        match self.roles[i] {
            Role::Plain { lo, hi, scale } => ((lo - x[i]) / scale, (hi - x[i]) / scale),
            Role::Periodic { .. } | Role::Theta | Role::Phi => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// `x_new` = the point reached from `x` by the (already bound-respecting) scaled step `step`;
    /// plain values are clamped once more against rounding.
    pub fn retract(&self, x: &[f64], step: &[f64], x_new: &mut [f64]) {
        for (i, role) in self.roles.iter().enumerate() {
            match *role {
                Role::Plain { lo, hi, scale } => x_new[i] = (x[i] + scale * step[i]).clamp(lo, hi),
                Role::Periodic { lo, hi, scale } => x_new[i] = wrap(x[i] + scale * step[i], lo, hi),
                Role::Theta => {
                    let (t, p) = exp_step(x[i], x[i + 1], step[i], step[i + 1]);
                    x_new[i] = t;
                    x_new[i + 1] = p;
                }
                Role::Phi => {}
            }
        }
    }

    /// Brings a starting point into the domain: plain values clamped to their bounds, orientations
    /// wrapped to θ ∈ [0, π], φ ∈ (−π, π] and kept off the poles.
    pub fn project(&self, x: &mut [f64]) {
        for (i, role) in self.roles.iter().enumerate() {
            match *role {
                Role::Plain { lo, hi, .. } => x[i] = x[i].clamp(lo, hi),
                Role::Periodic { lo, hi, .. } => x[i] = wrap(x[i], lo, hi),
                Role::Theta => (x[i], x[i + 1]) = normalise(x[i], x[i + 1]),
                Role::Phi => {}
            }
        }
    }

    /// Turns a Jacobian with respect to the SI model parameters (`m × stride` row-major, first
    /// `n_free` columns) into one with respect to the solver's local coordinates at `x`: plain
    /// columns times their scale, φ columns divided by sinθ (see [`super::chart`]).
    pub fn to_local(&self, x: &[f64], jac: &mut [f64], stride: usize) {
        for (i, role) in self.roles[..self.n_free].iter().enumerate() {
            let factor = match *role {
                Role::Plain { scale, .. } | Role::Periodic { scale, .. } => scale,
                Role::Theta => continue,
                Role::Phi => 1.0 / off_pole(x[i - 1]).sin(),
            };
            for row in jac.chunks_exact_mut(stride) {
                row[i] *= factor;
            }
        }
    }

    /// Converts the variances of the local coordinates at `x` into standard deviations of the SI
    /// parameters, in place: plain ones times their scale, φ divided by sinθ.
    pub fn local_variance_to_sd(&self, x: &[f64], var: &mut [f64]) {
        for (i, role) in self.roles.iter().enumerate() {
            let sd = var[i].max(0.0).sqrt();
            var[i] = match *role {
                Role::Plain { scale, .. } | Role::Periodic { scale, .. } => sd * scale,
                Role::Theta => sd,
                Role::Phi => sd / off_pole(x[i - 1]).sin(),
            };
        }
    }
}

fn check_len(what: &str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        return Ok(());
    }
    Err(Error::LengthMismatch {
        what: format!("fit model {what} (one per free parameter)"),
        expected,
        found,
    })
}

fn invalid(reason: String) -> Error {
    Error::InvalidArgument {
        what: "fit model parameters".into(),
        reason,
    }
}

/// `x` moved by whole periods into [lo, hi).
fn wrap(x: f64, lo: f64, hi: f64) -> f64 {
    let period = hi - lo;
    let wrapped = lo + (x - lo).rem_euclid(period);
    // rem_euclid can round up to exactly one period.
    if wrapped >= hi { lo } else { wrapped }
}

#[cfg(test)]
mod tests {

    #[test]
    fn periodic_angles_wrap_into_their_period() {
        let pi = std::f64::consts::PI;
        assert!((wrap(3.5, 0.0, pi) - (3.5 - pi)).abs() < 1e-15);
        assert!((wrap(-0.1, 0.0, pi) - (pi - 0.1)).abs() < 1e-15);
        assert_eq!(wrap(pi, 0.0, pi), 0.0);
        assert_eq!(wrap(1.0, 0.0, pi), 1.0);
    }

    use super::*;
    use crate::fit::test_models::BallStick;

    #[test]
    fn ball_and_stick_layout_has_an_orientation_and_a_fraction() {
        let layout = Layout::new(&BallStick::new(), 1).unwrap();
        assert_eq!(layout.len(), 6);
        assert_eq!(layout.roles[0], Role::Theta);
        assert_eq!(layout.roles[1], Role::Phi);
        assert_eq!(layout.fractions, vec![4]);
        assert_eq!(
            layout.step_bounds(&[0.0, 0.0, 1e-9, 2e-9, 0.25, 1.0], 4),
            (-0.25, 0.75)
        );
    }

    #[test]
    fn retract_clamps_plain_values_and_moves_orientations_on_the_sphere() {
        let layout = Layout::new(&BallStick::new(), 0).unwrap();
        let x = [0.5, 0.1, 1e-9, 2e-9, 0.5];
        let mut y = [0.0; 5];
        layout.retract(&x, &[0.1, 0.0, 0.5, 5.0, 0.2], &mut y);
        assert!((y[0] - 0.6).abs() < 1e-15 && (y[1] - 0.1).abs() < 1e-15);
        assert!((y[2] - 1.5e-9).abs() < 1e-24);
        assert_eq!(y[3], 3e-9, "clamped at the upper bound");
        assert!((y[4] - 0.7).abs() < 1e-15);
    }
}
