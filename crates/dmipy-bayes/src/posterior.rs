//! The log posterior of one voxel on the unconstrained vector, with its exact gradient, as nuts-rs's `CpuLogpFunc`.
//!
//! $\ln p(u \mid y) = \ln p(y \mid x(u)) + \ln\pi(x(u)) + \ln|\partial x/\partial u|$ with the
//! likelihood and its dual-number gradient from the core's [`VoxelLikelihood`] and the maps of
//! [`Parametrisation`]. The sampler sees an affine image $u = u_0 + Lz$ (see
//! [`Preconditioner`]): with L the Cholesky factor of a covariance estimate at the start, this
//! is the same as starting NUTS with that (dense) mass matrix, which nuts-rs 0.19 has no
//! setting for; its own diagonal adaptation then works on z.

use crate::{BayesError, Parametrisation};
use dmipy::{SolverModel, VoxelLikelihood};
use nuts_rs::{CpuLogpFunc, CpuMathError, HasDims, LogpError};
use std::collections::HashMap;

/// A failed evaluation (outside the model's domain, non-finite value): nuts-rs treats it as a
/// divergence and rejects the step.
#[derive(Debug, thiserror::Error)]
#[error("log posterior not finite: {0}")]
pub struct EvaluationError(String);

impl LogpError for EvaluationError {
    fn is_recoverable(&self) -> bool {
        true
    }
}

/// The affine map $u = u_0 + Lz$ (L lower triangular, row-major d × d).
#[derive(Debug, Clone, PartialEq)]
pub struct Preconditioner {
    /// The centre $u_0$ (the least-squares start in unconstrained coordinates).
    pub centre: Vec<f64>,
    /// L, row-major.
    pub factor: Vec<f64>,
}

impl Preconditioner {
    /// The identity map around `centre`.
    pub fn identity(centre: Vec<f64>) -> Self {
        let d = centre.len();
        let mut factor = vec![0.0; d * d];
        (0..d).for_each(|i| factor[i * d + i] = 1.0);
        Self { centre, factor }
    }

    fn dim(&self) -> usize {
        self.centre.len()
    }

    /// u = u₀ + L z.
    pub fn to_u(&self, z: &[f64], u: &mut [f64]) {
        let d = self.dim();
        for (i, (u, c)) in u.iter_mut().zip(&self.centre).enumerate() {
            let row = &self.factor[i * d..i * d + i + 1];
            *u = c + row.iter().zip(z).map(|(l, z)| l * z).sum::<f64>();
        }
    }

    /// z from u (forward substitution).
    pub fn to_z(&self, u: &[f64], z: &mut [f64]) {
        let d = self.dim();
        for i in 0..d {
            let row = &self.factor[i * d..i * d + i];
            let s: f64 = row.iter().zip(&z[..i]).map(|(l, z)| l * z).sum();
            z[i] = (u[i] - self.centre[i] - s) / self.factor[i * d + i];
        }
    }

    /// ∇_z = Lᵀ ∇_u.
    fn pull_back(&self, grad_u: &[f64], grad_z: &mut [f64]) {
        let d = self.dim();
        grad_z.fill(0.0);
        for i in 0..d {
            for (k, g) in grad_z[..=i].iter_mut().enumerate() {
                *g += self.factor[i * d + k] * grad_u[i];
            }
        }
    }
}

/// The log posterior of one voxel: likelihood (voxel set), parametrisation, preconditioner,
/// and its buffers.
pub struct LogPosterior<'a> {
    likelihood: VoxelLikelihood<'a, SolverModel<'a>>,
    transform: &'a Parametrisation,
    preconditioner: Preconditioner,
    u: Vec<f64>,
    x: Vec<f64>,
    grad_x: Vec<f64>,
    grad_u: Vec<f64>,
}

