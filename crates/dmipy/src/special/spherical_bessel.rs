//! Spherical Bessel functions jₙ generic over the scalar, and f64 zeros of jₙ′ for the sphere models.
//!
//! Definitions follow DLMF §10.47–10.51 (jₙ(x) = √(π/2x) J_{n+½}(x)). Values are tested against
//! `scipy.special.spherical_jn` and the zeros against SciPy-bracketed, mpmath-polished roots
//! (fixture `tests/fixtures/spherical_bessel.json`, made by `scripts/reference/spherical_bessel.py`).

use crate::Scalar;

/// Taylor coefficients of j₁(x)/x = Σₖ (−1)ᵏ x²ᵏ / (2ᵏ k! (2k+3)!!) (DLMF 10.53.1), k = 0..=8.
const J1_OVER_X_SERIES: [f64; 9] = [
    1.0 / 3.0,
    -1.0 / 30.0,
    1.0 / 840.0,
    -1.0 / 45_360.0,
    1.0 / 3_991_680.0,
    -1.0 / 518_918_400.0,
    1.0 / 93_405_312_000.0,
    -1.0 / 22_230_464_256_000.0,
    1.0 / 6_758_061_133_824_000.0,
];

/// j₁(x)/x, finite and exact at x = 0 (value 1/3).
///
/// j₁(x)/x = (sin x − x cos x)/x³ (DLMF 10.49.3); for |x| < 1 the Taylor series (DLMF 10.53.1,
/// nine terms, truncation < 2e-16) avoids the cancellation of the closed form.
pub(crate) fn sph_j1_over_x<D: Scalar>(x: D) -> D {
    if x.re().abs() < 1.0 {
        let x2 = x * x;
        let mut acc = D::from(J1_OVER_X_SERIES[8]);
        for &c in J1_OVER_X_SERIES[..8].iter().rev() {
            acc = acc * x2 + c;
        }
        acc
    } else {
        let (s, c) = x.sin_cos();
        (s - x * c) / (x * x * x)
    }
}

/// sinc(x) = sin(x)/x, finite and exact at x = 0 (value 1); Taylor series for |x| < 0.1.
pub(crate) fn sinc<D: Scalar>(x: D) -> D {
    if x.re().abs() < 0.1 {
        let x2 = x * x;
        // 1 − x²/3! + x⁴/5! − x⁶/7! + x⁸/9!; the next term is < 1e-20 for |x| < 0.1.
        ((((x2 * (1.0 / 362_880.0) - 1.0 / 5040.0) * x2 + 1.0 / 120.0) * x2 - 1.0 / 6.0) * x2) + 1.0
    } else {
        x.sin() / x
    }
}

/// Fills `out[n] = jₙ(x)` for n = 0..out.len(), for x > 0.
///
/// Where x ≥ the highest order the forward recurrence jₙ₊₁ = (2n+1)/x · jₙ − jₙ₋₁ (DLMF 10.51.1)
/// is stable and is used from j₀ = sin x/x, j₁ = x·(j₁(x)/x). Otherwise Miller's backward recurrence
/// (DLMF §3.6(v)) runs from an order well above max(n, x) and is normalised by whichever of the exact
/// j₀, j₁ is larger in magnitude. Every operation is scalar arithmetic, so dual parts are exact
/// derivatives. Values of x ≤ 0 give j₀ = 1 and jₙ = 0 (the limit x → 0⁺).
pub(crate) fn sph_jn_sequence<D: Scalar>(x: D, out: &mut [D]) {
    if out.is_empty() {
        return;
    }
    let xr = x.re();
    if xr <= 0.0 {
        out.iter_mut().for_each(|v| *v = D::from(0.0));
        out[0] = D::from(1.0);
        return;
    }
    let j0 = sinc(x);
    let j1 = x * sph_j1_over_x(x);
    let nmax = out.len() - 1;
    let inv_x = x.recip();
    if xr >= nmax as f64 {
        out[0] = j0;
        if nmax >= 1 {
            out[1] = j1;
        }
        for n in 1..nmax {
            out[n + 1] = inv_x * (2 * n + 1) as f64 * out[n] - out[n - 1];
        }
        return;
    }
    miller_backward(xr, inv_x, j0, j1, out);
}

