//! Bessel functions of the first kind Jₙ of integer order, their derivatives, and the cylinder "jinc".
//!
//! Values in `f64` come from `libm::jn` (the FreeBSD msun algorithm: Hankel asymptotics for large x,
//! backward recurrence for n > x). Derivatives of any order follow from the recurrence
//! 2Jₙ′ = Jₙ₋₁ − Jₙ₊₁ (DLMF 10.6.1), so every dual type gets its derivatives through
//! [`dual_from_derivatives`](super::taylor::dual_from_derivatives), the single chain rule of this module.

use super::taylor::dual_from_derivatives;
use crate::Scalar;

/// Jₙ(x) in `f64` for any integer order n, with J₋ₙ = (−1)ⁿ Jₙ (DLMF 10.4.1).
pub fn bessel_j_f64(n: i32, x: f64) -> f64 {
    let value = libm::jn(n.abs(), x);
    if n < 0 && n % 2 != 0 { -value } else { value }
}

/// The k-th derivative Jₙ⁽ᵏ⁾(x) in `f64`.
///
/// $$ J_n^{(k)}(x) = 2^{-k} \sum_{j=0}^{k} (-1)^j \binom{k}{j} J_{n-k+2j}(x) $$
///
/// (DLMF 10.6.7, Olver et al., NIST Handbook 2010). Its absolute error is a few ulp of max |J|.
pub fn bessel_j_derivative_f64(n: i32, k: usize, x: f64) -> f64 {
    let mut sum = 0.0;
    let mut binomial = 1.0;
    for j in 0..=k {
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * binomial * bessel_j_f64(n - k as i32 + 2 * j as i32, x);
        binomial = binomial * (k - j) as f64 / (j + 1) as f64;
    }
    sum * 0.5f64.powi(k as i32)
}

/// Jₙ(x), n ≥ 0, for a scalar or dual argument x (dimensionless).
///
/// Value from `libm::jn`, derivatives from `bessel_j_derivative_f64` (DLMF 10.6.7), combined
/// exactly for every num-dual type.
pub fn bessel_jn<D: Scalar>(n: u32, x: D) -> D {
    let x0 = x.re();
    dual_from_derivatives(x, |k| bessel_j_derivative_f64(order(n), k, x0))
}

/// Jₙ′(x) = (Jₙ₋₁(x) − Jₙ₊₁(x))/2 (DLMF 10.6.1), n ≥ 0, for a scalar or dual argument x.
pub fn bessel_jn_prime<D: Scalar>(n: u32, x: D) -> D {
    let x0 = x.re();
    dual_from_derivatives(x, |k| bessel_j_derivative_f64(order(n), k + 1, x0))
}

/// Below this x² the power series is used for functions of x² (see `jinc_squared`).
const SERIES_LIMIT: f64 = 1.0;

/// Number of power-series terms: (x²/4)ᵏ/(k!(k+m)!) < 1e-22 for x² < 1 and k = 12.
const SERIES_TERMS: usize = 12;

/// The squared "jinc" [2J₁(x)/x]² as a function of y = x², analytic at y = 0.
///
/// $$ \left[\frac{2 J_1(x)}{x}\right]^2, \qquad
///    \frac{2 J_1(x)}{x} = \sum_{k\ge0} \frac{(-1)^k (y/4)^k}{k!\,(k+1)!} $$
///
/// (DLMF 10.2.2). This is the narrow-pulse, long-time perpendicular attenuation of a cylinder,
/// Söderman & Jönsson 1995, J. Magn. Reson. A 117:94, doi:10.1006/jmra.1995.0014, eq. 6, with
/// x = 2πqR. Taking y = x² instead of x keeps every derivative finite at y = 0 (a gradient exactly
/// along the cylinder), where √y would not be differentiable. Series for y < 1, libm beyond.
pub fn jinc_squared<D: Scalar>(y: D) -> D {
    let jinc = if y.re() < SERIES_LIMIT {
        series_x_pow_minus_m(1, y)
    } else {
        let x = y.sqrt();
        bessel_jn(1, x) * 2.0 / x
    };
    jinc * jinc
}

/// (x Jₘ′(x))² as a function of y = x², analytic at y = 0; the numerator of Callaghan's cylinder sum.
///
/// $$ x J_m'(x) = \sum_{k\ge0} \frac{(-1)^k (2k+m)}{k!\,(k+m)!} \left(\frac{x}{2}\right)^{2k+m} $$
///
/// (DLMF 10.2.2 differentiated term by term), so (xJₘ′)² = (y/4)ᵐ S(y)² with an even series S.
/// Series for y < 1, libm beyond.
pub fn x_jn_prime_squared<D: Scalar>(m: u32, y: D) -> D {
    if y.re() < SERIES_LIMIT {
        let quarter = y * 0.25;
        let mut term = D::one();
        let mut sum = D::zero();
        let mut denominator = factorial(m);
        for k in 0..SERIES_TERMS {
            sum += term * ((2 * k as u32 + m) as f64 / denominator);
            term = -term * quarter;
            denominator *= ((k + 1) * (k + 1 + m as usize)) as f64;
        }
        quarter.powi(m as i32) * sum * sum
    } else {
        let x = y.sqrt();
        let v = x * bessel_jn_prime(m, x);
        v * v
    }
}

