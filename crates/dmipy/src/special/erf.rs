//! The error function erf, Dawson's integral D and erfi, generic over the scalar type.

use errorfunctions::RealErrorFunctions;

use super::taylor::dual_from_derivatives;
use crate::Scalar;

/// 2/√π.
const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

/// The error function $\operatorname{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt$ on any scalar.
///
/// Values from `libm::erf` (correctly rounded to ≲1 ulp). Derivatives, exact on every dual type via
/// [`dual_from_derivatives`]: $\operatorname{erf}^{(k)}(x) = (-1)^{k-1}\frac{2}{\sqrt\pi}
/// H_{k-1}(x)\,e^{-x^2}$ with the physicists' Hermite polynomials
/// $H_0 = 1,\ H_1 = 2x,\ H_{n+1} = 2xH_n - 2nH_{n-1}$ (Abramowitz & Stegun 1964, eq. 7.1.19).
pub fn erf<D: Scalar>(x: D) -> D {
    let a = x.re();
    let gauss = TWO_OVER_SQRT_PI * (-a * a).exp();
    dual_from_derivatives(x, |k| {
        if k == 0 {
            return libm::erf(a);
        }
        let (mut h_prev, mut h) = (0.0, 1.0);
        for n in 1..k {
            let next = 2.0 * a * h - 2.0 * (n - 1) as f64 * h_prev;
            h_prev = h;
            h = next;
        }
        let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
        sign * gauss * h
    })
}

/// Dawson's integral $D(x) = e^{-x^2}\int_0^x e^{t^2}\,dt$ on any scalar.
///
/// Values from `errorfunctions` 0.2 (Faddeeva-package algorithm, relative error ≲1e-15).
/// Derivatives from the differential equation $D' = 1 - 2xD$ (Abramowitz & Stegun 1964,
/// eq. 7.1.17 for the integral; the ODE follows by differentiation), and by differentiating it
/// again $D^{(n+1)} = -2x\,D^{(n)} - 2n\,D^{(n-1)}$ for $n \ge 1$; exact on every dual type via
/// [`dual_from_derivatives`].
pub fn dawson<D: Scalar>(x: D) -> D {
    let a = x.re();
    let value = a.dawson();
    dual_from_derivatives(x, |k| {
        let (mut prev, mut cur) = (value, 1.0 - 2.0 * a * value);
        if k == 0 {
            return value;
        }
        for n in 1..k {
            let next = -2.0 * a * cur - 2.0 * n as f64 * prev;
            prev = cur;
            cur = next;
        }
        cur
    })
}

/// The imaginary error function $\operatorname{erfi}(x) = -i\,\operatorname{erf}(ix)
/// = \frac{2}{\sqrt\pi}\, e^{x^2} D(x)$ on any scalar (the identity is Abramowitz & Stegun 1964,
/// eq. 7.1.17 rearranged). Overflows to infinity for |x| ≳ 26.6 like `exp(x²)`; where a product
/// `e^{-y} erfi(x)` is wanted, write it with [`dawson`] instead.
pub fn erfi<D: Scalar>(x: D) -> D {
    (x * x).exp() * dawson(x) * TWO_OVER_SQRT_PI
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual64, HyperDual64};

    #[derive(serde::Deserialize)]
    struct Fixture {
        x: Vec<f64>,
        erf: Vec<f64>,
        dawson: Vec<f64>,
        erfi: Vec<f64>,
    }

    fn fixture() -> Fixture {
        let text = include_str!("../../tests/fixtures/erf_dawson_scipy.json");
        serde_json::from_str(text).expect("fixture is valid JSON")
    }

    fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
        let err = (got - want).abs() / want.abs().max(1e-300);
        assert!(
            err <= tol,
            "{what}: got {got:e}, want {want:e}, rel err {err:e}"
        );
    }

    #[test]
    fn values_match_scipy() {
        let f = fixture();
        for (i, &x) in f.x.iter().enumerate() {
            if f.erf[i] != 0.0 {
                assert_rel(erf(x), f.erf[i], 1e-13, &format!("erf({x})"));
            }
            if f.dawson[i] != 0.0 {
                assert_rel(dawson(x), f.dawson[i], 1e-13, &format!("dawson({x})"));
            }
            if f.erfi[i] != 0.0 && f.erfi[i].is_finite() {
                assert_rel(erfi(x), f.erfi[i], 1e-13, &format!("erfi({x})"));
            }
        }
    }

    #[test]
    fn odd_functions_vanish_at_zero() {
        assert_eq!(erf(0.0), 0.0);
        assert_eq!(dawson(0.0), 0.0);
        assert_eq!(erfi(0.0), 0.0);
    }

    #[test]
    fn first_derivatives_match_central_differences() {
        let h = 1e-6;
        for &x in &[-3.1, -0.7, -1e-3, 0.0, 0.15, 0.9, 1.2, 2.5, 6.0, 12.0] {
            for (name, f, fd) in [
                (
                    "erf",
                    erf::<Dual64> as fn(Dual64) -> Dual64,
                    erf::<f64> as fn(f64) -> f64,
                ),
                ("dawson", dawson::<Dual64>, dawson::<f64>),
                ("erfi", erfi::<Dual64>, erfi::<f64>),
            ] {
                let exact = f(Dual64::from(x).derivative()).eps;
                let numeric = (fd(x + h) - fd(x - h)) / (2.0 * h);
                let err = (exact - numeric).abs() / exact.abs().max(1e-3);
                assert!(err < 1e-7, "{name}'({x}): dual {exact:e}, fd {numeric:e}");
            }
        }
    }

    #[test]
    fn closed_form_derivatives_hold() {
        for &x in &[-2.0, -0.3, 0.4, 1.7, 5.0] {
            let e = erf(Dual64::from(x).derivative()).eps;
            assert_rel(e, TWO_OVER_SQRT_PI * (-x * x).exp(), 1e-15, "erf'");
            let d = dawson(Dual64::from(x).derivative()).eps;
            assert_rel(d, 1.0 - 2.0 * x * dawson(x), 1e-15, "D'");
        }
    }

    #[test]
    fn second_derivatives_match_differences_of_first() {
        let h = 1e-5;
        for &x in &[-1.3, 0.2, 0.9, 2.2] {
            let hd = |v: f64| HyperDual64::new(v, 1.0, 1.0, 0.0);
            let d1 = |v: f64| dawson(Dual64::from(v).derivative()).eps;
            let e1 = |v: f64| erf(Dual64::from(v).derivative()).eps;
            let d2 = dawson(hd(x)).eps1eps2;
            let e2 = erf(hd(x)).eps1eps2;
            assert_rel(d2, (d1(x + h) - d1(x - h)) / (2.0 * h), 1e-8, "D''");
            assert_rel(e2, (e1(x + h) - e1(x - h)) / (2.0 * h), 1e-8, "erf''");
            // Closed forms: erf'' = −2x erf', D'' = −2D − 2x D'.
            assert_rel(e2, -2.0 * x * e1(x), 1e-14, "erf'' closed form");
            assert_rel(
                d2,
                -2.0 * dawson(x) - 2.0 * x * d1(x),
                1e-13,
                "D'' closed form",
            );
        }
    }
}
