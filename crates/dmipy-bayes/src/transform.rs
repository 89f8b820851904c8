//! The unconstrained parametrisation: maps from ℝᵈ to the solver's bounded vector with exact log-Jacobians, priors included.
//!
//! NUTS moves on all of ℝᵈ; the model's solver vector x ([`SolverModel`]) has boxes, nested
//! fractions and orientations. Each entry of x gets one of these maps, and the log density of
//! u is $\ln p(y\mid x(u)) + \ln \pi(x(u)) + \ln|\partial x/\partial u|$:
//!
//! - **Bounded scalar** in [a, b] (its bounds, or a uniform prior's range): one u,
//!   $x = a + (b-a)\,\sigma(u)$ with the logistic σ, log-Jacobian
//!   $\ln(b-a) + \ln\sigma(u) + \ln(1-\sigma(u))$, plus the prior's $\ln\pi(x)$ (uniform
//!   by default). This is Stan's lower-upper-bounded transform (Stan Reference Manual,
//!   "Lower and upper bounded scalar").
//! - **Volume fractions**, uniform on the whole simplex (Dirichlet(1, …, 1), each fraction over
//!   [0, 1]): the solver's K − 1 nested (stick-breaking) fractions $t_l$, with
//!   $f_l = t_l\prod_{j<l}(1-t_j)$, each $t_l = \sigma(u_l)$. The Jacobian of the stick-breaking
//!   map is $\prod_l (1-t_l)^{K-2-l}$, so the uniform simplex is $t_l \sim \mathrm{Beta}(1, K-1-l)$
//!   (Stan Reference Manual, "Unit simplex"; Betancourt 2012, arXiv:1010.3436) and the log
//!   density adds $(K-2-l)\ln(1-t_l) + \ln t_l + \ln(1-t_l)$.
//! - **Orientation** (θ, φ): an unconstrained 3-vector v with an isotropic density
//!   $\ln p(v) = -(|v| - 1)^2/(2s^2)$, s = [`RADIAL_SD`], direction $n = v/|v|$. Any density
//!   of |v| alone is isotropic, so n is uniform on the sphere whatever the radial part does,
//!   and the sampler's geometry has no pole and no φ seam: a box on θ, φ would cut the
//!   posterior at the seam and make $\sin\theta$ singular at the poles, where NUTS would stall
//!   or diverge (Marsaglia 1972, Ann. Math. Stat. 43:645, doi:10.1214/aoms/1177692644, for
//!   isotropic vectors). Stan's `unit_vector` uses a standard normal (|v| ~ χ₃); here the radius
//!   is held near 1 because the posterior's spread across the sphere, seen in v, scales with
//!   |v|: a χ₃ radius (≈ 0.5 to 2.5) makes a funnel of a sharp orientation posterior, with
//!   divergences (measured: 2.4 % of ball & stick draws at SNR 20), a shell of width s = 0.1
//!   keeps the scale within ±30 % at 3 s. The gradient goes through the tangent of the sphere:
//!   with $g_\theta, g_\phi$ the likelihood's derivatives,
//!   $\nabla_n = g_\theta e_\theta + g_\phi e_\phi/\sin\theta$ and
//!   $\nabla_v = (I - nn^\top)\nabla_n/|v| - (|v| - 1)\,n/s^2$.
//! - **Noise σ**, when sampled ([`Parametrisation::with_sampled_sigma`]): the last coordinate,
//!   $\ln\sigma = \ln a + (\ln b - \ln a)\,\sigma(u)$ with [a, b] = [`SIGMA_RANGE`], a prior
//!   uniform in ln σ (log-uniform: Jeffreys' scale-invariant prior $\pi(\sigma) \propto 1/\sigma$,
//!   made proper by the range; Jeffreys 1961, *Theory of Probability*, §3.1), so the log density
//!   adds the logit's log-Jacobian only.
//! - **Periodic angle** ψ ∈ [a, b) (Bingham's ψ, period b − a): a 2-vector w with the same
//!   radial density, $\psi = a + (b-a)(\mathrm{atan2}(w_2, w_1) + \pi)/(2\pi)$: uniform over
//!   the period, no seam.

