//! Damped eigenmode sums Σ e^{−α²t} Aₖ of the restricted models: eigenvalue tables, cached damping factors, the truncation rule.
//!
//! Callaghan's sums for planes, cylinders and spheres (Callaghan 1995, J. Magn. Reson. A
//! 113:53–59, doi:10.1006/jmra.1995.1055) all read E = Σ_α e^{−α² t} A_α(x) with a dimensionless
//! time t = Dτ/a² that depends on the pore size and the pulse timing but not on the gradient
//! direction, and amplitudes A_α ≥ 0 that sum to one (Parseval: at t = 0 the spins have not moved,
//! E = 1). Two consequences are used here:
//!
//! - the damping factors are computed once per (size, τ), not once per measurement
//!   ([`Dampings`]);
//! - the terms with e^{−α²t} < ε·S, S the partial sum so far, may be dropped: every dropped
//!   term is at most e^{−α²t}A_α, so all of them together are below ε·S·Σ A_α ≤ ε·E
//!   ([`alpha2_limit`]). Since S ≤ E only grows, a limit computed from an earlier S is
//!   conservative.

use crate::Scalar;
use std::ops::Range;

/// Relative size ε of the dropped tail of a mode sum (see the module docs): far below the f64
/// rounding of the kept terms, and with room for the derivatives, whose dropped part is at most
/// ε·L·|∂ln t| times E with L = −ln(ε S) ≈ 41.
pub(crate) const TAIL_TOLERANCE: f64 = 1e-18;

/// The largest α² whose term can still matter: e^{−α² t} ≥ ε·S ⇔ α² ≤ −ln(ε·S)/t, for a partial
/// sum S ≥ 0 and t ≥ 0 (real parts). Infinite when S or t is zero (nothing may be dropped).
pub(crate) fn alpha2_limit(partial_sum: f64, t: f64) -> f64 {
    if partial_sum > 0.0 && t > 0.0 {
        -(TAIL_TOLERANCE * partial_sum).ln() / t
    } else {
        f64::INFINITY
    }
}

/// The measurement indices 0 … n − 1 with equal τ next to each other (a stable sort by τ), so that
/// a [`Dampings`] table is filled once per distinct τ even when a scheme interleaves timings.
/// Already grouped schemes (one τ, or shells in blocks) keep their order at O(n) cost.
pub(crate) fn grouped_by_tau(tau: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tau.len()).collect();
    order.sort_by(|&a, &b| tau[a].total_cmp(&tau[b]));
    order
}

/// Eigenvalues α² of a mode sum grouped by order (m or n), ascending within each order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModeLadder {
    alpha2: Vec<f64>,
    starts: Vec<usize>,
    /// reach[m] = the smallest first α² among orders ≥ m (nondecreasing in m).
    reach: Vec<f64>,
}

impl ModeLadder {
    /// From the ascending positive eigenvalues α (dimensionless) of each order.
    pub fn new(orders: &[Vec<f64>]) -> Self {
        let mut alpha2 = Vec::new();
        let mut starts = vec![0];
        for order in orders {
            debug_assert!(order.windows(2).all(|w| w[0] <= w[1]));
            alpha2.extend(order.iter().map(|a| a * a));
            starts.push(alpha2.len());
        }
        let mut reach = vec![f64::INFINITY; orders.len() + 1];
        for m in (0..orders.len()).rev() {
            let first = orders[m].first().map_or(f64::INFINITY, |a| a * a);
            reach[m] = first.min(reach[m + 1]);
        }
        Self {
            alpha2,
            starts,
            reach,
        }
    }

    /// Total number of modes.
    pub fn len(&self) -> usize {
        self.alpha2.len()
    }

    /// Flat indices of the modes of order m.
    pub fn order(&self, m: usize) -> Range<usize> {
        self.starts[m]..self.starts[m + 1]
    }

    /// α² of the mode with flat index `i`.
    pub fn alpha2(&self, i: usize) -> f64 {
        self.alpha2[i]
    }

