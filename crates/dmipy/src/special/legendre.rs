//! Legendre polynomials Pₗ and the real, even-order spherical harmonics of Dmipy (MRtrix "tournier07" legacy basis).

use crate::{Error, Scalar};
use std::f64::consts::PI;

/// Legendre polynomial Pₗ(x) for a scalar or dual x, by Bonnet's recurrence
/// (l+1)Pₗ₊₁ = (2l+1)x Pₗ − l Pₗ₋₁ (DLMF 18.9.1 with 18.3 Table 1).
pub fn legendre_p<D: Scalar>(l: usize, x: D) -> D {
    let mut previous = D::one();
    if l == 0 {
        return previous;
    }
    let mut current = x;
    for k in 1..l {
        let next = (x * current * (2 * k + 1) as f64 - previous * k as f64) / (k + 1) as f64;
        previous = current;
        current = next;
    }
    current
}

/// Number of coefficients of the even real SH basis up to order `sh_order`: (L+1)(L+2)/2.
pub fn real_sh_count(sh_order: usize) -> usize {
    (sh_order + 1) * (sh_order + 2) / 2
}

/// The real symmetric spherical harmonics of Dmipy 1.x at polar angle θ and azimuth φ (rad),
/// written to `out` in Dmipy's order l = 0, 2, …, L and m = −l … l within each l.
///
/// $$ Y_{lm} = \begin{cases} N_{l|m|} P_l^{|m|}(\cos\theta)\,\sin(|m|\varphi) & m < 0 \\
///    N_{l0} P_l(\cos\theta) & m = 0 \\ N_{lm} P_l^{m}(\cos\theta)\,\cos(m\varphi) & m > 0 \end{cases},
///    \qquad N_{lm} = \sqrt{\frac{2l+1}{4\pi}\frac{(l-m)!}{(l+m)!}} $$
///
/// with the Condon–Shortley phase in Pₗᵐ (DLMF 14.7.10), i.e. Re/Im of the complex Yₗᵐ and no √2:
/// DIPY's `real_sym_sh_mrtrix` (Tournier et al. 2007, NeuroImage 35:1459,
/// doi:10.1016/j.neuroimage.2007.02.016), which Dmipy uses for its SH matrices.
///
/// Errors when `sh_order` is odd or `out.len()` is not [`real_sh_count`]`(sh_order)`.
pub fn real_sh_mrtrix<D: Scalar>(
    sh_order: usize,
    theta: D,
    phi: D,
    out: &mut [D],
) -> Result<(), Error> {
    if !sh_order.is_multiple_of(2) {
        return Err(Error::InvalidArgument {
            what: "sh_order".into(),
            reason: format!("must be even, got {sh_order}"),
        });
    }
    if out.len() != real_sh_count(sh_order) {
        return Err(Error::LengthMismatch {
            what: format!("real SH output buffer of order {sh_order}"),
            expected: real_sh_count(sh_order),
            found: out.len(),
        });
    }
    let (sin_theta, cos_theta) = theta.sin_cos();
    for l in (0..=sh_order).step_by(2) {
        let centre = l * (l + 1) / 2; // index of m = 0 within the even basis
        for m in 0..=l {
            let p = normalised_legendre(l, m, cos_theta, sin_theta);
            if m == 0 {
                out[centre] = p;
            } else {
                let (s, c) = (phi * m as f64).sin_cos();
                out[centre + m] = p * c;
                out[centre - m] = p * s;
            }
        }
    }
    Ok(())
}

