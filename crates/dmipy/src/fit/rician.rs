//! The noise model of a fit: Gaussian least squares, or the Rician likelihood of magnitude data
//! with a given or estimated σ (its cost, its gradient, and the scaled Bessel functions it needs).
//!
//! The Rician fit is a refinement of the Gaussian solution by the same bounded
//! Levenberg–Marquardt solver: with $A_i$ the model's (normalised) signal, y_i the normalised
//! data and $z_i = y_iA_i/\sigma^2$, the solver minimises
//! $$F = \sigma^2\,\mathrm{NLL} - \text{const}
//! = \sum_i \Big[\tfrac12 (y_i - A_i)^2 - \sigma^2 \ln \tilde I_0(z_i)\Big],$$
//! since $-\ln p(y\,|\,A,\sigma) = -\ln(y/\sigma^2) + (y^2 + A^2)/(2\sigma^2) - \ln I_0(z)$
//! (Sijbers et al. 1998, "Maximum-likelihood estimation of Rician distribution parameters",
//! IEEE Trans. Med. Imaging 17:357–361, doi:10.1109/42.730396, eq. 2) and
//! $\ln I_0(z) = \ln\tilde I_0(z) + z$ with $\tilde I_0(z) = e^{-z}I_0(z)$. Its exact gradient is
//! $J^\top\rho$ with the effective residual $\rho_i = A_i - y_i\,I_1(z_i)/I_0(z_i)$
//! ($I_0' = I_1$, DLMF 10.29.3), so the solver, which builds its gradient as Jᵀr, is handed ρ in
//! place of r; its metric stays the Gauss–Newton JᵀJ of the Gaussian problem. Because the
//! gradient is exact and every step must lower F (the gain-ratio test), the iterations converge
//! to a stationary point of the Rician likelihood; JᵀJ only shapes the steps. As σ → 0,
//! $I_1/I_0 \to 1$ and ρ → A − y: the Gaussian problem.

use serde::{Deserialize, Serialize};

/// The noise model of [`fit_voxels`](super::fit_voxels).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum NoiseModel {
    /// Least squares on the normalised signal (the maximum-likelihood fit under Gaussian noise).
    #[default]
    Gaussian,
    /// Maximum likelihood under Rician noise (magnitude data), refined from the Gaussian fit.
    Rician {
        /// The noise standard deviation of the real and imaginary channels in units of the
        /// normalised signal (data / S0, dimensionless), the same for every voxel. `None`
        /// estimates it per voxel from the Gaussian fit's residuals:
        /// $\hat\sigma^2 = \mathrm{RSS}/(m - n)$, with RSS the residual sum of squares of the
        /// normalised signal at the Gaussian solution, m the number of measurements and n the
        /// number of solver variables (free parameters, plus the S0 factors when S0 is fitted).
        /// (At low SNR this estimate is biased low by the noise floor, as the Gaussian
        /// residuals of magnitude data are.)
        sigma: Option<f64>,
    },
}

/// Below this argument the scaled Bessel functions are summed from their power series, above
/// it from their asymptotic expansion.
const ASYMPTOTIC_FROM: f64 = 25.0;

/// $(\tilde I_0(x), \tilde I_1(x)) = e^{-x}(I_0(x), I_1(x))$ for x ≥ 0.
///
/// For x < 25 the power series $I_\nu(x) = \sum_k (x/2)^{2k+\nu}/(k!\,(k+\nu)!)$ (DLMF 10.25.2;
/// all terms positive, no cancellation); for x ≥ 25 the asymptotic expansion
/// $\tilde I_\nu(x) \sim (2\pi x)^{-1/2}\sum_k (-1)^k a_k(\nu)/x^k$ with
/// $a_k(\nu) = \prod_{j=1}^{k}(4\nu^2 - (2j-1)^2)/(8j)$ (DLMF 10.40.1, 10.17.1), summed until
/// its terms fall below 1e-17 relative (they do so long before they would grow again at x ≥ 25).
fn scaled_i0_i1(x: f64) -> (f64, f64) {
    if x < ASYMPTOTIC_FROM {
        let q = 0.25 * x * x;
        let (mut t0, mut t1) = (1.0, 0.5 * x);
        let (mut s0, mut s1) = (t0, t1);
        let mut k = 1.0;
        while t0 > 1e-17 * s0 || t1 > 1e-17 * s1 {
            t0 *= q / (k * k);
            t1 *= q / (k * (k + 1.0));
            s0 += t0;
            s1 += t1;
            k += 1.0;
        }
        let e = (-x).exp();
        return (s0 * e, s1 * e);
    }
    let (mut t0, mut t1) = (1.0f64, 1.0f64);
    let (mut s0, mut s1) = (1.0, 1.0);
    for j in 1..60 {
        let odd = f64::from(2 * j - 1).powi(2);
        let denominator = 8.0 * f64::from(j) * x;
        // term_k / term_{k−1} = −(4ν² − (2j − 1)²) / (8jx).
        t0 *= odd / denominator;
        t1 *= (odd - 4.0) / denominator;
        s0 += t0;
        s1 += t1;
        if t0.abs() < 1e-17 && t1.abs() < 1e-17 {
            break;
        }
    }
    let front = 1.0 / (2.0 * std::f64::consts::PI * x).sqrt();
    (front * s0, front * s1)
}