use crate::{BayesError, Prior, Priors};
use dmipy::{FitModel, MultiCompartmentModel, ParameterKind, SolverModel};
use std::f64::consts::PI;

/// SD of the radial density of orientation and periodic-angle vectors (see the module
/// documentation).
pub const RADIAL_SD: f64 = 0.1;

/// The range of σ (relative to S0) when it is sampled, log-uniform: SNR from 1 to 1000.
pub const SIGMA_RANGE: (f64, f64) = (1e-3, 1.0);

/// Margin (relative to the box) by which a start at or beyond a bound is moved inside.
const START_MARGIN: f64 = 1e-3;

/// The map of one entry (or pair) of the solver's vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Slot {
    /// x[at] in [lower, upper] with an optional prior.
    Bounded {
        at: usize,
        lower: f64,
        upper: f64,
        prior: Option<Prior>,
    },
    /// Nested fraction x[at] = t ~ Beta(1, power + 1).
    Nested { at: usize, power: f64 },
    /// θ = x[at], φ = x[at + 1] from a 3-vector.
    Orientation { at: usize },
    /// ψ = x[at] in [lower, upper) from a 2-vector.
    Periodic { at: usize, lower: f64, upper: f64 },
}

/// The unconstrained parametrisation of one model's solver vector (see the module
/// documentation), with the priors.
#[derive(Debug, Clone, PartialEq)]
pub struct Parametrisation {
    slots: Vec<(Slot, usize)>,
    dim: usize,
    n_x: usize,
    labels: Vec<String>,
    /// The coordinate of ln σ when σ is sampled.
    sigma_at: Option<usize>,
}

fn softplus(a: f64) -> f64 {
    a.max(0.0) + (-a.abs()).exp().ln_1p()
}

fn logistic(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + (-u).exp())
    } else {
        let e = u.exp();
        e / (1.0 + e)
    }
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

impl Parametrisation {
    /// The parametrisation of `solver` (built on `model`) with `priors`. Errors for a prior on
    /// a parameter the model does not have, one that is not free (fixed or linked), on an
    /// orientation or a partial volume (always uniform), or one that fails [`Prior::check`].
    pub fn new(
        model: &MultiCompartmentModel,
        solver: &SolverModel,
        priors: &Priors,
    ) -> Result<Self, BayesError> {
        let labels = solver.x_labels();
        let (kinds, bounds) = (solver.kinds(), solver.bounds());
        for (name, _) in priors.entries() {
            let fail = |reason: &str| BayesError::Prior {
                parameter: name.clone(),
                reason: reason.to_string(),
            };
            let Some(p) = model.parameter(name) else {
                let known = model.parameter_names().join(", ");
                return Err(fail(&format!(
                    "the model has no such parameter; it has {known}"
                )));
            };
            if p.kind() == ParameterKind::Orientation || p.kind() == ParameterKind::PeriodicAngle {
                return Err(fail(
                    "orientations and angles are always uniform; no prior can be set",
                ));
            }
            if name.starts_with("partial_volume_") {
                return Err(fail(
                    "partial volumes are always uniform on the simplex; no prior can be set",
                ));
            }
            if !labels.iter().flatten().any(|(n, _)| n == name) {
                return Err(fail("it is not a free parameter (fixed or linked)"));
            }
        }
        let nested_total = labels.iter().filter(|l| l.is_none()).count();
        let (mut slots, mut dim, mut nested_seen) = (Vec::new(), 0, 0);
        let mut names = Vec::new();
        let mut at = 0;
        while at < labels.len() {
            let slot = match (&labels[at], kinds[at]) {
                (None, _) => {
                    // K − 1 nested fractions: t_l ~ Beta(1, K − 1 − l), power K − 2 − l.
                    let power = (nested_total - nested_seen - 1) as f64;
                    nested_seen += 1;
                    names.push(format!("nested_fraction_{}", nested_seen - 1));
                    Slot::Nested { at, power }
                }
                (Some((name, _)), ParameterKind::Orientation) => {
                    names.extend(["x", "y", "z"].map(|c| format!("{name}_{c}")));
                    Slot::Orientation { at }
                }
                (Some((name, _)), ParameterKind::PeriodicAngle) => {
                    names.extend(["cos", "sin"].map(|c| format!("{name}_{c}")));
                    let (lower, upper) = bounds[at];
                    Slot::Periodic { at, lower, upper }
                }
                (Some((name, k)), _) => {
                    let prior = priors.get(name);
                    let (lower, upper) = match prior {
                        Some(p) => p.check(name, bounds[at])?,
                        None => bounds[at],
                    };
                    names.push(
                        if model.parameter(name).map(|p| p.cardinality()) == Some(1) {
                            name.to_string()
                        } else {
                            format!("{name}_{k}")
                        },
                    );
                    let prior = prior.filter(|p| !matches!(p, Prior::Uniform { .. }));
                    Slot::Bounded {
                        at,
                        lower,
                        upper,
                        prior,
                    }
                }
            };
            let (width, step) = match slot {
                Slot::Orientation { .. } => (3, 2),
                Slot::Periodic { .. } => (2, 1),
                _ => (1, 1),
            };
            slots.push((slot, dim));
            dim += width;
            at += step;
        }
        if dim == 0 {
            return Err(BayesError::Model {
                model: model.description(),
                reason: "it has no free parameter to sample".into(),
            });
        }
        Ok(Self {
            slots,
            dim,
            n_x: labels.len(),
            labels: names,
            sigma_at: None,
        })
    }

