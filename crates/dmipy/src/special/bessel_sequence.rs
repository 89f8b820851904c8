//! Bessel functions J₀(x) … J_N(x) of one argument at once (Miller's backward recurrence), and derivatives read from them.
//!
//! The eigenmode sums of the restricted models need Jₘ′(x) for every order m at each x; one
//! recurrence gives all orders for the price of about one `libm::jn` call.

use super::taylor::dual_from_derivatives;
use crate::Scalar;

/// Values above this are rescaled during the backward recurrence (it grows like (2n/x)ⁿ).
const RESCALE_ABOVE: f64 = 1e250;

/// Fills `out[n] = Jₙ(x)` for n = 0 … `out.len()` − 1 and x ≥ 0 (x = 0 gives J₀ = 1, Jₙ = 0).
///
/// Miller's algorithm (DLMF §3.6(v), Olver et al., NIST Handbook 2010): the three-term recurrence
/// $$ f_{n-1} = \frac{2n}{x} f_n - f_{n+1} \qquad \text{(DLMF 10.6.1)} $$
/// is run downwards from f_{L+1} = 0, f_L = 1 at an even start order L well above max(N, x), where
/// the wanted solution Jₙ dominates and the error of the arbitrary start decays like
/// J_L/Jₙ; the result is normalised with Neumann's sum
/// $$ 1 = J_0(x) + 2\sum_{k\ge1} J_{2k}(x) \qquad \text{(DLMF 10.12.4)} $$
/// which, unlike normalising by J₀, never divides by a value near a zero. L = ⌈max(N, x)⌉ +
/// ⌈√(60 max(N, x))⌉ + 20 (the Numerical Recipes `bessj` rule with a wider margin) leaves a
/// start error far below 1e-17 (tested against `libm::jn`). Values that underflow in the
/// rescaling are returned as 0.
pub(crate) fn bessel_j_sequence(x: f64, out: &mut [f64]) {
    if out.is_empty() {
        return;
    }
    if x <= 0.0 {
        out.fill(0.0);
        out[0] = 1.0;
        return;
    }
    let top = ((out.len() - 1) as f64).max(x);
    let start = (top.ceil() + (60.0 * top).sqrt().ceil()) as usize + 20;
    let start = start + start % 2;
    let two_over_x = 2.0 / x;
    let (mut above, mut current) = (0.0, 1.0); // f_{n+1}, f_n
    let mut neumann = 0.0;
    for n in (1..=start).rev() {
        if n < out.len() {
            out[n] = current;
        }
        if n % 2 == 0 {
            neumann += 2.0 * current;
        }
        let below = two_over_x * n as f64 * current - above;
        above = current;
        current = below;
        if current.abs() > RESCALE_ABOVE {
            let s = 1.0 / RESCALE_ABOVE;
            current *= s;
            above *= s;
            neumann *= s;
            let len = out.len();
            out[n.min(len)..].iter_mut().for_each(|v| *v *= s);
        }
    }
    out[0] = current;
    let norm = 1.0 / (current + neumann);
    out.iter_mut().for_each(|v| *v *= norm);
}

/// The k-th derivative Jₙ⁽ᵏ⁾(x) from a sequence `seq[j] = J_j(x)`, any integer n, with
/// J₋ⱼ = (−1)ʲ Jⱼ (DLMF 10.4.1):
/// $$ J_n^{(k)}(x) = 2^{-k} \sum_{j=0}^{k} (-1)^j \binom{k}{j} J_{n-k+2j}(x) \qquad \text{(DLMF 10.6.7)} $$
/// `seq` must reach order |n| + k.
pub(crate) fn bessel_j_derivative_from_sequence(seq: &[f64], n: i64, k: usize) -> f64 {
    let mut sum = 0.0;
    let mut binomial = 1.0;
    for j in 0..=k {
        let order = n - k as i64 + 2 * j as i64;
        let value = seq[order.unsigned_abs() as usize];
        let value = if order < 0 && order % 2 != 0 {
            -value
        } else {
            value
        };
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        sum += sign * binomial * value;
        binomial = binomial * (k - j) as f64 / (j + 1) as f64;
    }
    sum * 0.5f64.powi(k as i32)
}

