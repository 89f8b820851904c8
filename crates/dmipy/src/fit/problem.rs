//! One voxel as a least-squares problem: residuals S0·S(x) − y on normalised data, Jacobians in
//! the solver's local coordinates, all buffers owned once per thread.

use super::FitModel;
use super::jacobian::JacobianEngine;
use super::layout::Layout;
use super::levenberg_marquardt::Problem;
use super::rician::rician_residuals;
use crate::{AcquisitionScheme, Error};

/// The residual of voxel data y (already divided by the mean b0 of each echo-time group):
/// $r_i = s_{g(i)}\,S_i(x) - y_i$, with $s_g$ the fitted S0 factor of group g when S0 is fitted,
/// else 1. With a Rician σ set, the residuals handed to the solver are the effective residuals
/// and the cost is the Rician one of [`rician_residuals`] (see `rician`).
pub(crate) struct VoxelProblem<'a, M: FitModel, E> {
    model: &'a M,
    scheme: &'a AcquisitionScheme,
    layout: &'a Layout,
    group_of: &'a [usize],
    fit_s0: bool,
    engine: E,
    value: Vec<f64>,
    scratch: M::Scratch<f64>,
    /// The voxel's normalised data; set before each solve.
    pub y: Vec<f64>,
    /// The voxel's index in the data; set before each solve.
    pub voxel: usize,
    /// σ of the Rician likelihood (normalised units), or `None` for least squares.
    pub sigma: Option<f64>,
    /// The cost at the latest evaluation.
    cost: f64,
}

impl<'a, M: FitModel, E: JacobianEngine<M>> VoxelProblem<'a, M, E> {
    /// Buffers for one thread.
    pub fn new(
        model: &'a M,
        scheme: &'a AcquisitionScheme,
        layout: &'a Layout,
        group_of: &'a [usize],
        fit_s0: bool,
    ) -> Self {
        let m = scheme.len();
        Self {
            model,
            scheme,
            layout,
            group_of,
            fit_s0,
            engine: E::new(model, scheme, layout.n_free),
            value: vec![0.0; m],
            scratch: model.scratch(scheme),
            y: vec![0.0; m],
            voxel: 0,
            sigma: None,
            cost: 0.0,
        }
    }

    /// S0 factor of measurement i at x.
    fn factor(&self, x: &[f64], i: usize) -> f64 {
        if self.fit_s0 {
            x[self.layout.n_free + self.group_of[i]]
        } else {
            1.0
        }
    }

    /// Records the cost of the Gaussian residuals r and, for a Rician σ, turns them into the
    /// effective residuals.
    fn finish(&mut self, r: &mut [f64]) {
        self.cost = match self.sigma {
            None => 0.5 * r.iter().map(|v| v * v).sum::<f64>(),
            Some(sigma) => rician_residuals(r, &self.y, sigma),
        };
    }
}

impl<M: FitModel, E: JacobianEngine<M>> Problem for VoxelProblem<'_, M, E> {
    fn n(&self) -> usize {
        self.layout.len()
    }

    fn residuals(&mut self, x: &[f64], r: &mut [f64]) -> Result<(), Error> {
        let n_free = self.layout.n_free;
        self.model.signal(
            self.scheme,
            self.voxel,
            &x[..n_free],
            &mut self.value,
            &mut self.scratch,
        )?;
        for (i, ((r, &v), &y)) in r.iter_mut().zip(&self.value).zip(&self.y).enumerate() {
            *r = self.factor(x, i) * v - y;
        }
        self.finish(r);
        Ok(())
    }

    fn jacobian(&mut self, x: &[f64], r: &mut [f64], jac: &mut [f64]) -> Result<(), Error> {
        let (n_free, n) = (self.layout.n_free, self.layout.len());
        self.engine.evaluate(
            self.model,
            self.scheme,
            self.voxel,
            &x[..n_free],
            &mut self.value,
            jac,
            n,
        )?;
        for (i, row) in jac.chunks_exact_mut(n).enumerate() {
            let s = self.factor(x, i);
            r[i] = s * self.value[i] - self.y[i];
            if self.fit_s0 {
                row[..n_free].iter_mut().for_each(|v| *v *= s);
                row[n_free..].iter_mut().for_each(|v| *v = 0.0);
                row[n_free + self.group_of[i]] = self.value[i];
            }
        }
        self.layout.to_local(x, jac, n);
        self.finish(r);
        Ok(())
    }

    fn step_bounds(&self, x: &[f64], i: usize) -> (f64, f64) {
        self.layout.step_bounds(x, i)
    }

    fn retract(&self, x: &[f64], step: &[f64], x_new: &mut [f64]) {
        self.layout.retract(x, step, x_new);
    }

    fn cost(&self, _r: &[f64]) -> f64 {
        self.cost
    }
}