    /// The same parametrisation with the noise σ as one more coordinate, the last (see the
    /// module documentation).
    pub fn with_sampled_sigma(mut self) -> Self {
        if self.sigma_at.is_none() {
            self.sigma_at = Some(self.dim);
            self.dim += 1;
            self.labels.push("log_sigma".into());
        }
        self
    }

    /// σ at u, when σ is sampled.
    pub fn sigma(&self, u: &[f64]) -> Option<f64> {
        let (a, b) = (SIGMA_RANGE.0.ln(), SIGMA_RANGE.1.ln());
        self.sigma_at.map(|o| (a + (b - a) * logistic(u[o])).exp())
    }

    /// Writes the coordinate of σ (moved inside its range by 0.1 %) into u, when σ is sampled.
    pub fn sigma_to_u(&self, sigma: f64, u: &mut [f64]) {
        if let Some(o) = self.sigma_at {
            let (a, b) = (SIGMA_RANGE.0.ln(), SIGMA_RANGE.1.ln());
            let p = (sigma.ln() - a) / (b - a);
            u[o] = logit(p.clamp(START_MARGIN, 1.0 - START_MARGIN));
        }
    }

    /// Dimension d of the unconstrained vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Length of the solver's vector.
    pub fn n_x(&self) -> usize {
        self.n_x
    }

    /// A name for each unconstrained coordinate (parameter name, `_x/_y/_z` for orientation
    /// vectors, `nested_fraction_l`).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Writes x(u) and returns the log prior density of x plus the log-Jacobian, as a function
    /// of u (up to a constant).
    pub fn to_x(&self, u: &[f64], x: &mut [f64]) -> f64 {
        self.forward(u, x, None, 0.0)
    }

    /// [`to_x`](Self::to_x), and with `grad_x` = ∇ₓ of the likelihood at x(u) and
    /// `sigma_slope` = ∂(likelihood)/∂ ln σ (used only when σ is sampled), writes ∇ᵤ of
    /// (likelihood + log prior + log-Jacobian) to `grad_u`. Call [`to_x`](Self::to_x) first for
    /// x; this recomputes it (cheap).
    pub fn pull_back(
        &self,
        u: &[f64],
        x: &mut [f64],
        (grad_x, sigma_slope): (&[f64], f64),
        grad_u: &mut [f64],
    ) -> f64 {
        self.forward(u, x, Some((grad_x, grad_u)), sigma_slope)
    }

