//! Positive zeros α_{nk} of Jₙ′, the eigenvalues of diffusion in a cylinder with reflecting wall.

use super::bessel::bessel_j_derivative_f64;

/// Scan step when bracketing the next zero. Consecutive zeros of Jₙ′ lie more than π apart
/// (they interlace with those of Jₙ, whose spacing decreases to π; DLMF 10.21(i)), so a step of
/// 0.5 cannot jump over two of them.
const SCAN_STEP: f64 = 0.5;

/// The first `count` positive zeros of Jₙ′, ascending: Jₙ′(α_{nk}) = 0, α_{n1} < α_{n2} < …
///
/// Equal to SciPy's `scipy.special.jnp_zeros(n, count)`; x = 0 is not counted (for n = 0 the
/// zeros are those of J₁: 3.8317…, 7.0156…). The first zero exceeds n (DLMF 10.21.3), so the scan
/// starts there; each sign change of Jₙ′ is refined by Newton's method on
/// Jₙ″ = (Jₙ₋₂ − 2Jₙ + Jₙ₊₂)/4, kept inside the bracket by bisection, to full double precision.
///
/// These are the dimensionless roots of the reflecting-wall cylinder problem (Callaghan 1995,
/// J. Magn. Reson. A 113:53, doi:10.1006/jmra.1995.1055; Van Gelderen et al. 1994,
/// J. Magn. Reson. B 103:255, doi:10.1006/jmrb.1994.1038, with n = 1).
pub fn bessel_jn_prime_zeros(n: u32, count: usize) -> Vec<f64> {
    let order = i32::try_from(n).unwrap_or(i32::MAX);
    let f = |x: f64| bessel_j_derivative_f64(order, 1, x);
    let mut zeros = Vec::with_capacity(count);
    let mut a = f64::from(n).max(SCAN_STEP);
    let mut fa = f(a);
    while zeros.len() < count {
        let b = a + SCAN_STEP;
        let fb = f(b);
        if fa == 0.0 {
            zeros.push(a);
            // restart just past the zero so it is not found twice
            a = b;
            fa = fb;
            continue;
        }
        if fa.signum() != fb.signum() {
            zeros.push(refine(order, a, b, fa));
        }
        a = b;
        fa = fb;
    }
    zeros
}

/// Newton's method inside a sign-change bracket [lo, hi] of Jₙ′, with bisection as safeguard.
fn refine(order: i32, mut lo: f64, mut hi: f64, f_lo: f64) -> f64 {
    let lo_sign = f_lo.signum();
    let mut x = 0.5 * (lo + hi);
    for _ in 0..100 {
        let fx = bessel_j_derivative_f64(order, 1, x);
        if fx == 0.0 {
            return x;
        }
        if fx.signum() == lo_sign {
            lo = x;
        } else {
            hi = x;
        }
        let slope = bessel_j_derivative_f64(order, 2, x);
        let newton = x - fx / slope;
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 2.0 * f64::EPSILON * x || hi - lo <= 2.0 * f64::EPSILON * x {
            return next;
        }
        x = next;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First zeros from Abramowitz & Stegun Table 9.5 (10 digits), independent of SciPy.
    #[test]
    fn first_zeros_match_abramowitz_stegun_table_9_5() {
        let z0 = bessel_jn_prime_zeros(0, 2);
        assert!((z0[0] - 3.831_705_970).abs() < 1e-9);
        assert!((z0[1] - 7.015_586_670).abs() < 1e-9);
        let z1 = bessel_jn_prime_zeros(1, 3);
        assert!((z1[0] - 1.841_183_781).abs() < 1e-9);
        assert!((z1[1] - 5.331_442_774).abs() < 1e-9);
        assert!((z1[2] - 8.536_316_366).abs() < 1e-9);
        let z2 = bessel_jn_prime_zeros(2, 1);
        assert!((z2[0] - 3.054_236_928).abs() < 1e-9);
    }

    /// Every zero is a zero, and they come ascending with no gap (a missed zero would leave a
    /// sign change between neighbours' midpoints).
    #[test]
    fn zeros_are_roots_and_complete() {
        for n in [0u32, 1, 5, 30] {
            let zeros = bessel_jn_prime_zeros(n, 25);
            for pair in zeros.windows(2) {
                assert!(pair[1] - pair[0] > 3.0, "n={n}: {pair:?}");
                let mid = 0.5 * (pair[0] + pair[1]);
                let g = |x: f64| bessel_j_derivative_f64(n as i32, 1, x);
                assert!(g(pair[0] + 1e-6).signum() == g(mid).signum());
            }
            for &z in &zeros {
                let slope = bessel_j_derivative_f64(n as i32, 2, z).abs();
                let r = bessel_j_derivative_f64(n as i32, 1, z).abs();
                // the residual is limited by the rounding of Jₙ₋₁ − Jₙ₊₁ (a few 1e-16)
                assert!(r / slope < 2e-15 * z, "n={n} z={z} r={r} slope={slope}");
            }
        }
    }
}