    /// The number of leading orders that hold a mode with α² ≤ `limit`; no later order does.
    pub fn orders_within(&self, limit: f64) -> usize {
        self.reach[..self.reach.len() - 1].partition_point(|&r| r <= limit)
    }
}

/// Damping factors e^{−α² t} of one dimensionless time t, computed on first use and kept while
/// the pulse's τ stays the same (t = rate·τ with a rate fixed for the whole call).
#[derive(Debug, Clone)]
pub(crate) struct Dampings<D> {
    tau: Option<f64>,
    t: D,
    values: Vec<Option<D>>,
}

impl<D: Scalar> Dampings<D> {
    /// An empty table for `len` modes.
    pub fn new(len: usize) -> Self {
        Self {
            tau: None,
            t: D::zero(),
            values: vec![None; len],
        }
    }

    /// Makes the table hold t = `t()` for the diffusion time `tau` (s), clearing it if `tau`
    /// differs from the previous call's. Within one table, the same τ must always give the same t.
    pub fn prepare(&mut self, tau: f64, t: impl FnOnce() -> D) {
        if self.tau != Some(tau) {
            self.tau = Some(tau);
            self.t = t();
            self.values.fill(None);
        }
    }

    /// The dimensionless time t.
    pub fn t(&self) -> D {
        self.t
    }

    /// e^{−α² t} of mode `i`, whose eigenvalue is `alpha2` = α², as (t·(−α²)).exp().
    pub fn get(&mut self, i: usize, alpha2: f64) -> D {
        let t = self.t;
        *self.values[i].get_or_insert_with(|| (t * (-alpha2)).exp())
    }
}

