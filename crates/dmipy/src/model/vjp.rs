//! The gradient of a scalar function of the signal (a log-likelihood) as a vector–Jacobian product at the component level.
//!
//! Forward mode (`fit::jacobian`) carries all n solver derivatives through every measurement of
//! every component, although a likelihood needs only $J^\top\rho$. With the solver vector x, the
//! full vector $\phi = F(x)$ (nested fractions, links, fixed values: a few entries) and
//! $S_i = \sum_c w_c E_{c,i}(p_c)$, where $p_c$ are component c's entries of φ and $w_c$ its
//! partial volume (1 for a single component), the chain rule gives
//! $$J^\top\rho = \Big(\frac{\partial\phi}{\partial x}\Big)^{\!\top}\sum_c\Big[
//! P_c^\top\, w_c \Big(\frac{\partial E_c}{\partial p_c}\Big)^{\!\top}\rho \;+\;
//! e_{w_c}\, E_c^\top\rho\Big]$$
//! ($P_c$ places $p_c$ in φ, $e_{w_c}$ the position of $w_c$). Each component is evaluated once
//! with dual numbers as wide as its own parameters (a ball 1, a stick 3, a zeppelin 4), F with
//! one `Dual64` pass per solver variable over its few entries, and the mixing and contractions in
//! f64. The result equals forward mode up to rounding (tested); it is used where every
//! component has at most [`MAX_WIDTH`] parameters.

use super::MultiCompartmentModel;
use super::predict::ModelScratch;
use crate::{AcquisitionScheme, Error};
use num_dual::{Dual64, DualSVec64};

/// The widest component (number of its parameters) evaluated here; one monomorphisation of the
/// components per width 1 ..= MAX_WIDTH.
pub const MAX_WIDTH: usize = 4;

/// Buffers of one width of component duals.
#[derive(Debug, Clone)]
struct Duals<const K: usize> {
    full: Vec<DualSVec64<K>>,
    scratch: ModelScratch<DualSVec64<K>>,
}

impl<const K: usize> Default for Duals<K> {
    fn default() -> Self {
        Self {
            full: Vec::new(),
            scratch: ModelScratch::new(),
        }
    }
}

/// Working memory of a component-level vector–Jacobian product, sized on first use; each
/// `VoxelLikelihood` owns one.
#[derive(Debug, Clone, Default)]
pub struct VjpScratch {
    /// ∂φ/∂x, full_len × n, row-major.
    pub(crate) dfull_dx: Vec<f64>,
    /// φ(x).
    pub(crate) full: Vec<f64>,
    /// The f64 and dual vectors of the map F and the gradient with respect to φ.
    pub(crate) free: Vec<f64>,
    pub(crate) x_d: Vec<Dual64>,
    pub(crate) free_d: Vec<Dual64>,
    pub(crate) full_d: Vec<Dual64>,
    pub(crate) grad_full: Vec<f64>,
    /// E_c of every component, component-major (components × m).
    values: Vec<f64>,
    /// ∂E_c/∂p_c of every component, m × width_c each, concatenated.
    jacobians: Vec<f64>,
    d1: Duals<1>,
    d2: Duals<2>,
    d3: Duals<3>,
    d4: Duals<4>,
}

impl MultiCompartmentModel {
    /// Whether the component-level product applies: every component has at most
    /// [`MAX_WIDTH`] parameters, and the model is not a spherical-mean one (whose solver is
    /// driven on a per-shell scheme and keeps forward mode).
    pub(crate) fn has_component_vjp(&self) -> bool {
        !self.spherical_mean && self.components.iter().all(|c| c.offsets.len() <= MAX_WIDTH)
    }

