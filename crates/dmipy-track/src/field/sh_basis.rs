//! The real, symmetric spherical-harmonic bases of DIPY (`descoteaux07`) and MRtrix (`tournier07`), current and legacy.

use crate::Error;

/// A real even-order SH basis. Coefficients are ordered l = 0, 2, …, L and m = −l … l within
/// each l (index l(l+1)/2 + m); the count for order L is (L+1)(L+2)/2. With
/// $Q_l^m = \sqrt{\tfrac{2l+1}{4\pi}\tfrac{(l-m)!}{(l+m)!}}\,P_l^m(\cos\theta)$ (m ≥ 0, Condon–Shortley
/// phase in Pₗᵐ as SciPy, DLMF 14.7.10), θ the polar angle and φ the azimuth in the field's axes:
///
/// | basis | m < 0 | m = 0 | m > 0 |
/// |---|---|---|---|
/// | `Descoteaux07` (DIPY ≥ 1.3, `legacy=False`) | √2 (−1)^m Q_l^{\|m\|} cos(\|m\|φ) | Q_l^0 | √2 Q_l^m sin(mφ) |
/// | `Descoteaux07Legacy` (DIPY ≤ 1.2, `legacy=True`) | √2 Q_l^{\|m\|} cos(\|m\|φ) | Q_l^0 | √2 Q_l^m sin(mφ) |
/// | `Tournier07` (MRtrix3; DIPY `legacy=False`) | √2 Q_l^{\|m\|} sin(\|m\|φ) | Q_l^0 | √2 Q_l^m cos(mφ) |
/// | `Tournier07Legacy` (MRtrix 0.2; DIPY `legacy=True`) | Q_l^{\|m\|} sin(\|m\|φ) | Q_l^0 | Q_l^m cos(mφ) |
///
/// i.e. √2·Re(Yₗᵐ) for m < 0 and √2·Im(Yₗᵐ) for m > 0 (Descoteaux et al. 2007, Magn. Reson. Med.
/// 58:497, doi:10.1002/mrm.21277, eq. 3) and √2·Im(Yₗ^|m|), √2·Re(Yₗᵐ) (Tournier et al. 2007,
/// NeuroImage 35:1459, doi:10.1016/j.neuroimage.2007.02.016; MRtrix3 Tournier et al. 2019,
/// doi:10.1016/j.neuroimage.2019.116137), as DIPY's `doc/theory/sh_basis.rst` states them. The
/// current bases are orthonormal on the sphere; the legacy `tournier07` is orthogonal only (no √2).
/// The legacy `tournier07` values come from `dmipy::real_sh_mrtrix` (tested there against DIPY's
/// `real_sym_sh_mrtrix`); the others are signed and scaled copies of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShBasis {
    /// DIPY's `descoteaux07`, `legacy=False` (the current default).
    Descoteaux07,
    /// DIPY's `descoteaux07`, `legacy=True`.
    Descoteaux07Legacy,
    /// MRtrix3's basis = DIPY's `tournier07`, `legacy=False`.
    Tournier07,
    /// MRtrix 0.2's basis = DIPY's `tournier07`, `legacy=True`.
    Tournier07Legacy,
}

/// The even SH order L of a coefficient count (L+1)(L+2)/2, for L ≤ 12.
pub fn sh_order_of_count(count: usize) -> Result<usize, Error> {
    (0..=12)
        .step_by(2)
        .find(|l| (l + 1) * (l + 2) / 2 == count)
        .ok_or(Error::BadShCount { count })
}

