//! The likelihood seam: the log-likelihood of one voxel's normalised data and its exact gradient, for fitting and sampling.
//!
//! A sampler (NUTS) or any other optimiser meets a model here and nowhere else: it hands a free
//! parameter vector x (SI units, the [`FitModel`]'s order) and gets $\ln p(y \mid x)$ and
//! $\nabla_x \ln p$, with the signal's derivatives from the same dual-number code as fitting.
//! Data are normalised first ([`EchoTimeGroups::normalise`](super::EchoTimeGroups)), so the
//! noise level σ is relative to S0.

use super::FitModel;
use super::jacobian::{JacobianEngine, ScalarJacobian, VectorJacobian};
use super::rician::rician_residuals;
use crate::{AcquisitionScheme, Error, VjpScratch};
use std::f64::consts::PI;

/// The distribution of normalised data around the model's signal A, with σ relative to S0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// $y_i \sim \mathcal N(A_i, \sigma^2)$:
    /// $\ln p = -\sum_i (y_i - A_i)^2 / (2\sigma^2) - m\ln(\sigma\sqrt{2\pi})$.
    Gaussian {
        /// Standard deviation, relative to S0 (dimensionless, > 0).
        sigma: f64,
    },
    /// Magnitude data, $y_i \sim \mathrm{Rice}(A_i, \sigma)$:
    /// $\ln p = \sum_i \big[\ln(y_i/\sigma^2) - (y_i^2 + A_i^2)/(2\sigma^2) + \ln I_0(y_iA_i/\sigma^2)\big]$
    /// (Sijbers et al. 1998, IEEE Trans. Med. Imaging 17:357, doi:10.1109/42.730396, Eq. 2).
    Rician {
        /// Standard deviation of each of the real and imaginary channels, relative to S0 (> 0).
        sigma: f64,
    },
}

impl Noise {
    /// σ of either kind.
    pub fn sigma(&self) -> f64 {
        match *self {
            Noise::Gaussian { sigma } | Noise::Rician { sigma } => sigma,
        }
    }

    /// The same distribution with σ replaced.
    pub fn with_sigma(self, sigma: f64) -> Noise {
        match self {
            Noise::Gaussian { .. } => Noise::Gaussian { sigma },
            Noise::Rician { .. } => Noise::Rician { sigma },
        }
    }

    /// $\partial \ln p / \partial \ln\sigma$ from the data y, the signal A and the residuals
    /// ρ that [`log_density`](Self::log_density) left. Gaussian: $\sum_i \rho_i^2/\sigma^2 - m$.
    /// Rician: with $z_i = y_iA_i/\sigma^2$ and $y_i I_1(z_i)/I_0(z_i) = A_i - \rho_i$,
    /// $\partial_{\ln\sigma}\big[-2\ln\sigma - (y^2 + A^2)/(2\sigma^2) + \ln I_0(z)\big]
    /// = (y^2 - A^2 + 2A\rho)/\sigma^2 - 2$ per measurement (Sijbers et al. 1998, eq. 2;
    /// $I_0' = I_1$, DLMF 10.29.3).
    fn log_sigma_slope(&self, y: &[f64], a: &[f64], rho: &[f64]) -> f64 {
        let s2 = self.sigma().powi(2);
        match self {
            Noise::Gaussian { .. } => rho.iter().map(|r| r * r).sum::<f64>() / s2 - y.len() as f64,
            Noise::Rician { .. } => (y.iter().zip(a).zip(rho))
                .map(|((y, a), r)| (y * y - a * a + 2.0 * a * r) / s2 - 2.0)
                .sum(),
        }
    }

