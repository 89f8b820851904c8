//! Lifting an `f64` special function with known derivatives to any num-dual number, exactly.
//!
//! # The pattern for every special function of the crate
//!
//! num-dual 0.15.1 keeps its per-type `chain_rule` private, and its `DualNum` trait has no public
//! hook for a user function. The exact, type-independent way is the **truncated Taylor series in
//! the nilpotent part**: write a dual number as `x = a + h` with `a = x.re()` (an `f64`) and
//! `h = x − a`, whose real part is zero. Every dual type `D` is nilpotent of order
//! `D::NDERIV + 1` (`h^{NDERIV+1} = 0`: 1 for `Dual64`/`DualVec`, 2 for `HyperDual`/`Dual2`,
//! nested types add up), so
//!
//! $$ f(a + h) = \sum_{k=0}^{N} \frac{f^{(k)}(a)}{k!}\, h^k, \qquad N = \texttt{D::NDERIV}, $$
//!
//! holds *exactly* in the dual algebra — it is the definition of `f` on duals that every num-dual
//! type implements internally. For `Dual64` it reduces to `f(a) + f'(a)·ε`, bit for bit what
//! num-dual's own chain rule computes; for `HyperDual` it gives `f'·ε₁ε₂ + f''·ε₁·ε₂` in the mixed
//! part, as num-dual's does.
//!
//! A special function therefore only supplies its derivatives `f^{(k)}(a)` for
//! `k = 0..=NDERIV` as plain `f64` (usually by a recurrence: Hermite for erf, `D' = 1 − 2xD` for
//! Dawson, `J_n' = (J_{n−1} − J_{n+1})/2` for Bessel) and calls [`taylor_lift`].

use crate::Scalar;

/// Largest derivative order handled without a heap allocation (enough for `HyperHyperDual`).
const STACK_ORDERS: usize = 8;

/// Returns `f(x)` on any dual type, given `derivatives(a, out)` that fills `out[k] = f^{(k)}(a)`
/// for `k = 0..out.len()` at the real part `a = x.re()`; `out.len()` is `D::NDERIV + 1`.
///
/// Exact to rounding for every num-dual type (see the module documentation).
pub(crate) fn taylor_lift<D: Scalar>(x: D, derivatives: impl FnOnce(f64, &mut [f64])) -> D {
    let a = x.re();
    let orders = D::NDERIV + 1;
    let mut stack = [0.0; STACK_ORDERS];
    let mut heap = Vec::new();
    let coeffs: &mut [f64] = if orders <= STACK_ORDERS {
        &mut stack[..orders]
    } else {
        heap.resize(orders, 0.0);
        &mut heap
    };
    derivatives(a, coeffs);
    if orders == 1 {
        return D::from(coeffs[0]);
    }
    let h = x - a;
    // Horner in h with Taylor coefficients f^(k)/k!.
    let mut factorial = (1..orders).map(|k| k as f64).product::<f64>();
    let mut y = h * (coeffs[orders - 1] / factorial);
    for k in (1..orders - 1).rev() {
        factorial /= (k + 1) as f64;
        y = (y + coeffs[k] / factorial) * h;
    }
    y + coeffs[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual2_64, Dual64, DualNum, HyperDual64};

    /// exp lifted through its derivatives must equal num-dual's own exp on every dual type.
    fn lifted_exp<D: Scalar>(x: D) -> D {
        taylor_lift(x, |a, out| out.iter_mut().for_each(|o| *o = a.exp()))
    }

    #[test]
    fn lift_reproduces_builtin_exp_on_dual64() {
        let x = Dual64::new(0.3, 1.7);
        let (l, e) = (lifted_exp(x), x.exp());
        assert_eq!(l.re, e.re);
        assert!((l.eps - e.eps).abs() <= 1e-15 * e.eps.abs());
    }

    #[test]
    fn lift_reproduces_builtin_sin_on_hyperdual_and_dual2() {
        let sin = |a: f64, out: &mut [f64]| {
            for (k, o) in out.iter_mut().enumerate() {
                *o = (a + k as f64 * std::f64::consts::FRAC_PI_2).sin();
            }
        };
        let x = HyperDual64::new(0.8, 1.3, -0.4, 0.25);
        let (l, s) = (taylor_lift(x, sin), x.sin());
        for (p, q) in [
            (l.re, s.re),
            (l.eps1, s.eps1),
            (l.eps2, s.eps2),
            (l.eps1eps2, s.eps1eps2),
        ] {
            assert!((p - q).abs() <= 1e-15 * q.abs().max(1.0), "{p} vs {q}");
        }
        let y = Dual2_64::new(0.8, 1.3, 0.7);
        let (l, s) = (taylor_lift(y, sin), y.sin());
        for (p, q) in [(l.re, s.re), (l.v1, s.v1), (l.v2, s.v2)] {
            assert!((p - q).abs() <= 1e-15 * q.abs().max(1.0), "{p} vs {q}");
        }
    }

    #[test]
    fn lift_on_f64_is_the_value() {
        assert_eq!(lifted_exp(0.5f64), 0.5f64.exp());
    }
}
