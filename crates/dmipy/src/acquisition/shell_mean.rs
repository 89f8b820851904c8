//! The spherical mean of measured data, shell by shell, through a least-squares real-SH fit.
//!
//! A plain average of a shell's measurements is the spherical mean only for a direction set that
//! integrates every even spherical harmonic of the signal exactly; scanner designs (HCP's among
//! them) do not, and the plain average of a stick's signal on the HCP shells errs by up to 1e-2.
//! Fitting the shell's signal with real even SH up to order L and reading the l = 0 coefficient is
//! exact for any signal band-limited to L, whatever the directions (Fick et al. 2019, Front.
//! Neuroinform. 13:64, doi:10.3389/fninf.2019.00064, Sec. 2.4; Kaden et al. 2016, NeuroImage
//! 139:346, doi:10.1016/j.neuroimage.2016.06.002, Sec. 2.2).
//!
//! The fit is linear, so the mean is a fixed weighted sum of the shell's measurements,
//! $\bar E = \sum_i w_i E_i$ with $w = A z / (2\sqrt\pi)$, $A^\top A z = e_0$ (A: the SH design
//! matrix, $Y_{00} = 1/(2\sqrt\pi)$): the weights depend only on the scheme and are computed once.

use crate::linalg::{cholesky_in_place, cholesky_solve};
use crate::{real_sh_count, real_sh_mrtrix};
use std::f64::consts::PI;

/// Highest SH order used for a shell mean: 14, the highest order of Dmipy 1.x's shell fits.
const MAX_SH_ORDER: usize = 14;

/// Largest accepted condition number of the normal matrix $A^\top A$; a worse-conditioned order
/// is replaced by the next lower one. The signal beyond the fitted order aliases into the l = 0
/// coefficient, amplified by the conditioning (and so is noise): on 80 random directions at
/// b = 3e9 s/m² order 10 (condition 6e4) errs by 8e-3 on a stick's mean where order 8
/// (condition 6e2) errs by 5e-3, while HCP's shells are well conditioned (≤ 9) up to order 10.
const MAX_CONDITION: f64 = 1e3;

/// How a shell's spherical mean is estimated from its measurements.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ShellMean {
    /// Order L of the SH fit (0: the plain average).
    pub(crate) sh_order: usize,
    /// One weight per measurement of the shell (in the shell's index order); they sum to 1.
    pub(crate) weights: Vec<f64>,
}

/// The estimator of one shell's spherical mean from its unit `directions`.
///
/// The SH order is the highest (≤ 14) that the directions determine: (L+1)(L+2)/2 ≤ number of
/// directions and a well-conditioned fit. Dmipy 1.x instead takes the order from the b-value (6,
/// 8, 10 at b = 1, 2, 3e9 s/m²) whatever the directions, which on HCP's b = 2e9 shell leaves
/// 3.7e-4 on a stick's mean where order 10 leaves 4.3e-5 (scripts/reference/shell_means.py), and
/// on fewer directions than coefficients returns a minimum-norm l = 0 coefficient that is no
/// mean at all. b0 shells and shells that resolve no order above 0 get the plain average.
pub(crate) fn shell_mean(is_b0: bool, directions: &[[f64; 3]]) -> ShellMean {
    let n = directions.len();
    let plain = || ShellMean {
        sh_order: 0,
        weights: vec![1.0 / n as f64; n],
    };
    if is_b0 {
        return plain();
    }
    let mut order = MAX_SH_ORDER;
    while order > 0 && real_sh_count(order) > n {
        order -= 2;
    }
    while order > 0 {
        if let Some(weights) = sh_mean_weights(order, directions) {
            return ShellMean {
                sh_order: order,
                weights,
            };
        }
        order -= 2;
    }
    plain()
}