    /// $\ln p(y \mid A)$ for data `y` and signal `a`; overwrites `a` with $-\partial\ln p/\partial A_i$
    /// times σ² (the residual A − y for Gaussian noise, the Rician effective residual
    /// $A_i - y_i I_1(z_i)/I_0(z_i)$ otherwise; see `rician`).
    fn log_density(&self, y: &[f64], a: &mut [f64]) -> f64 {
        let sigma = self.sigma();
        let s2 = sigma * sigma;
        a.iter_mut().zip(y).for_each(|(a, y)| *a -= y);
        match self {
            Noise::Gaussian { .. } => {
                let rss: f64 = a.iter().map(|r| r * r).sum();
                -0.5 * rss / s2 - y.len() as f64 * (sigma * (2.0 * PI).sqrt()).ln()
            }
            // ln p = Σ ln(y/σ²) − F/σ², F = Σ [½(y − A)² − σ² ln Ĩ₀(z)] (`rician_residuals`).
            Noise::Rician { .. } => {
                let cost = rician_residuals(a, y, sigma);
                y.iter().map(|y| (y / s2).ln()).sum::<f64>() - cost / s2
            }
        }
    }
}

/// The log-likelihood of one voxel under a model, with owned buffers: nothing is allocated per
/// evaluation. Set the voxel with [`set_voxel`](Self::set_voxel), then evaluate.
pub struct VoxelLikelihood<'a, M: FitModel> {
    model: &'a M,
    scheme: &'a AcquisitionScheme,
    noise: Noise,
    engine: Box<dyn JacobianEngine<M> + 'a>,
    scratch: M::Scratch<f64>,
    y: Vec<f64>,
    voxel: usize,
    signal: Vec<f64>,
    residual: Vec<f64>,
    jacobian: Vec<f64>,
    /// Buffers of the model's own vector–Jacobian product, when it has one.
    vjp: Option<VjpScratch>,
}