    fn forward(
        &self,
        u: &[f64],
        x: &mut [f64],
        mut grad: Option<(&[f64], &mut [f64])>,
        sigma_slope: f64,
    ) -> f64 {
        let mut total = 0.0;
        if let Some(o) = self.sigma_at {
            let (a, b) = (SIGMA_RANGE.0.ln(), SIGMA_RANGE.1.ln());
            let s = logistic(u[o]);
            total += (b - a).ln() - softplus(-u[o]) - softplus(u[o]);
            if let Some((_, gu)) = grad.as_mut() {
                gu[o] = sigma_slope * (b - a) * s * (1.0 - s) + (1.0 - 2.0 * s);
            }
        }
        for (slot, o) in &self.slots {
            let o = *o;
            match *slot {
                Slot::Bounded {
                    at,
                    lower,
                    upper,
                    prior,
                } => {
                    let s = logistic(u[o]);
                    let width = upper - lower;
                    x[at] = (lower + width * s).clamp(lower, upper);
                    let (lp, dlp) = prior.map_or((0.0, 0.0), |p| p.log_density(x[at]));
                    total += width.ln() - softplus(-u[o]) - softplus(u[o]) + lp;
                    if let Some((gx, gu)) = grad.as_mut() {
                        gu[o] = (gx[at] + dlp) * width * s * (1.0 - s) + (1.0 - 2.0 * s);
                    }
                }
                Slot::Nested { at, power } => {
                    let t = logistic(u[o]);
                    x[at] = t;
                    total += -softplus(-u[o]) - (1.0 + power) * softplus(u[o]);
                    if let Some((gx, gu)) = grad.as_mut() {
                        gu[o] = gx[at] * t * (1.0 - t) + (1.0 - t) - (1.0 + power) * t;
                    }
                }
                Slot::Orientation { at } => {
                    let v = [u[o], u[o + 1], u[o + 2]];
                    let r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
                    let r = r2.sqrt();
                    let n = v.map(|c| c / r);
                    let rho = n[0].hypot(n[1]);
                    x[at] = rho.atan2(n[2]);
                    x[at + 1] = n[1].atan2(n[0]);
                    let s2 = RADIAL_SD * RADIAL_SD;
                    total += -0.5 * (r - 1.0).powi(2) / s2;
                    if let Some((gx, gu)) = grad.as_mut() {
                        let (gt, gp) = (gx[at], gx[at + 1]);
                        let mut tangent = [0.0; 3];
                        if rho > 0.0 {
                            let (c, s) = (n[0] / rho, n[1] / rho);
                            let e_theta = [n[2] * c, n[2] * s, -rho];
                            let e_phi = [-s, c, 0.0];
                            for k in 0..3 {
                                tangent[k] = gt * e_theta[k] + gp / rho * e_phi[k];
                            }
                        }
                        for k in 0..3 {
                            gu[o + k] = tangent[k] / r - (r - 1.0) * n[k] / s2;
                        }
                    }
                }
                Slot::Periodic { at, lower, upper } => {
                    let (c, s) = (u[o], u[o + 1]);
                    let r2 = c * c + s * s;
                    let r = r2.sqrt();
                    let scale = (upper - lower) / (2.0 * PI);
                    x[at] = lower + scale * (s.atan2(c) + PI);
                    let sd2 = RADIAL_SD * RADIAL_SD;
                    total += -0.5 * (r - 1.0).powi(2) / sd2;
                    if let Some((gx, gu)) = grad.as_mut() {
                        let radial = (r - 1.0) / (r * sd2);
                        gu[o] = gx[at] * scale * (-s / r2) - radial * c;
                        gu[o + 1] = gx[at] * scale * (c / r2) - radial * s;
                    }
                }
            }
        }
        total
    }