/// Σₖ (−1)ᵏ (y/4)ᵏ / (k!(k+m)!) = Jₘ(x)/(x/2)ᵐ, the regular part of Jₘ, as a series in y = x².
fn series_x_pow_minus_m<D: Scalar>(m: u32, y: D) -> D {
    let quarter = y * 0.25;
    let mut term = D::from(1.0 / factorial(m));
    let mut sum = D::zero();
    for k in 0..SERIES_TERMS {
        sum += term;
        term = -term * quarter / ((k + 1) * (k + 1 + m as usize)) as f64;
    }
    sum
}

fn order(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn factorial(m: u32) -> f64 {
    (1..=m).map(f64::from).product()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual64, HyperDual64};

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    #[test]
    fn jn_dual_matches_num_dual_j0_j1_j2() {
        use num_dual::BesselDual;
        for &x0 in &[0.3, 2.0, 7.5, 40.0] {
            let x = HyperDual64::from(x0).derivative1().derivative2();
            for (n, want) in [(0, x.bessel_j0()), (1, x.bessel_j1()), (2, x.bessel_j2())] {
                let got = bessel_jn(n, x);
                assert!((got.re - want.re).abs() < 1e-14, "J{n}({x0})");
                assert!((got.eps1 - want.eps1).abs() < 1e-14, "J{n}'({x0})");
                assert!((got.eps1eps2 - want.eps1eps2).abs() < 1e-13, "J{n}''({x0})");
            }
        }
    }

    /// J₀ = 1, J₁′(0) = 1/2, Jₙ(0) = 0, and the Bessel equation x²J″ + xJ′ + (x² − n²)J = 0.
    #[test]
    fn jn_satisfies_bessel_equation_through_hyperduals() {
        assert_eq!(bessel_jn(0, 0.0), 1.0);
        assert_eq!(bessel_jn_prime(1, Dual64::from(0.0)).re, 0.5);
        for n in 0..12u32 {
            for &x0 in &[0.7, 3.3, 11.0, 60.0, 300.0] {
                let x = HyperDual64::from(x0).derivative1().derivative2();
                let j = bessel_jn(n, x);
                let residual =
                    x0 * x0 * j.eps1eps2 + x0 * j.eps1 + (x0 * x0 - (n * n) as f64) * j.re;
                let scale = x0 * x0 * (j.re.abs() + j.eps1.abs() + j.eps1eps2.abs());
                assert!(residual.abs() < 1e-12 * scale, "n={n} x={x0}: {residual}");
            }
        }
    }

    #[test]
    fn dual_derivatives_equal_central_differences() {
        let h = 1e-6;
        for n in [0u32, 1, 3, 17] {
            for &x0 in &[0.9, 5.1, 25.0] {
                let d = bessel_jn_prime(n, Dual64::from(x0).derivative());
                let fd = (bessel_jn_prime(n, x0 + h) - bessel_jn_prime(n, x0 - h)) / (2.0 * h);
                assert!((d.eps - fd).abs() < 1e-8, "n={n} x={x0}: {} vs {fd}", d.eps);
            }
        }
    }

    #[test]
    fn jinc_squared_series_and_libm_agree_at_the_switch() {
        for y in [SERIES_LIMIT * (1.0 - 1e-12), SERIES_LIMIT] {
            let x = f64::sqrt(y);
            let direct = (2.0 * bessel_j_f64(1, x) / x).powi(2);
            assert!(rel(jinc_squared(y), direct) < 1e-14);
        }
        assert_eq!(jinc_squared(0.0), 1.0);
        // d/dy [2J1(√y)/√y]² at y = 0 is −1/4 (series: 1 − y/4 + …)
        let d = jinc_squared(Dual64::from(0.0).derivative());
        assert!((d.eps + 0.25).abs() < 1e-15);
    }

    #[test]
    fn x_jn_prime_squared_series_matches_direct_form() {
        for m in 0..8u32 {
            for y in [0.3_f64, 0.999_999] {
                let x: f64 = y.sqrt();
                let direct = (x * bessel_j_derivative_f64(m as i32, 1, x)).powi(2);
                let got = x_jn_prime_squared(m, y);
                assert!(rel(got, direct) < 1e-12, "m={m} y={y}: {got} vs {direct}");
            }
        }
    }
}