impl<'a, M: FitModel> VoxelLikelihood<'a, M> {
    /// The likelihood of `model` on `scheme` under `noise`. Errors when σ is not positive and
    /// finite.
    pub fn new(model: &'a M, scheme: &'a AcquisitionScheme, noise: Noise) -> Result<Self, Error> {
        check_sigma(noise.sigma())?;
        let (n, m) = (model.n_free(), scheme.len());
        // The widths the fitting engine also monomorphises: one dual pass when n ≤ 8.
        let engine: Box<dyn JacobianEngine<M> + 'a> = match n {
            1 => Box::new(VectorJacobian::<M, 1>::new(model, scheme, n)),
            2 => Box::new(VectorJacobian::<M, 2>::new(model, scheme, n)),
            3 => Box::new(VectorJacobian::<M, 3>::new(model, scheme, n)),
            4 => Box::new(VectorJacobian::<M, 4>::new(model, scheme, n)),
            5 => Box::new(VectorJacobian::<M, 5>::new(model, scheme, n)),
            6 => Box::new(VectorJacobian::<M, 6>::new(model, scheme, n)),
            7 => Box::new(VectorJacobian::<M, 7>::new(model, scheme, n)),
            8 => Box::new(VectorJacobian::<M, 8>::new(model, scheme, n)),
            _ => Box::new(ScalarJacobian::<M>::new(model, scheme, n)),
        };
        Ok(Self {
            model,
            scheme,
            noise,
            engine,
            scratch: model.scratch(scheme),
            y: vec![0.0; m],
            voxel: 0,
            signal: vec![0.0; m],
            residual: vec![0.0; m],
            jacobian: vec![0.0; m * n.max(1)],
            vjp: model.has_vjp().then(VjpScratch::default),
        })
    }

    /// Sets the voxel: its index in the data (for per-voxel fixed values) and its normalised
    /// data (one per measurement). Errors on a length mismatch.
    pub fn set_voxel(&mut self, voxel: usize, normalised: &[f64]) -> Result<(), Error> {
        if normalised.len() != self.y.len() {
            return Err(Error::LengthMismatch {
                what: "normalised voxel data".into(),
                expected: self.y.len(),
                found: normalised.len(),
            });
        }
        self.y.copy_from_slice(normalised);
        self.voxel = voxel;
        Ok(())
    }

    /// The noise model.
    pub fn noise(&self) -> Noise {
        self.noise
    }

    /// Sets σ for the evaluations that follow (a sampler that samples σ); errors when it is not
    /// positive and finite.
    pub fn set_sigma(&mut self, sigma: f64) -> Result<(), Error> {
        check_sigma(sigma)?;
        self.noise = self.noise.with_sigma(sigma);
        Ok(())
    }

    /// $\ln p(y \mid x)$ at the free parameters `x` (SI).
    pub fn log_likelihood(&mut self, x: &[f64]) -> Result<f64, Error> {
        self.check(x)?;
        let signal = &mut self.signal;
        (self.model).signal(self.scheme, self.voxel, x, signal, &mut self.scratch)?;
        Ok(self.noise.log_density(&self.y, signal))
    }

    /// $\ln p(y \mid x)$ and its exact gradient with respect to `x` (written to `gradient`,
    /// length n): $\nabla \ln p = -J^\top \rho / \sigma^2$ with J the signal's Jacobian and ρ the
    /// residuals of [`Noise`].
    pub fn log_likelihood_and_gradient(
        &mut self,
        x: &[f64],
        gradient: &mut [f64],
    ) -> Result<f64, Error> {
        Ok(self.evaluate(x, gradient, false)?.0)
    }

    /// [`log_likelihood_and_gradient`](Self::log_likelihood_and_gradient), and
    /// $\partial \ln p/\partial \ln\sigma$ at the current σ (for sampling σ).
    pub fn log_likelihood_gradient_and_sigma_slope(
        &mut self,
        x: &[f64],
        gradient: &mut [f64],
    ) -> Result<(f64, f64), Error> {
        self.evaluate(x, gradient, true)
    }

    /// Value, gradient and, when `want_slope`, ∂ln p/∂ln σ (else 0: one pass over the data less).
    fn evaluate(
        &mut self,
        x: &[f64],
        gradient: &mut [f64],
        want_slope: bool,
    ) -> Result<(f64, f64), Error> {
        self.check(x)?;
        if gradient.len() != x.len() {
            return Err(Error::LengthMismatch {
                what: "log-likelihood gradient".into(),
                expected: x.len(),
                found: gradient.len(),
            });
        }
        let n = x.len();
        let signal = &mut self.signal;
        if let Some(state) = self.vjp.as_mut() {
            self.model.signal_for_vjp(self.voxel, x, signal, state)?;
        } else {
            let jacobian = &mut self.jacobian;
            (self.engine).evaluate(self.model, self.scheme, self.voxel, x, signal, jacobian, n)?;
        }
        let residual = &mut self.residual;
        residual.copy_from_slice(signal);
        let value = self.noise.log_density(&self.y, residual);
        let slope = if want_slope {
            self.noise.log_sigma_slope(&self.y, signal, residual)
        } else {
            0.0
        };
        let s2 = self.noise.sigma().powi(2);
        if let Some(state) = self.vjp.as_mut() {
            self.model.vjp(residual, state, gradient);
            gradient.iter_mut().for_each(|g| *g /= -s2);
            return Ok((value, slope));
        }
        gradient.fill(0.0);
        for (rho, row) in residual.iter().zip(self.jacobian.chunks_exact(n)) {
            gradient
                .iter_mut()
                .zip(row)
                .for_each(|(g, j)| *g -= rho * j / s2);
        }
        Ok((value, slope))
    }

    fn check(&self, x: &[f64]) -> Result<(), Error> {
        if x.len() == self.model.n_free() {
            return Ok(());
        }
        Err(Error::LengthMismatch {
            what: "free parameters".into(),
            expected: self.model.n_free(),
            found: x.len(),
        })
    }
}