    /// An unconstrained vector u whose x(u) is `x` (a least-squares fit): bounded scalars and
    /// nested fractions at or beyond their bounds are first moved inside by 0.1 % of the box;
    /// orientation and periodic vectors get radius 1 (the mode of their radial density).
    pub fn from_x(&self, x: &[f64], u: &mut [f64]) {
        let inside = |p: f64| p.clamp(START_MARGIN, 1.0 - START_MARGIN);
        for (slot, o) in &self.slots {
            let o = *o;
            match *slot {
                Slot::Bounded {
                    at, lower, upper, ..
                } => {
                    let p = (x[at] - lower) / (upper - lower);
                    u[o] = logit(inside(if p.is_finite() { p } else { 0.5 }));
                }
                Slot::Nested { at, .. } => {
                    u[o] = logit(inside(if x[at].is_finite() { x[at] } else { 0.5 }));
                }
                Slot::Orientation { at } => {
                    let (t, p) = (x[at], x[at + 1]);
                    let n = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
                    u[o..o + 3].copy_from_slice(&n);
                }
                Slot::Periodic { at, lower, upper } => {
                    let angle = (x[at] - lower) / (upper - lower) * 2.0 * PI - PI;
                    u[o] = angle.cos();
                    u[o + 1] = angle.sin();
                }
            }
        }
    }

    /// The positions in x of the orientations (θ at `at`, φ at `at + 1`).
    pub fn orientation_slots(&self) -> Vec<usize> {
        (self.slots.iter())
            .filter_map(|(s, _)| match s {
                Slot::Orientation { at } => Some(*at),
                _ => None,
            })
            .collect()
    }

    #[cfg(test)]
    pub(crate) fn slots(&self) -> &[(Slot, usize)] {
        &self.slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(names: &[&str]) -> MultiCompartmentModel {
        let comps = names
            .iter()
            .map(|n| dmipy::ModelComponent::by_name(n).unwrap())
            .collect();
        MultiCompartmentModel::new(comps).unwrap()
    }

    /// The slots of ball & two sticks: two orientations, three diffusivities, two nested
    /// fractions with Beta(1, 2) and Beta(1, 1), d = 3 + 1 + 3 + 1 + 1 + 2.
    #[test]
    fn slots_of_a_model() {
        let m = model(&["C1Stick", "C1Stick", "G1Ball"]);
        let scheme = dmipy::AcquisitionScheme::hcp_wu_minn().unwrap();
        let solver = SolverModel::new(&m, &scheme, 1).unwrap();
        let p = Parametrisation::new(&m, &solver, &Priors::new()).unwrap();
        assert_eq!(p.dim(), 11);
        let nested: Vec<f64> = (p.slots().iter())
            .filter_map(|(s, _)| match s {
                Slot::Nested { power, .. } => Some(*power),
                _ => None,
            })
            .collect();
        assert_eq!(nested, [1.0, 0.0]);
        assert_eq!(p.orientation_slots().len(), 2);
    }

    /// x(u) then u from x: the bounded and nested coordinates come back; orientations come back
    /// as the same direction.
    #[test]
    fn from_x_inverts_to_x() {
        let m = model(&["C1Stick", "G1Ball"]);
        let scheme = dmipy::AcquisitionScheme::hcp_wu_minn().unwrap();
        let solver = SolverModel::new(&m, &scheme, 1).unwrap();
        let p = Parametrisation::new(&m, &solver, &Priors::new()).unwrap();
        let u = [0.3, -1.2, 0.5, 0.7, -0.4, 1.1];
        let mut x = vec![0.0; p.n_x()];
        p.to_x(&u, &mut x);
        let mut back = vec![0.0; p.dim()];
        p.from_x(&x, &mut back);
        let mut x2 = vec![0.0; p.n_x()];
        p.to_x(&back, &mut x2);
        for (a, b) in x.iter().zip(&x2) {
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1e-9),
                "{x:?} vs {x2:?}"
            );
        }
    }
}