/// The weights $w = A z / (2\sqrt\pi)$ with $A^\top A z = e_0$ for the order-`order` SH design
/// matrix A of `directions`, or `None` when $A^\top A$ is not well conditioned.
fn sh_mean_weights(order: usize, directions: &[[f64; 3]]) -> Option<Vec<f64>> {
    let k = real_sh_count(order);
    let mut design = vec![0.0; directions.len() * k];
    for (row, g) in design.chunks_exact_mut(k).zip(directions) {
        let theta = g[2].clamp(-1.0, 1.0).acos();
        let phi = g[1].atan2(g[0]);
        real_sh_mrtrix(order, theta, phi, row).ok()?;
    }
    let mut normal = vec![0.0; k * k];
    for row in design.chunks_exact(k) {
        for i in 0..k {
            for j in 0..=i {
                normal[i * k + j] += row[i] * row[j];
            }
        }
    }
    for i in 0..k {
        for j in 0..i {
            normal[j * k + i] = normal[i * k + j];
        }
    }
    let unfactored = normal.clone();
    if !cholesky_in_place(&mut normal, k) || condition(&unfactored, &normal, k) > MAX_CONDITION {
        return None;
    }
    let mut z = vec![0.0; k];
    z[0] = 1.0;
    cholesky_solve(&normal, k, &mut z);
    let y00 = 1.0 / (2.0 * PI.sqrt());
    Some(
        design
            .chunks_exact(k)
            .map(|row| row.iter().zip(&z).map(|(a, z)| a * z).sum::<f64>() * y00)
            .collect(),
    )
}