impl<'a> LogPosterior<'a> {
    /// The posterior of the voxel already set in `likelihood`, sampled in z coordinates of
    /// `preconditioner`.
    pub fn new(
        likelihood: VoxelLikelihood<'a, SolverModel<'a>>,
        transform: &'a Parametrisation,
        preconditioner: Preconditioner,
    ) -> Self {
        let (d, n) = (transform.dim(), transform.n_x());
        Self {
            likelihood,
            transform,
            preconditioner,
            u: vec![0.0; d],
            x: vec![0.0; n],
            grad_x: vec![0.0; n],
            grad_u: vec![0.0; d],
        }
    }

    /// The parametrisation.
    pub fn transform(&self) -> &Parametrisation {
        self.transform
    }

    /// The preconditioner.
    pub fn preconditioner(&self) -> &Preconditioner {
        &self.preconditioner
    }

    /// Replaces the preconditioner.
    pub fn set_preconditioner(&mut self, p: Preconditioner) {
        self.preconditioner = p;
    }

    /// $\ln p(u\mid y)$ (up to a constant) and its gradient with respect to u.
    pub fn log_density_u(&mut self, u: &[f64], grad_u: &mut [f64]) -> Result<f64, BayesError> {
        self.transform.to_x(u, &mut self.x);
        let (ll, slope) = match self.transform.sigma(u) {
            Some(sigma) => {
                self.likelihood.set_sigma(sigma)?;
                (self.likelihood)
                    .log_likelihood_gradient_and_sigma_slope(&self.x, &mut self.grad_x)?
            }
            // σ given: its slope is not used.
            None => {
                let ll =
                    (self.likelihood).log_likelihood_and_gradient(&self.x, &mut self.grad_x)?;
                (ll, 0.0)
            }
        };
        let prior = self
            .transform
            .pull_back(u, &mut self.x, (&self.grad_x, slope), grad_u);
        Ok(ll + prior)
    }

    /// $\ln p(u\mid y)$ without gradient.
    pub fn log_density_u_value(&mut self, u: &[f64]) -> Result<f64, BayesError> {
        let prior = self.transform.to_x(u, &mut self.x);
        if let Some(sigma) = self.transform.sigma(u) {
            self.likelihood.set_sigma(sigma)?;
        }
        Ok(self.likelihood.log_likelihood(&self.x)? + prior)
    }

    /// The solver vector at z; returns σ there when σ is sampled.
    pub fn x_at_z(&mut self, z: &[f64], x: &mut [f64]) -> Option<f64> {
        self.preconditioner.to_u(z, &mut self.u);
        self.transform.to_x(&self.u, x);
        self.transform.sigma(&self.u)
    }
}

impl HasDims for LogPosterior<'_> {
    fn dim_sizes(&self) -> HashMap<String, u64> {
        HashMap::from([(
            "unconstrained_parameter".to_string(),
            self.transform.dim() as u64,
        )])
    }
}

impl CpuLogpFunc for LogPosterior<'_> {
    type LogpError = EvaluationError;
    type FlowParameters = ();
    type ExpandedVector = Vec<f64>;

    fn dim(&self) -> usize {
        self.transform.dim()
    }

    fn logp(&mut self, z: &[f64], grad: &mut [f64]) -> Result<f64, EvaluationError> {
        let mut u = std::mem::take(&mut self.u);
        let mut grad_u = std::mem::take(&mut self.grad_u);
        self.preconditioner.to_u(z, &mut u);
        let value = self.log_density_u(&u, &mut grad_u);
        self.preconditioner.pull_back(&grad_u, grad);
        self.u = u;
        self.grad_u = grad_u;
        match value {
            Ok(v) if v.is_finite() && grad.iter().all(|g| g.is_finite()) => Ok(v),
            Ok(v) => Err(EvaluationError(format!("value {v}"))),
            Err(e) => Err(EvaluationError(e.to_string())),
        }
    }

    fn expand_vector<R: nuts_rs::rand::Rng + ?Sized>(
        &mut self,
        _rng: &mut R,
        z: &[f64],
    ) -> Result<Vec<f64>, CpuMathError> {
        Ok(z.to_vec())
    }
}