/// Checks shared by the tests of the models built on these sums.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::{AcquisitionScheme, Compartment, PulseTiming, SchemeOptions};
    use num_dual::Dual64;

    /// Fast path against term-by-term sums: values to 1e-13, derivatives to 1e-12 (the cylinder's
    /// sum carries ~1e-13 of cancellation in ∂/∂x near roots of Jₘ′, in both forms; see
    /// `fast_path_equals_the_term_by_term_sum` in the C3 tests).
    pub(crate) const TOLERANCES: (f64, f64) = (1e-13, 1e-12);

    /// Three timings interleaved — HCP-like (δ, Δ) = (10.6, 43.1) ms, short (1, 2) ms and long
    /// (5, 80) ms — with b from 0 to 1.5e11 s/m² along directions spread over the sphere, so that
    /// x = 2πq⊥R runs from 0 to ~100 and the dimensionless times Dτ/R² span many decades.
    pub(crate) fn mixed_timing_scheme() -> AcquisitionScheme {
        let timings = [(0.0106, 0.0431), (0.001, 0.002), (0.005, 0.08)];
        let bvalues = [0.0, 1e8, 1e9, 3e9, 1e10, 4e10, 1.5e11];
        let (mut b, mut dirs, mut delta, mut big_delta) = (vec![], vec![], vec![], vec![]);
        for (i, &bv) in bvalues.iter().enumerate() {
            for (j, &(d, big)) in timings.iter().enumerate() {
                let t = 0.2 + 0.37 * (3 * i + j) as f64;
                let p = 1.3 * (3 * i + j) as f64;
                b.push(bv);
                dirs.push([t.sin() * p.cos(), t.sin() * p.sin(), t.cos()]);
                delta.push(d);
                big_delta.push(big);
            }
        }
        let timing = PulseTiming::per_measurement(delta, big_delta);
        AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default())
            .expect("valid scheme")
    }

    /// `model.signal` in f64 and with a Dual64 seeded on each parameter in turn equals
    /// `reference(params, measurement)` (the same seeds): values to `tol.0` relative to
    /// themselves, derivatives to `tol.1` relative to max(|∂E|, |E|/scale) with the parameter's
    /// Dmipy scale. Returns the largest error of each kind in units of its tolerance.
    pub(crate) fn assert_matches_reference<C: Compartment>(
        model: &C,
        scheme: &AcquisitionScheme,
        params: &[f64],
        reference: impl Fn(&[Dual64], usize) -> Dual64,
        (value_tol, derivative_tol): (f64, f64),
    ) -> (f64, f64) {
        let scales: Vec<f64> = model
            .parameters()
            .iter()
            .flat_map(|spec| std::iter::repeat_n(spec.scale, spec.cardinality()))
            .collect();
        let mut values = vec![0.0; scheme.len()];
        model.signal(scheme, params, &mut values).expect("signal");
        let mut worst: (f64, f64) = (0.0, 0.0);
        for (p, &scale) in scales.iter().enumerate() {
            let seeded: Vec<Dual64> = params
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    let v = Dual64::from(v);
                    if j == p { v.derivative() } else { v }
                })
                .collect();
            let mut duals = vec![Dual64::from(0.0); scheme.len()];
            model.signal(scheme, &seeded, &mut duals).expect("signal");
            for i in 0..scheme.len() {
                let want = reference(&seeded, i);
                let context = format!("{} {params:?} param {p} meas {i}", model.name());
                let value_error = (values[i] - want.re).abs() / (value_tol * want.re.abs());
                assert!(
                    value_error <= 1.0,
                    "{context}: {} vs {}",
                    values[i],
                    want.re
                );
                assert!((duals[i].re - values[i]).abs() <= 1e-15 * values[i].abs());
                let size = want.eps.abs().max(want.re.abs() / scale);
                let derivative_error = (duals[i].eps - want.eps).abs() / (derivative_tol * size);
                assert!(
                    derivative_error <= 1.0,
                    "{context}: ∂ {} vs {}",
                    duals[i].eps,
                    want.eps
                );
                worst = (worst.0.max(value_error), worst.1.max(derivative_error));
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual64, DualNum};

    #[test]
    fn grouping_keeps_equal_tau_together_in_index_order() {
        assert_eq!(grouped_by_tau(&[0.02, 0.01, 0.02, 0.01]), [1, 3, 0, 2]);
        assert_eq!(grouped_by_tau(&[0.03; 3]), [0, 1, 2]);
    }

    #[test]
    fn limit_bounds_the_damping_by_the_tolerance() {
        let (s, t) = (0.3, 2.5);
        let limit = alpha2_limit(s, t);
        let at = (-limit * t).exp();
        assert!((at / (TAIL_TOLERANCE * s) - 1.0).abs() < 1e-12);
        assert_eq!(alpha2_limit(0.0, t), f64::INFINITY);
        assert_eq!(alpha2_limit(s, 0.0), f64::INFINITY);
    }

    #[test]
    fn ladder_counts_orders_even_when_first_modes_are_not_sorted() {
        let ladder = ModeLadder::new(&[vec![3.0, 5.0], vec![1.0, 4.0], vec![6.0], vec![2.0]]);
        assert_eq!(ladder.len(), 6);
        assert_eq!(ladder.order(1), 2..4);
        assert_eq!(ladder.alpha2(3), 16.0);
        assert_eq!(ladder.orders_within(0.5), 0);
        assert_eq!(ladder.orders_within(1.0), 2);
        assert_eq!(ladder.orders_within(4.0), 4); // order 3's α = 2 is within
        assert_eq!(ladder.orders_within(f64::INFINITY), 4);
    }

    #[test]
    fn dampings_are_exact_exponentials_and_reset_with_tau() {
        let mut d = Dampings::new(2);
        let t = Dual64::from(0.7).derivative();
        d.prepare(0.01, || t);
        let got = d.get(1, 4.0);
        assert_eq!(got, (t * -4.0).exp());
        assert_eq!(got.eps, -4.0 * (-2.8f64).exp());
        d.prepare(0.01, || unreachable!("same τ keeps the table"));
        assert_eq!(d.get(1, 4.0), got);
        d.prepare(0.02, || t * 2.0);
        assert_eq!(d.get(1, 4.0), (t * 2.0 * -4.0).exp());
        assert_eq!(d.t(), t * 2.0);
    }
}