fn check_sigma(sigma: f64) -> Result<(), Error> {
    if sigma > 0.0 && sigma.is_finite() {
        return Ok(());
    }
    Err(Error::InvalidArgument {
        what: "noise sigma".into(),
        reason: format!("must be positive and finite, found {sigma}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::test_models::BallStick;

    fn setup(noise: Noise) -> (AcquisitionScheme, BallStick, Vec<f64>, [f64; 5]) {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let model = BallStick::new();
        let truth = [0.9, -2.1, 2.1e-9, 0.8e-9, 0.35];
        let mut y = vec![0.0; scheme.len()];
        let mut scratch = model.scratch(&scheme);
        model
            .signal(&scheme, 0, &truth, &mut y, &mut scratch)
            .unwrap();
        // Deterministic "noise" of about σ, positive data for the Rician case.
        let sigma = noise.sigma();
        y.iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = (*v + sigma * (1.7 * i as f64).sin()).abs());
        (scheme, model, y, [1.0, -2.0, 1.9e-9, 1.0e-9, 0.4])
    }

    /// The Gaussian log-likelihood is the closed form, its gradient the central difference.
    #[test]
    fn gaussian_value_and_gradient() {
        let noise = Noise::Gaussian { sigma: 0.05 };
        let (scheme, model, y, x) = setup(noise);
        let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
        likelihood.set_voxel(0, &y).unwrap();
        let mut a = vec![0.0; scheme.len()];
        model
            .signal(&scheme, 0, &x, &mut a, &mut model.scratch(&scheme))
            .unwrap();
        let rss: f64 = a.iter().zip(&y).map(|(a, y)| (a - y).powi(2)).sum();
        let m = scheme.len() as f64;
        let want = -rss / (2.0 * 0.05 * 0.05) - m * (0.05 * (2.0 * PI).sqrt()).ln();
        let got = likelihood.log_likelihood(&x).unwrap();
        assert!((got / want - 1.0).abs() < 1e-14, "{got} vs {want}");
        assert_gradient(&mut likelihood, &x);
    }

    #[test]
    fn rician_gradient_matches_finite_differences() {
        let noise = Noise::Rician { sigma: 0.05 };
        let (scheme, model, y, x) = setup(noise);
        let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
        likelihood.set_voxel(0, &y).unwrap();
        assert_gradient(&mut likelihood, &x);
    }

    /// The Rician density of one measurement integrates to one over y ∈ (0, ∞) (Simpson's rule,
    /// step σ/200 up to A + 12σ: rule error ~1e-12, tail e^{-72}), whatever A: a check of the
    /// normalisation and of ln Ĩ₀ across its series and asymptotic branches.
    #[test]
    fn rician_density_integrates_to_one() {
        let model = crate::fit::test_models::Constant;
        let scheme = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[1.0, 0.0, 0.0]],
            crate::PulseTiming::none(),
            &Default::default(),
        )
        .unwrap();
        for (a, sigma) in [
            (0.0, 0.1),
            (0.05, 0.1),
            (0.3, 0.05),
            (0.8, 0.02),
            (0.02, 0.01),
        ] {
            let noise = Noise::Rician { sigma };
            let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
            let h = sigma / 200.0;
            let steps = 2 * ((a + 12.0 * sigma) / (2.0 * h)) as usize;
            let mut total = 0.0; // p(0) = 0
            for k in 1..=steps {
                likelihood.set_voxel(0, &[k as f64 * h]).unwrap();
                let p = likelihood.log_likelihood(&[a]).unwrap().exp();
                let weight = if k == steps { 1.0 } else { [2.0, 4.0][k % 2] };
                total += weight * p * h / 3.0;
            }
            assert!((total - 1.0).abs() < 1e-9, "A {a} σ {sigma}: {total}");
        }
    }

    /// At high SNR the Rician log-likelihood differs from the Gaussian one by a constant in x
    /// (ln y − ln(σ√(2π)) terms and O(σ²/A²) corrections): their gradients agree.
    #[test]
    fn rician_tends_to_gaussian_at_high_snr() {
        let (scheme, model, y, x) = setup(Noise::Gaussian { sigma: 1e-4 });
        let mut gradients = Vec::new();
        for noise in [
            Noise::Gaussian { sigma: 1e-4 },
            Noise::Rician { sigma: 1e-4 },
        ] {
            let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
            likelihood.set_voxel(0, &y).unwrap();
            let mut g = vec![0.0; x.len()];
            likelihood.log_likelihood_and_gradient(&x, &mut g).unwrap();
            gradients.push(g);
        }
        for (g, r) in gradients[0].iter().zip(&gradients[1]) {
            assert!((r / g - 1.0).abs() < 1e-4, "{g} vs {r}");
        }
    }

    /// ∂ ln p/∂ ln σ equals the central difference of ln p in ln σ (step 1e-5), for both
    /// noises; `set_sigma` refuses σ ≤ 0.
    #[test]
    fn sigma_slope_matches_finite_differences() {
        for noise in [
            Noise::Gaussian { sigma: 0.05 },
            Noise::Rician { sigma: 0.05 },
        ] {
            let (scheme, model, y, x) = setup(noise);
            let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
            likelihood.set_voxel(0, &y).unwrap();
            let mut g = vec![0.0; x.len()];
            let mut at = |sigma: f64| {
                likelihood.set_sigma(sigma).unwrap();
                likelihood
                    .log_likelihood_gradient_and_sigma_slope(&x, &mut g)
                    .unwrap()
            };
            let (value, slope) = at(0.04);
            let h = 1e-5f64;
            let fd = (at(0.04 * h.exp()).0 - at(0.04 * (-h).exp()).0) / (2.0 * h);
            assert!(
                (slope - fd).abs() < 1e-6 * slope.abs().max(1.0),
                "{noise:?}: {slope} vs {fd}"
            );
            likelihood.set_sigma(0.04).unwrap();
            let again = likelihood.log_likelihood(&x).unwrap();
            assert!(
                (again - value).abs() < 1e-13 * value.abs(),
                "{again} vs {value}"
            );
            assert!(likelihood.set_sigma(0.0).is_err() && likelihood.set_sigma(f64::NAN).is_err());
        }
    }

    #[test]
    fn bad_sigma_and_lengths_are_errors() {
        let (scheme, model, y, x) = setup(Noise::Gaussian { sigma: 0.05 });
        for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(VoxelLikelihood::new(&model, &scheme, Noise::Rician { sigma }).is_err());
        }
        let noise = Noise::Gaussian { sigma: 0.05 };
        let mut likelihood = VoxelLikelihood::new(&model, &scheme, noise).unwrap();
        assert!(likelihood.set_voxel(0, &y[1..]).is_err());
        likelihood.set_voxel(0, &y).unwrap();
        assert!(likelihood.log_likelihood(&x[1..]).is_err());
        assert!(
            likelihood
                .log_likelihood_and_gradient(&x, &mut [0.0; 4])
                .is_err()
        );
    }

    /// The gradient equals central differences of the value (step 1e-6 relative per parameter).
    fn assert_gradient<M: FitModel>(likelihood: &mut VoxelLikelihood<M>, x: &[f64]) {
        let mut gradient = vec![0.0; x.len()];
        let value = likelihood
            .log_likelihood_and_gradient(x, &mut gradient)
            .unwrap();
        assert_eq!(value, likelihood.log_likelihood(x).unwrap());
        for k in 0..x.len() {
            let h = 1e-6 * x[k].abs();
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[k] += h;
            down[k] -= h;
            let fd = (likelihood.log_likelihood(&up).unwrap()
                - likelihood.log_likelihood(&down).unwrap())
                / (2.0 * h);
            let scale = gradient[k].abs().max(1e-3 / x[k].abs());
            assert!(
                (gradient[k] - fd).abs() <= 1e-6 * scale,
                "parameter {k}: {} vs {fd}",
                gradient[k]
            );
        }
    }
}