/// N_{lm} Pₗᵐ(cos θ), m ≥ 0, from sin θ and cos θ by the upward recurrences DLMF 14.10.3 and
/// 14.7.15 (P_m^m = (−1)ᵐ(2m−1)!! sinᵐθ), normalised along the way so nothing overflows.
fn normalised_legendre<D: Scalar>(l: usize, m: usize, x: D, sin_theta: D) -> D {
    // Ñ_m^m = N_mm P_m^m = (−1)^m √((2m+1)/(4π) · (2m−1)!!² / (2m)!) sin^m θ
    let mut factor = (1.0 / (4.0 * PI)).sqrt();
    for k in 1..=m {
        factor *= -((2 * k + 1) as f64 / (2 * k) as f64).sqrt();
    }
    let mut p_mm = sin_theta.powi(m as i32) * factor;
    if l == m {
        return p_mm;
    }
    // Ñ_{m+1}^m = √(2m+3) x Ñ_m^m
    let mut p_next = x * p_mm * ((2 * m + 3) as f64).sqrt();
    for k in (m + 2)..=l {
        let kf = k as f64;
        let mf = m as f64;
        let a = ((4.0 * kf * kf - 1.0) / (kf * kf - mf * mf)).sqrt();
        let b = (((kf - 1.0).powi(2) - mf * mf) / (4.0 * (kf - 1.0).powi(2) - 1.0)).sqrt();
        let p = (x * p_next - p_mm * b) * a;
        p_mm = p_next;
        p_next = p;
    }
    p_next
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::{Dual64, DualNum, HyperDual64};
    use serde_json::Value;

    fn fixtures() -> Value {
        serde_json::from_str(include_str!("fixtures/real_sh.json")).expect("valid JSON")
    }

    /// Tolerance: relative 1e-12, with an absolute floor of 1e-14 for values that are 0 in theory.
    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= 1e-12 * want.abs() + 1e-14
    }

    #[test]
    fn legendre_matches_scipy() {
        let data = fixtures();
        for row in data["legendre"].as_array().expect("table") {
            let l = row[0].as_u64().expect("l") as usize;
            let x = row[1].as_f64().expect("x");
            let want = row[2].as_f64().expect("value");
            assert!(close(legendre_p(l, x), want), "P_{l}({x})");
        }
    }

    #[test]
    fn real_sh_matches_dipy_real_sym_sh_mrtrix() {
        let data = fixtures();
        let order = data["sh_order"].as_u64().expect("order") as usize;
        for row in data["real_sh"].as_array().expect("table") {
            let theta = row[0].as_f64().expect("theta");
            let phi = row[1].as_f64().expect("phi");
            let mut out = vec![0.0; real_sh_count(order)];
            real_sh_mrtrix(order, theta, phi, &mut out).expect("sh");
            for (j, want) in row[2].as_array().expect("values").iter().enumerate() {
                let want = want.as_f64().expect("value");
                assert!(
                    close(out[j], want),
                    "θ={theta} φ={phi} j={j}: {} vs {want}",
                    out[j]
                );
            }
        }
    }

    /// Y_l0 = √((2l+1)/4π) Pₗ(cos θ): the two functions agree, derivatives included.
    #[test]
    fn zonal_harmonics_are_scaled_legendre_polynomials() {
        let theta = HyperDual64::from(0.8).derivative1().derivative2();
        let mut out = vec![HyperDual64::from(0.0); real_sh_count(10)];
        real_sh_mrtrix(10, theta, HyperDual64::from(0.3), &mut out).expect("sh");
        for l in (0..=10).step_by(2) {
            let want = legendre_p(l, theta.cos()) * ((2 * l + 1) as f64 / (4.0 * PI)).sqrt();
            let got = out[l * (l + 1) / 2];
            assert!((got.re - want.re).abs() < 1e-14);
            assert!((got.eps1 - want.eps1).abs() < 1e-13);
            assert!((got.eps1eps2 - want.eps1eps2).abs() < 1e-12);
        }
    }

    #[test]
    fn dual_derivatives_equal_central_differences() {
        let (theta, phi, h) = (1.1, -0.7, 1e-6);
        let n = real_sh_count(8);
        let eval = |t: f64, p: f64| {
            let mut o = vec![0.0; n];
            real_sh_mrtrix(8, t, p, &mut o).expect("sh");
            o
        };
        for wrt_theta in [true, false] {
            let (t, p) = if wrt_theta {
                (Dual64::from(theta).derivative(), Dual64::from(phi))
            } else {
                (Dual64::from(theta), Dual64::from(phi).derivative())
            };
            let mut d = vec![Dual64::from(0.0); n];
            real_sh_mrtrix(8, t, p, &mut d).expect("sh");
            let (plus, minus) = if wrt_theta {
                (eval(theta + h, phi), eval(theta - h, phi))
            } else {
                (eval(theta, phi + h), eval(theta, phi - h))
            };
            for j in 0..n {
                let fd = (plus[j] - minus[j]) / (2.0 * h);
                assert!((d[j].eps - fd).abs() < 1e-7 * (1.0 + fd.abs()), "j={j}");
            }
        }
    }

    #[test]
    fn bad_order_or_buffer_is_an_error() {
        let mut out = vec![0.0; 6];
        assert!(real_sh_mrtrix(3, 0.1, 0.2, &mut out).is_err());
        assert!(real_sh_mrtrix(4, 0.1, 0.2, &mut out).is_err());
        assert!(real_sh_mrtrix(2, 0.1, 0.2, &mut out).is_ok());
    }
}