/// Miller's backward recurrence for [`sph_jn_sequence`]; see there.
fn miller_backward<D: Scalar>(xr: f64, inv_x: D, j0: D, j1: D, out: &mut [D]) {
    const BIG: f64 = 1e200;
    let nmax = out.len() - 1;
    let top = (nmax as f64).max(xr);
    // Start order: the NR `bessj` rule (√(160·n) above n) plus a margin; ample for 15 digits.
    let start = top.ceil() as usize + (160.0 * top).sqrt().ceil() as usize + 20;
    let mut above = D::from(0.0); // f_{n+1}
    let mut current = D::from(1e-30); // f_n
    let mut f1 = D::from(0.0);
    for n in (1..=start).rev() {
        if n <= nmax {
            out[n] = current;
        }
        if n == 1 {
            f1 = current;
        }
        let below = inv_x * (2 * n + 1) as f64 * current - above;
        above = current;
        current = below;
        if current.re().abs() > BIG {
            let s = 1.0 / BIG;
            current *= s;
            above *= s;
            f1 *= s;
            out[n.min(nmax + 1)..].iter_mut().for_each(|v| *v *= s);
        }
    }
    let f0 = current;
    out[0] = f0;
    let scale = if j0.re().abs() >= j1.re().abs() {
        j0 / f0
    } else {
        j1 / f1
    };
    out.iter_mut().for_each(|v| *v *= scale);
}

/// jₙ′(x) from the sequence j₀..jₙ₊₁: jₙ′ = (n/x) jₙ − jₙ₊₁ (DLMF 10.51.2), for x > 0.
pub(crate) fn sph_jn_prime_from_sequence<D: Scalar>(n: usize, x: D, seq: &[D]) -> D {
    seq[n] * (n as f64) / x - seq[n + 1]
}

/// jₙ(x) and jₙ′(x) in f64, for x > 0.
pub(crate) fn sph_jn_and_prime(n: usize, x: f64) -> (f64, f64) {
    let mut seq = vec![0.0; n + 2];
    sph_jn_sequence(x, &mut seq);
    (seq[n], sph_jn_prime_from_sequence(n, x, &seq))
}

/// Higher derivatives jₙ″, jₙ‴, jₙ⁗ at x > 0 from y = jₙ(x), y′ = jₙ′(x).
///
/// From the spherical Bessel equation x²y″ + 2xy′ + (x² − n(n+1))y = 0 (DLMF 10.47.1) and its
/// first two derivatives; m = n(n+1):
/// y″ = −(2/x)y′ − (1 − m/x²)y,
/// y‴ = (2/x²)y′ − (2/x)y″ − (2m/x³)y − (1 − m/x²)y′,
/// y⁗ = −(4/x³)y′ + (4/x²)y″ − (2/x)y‴ + (6m/x⁴)y − (4m/x³)y′ − (1 − m/x²)y″.
pub(crate) fn sph_jn_higher_derivatives(n: usize, x: f64, y: f64, y1: f64) -> [f64; 3] {
    let m = (n * (n + 1)) as f64;
    let k = 1.0 - m / (x * x);
    let y2 = -2.0 / x * y1 - k * y;
    let y3 = 2.0 / (x * x) * y1 - 2.0 / x * y2 - 2.0 * m / x.powi(3) * y - k * y1;
    let y4 = -4.0 / x.powi(3) * y1 + 4.0 / (x * x) * y2 - 2.0 / x * y3 + 6.0 * m / x.powi(4) * y
        - 4.0 * m / x.powi(3) * y1
        - k * y2;
    [y2, y3, y4]
}

/// The first `count` positive zeros of jₙ′(x), ascending (for n = 0, x = 0 is not counted).
///
/// Zeros are bracketed by sign changes of jₙ′ on a grid of step 0.1 starting at max(0.5, n/2),
/// below the first zero (which exceeds √(n(n+1)) for n ≥ 1, DLMF §10.21(i) via the J_{n+½} relation),
/// and refined by bisection to adjacent floating-point numbers. Consecutive zeros are more than
/// 2 apart, so the grid cannot step over a pair.
pub fn sph_jn_prime_zeros(n: usize, count: usize) -> Vec<f64> {
    const STEP: f64 = 0.1;
    let deriv = |x: f64| sph_jn_and_prime(n, x).1;
    let mut zeros = Vec::with_capacity(count);
    let mut a = (0.5 * n as f64).max(0.5);
    let mut fa = deriv(a);
    while zeros.len() < count {
        let b = a + STEP;
        let fb = deriv(b);
        if fb == 0.0 {
            zeros.push(b);
        } else if fa * fb < 0.0 {
            zeros.push(bisect(&deriv, a, b, fa));
        }
        a = b;
        fa = fb;
    }
    zeros
}