    /// The signal of the full vector `full` into `out` (as [`signal_with`](Self::signal_with))
    /// and, kept in `state`, each component's signal and Jacobian with respect to its own
    /// parameters.
    pub(crate) fn signal_for_vjp(
        &self,
        scheme: &AcquisitionScheme,
        full: &[f64],
        out: &mut [f64],
        state: &mut VjpScratch,
    ) -> Result<(), Error> {
        let m = self.output_len(scheme);
        self.check_len("full vector", self.full_len, full.len())?;
        self.check_len("output buffer", m, out.len())?;
        let total: usize = self.components.iter().map(|c| c.offsets.len()).sum();
        state.values.resize(self.components.len() * m, 0.0);
        state.jacobians.resize(total * m, 0.0);
        out.fill(0.0);
        let mut at = 0;
        for i in 0..self.components.len() {
            let k = self.components[i].offsets.len();
            let values = &mut state.values[i * m..(i + 1) * m];
            let jac = &mut state.jacobians[at * m..(at + k) * m];
            match k {
                0 | 1 => self.component_jacobian(scheme, i, full, values, jac, &mut state.d1)?,
                2 => self.component_jacobian(scheme, i, full, values, jac, &mut state.d2)?,
                3 => self.component_jacobian(scheme, i, full, values, jac, &mut state.d3)?,
                4 => self.component_jacobian(scheme, i, full, values, jac, &mut state.d4)?,
                _ => {
                    return Err(Error::InvalidArgument {
                        what: "component-level gradient".into(),
                        reason: format!("component {i} has {k} parameters, more than {MAX_WIDTH}"),
                    });
                }
            }
            let weight = self.weight(i, full);
            for (o, &e) in out.iter_mut().zip(values.iter()) {
                *o += weight * e;
            }
            at += k;
        }
        Ok(())
    }

    /// $\sum_i \rho_i\,\partial S_i/\partial\phi$ added to `grad_full` (length full_len), from the
    /// buffers of the last [`signal_for_vjp`](Self::signal_for_vjp) at `full`.
    pub(crate) fn vjp_full(
        &self,
        full: &[f64],
        rho: &[f64],
        state: &VjpScratch,
        grad_full: &mut [f64],
    ) {
        let m = rho.len();
        let mut at = 0;
        for (i, layout) in self.components.iter().enumerate() {
            let k = layout.offsets.len();
            let values = &state.values[i * m..(i + 1) * m];
            if let Some(&p) = self.partial_volumes.get(i) {
                let offset = self.params[p].offset();
                grad_full[offset] += values.iter().zip(rho).map(|(e, r)| e * r).sum::<f64>();
            }
            let weight = self.weight(i, full);
            let jac = &state.jacobians[at * m..(at + k) * m];
            for (j, offset) in layout.offsets.iter().enumerate() {
                if let Some(o) = offset {
                    let column = jac.iter().skip(j).step_by(k.max(1));
                    grad_full[*o] += weight * column.zip(rho).map(|(d, r)| d * r).sum::<f64>();
                }
            }
            at += k;
        }
    }

    /// Component i's weight $w_i$ in the signal: its partial volume, or 1.
    fn weight(&self, i: usize, full: &[f64]) -> f64 {
        self.partial_volumes
            .get(i)
            .map_or(1.0, |&p| full[self.params[p].offset()])
    }