/// The condition number λmax/λmin of the symmetric positive-definite `a` (row-major k × k) with
/// Cholesky factor `l`, by power iteration on A and on A⁻¹ (Golub & Van Loan 2013, Matrix
/// Computations, 4th ed., Sec. 8.2.1 and 8.2.2): 200 iterations from a fixed start, enough for a
/// threshold test (the estimate approaches the true value from below).
fn condition(a: &[f64], l: &[f64], k: usize) -> f64 {
    let normalise = |v: &mut [f64]| {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        norm
    };
    let start: Vec<f64> = (0..k).map(|i| 1.0 + 0.1 * (i as f64).sin()).collect();
    let (mut v, mut w) = (start.clone(), vec![0.0; k]);
    let mut largest = 0.0;
    for _ in 0..200 {
        normalise(&mut v);
        for (i, wi) in w.iter_mut().enumerate() {
            *wi = a[i * k..(i + 1) * k]
                .iter()
                .zip(&v)
                .map(|(x, y)| x * y)
                .sum();
        }
        std::mem::swap(&mut v, &mut w);
        largest = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    }
    let mut v = start;
    let mut inverse_largest = 0.0;
    for _ in 0..200 {
        normalise(&mut v);
        cholesky_solve(l, k, &mut v);
        inverse_largest = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    }
    largest * inverse_largest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_too_few_directions_lower_the_order() {
        let directions: Vec<[f64; 3]> = (0..20)
            .map(|i| {
                let z = 1.0 - (2 * i + 1) as f64 / 20.0;
                let r = (1.0 - z * z).sqrt();
                let phi = i as f64 * 2.399963229728653;
                [r * phi.cos(), r * phi.sin(), z]
            })
            .collect();
        // 20 directions determine at most order 4 (15 coefficients; order 6 has 28).
        let mean = shell_mean(false, &directions);
        assert_eq!(mean.sh_order, 4);
        let total: f64 = mean.weights.iter().sum();
        assert!((total - 1.0).abs() < 1e-13, "{total}");
        // All directions on the equator resolve no order above 0 (cos θ = 0 makes AᵀA singular).
        let equator: Vec<[f64; 3]> = (0..30)
            .map(|i| {
                let phi = i as f64 * PI / 15.0;
                [phi.cos(), phi.sin(), 0.0]
            })
            .collect();
        assert_eq!(shell_mean(false, &equator).sh_order, 0);
    }

    /// Stick attenuation e^{-bλ(g·n)²} and its exact spherical mean
    /// √π erf(√(bλ)) / (2√(bλ)) (Kaden et al. 2016, doi:10.1016/j.neuroimage.2016.06.002, Eq. 8
    /// with zero radial diffusivity).
    fn stick(b: f64, lambda: f64, g: &[f64; 3], n: &[f64; 3]) -> f64 {
        let c: f64 = g.iter().zip(n).map(|(a, b)| a * b).sum();
        (-b * lambda * c * c).exp()
    }

    fn stick_mean(b: f64, lambda: f64) -> f64 {
        let x = (b * lambda).sqrt();
        PI.sqrt() * libm::erf(x) / (2.0 * x)
    }

    /// Largest error of the SH-fitted and of the plain shell means of sticks of several
    /// orientations and diffusivities, over the diffusion-weighted shells of `scheme`.
    fn worst_errors(scheme: &crate::AcquisitionScheme) -> (f64, f64) {
        let orientations = [
            [0.0, 0.0, 1.0],
            [0.6, 0.0, 0.8],
            [0.48, 0.6, 0.64],
            [1.0, 0.0, 0.0],
        ];
        let (mut sh, mut plain) = (0.0f64, 0.0f64);
        for n in &orientations {
            for lambda in [1.0e-9, 1.7e-9, 2.5e-9] {
                let signal: Vec<f64> = (0..scheme.len())
                    .map(|i| stick(scheme.bvalues()[i], lambda, &scheme.directions()[i], n))
                    .collect();
                let mut means = vec![0.0; scheme.shells().len()];
                scheme.spherical_means(&signal, &mut means).unwrap();
                for (shell, m) in scheme.shells().iter().zip(&means) {
                    if shell.is_b0 {
                        assert!((m - 1.0).abs() < 1e-15, "b0 mean {m}");
                        continue;
                    }
                    let exact = stick_mean(shell.bvalue, lambda);
                    let average = shell.indices.iter().map(|&i| signal[i]).sum::<f64>()
                        / shell.indices.len() as f64;
                    sh = sh.max((m - exact).abs());
                    plain = plain.max((average - exact).abs());
                }
            }
        }
        (sh, plain)
    }

    #[test]
    fn hcp_shell_means_match_the_exact_spherical_mean() {
        let scheme = crate::AcquisitionScheme::hcp_wu_minn().unwrap();
        assert_eq!(scheme.shell_mean_orders(), [0, 10, 10, 10]);
        let (sh, plain) = worst_errors(&scheme);
        eprintln!("HCP: SH {sh:e}, plain {plain:e}");
        // NumPy/SciPy's pseudo-inverse on the same signals at order 10
        // (scripts/reference/shell_means.py): 3.1e-6, 4.3e-5 and 2.5e-4 on the b = 1, 2, 3e9
        // shells (the sharpest stick, bλ = 7.5, on the last); plain averages 3.4e-3 to 7.6e-3.
        assert!(sh < 3e-4, "SH-fitted mean off by {sh:e}");
        assert!(
            plain > 20.0 * sh,
            "plain average {plain:e} should be far worse"
        );
    }

    #[test]
    fn random_direction_shell_means_match_the_exact_spherical_mean() {
        // 150 directions per shell, uniform on the sphere from a fixed xorshift stream.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut bvalues, mut directions) = (vec![0.0], vec![[0.0; 3]]);
        for b in [1e9, 2e9, 3e9] {
            for _ in 0..150 {
                let z = 2.0 * uniform() - 1.0;
                let phi = 2.0 * PI * uniform();
                let r = (1.0 - z * z).sqrt();
                bvalues.push(b);
                directions.push([r * phi.cos(), r * phi.sin(), z]);
            }
        }
        let scheme = crate::AcquisitionScheme::from_bvalues(
            &bvalues,
            &directions,
            crate::PulseTiming::none(),
            &crate::SchemeOptions {
                renormalize_directions: true,
                ..Default::default()
            },
        )
        .unwrap();
        let (sh, plain) = worst_errors(&scheme);
        eprintln!("random: SH {sh:e}, plain {plain:e}");
        // Measured 4.2e-4 (plain 4.6e-2); NumPy on other random draws of 150 at b = 2e9 gives
        // 3e-5 to 3e-4 at orders 10-12 against plain 1.5e-2 to 6.3e-2.
        assert!(sh < 1e-3, "SH-fitted mean off by {sh:e}");
        assert!(
            plain > 20.0 * sh,
            "plain average {plain:e} should be far worse"
        );
    }
}