/// Bisection of a sign change of `f` on [a, b] (f(a) = fa) down to adjacent floats.
fn bisect(f: &impl Fn(f64) -> f64, mut a: f64, mut b: f64, mut fa: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (a + b);
        if mid <= a || mid >= b {
            break;
        }
        let fm = f(mid);
        if fm == 0.0 {
            return mid;
        }
        if (fm < 0.0) == (fa < 0.0) {
            a = mid;
            fa = fm;
        } else {
            b = mid;
        }
    }
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;
    use serde_json::Value;

    fn fixture() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/spherical_bessel.json"))
            .expect("fixture parses")
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    #[test]
    fn values_match_scipy() {
        let fx = fixture();
        let mut worst: f64 = 0.0;
        for v in fx["values"].as_array().unwrap() {
            let n = v["n"].as_u64().unwrap() as usize;
            let x = v["x"].as_f64().unwrap();
            let want = v["jn"].as_f64().unwrap();
            // Two sequence lengths: the value must not depend on how far the recurrence runs.
            for len in [n + 2, 61] {
                if len <= n {
                    continue;
                }
                let mut seq = vec![0.0; len];
                sph_jn_sequence(x, &mut seq);
                let got = seq[n];
                // Relative where representable; SciPy's tiny values (< 1e-290) may be denormal.
                if want.abs() > 1e-290 {
                    let e = rel(got, want);
                    worst = worst.max(e);
                    assert!(e < 1e-12, "j_{n}({x}) = {got}, scipy {want}, rel {e:e}");
                } else {
                    assert!(got.abs() < 1e-280);
                }
            }
        }
        assert!(worst < 1e-12, "worst {worst:e}");
    }

    #[test]
    fn prime_zeros_match_reference() {
        let fx = fixture();
        let zeros = fx["prime_zeros"].as_object().unwrap();
        for (n, list) in zeros {
            let n: usize = n.parse().unwrap();
            let want: Vec<f64> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let got = sph_jn_prime_zeros(n, want.len());
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(rel(*g, *w) < 2e-14, "zero {k} of j_{n}': {g} vs {w}");
            }
        }
    }

    #[test]
    fn j1_over_x_series_and_closed_form_agree_at_the_switch() {
        // (sin x − x cos x)/x³ is accurate to ~1e-15 at x = 1.
        let closed = |x: f64| (x.sin() - x * x.cos()) / x.powi(3);
        for x in [0.999_999_999, 1.0, 0.5, 2.0] {
            assert!(rel(sph_j1_over_x(x), closed(x)) < 2e-15, "x = {x}");
        }
        assert_eq!(sph_j1_over_x(0.0), 1.0 / 3.0);
    }

    #[test]
    fn dual_derivative_of_jn_matches_recurrence_derivative() {
        // d/dx jₙ = (n/x) jₙ − jₙ₊₁, evaluated in f64, against the dual part of the sequence.
        for x in [0.3, 3.7, 42.0, 250.0] {
            let mut seq = vec![Dual64::from(0.0); 31];
            sph_jn_sequence(Dual64::from(x).derivative(), &mut seq);
            let mut plain = vec![0.0; 31];
            sph_jn_sequence(x, &mut plain);
            for (n, value) in seq.iter().take(30).enumerate() {
                let want = sph_jn_prime_from_sequence(n, x, &plain);
                let err = (value.eps - want).abs();
                assert!(err <= 1e-12 * want.abs().max(1e-30), "n={n} x={x}: {err:e}");
            }
        }
    }

    #[test]
    fn higher_derivatives_match_finite_differences() {
        let (n, x) = (3, 5.3);
        let h = 1e-4;
        let d1 = |x: f64| sph_jn_and_prime(n, x).1;
        let (y, y1) = sph_jn_and_prime(n, x);
        let [y2, y3, _] = sph_jn_higher_derivatives(n, x, y, y1);
        let fd2 = (d1(x + h) - d1(x - h)) / (2.0 * h);
        let fd3 = (d1(x + h) - 2.0 * y1 + d1(x - h)) / (h * h);
        assert!(rel(y2, fd2) < 1e-7, "{y2} vs {fd2}");
        assert!(rel(y3, fd3) < 1e-5, "{y3} vs {fd3}");
        let d2 = |x: f64| {
            let (a, b) = sph_jn_and_prime(n, x);
            sph_jn_higher_derivatives(n, x, a, b)[1]
        };
        let [_, _, y4] = sph_jn_higher_derivatives(n, x, y, y1);
        let fd4 = (d2(x + h) - d2(x - h)) / (2.0 * h);
        assert!(rel(y4, fd4) < 1e-7, "{y4} vs {fd4}");
    }
}