    /// Component i's signal (into `values`) and its Jacobian with respect to its own
    /// parameters (into `jac`, m × K row-major) from one pass of K-wide duals.
    fn component_jacobian<const K: usize>(
        &self,
        scheme: &AcquisitionScheme,
        i: usize,
        full: &[f64],
        values: &mut [f64],
        jac: &mut [f64],
        duals: &mut Duals<K>,
    ) -> Result<(), Error> {
        duals.full.clear();
        duals
            .full
            .extend(full.iter().map(|&v| DualSVec64::<K>::from_re(v)));
        let offsets = &self.components[i].offsets;
        for (j, o) in offsets.iter().enumerate() {
            if let Some(o) = o {
                duals.full[*o] = DualSVec64::<K>::from_re(full[*o]).derivative(j);
            }
        }
        let e = self.component_signal(scheme, i, &duals.full, &mut duals.scratch)?;
        for (d, v) in e.iter().zip(values.iter_mut()) {
            *v = d.re;
        }
        let k = offsets.len();
        if k > 0 {
            for (d, row) in e.iter().zip(jac.chunks_mut(k)) {
                match &d.eps.0 {
                    Some(eps) => row.iter_mut().zip(eps.iter()).for_each(|(r, &x)| *r = x),
                    None => row.iter_mut().for_each(|r| *r = 0.0),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{hcp, model, spherical_mean_model};
    use super::*;
    use crate::fit::jacobian::{JacobianEngine, ScalarJacobian};
    use crate::{FitModel, ParameterValue, SolverModel};

    /// Jᵀρ of the component-level product equals that of the forward-mode Jacobian (n scalar
    /// dual passes) to 1e-12 of its largest entry, for random x inside the bounds and random ρ:
    /// ball & stick (nested fractions), stick + zeppelin with λ⊥ tortuous and λ∥ equal (links),
    /// a stick with λ∥ fixed per voxel, three compartments, and NODDI-Watson (a Watson-dispersed
    /// bundle with links inside).
    #[test]
    fn component_level_product_equals_forward_mode() {
        let scheme = hcp();
        let mut tortuous = model(&["C1Stick", "G2Zeppelin"]);
        tortuous
            .set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
            .unwrap();
        tortuous
            .set_tortuous_parameter(
                "G2Zeppelin_1_lambda_perp",
                "C1Stick_1_lambda_par",
                "partial_volume_0",
                "partial_volume_1",
                false,
            )
            .unwrap();
        tortuous
            .set_equal_parameter("C1Stick_1_mu", "G2Zeppelin_1_mu")
            .unwrap();
        let mut per_voxel = model(&["C1Stick", "G1Ball"]);
        per_voxel
            .set_fixed_parameter(
                "C1Stick_1_lambda_par",
                ParameterValue::PerVoxel(vec![1.1e-9, 2.3e-9]),
            )
            .unwrap();
        let models = [
            model(&["G1Ball", "C1Stick"]),
            tortuous,
            per_voxel,
            model(&["C1Stick", "G2Zeppelin", "G1Ball"]),
            MultiCompartmentModel::turnkey("noddi_watson").unwrap(),
        ];
        for (case, m) in models.iter().enumerate() {
            let solver = SolverModel::new(m, &scheme, 2).unwrap();
            assert!(solver.has_vjp(), "case {case}");
            let n = solver.n_free();
            let out_len = m.output_len(&scheme);
            let mut state = VjpScratch::default();
            let mut engine = ScalarJacobian::new(&solver, &scheme, n);
            for trial in 0..3 {
                let voxel = trial % 2;
                let x: Vec<f64> = (solver.bounds().iter().enumerate())
                    .map(|(k, &(lo, hi))| {
                        let t = 0.2 + 0.6 * ((k * 7 + trial * 3) as f64 * 0.77).sin().abs();
                        lo + t * (hi - lo)
                    })
                    .collect();
                let rho: Vec<f64> = (0..out_len)
                    .map(|i| ((i + trial) as f64 * 1.3).sin())
                    .collect();
                let (mut a, mut b) = (vec![0.0; out_len], vec![0.0; out_len]);
                let mut jac = vec![0.0; out_len * n];
                engine
                    .evaluate(&solver, &scheme, voxel, &x, &mut a, &mut jac, n)
                    .unwrap();
                solver
                    .signal_for_vjp(voxel, &x, &mut b, &mut state)
                    .unwrap();
                let mut got = vec![0.0; n];
                solver.vjp(&rho, &mut state, &mut got);
                let want: Vec<f64> = (0..n)
                    .map(|k| (0..out_len).map(|i| jac[i * n + k] * rho[i]).sum())
                    .collect();
                for (s, t) in a.iter().zip(&b) {
                    assert!((s - t).abs() <= 1e-14, "case {case}: signal {s} vs {t}");
                }
                let scale = want.iter().fold(0.0f64, |acc, w| acc.max(w.abs()));
                for k in 0..n {
                    assert!(
                        (got[k] - want[k]).abs() <= 1e-12 * scale,
                        "case {case}, trial {trial}, x[{k}]: {} vs {}",
                        got[k],
                        want[k]
                    );
                }
            }
        }
        // Wider components and spherical means keep the forward-mode Jacobian.
        let bingham = MultiCompartmentModel::turnkey("noddi_bingham").unwrap();
        assert!(!SolverModel::new(&bingham, &scheme, 1).unwrap().has_vjp());
        let sm = spherical_mean_model(&["C1Stick", "G1Ball"]);
        assert!(!SolverModel::new(&sm, &scheme, 1).unwrap().has_vjp());
    }
}