/// Jₘ′(x) for a scalar or dual x whose real part is the argument of `seq[j] = J_j(re x)`;
/// derivatives of every order the dual type carries come from the sequence (DLMF 10.6.7), so
/// `seq` must reach order m + 1 + `D::NDERIV`.
pub(crate) fn bessel_jn_prime_from_sequence<D: Scalar>(seq: &[f64], m: usize, x: D) -> D {
    dual_from_derivatives(x, |k| {
        bessel_j_derivative_from_sequence(seq, m as i64, k + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::{bessel_j_derivative_f64, bessel_j_f64, bessel_jn_prime};
    use num_dual::{Dual64, HyperDual64};

    /// Against `libm::jn` (FreeBSD msun, an independent implementation): absolute error relative
    /// to the largest |Jₙ| of the row, and relative error where Jₙ is not tiny.
    #[test]
    fn sequence_matches_libm() {
        let mut worst: f64 = 0.0;
        for x in [1e-3, 0.5, 1.0, 2.7, 7.0155, 19.9, 55.0, 140.3, 400.0] {
            for len in [1usize, 2, 5, 40, 80] {
                let mut seq = vec![0.0; len];
                bessel_j_sequence(x, &mut seq);
                for (n, &got) in seq.iter().enumerate() {
                    let want = bessel_j_f64(n as i32, x);
                    let err = (got - want).abs();
                    // Oscillatory region: absolute error, scaled to the envelope √(2/πx).
                    let envelope = (2.0 / (std::f64::consts::PI * x)).sqrt().min(1.0);
                    let scaled = if (n as f64) < x {
                        err / envelope
                    } else {
                        err / want.abs().max(1e-290)
                    };
                    worst = worst.max(scaled);
                    assert!(scaled < 1e-13, "J_{n}({x}), len {len}: {got} vs {want}");
                }
            }
        }
        assert!(worst < 1e-13, "{worst:e}");
    }

    #[test]
    fn zero_argument_and_tiny_values() {
        let mut seq = [9.0; 4];
        bessel_j_sequence(0.0, &mut seq);
        assert_eq!(seq, [1.0, 0.0, 0.0, 0.0]);
        // J₆₀(1e-4) underflows: the recurrence rescales instead of overflowing.
        let mut seq = vec![0.0; 61];
        bessel_j_sequence(1e-4, &mut seq);
        assert!((seq[0] - bessel_j_f64(0, 1e-4)).abs() <= 2.3e-16);
        assert!((seq[3] / bessel_j_f64(3, 1e-4) - 1.0).abs() < 1e-14);
        assert!(seq.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn derivatives_match_the_libm_based_formula_and_duals() {
        for x in [1.3, 8.6, 31.0] {
            let mut seq = vec![0.0; 30];
            bessel_j_sequence(x, &mut seq);
            for n in [0i64, 1, 4, 20] {
                for k in 0..4 {
                    let got = bessel_j_derivative_from_sequence(&seq, n, k);
                    let want = bessel_j_derivative_f64(n as i32, k, x);
                    assert!((got - want).abs() < 1e-14, "J_{n}^({k})({x})");
                }
                let h = HyperDual64::from(x).derivative1().derivative2();
                let got = bessel_jn_prime_from_sequence(&seq, n as usize, h);
                let want = bessel_jn_prime(n as u32, h);
                assert!((got.re - want.re).abs() < 1e-14);
                assert!((got.eps1 - want.eps1).abs() < 1e-14);
                assert!((got.eps1eps2 - want.eps1eps2).abs() < 1e-14);
                let d =
                    bessel_jn_prime_from_sequence(&seq, n as usize, Dual64::from(x).derivative());
                assert!((d.eps - bessel_j_derivative_f64(n as i32, 2, x)).abs() < 1e-14);
            }
        }
    }
}