/// Turns the Gaussian residuals r = A − y of one voxel into the effective residuals
/// $\rho_i = A_i - y_i\,I_1(z_i)/I_0(z_i)$, $z_i = y_iA_i/\sigma^2$, and returns the cost
/// $F = \sum_i [\tfrac12 r_i^2 - \sigma^2\ln\tilde I_0(|z_i|)]$ (the module's F; for z < 0,
/// which magnitude data do not produce, I₀ is even and I₁/I₀ odd). σ in units of the
/// normalised signal, dimensionless.
pub(crate) fn rician_residuals(r: &mut [f64], y: &[f64], sigma: f64) -> f64 {
    let s2 = sigma * sigma;
    let mut cost = 0.0;
    for (r, &y) in r.iter_mut().zip(y) {
        let a = *r + y;
        let z = y * a / s2;
        let (i0, i1) = scaled_i0_i1(z.abs());
        cost += 0.5 * *r * *r - s2 * i0.ln();
        *r = a - y * (i1 / i0).copysign(z);
    }
    cost
}

/// The residual standard deviation of a least-squares fit, $\sqrt{\mathrm{RSS}/(m - n)}$
/// (`NaN` when m ≤ n).
pub(crate) fn residual_sigma(r: &[f64], n: usize) -> f64 {
    let dof = r.len().saturating_sub(n);
    if dof == 0 {
        return f64::NAN;
    }
    (r.iter().map(|v| v * v).sum::<f64>() / dof as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from SciPy 1.13.1 `scipy.special.i0e`, `i1e`.
    #[test]
    fn scaled_bessel_matches_scipy() {
        let cases = [
            (0.0, 1.0, 0.0),
            (0.5, 0.645_035_270_449_15, 0.156_420_803_184_871_73),
            (3.0, 0.243_000_354_161_825_36, 0.196_826_713_297_300_84),
            (24.9, 0.080_359_332_611_532_2, 0.078_728_794_882_103_13),
            (25.1, 0.080_035_197_254_296_24, 0.078_424_315_178_368_43),
            (400.0, 0.019_953_356_281_939_987, 0.019_928_398_958_903_54),
        ];
        for (x, i0, i1) in cases {
            let (a, b) = scaled_i0_i1(x);
            assert!((a - i0).abs() <= 1e-13 * i0, "i0e({x}) = {a}, not {i0}");
            assert!(
                (b - i1).abs() <= 1e-13 * i1.max(1e-300),
                "i1e({x}) = {b}, not {i1}"
            );
        }
    }

    /// The effective residual is the derivative of the cost with respect to A (central
    /// differences), on both sides of the series/asymptotic switch.
    #[test]
    fn effective_residual_is_the_cost_derivative() {
        let sigma = 0.1;
        for (y, a) in [(0.05, 0.02), (0.3, 0.2), (0.5, 0.52), (0.9, 1.0)] {
            let cost = |a: f64| rician_residuals(&mut [a - y], &[y], sigma);
            let mut r = [a - y];
            rician_residuals(&mut r, &[y], sigma);
            let h = 1e-6;
            let numeric = (cost(a + h) - cost(a - h)) / (2.0 * h);
            assert!(
                (r[0] - numeric).abs() <= 1e-7 * r[0].abs().max(1e-3),
                "y {y}, A {a}: {} vs {numeric}",
                r[0]
            );
        }
    }

    #[test]
    fn residual_sigma_divides_by_the_degrees_of_freedom() {
        assert_eq!(residual_sigma(&[3.0, 4.0, 0.0], 1), 12.5f64.sqrt());
        assert!(residual_sigma(&[1.0], 1).is_nan());
    }
}
