//! Cramér–Rao standard deviations of the fitted parameters from the Jacobian at the solution.
//!
//! For Gaussian noise of variance σ² on the residuals, the Fisher information of the parameters
//! is $J^\top J/\sigma^2$, and its inverse bounds the covariance of any unbiased estimator
//! (Kay 1993, *Fundamentals of Statistical Signal Processing: Estimation Theory*, eq. 3.30 for
//! the linear-Gaussian case $\mathrm{cov} = \sigma^2 (J^\top J)^{-1}$). σ² is not known, so it
//! is estimated from the residuals as $\hat\sigma^2 = \lVert r\rVert^2/(m - n)$ (m measurements,
//! n fitted variables including S0 factors). The standard deviations are those of the
//! *normalised* fit (data divided by S0), which does not change parameter units. They are a
//! local, asymptotic estimate: they ignore bounds (a parameter at a bound gets the unbounded
//! value) and are NaN when JᵀJ is singular or m ≤ n.

use super::layout::Layout;
use crate::linalg::{cholesky_in_place, cholesky_inverse_diagonal};

/// Buffers for [`standard_deviations`], created once per thread.
pub(crate) struct CramerRaoWorkspace {
    a: Vec<f64>,
    column: Vec<f64>,
    var: Vec<f64>,
}

impl CramerRaoWorkspace {
    /// Buffers for n variables.
    pub fn new(n: usize) -> Self {
        Self {
            a: vec![0.0; n * n],
            column: vec![0.0; n],
            var: vec![0.0; n],
        }
    }
}

/// Writes the standard deviation (SI) of each model free parameter into `sd` (length n_free)
/// from the local Jacobian `jac` (m × n) and the residual `r` at the solution `x`.
pub(crate) fn standard_deviations(
    layout: &Layout,
    x: &[f64],
    jac: &[f64],
    r: &[f64],
    ws: &mut CramerRaoWorkspace,
    sd: &mut [f64],
) {
    let (n, m) = (layout.len(), r.len());
    if m <= n {
        sd.iter_mut().for_each(|v| *v = f64::NAN);
        return;
    }
    let sigma2 = r.iter().map(|v| v * v).sum::<f64>() / (m - n) as f64;
    ws.a.iter_mut().for_each(|v| *v = 0.0);
    for row in jac.chunks_exact(n) {
        for i in 0..n {
            for k in 0..=i {
                ws.a[i * n + k] += row[i] * row[k];
            }
        }
    }
    if !cholesky_in_place(&mut ws.a, n) {
        sd.iter_mut().for_each(|v| *v = f64::NAN);
        return;
    }
    cholesky_inverse_diagonal(&ws.a, n, &mut ws.column, &mut ws.var);
    ws.var.iter_mut().for_each(|v| *v *= sigma2);
    layout.local_variance_to_sd(x, &mut ws.var);
    sd.copy_from_slice(&ws.var[..sd.len()]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParameterKind;
    use crate::fit::FitModel;

    /// A straight line y = p₀ + p₁t as a "model", to compare with the textbook formula.
    struct Line;
    impl FitModel for Line {
        fn n_free(&self) -> usize {
            2
        }
        fn bounds(&self) -> &[(f64, f64)] {
            &[(-10.0, 10.0), (-10.0, 10.0)]
        }
        fn scales(&self) -> &[f64] {
            &[2.0, 1.0]
        }
        fn kinds(&self) -> &[ParameterKind] {
            &[ParameterKind::Other, ParameterKind::Other]
        }
        type Scratch<D: crate::Scalar> = ();
        fn scratch<D: crate::Scalar>(&self, _: &crate::AcquisitionScheme) {}
        fn signal<D: crate::Scalar>(
            &self,
            _: &crate::AcquisitionScheme,
            _: usize,
            _: &[D],
            _: &mut [D],
            _: &mut (),
        ) -> Result<(), crate::Error> {
            Ok(())
        }
    }

    /// Simple linear regression: sd(slope) = σ̂/√Σ(t − t̄)², sd(intercept) = σ̂ √(1/m + t̄²/Σ(t − t̄)²)
    /// (e.g. Draper & Smith 1998, *Applied Regression Analysis*, 3rd ed., §1.4).
    #[test]
    fn line_fit_matches_the_regression_formula() {
        let layout = Layout::new(&Line, 0).unwrap();
        let t = [0.0, 1.0, 2.0, 3.0, 4.0];
        let r = [0.1, -0.2, 0.05, 0.15, -0.1];
        // Local Jacobian: columns ∂/∂(p₀/2) = 2 and ∂/∂p₁ = t.
        let jac: Vec<f64> = t.iter().flat_map(|&ti| [2.0, ti]).collect();
        let mut ws = CramerRaoWorkspace::new(2);
        let mut sd = [0.0; 2];
        standard_deviations(&layout, &[0.0, 0.0], &jac, &r, &mut ws, &mut sd);
        let sigma = (r.iter().map(|v| v * v).sum::<f64>() / 3.0).sqrt();
        let sxx: f64 = t.iter().map(|ti| (ti - 2.0) * (ti - 2.0)).sum();
        let slope = sigma / sxx.sqrt();
        let intercept = sigma * (1.0 / 5.0 + 4.0 / sxx).sqrt();
        assert!((sd[1] - slope).abs() < 1e-14 * slope);
        assert!((sd[0] - intercept).abs() < 1e-14 * intercept);
    }
}
