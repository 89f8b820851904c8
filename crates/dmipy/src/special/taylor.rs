//! The one chain rule for special functions: a dual value of f built from f and its derivatives at re(x).
//!
//! num-dual's own `chain_rule` is an inherent method of each dual type, not part of the `DualNum`
//! trait, so generic code cannot call it. This module does the same job generically and exactly.

use crate::Scalar;

/// f(x) for a scalar or dual `x`, from the derivatives f⁽ᵏ⁾(x₀) at the real part x₀ = re(x).
///
/// $$ f(x) = \sum_{k=0}^{K} \frac{f^{(k)}(x_0)}{k!}\, h^k, \qquad h = x - x_0 , $$
///
/// with K = `D::NDERIV`, the highest derivative the dual type carries (0 for `f64`, 1 for `Dual64`
/// and `DualVec`, 2 for `HyperDual`, `Dual2` and nested `Dual<Dual>`, 3 for `Dual3`). The
/// infinitesimal part h has a zero real part, so hᴷ⁺¹ = 0 in every num-dual type and the
/// truncated Taylor series is exact: it reproduces what num-dual's `chain_rule` would give.
///
/// `derivative(k)` must return f⁽ᵏ⁾(x₀) for k = 0..=K; it is called once per k, in any order.
pub fn dual_from_derivatives<D: Scalar>(x: D, mut derivative: impl FnMut(usize) -> f64) -> D {
    let order = D::NDERIV;
    if order == 0 {
        return D::from(derivative(0));
    }
    let h = x - x.re();
    // Horner from the highest term down: Σ fₖ hᵏ / k!
    let mut acc = D::from(derivative(order) / factorial(order));
    for k in (0..order).rev() {
        acc = acc * h + derivative(k) / factorial(k);
    }
    acc
}

/// k! as f64 (exact for the small k used here).
fn factorial(k: usize) -> f64 {
    (1..=k).map(|i| i as f64).product()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual2_64, Dual3_64, Dual64, DualNum, HyperDual64};

    /// exp built from its derivatives must equal num-dual's own exp in every dual type.
    #[test]
    fn dual_from_derivatives_reproduces_num_dual_exp() {
        let x0 = 0.37_f64;
        let e = x0.exp();
        let d = Dual64::from(x0).derivative();
        let c = dual_from_derivatives(d, |_| e);
        assert_eq!(c, d.exp());
        let h = HyperDual64::from(x0).derivative1().derivative2();
        let c = dual_from_derivatives(h, |_| e);
        assert!((c.eps1eps2 - h.exp().eps1eps2).abs() <= 1e-15 * e);
        assert!((c.eps1 - e).abs() <= 1e-15 * e);
        let d2 = Dual2_64::from(x0).derivative();
        let c = dual_from_derivatives(d2, |_| e);
        assert!((c.v2 - e).abs() <= 1e-15 * e);
        let d3 = Dual3_64::from(x0).derivative();
        let c = dual_from_derivatives(d3, |_| e);
        assert!((c.v3 - e).abs() <= 1e-15 * e);
        assert_eq!(dual_from_derivatives(x0, |_| e), e);
    }

    /// sin(2x + 1) through a dual_from_derivativesd sin: the inner chain rule must carry through.
    #[test]
    fn dual_from_derivatives_applies_inner_chain_rule() {
        let x = HyperDual64::from(0.4).derivative1().derivative2();
        let inner = x * 2.0 + 1.0;
        let s = inner.re.sin();
        let c = inner.re.cos();
        let f = dual_from_derivatives(inner, |k| [s, c, -s, -c][k]);
        let want = inner.sin();
        assert!((f.re - want.re).abs() < 1e-15);
        assert!((f.eps1 - want.eps1).abs() < 1e-15);
        assert!((f.eps1eps2 - want.eps1eps2).abs() < 1e-15);
        assert!((f.eps1eps2 - (-4.0 * 1.8f64.sin())).abs() < 1e-14);
    }
}