/// The basis functions of order `order` at a unit direction (in the field's axes), into `out`.
pub fn real_sh_basis(
    basis: ShBasis,
    order: usize,
    dir: &[f64; 3],
    out: &mut [f64],
) -> Result<(), Error> {
    let count = (order + 1) * (order + 2) / 2;
    if out.len() != count || order % 2 == 1 || order > 12 {
        return Err(Error::BadShCount { count: out.len() });
    }
    let theta = dir[2].clamp(-1.0, 1.0).acos();
    let phi = dir[1].atan2(dir[0]);
    let mut mrtrix = vec![0.0; count];
    // Cannot fail: order is even and the buffer has the right length.
    dmipy::real_sh_mrtrix(order, theta, phi, &mut mrtrix)
        .map_err(|_| Error::BadShCount { count })?;
    let r2 = std::f64::consts::SQRT_2;
    for l in (0..=order).step_by(2) {
        let c = l * (l + 1) / 2;
        out[c] = mrtrix[c];
        for m in 1..=l {
            // mrtrix[c + m] = Q cos(mφ), mrtrix[c − m] = Q sin(mφ).
            let (cos_part, sin_part) = (mrtrix[c + m], mrtrix[c - m]);
            let sign = if m % 2 == 1 { -1.0 } else { 1.0 };
            let (neg, pos) = match basis {
                ShBasis::Descoteaux07 => (r2 * sign * cos_part, r2 * sin_part),
                ShBasis::Descoteaux07Legacy => (r2 * cos_part, r2 * sin_part),
                ShBasis::Tournier07 => (r2 * sin_part, r2 * cos_part),
                ShBasis::Tournier07Legacy => (sin_part, cos_part),
            };
            out[c - m] = neg;
            out[c + m] = pos;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // Gram-matrix indices
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn counts_and_orders() {
        assert_eq!(sh_order_of_count(45).unwrap(), 8);
        assert_eq!(sh_order_of_count(91).unwrap(), 12);
        assert!(matches!(
            sh_order_of_count(7),
            Err(Error::BadShCount { count: 7 })
        ));
    }

    #[test]
    fn known_values_at_theta_45_phi_0() {
        // θ = π/4, φ = 0: Y₂⁰ = √(5/16π)(3cos²θ − 1) = √(5/16π)/2; the descoteaux07 m = −1
        // function is √2·Re(Y₂⁻¹) = ½√(15/π) sinθ cosθ cosφ = ¼√(15/π) (positive: the
        // (−1)^m of Y₂⁻¹ cancels the Condon–Shortley phase); tournier07 m = +1 is √2·Re(Y₂¹)
        // = −¼√(15/π).
        let d = [0.5f64.sqrt(), 0.0, 0.5f64.sqrt()];
        let mut y = [0.0; 6];
        real_sh_basis(ShBasis::Descoteaux07, 2, &d, &mut y).unwrap();
        let y20 = (5.0 / (16.0 * PI)).sqrt() * 0.5;
        let a = 0.25 * (15.0 / PI).sqrt();
        assert!(
            (y[3] - y20).abs() < 1e-14 && (y[2] - a).abs() < 1e-14,
            "{y:?}"
        );
        real_sh_basis(ShBasis::Descoteaux07Legacy, 2, &d, &mut y).unwrap();
        assert!((y[2] + a).abs() < 1e-14);
        real_sh_basis(ShBasis::Tournier07, 2, &d, &mut y).unwrap();
        assert!((y[4] + a).abs() < 1e-14 && y[2].abs() < 1e-14);
    }

    #[test]
    fn current_bases_are_orthonormal() {
        // Gauss–Legendre in cos θ would be exact; a midpoint rule with 200 × 400 cells integrates
        // these trigonometric polynomials (degree ≤ 8 in each angle) to ~1e-5.
        for basis in [ShBasis::Descoteaux07, ShBasis::Tournier07] {
            let (nt, np) = (200, 400);
            let mut gram = [[0.0; 15]; 15];
            let mut y = [0.0; 15];
            for it in 0..nt {
                let t = (it as f64 + 0.5) * PI / nt as f64;
                for ip in 0..np {
                    let p = (ip as f64 + 0.5) * 2.0 * PI / np as f64;
                    let d = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
                    real_sh_basis(basis, 4, &d, &mut y).unwrap();
                    let w = t.sin() * (PI / nt as f64) * (2.0 * PI / np as f64);
                    for i in 0..15 {
                        for j in 0..15 {
                            gram[i][j] += w * y[i] * y[j];
                        }
                    }
                }
            }
            for i in 0..15 {
                for j in 0..15 {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!(
                        (gram[i][j] - want).abs() < 1e-4,
                        "{basis:?} {i} {j} {}",
                        gram[i][j]
                    );
                }
            }
        }
    }
    #[test]
    fn amplitudes_match_dipy_sh_to_sf() {
        // scripts/reference/tracking_nibabel_dipy.py: dipy.reconst.shm.sh_to_sf, order 4.
        let fx: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/sh_to_sf.json")).expect("fixture");
        let c: Vec<f64> = fx["coefficients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let cases = [
            ("descoteaux07", ShBasis::Descoteaux07),
            ("descoteaux07_legacy", ShBasis::Descoteaux07Legacy),
            ("tournier07", ShBasis::Tournier07),
            ("tournier07_legacy", ShBasis::Tournier07Legacy),
        ];
        for (name, basis) in cases {
            for (d, want) in fx["directions"]
                .as_array()
                .unwrap()
                .iter()
                .zip(fx["values"][name].as_array().unwrap())
            {
                let d: [f64; 3] = std::array::from_fn(|k| d[k].as_f64().unwrap());
                let mut y = [0.0; 15];
                real_sh_basis(basis, 4, &d, &mut y).unwrap();
                let got: f64 = y.iter().zip(&c).map(|(a, b)| a * b).sum();
                let want = want.as_f64().unwrap();
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{name} {d:?}: {got} vs {want}"
                );
            }
        }
    }
}
