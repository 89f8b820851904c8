//! `MultiModel`: the core's multi-compartment model as a frozen Python object; every `set_…` call returns a new one.

use crate::distributed::PyDistributed;
use crate::errors::{CoreError, ParameterError, over_voxels};
use crate::fitting::{FitSettings, PyModelFit, Solver, fit_rows};
use crate::model::{PyModel, kind_name};
use crate::sampling::{SampleSettings, noise_kind, sample_rows};
use crate::scheme::PyScheme;
use dmipy::{
    AmicoOptions, Error, MixOptions, ModelComponent, MultiCompartmentModel, ParameterValue,
    simulate_voxels,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// A multi-compartment model of the core (Dmipy's `MultiCompartmentModel` and
/// `MultiCompartmentSphericalMeanModel`). Frozen: the `with_…` methods return a changed copy, so
/// a model shared between threads never changes under them.
#[pyclass(frozen, module = "dmipy_rs._core", name = "MultiModel")]
pub struct PyMultiModel {
    pub(crate) inner: MultiCompartmentModel,
}

/// A component from Python: a compartment `Model` or a `Distributed` model.
#[derive(FromPyObject)]
pub enum ComponentArg<'py> {
    /// A compartment.
    Compartment(PyRef<'py, PyModel>),
    /// A distributed model.
    Distributed(PyRef<'py, PyDistributed>),
}

impl ComponentArg<'_> {
    fn component(&self) -> ModelComponent {
        match self {
            Self::Compartment(c) => ModelComponent::from(c.inner.clone()),
            Self::Distributed(d) => ModelComponent::Distributed(d.inner.clone()),
        }
    }
}

/// One public parameter as Python sees it: (name, SI bounds per component, scales per component, kind).
type PublicParameter = (String, Vec<(f64, f64)>, Vec<f64>, &'static str);

/// A per-voxel or constant value from Python: `values` flat, `per_voxel` saying which.
fn parameter_value(values: Vec<f64>, per_voxel: bool) -> ParameterValue {
    if per_voxel {
        ParameterValue::PerVoxel(values)
    } else {
        ParameterValue::Constant(values)
    }
}

impl PyMultiModel {
    /// A copy of this model changed by `change`; core errors become exceptions.
    fn with(
        &self,
        change: impl FnOnce(&mut MultiCompartmentModel) -> Result<(), Error>,
    ) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        change(&mut inner).map_err(CoreError)?;
        Ok(Self { inner })
    }

    /// Number of public parameter values per voxel (Dmipy's parameter vector length).
    fn public_len(&self) -> usize {
        self.inner.parameter_cardinality().iter().map(|c| c.1).sum()
    }
}

#[pymethods]
impl PyMultiModel {
    /// The model of `components` (compartment `Model`s and `Distributed` models), spherical-mean
    /// or not.
    #[new]
    fn new(components: Vec<ComponentArg<'_>>, spherical_mean: bool) -> PyResult<Self> {
        let components: Vec<ModelComponent> =
            components.iter().map(ComponentArg::component).collect();
        let inner = if spherical_mean {
            MultiCompartmentModel::spherical_mean(components)
        } else {
            MultiCompartmentModel::new(components)
        }
        .map_err(CoreError)?;
        Ok(Self { inner })
    }

    /// The model described by a model file (JSON text, as `dmipy fit --model` reads it).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let inner = MultiCompartmentModel::from_json(text).map_err(CoreError)?;
        Ok(Self { inner })
    }

    /// The model file that rebuilds this model.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// E.g. `MultiCompartmentModel(G1Ball, C1Stick)`.
    fn __repr__(&self) -> String {
        self.inner.description()
    }

    /// Whether this is a spherical-mean model.
    #[getter]
    fn spherical_mean(&self) -> bool {
        self.inner.is_spherical_mean()
    }

    /// Dmipy's parameters in `parameter_names` order: (name, SI bounds, scales, kind) each.
    fn parameters(&self) -> Vec<PublicParameter> {
        let names = self.inner.parameter_names();
        names
            .iter()
            .filter_map(|n| self.inner.parameter(n))
            .map(|p| {
                let kind = kind_name(p.kind());
                (
                    p.name().into(),
                    p.bounds().to_vec(),
                    p.scales().to_vec(),
                    kind,
                )
            })
            .collect()
    }

    /// The free parameters (not fixed per voxel) with their cardinality, in free-vector order.
    fn free_parameter_names(&self) -> Vec<(String, usize)> {
        let names = self.inner.free_parameter_names();
        names.into_iter().map(|(n, c)| (n.into(), c)).collect()
    }

    /// The voxel count of the per-voxel arrays given so far, if any.
    #[getter]
    fn voxel_count(&self) -> Option<usize> {
        self.inner.voxel_count()
    }

    /// Number of output values per voxel for `scheme` (measurements, or shells).
    fn output_len(&self, scheme: &Bound<'_, PyScheme>) -> usize {
        self.inner.output_len(&scheme.get().inner)
    }

    /// Dmipy's `set_fixed_parameter`: `values` flat (SI), per voxel or one set for all voxels.
    fn with_fixed(&self, name: &str, values: Vec<f64>, per_voxel: bool) -> PyResult<Self> {
        self.with(|m| m.set_fixed_parameter(name, parameter_value(values, per_voxel)))
    }

    /// Dmipy's `set_initial_guess_parameter`, with values as in `with_fixed`.
    fn with_initial_guess(&self, name: &str, values: Vec<f64>, per_voxel: bool) -> PyResult<Self> {
        self.with(|m| m.set_initial_guess_parameter(name, parameter_value(values, per_voxel)))
    }

    /// Dmipy's `set_equal_parameter(name_in, name_out)`.
    fn with_equal(&self, name_in: &str, name_out: &str) -> PyResult<Self> {
        self.with(|m| m.set_equal_parameter(name_in, name_out))
    }

    /// Dmipy's `set_tortuous_parameter(lambda_perp, lambda_par, vf_intra, vf_extra, S0_correction)`.
    fn with_tortuous(
        &self,
        lambda_perp: &str,
        lambda_par: &str,
        vf_intra: &str,
        vf_extra: &str,
        s0_correction: bool,
    ) -> PyResult<Self> {
        self.with(|m| {
            m.set_tortuous_parameter(lambda_perp, lambda_par, vf_intra, vf_extra, s0_correction)
        })
    }

    /// Dmipy's `set_fractional_parameter(parameter1_smaller_equal_than, parameter2)`.
    fn with_fractional(&self, smaller: &str, larger: &str) -> PyResult<Self> {
        self.with(|m| m.set_fractional_parameter(smaller, larger))
    }

    /// Dmipy's `set_parameter_optimization_bounds(name, bounds)`, SI bounds per component.
    fn with_bounds(&self, name: &str, bounds: Vec<(f64, f64)>) -> PyResult<Self> {
        self.with(|m| m.set_parameter_optimization_bounds(name, &bounds))
    }

    /// Dmipy's `S0_tissue_responses` constructor argument.
    fn with_s0_responses(&self, responses: Vec<f64>) -> PyResult<Self> {
        self.with(|m| m.set_s0_responses(responses))
    }

    /// Signals, shape (V, output_len), of V voxels whose public parameter vectors (Dmipy's
    /// `parameter_names` order, SI) are the rows of `params`.
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
        params: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let scheme = &scheme.get().inner;
        let view = params.as_array();
        let expected = self.public_len();
        if view.ncols() != expected {
            return Err(ParameterError::new_err(format!(
                "{}: expected {expected} parameter values per voxel, found {}",
                self.inner.description(),
                view.ncols()
            )));
        }
        let n_voxels = view.nrows();
        let params: Vec<f64> = view.iter().copied().collect();
        let width = self.inner.output_len(scheme);
        let mut out = vec![0.0; n_voxels * width];
        let model = &self.inner;
        over_voxels(py, &mut out, width, |v, out| {
            let p = &params[v.start * expected..v.end * expected];
            simulate_voxels(model, scheme, p, out)
        })?;
        PyArray1::from_vec(py, out).reshape([n_voxels, width])
    }

    /// Fits the model to every row of `data` (V, N: raw signals, b0 included); rows with a
    /// non-finite value are not fitted. `ns`: grid points per parameter, `n_sphere_samples`:
    /// grid directions, `starts`: solver starts, `threads`: worker threads (all cores if None).
    /// `solver="amico"` fits by AMICO instead (`amico_grid_points`, `lambda_1`, `lambda_2`: one
    /// weight per component), `solver="mix"` by MIX (`maxiter` generations of its search, then
    /// the same refinement). The GIL is released; Ctrl-C cancels.
    #[pyo3(signature = (scheme, data, ns=None, n_sphere_samples=None, starts=None, uncertainties=false, threads=None, solver="brute2fine", amico_grid_points=12, lambda_1=None, lambda_2=None, maxiter=300))]
    #[allow(clippy::too_many_arguments)]
    fn fit(
        &self,
        py: Python<'_>,
        scheme: &Bound<'_, PyScheme>,
        data: PyReadonlyArray2<'_, f64>,
        ns: Option<usize>,
        n_sphere_samples: Option<usize>,
        starts: Option<usize>,
        uncertainties: bool,
        threads: Option<usize>,
        solver: &str,
        amico_grid_points: usize,
        lambda_1: Option<Vec<f64>>,
        lambda_2: Option<Vec<f64>>,
        maxiter: usize,
    ) -> PyResult<PyModelFit> {
        let solver = match solver {
            "brute2fine" => Solver::Brute2fine,
            "mix" => Solver::Mix(MixOptions {
                max_iterations: maxiter,
                ..MixOptions::default()
            }),
            "amico" if uncertainties || starts.is_some() => {
                return Err(ParameterError::new_err(
                    "uncertainties and starts are not available with solver='amico' (a linear \
                     solve over a dictionary)",
                ));
            }
            "amico" => Solver::Amico(AmicoOptions {
                grid_points: amico_grid_points,
                lambda_1: lambda_1.unwrap_or_default(),
                lambda_2: lambda_2.unwrap_or_default(),
                ..AmicoOptions::default()
            }),
            other => {
                return Err(ParameterError::new_err(format!(
                    "solver '{other}' is not available; use 'brute2fine', 'mix' or 'amico'"
                )));
            }
        };
        let settings = FitSettings {
            ns,
            n_sphere_samples,
            starts,
            uncertainties,
            threads,
            solver,
        };
        fit_rows(py, &self.inner, scheme, data, settings)
    }

    /// Samples the posterior of the model in every row of `data` (V, N: raw signals, b0
    /// included) with NUTS (`dmipy_bayes::sample_voxels`): `chains` chains of `warmup` + `draws`
    /// iterations per voxel, seeded by (`seed`, the voxel's key: `voxel_keys[v]`, default its
    /// row), `noise` 'gaussian' or 'rician' with σ relative to S0 (`sigma`, or None for the
    /// least-squares residual estimate; `sample_sigma` samples it), `priors` as JSON text (`{"NAME": {"normal": {"mean":
    /// m, "sd": s}}, …}`, None: uniform). Returns a dict of dicts of arrays: `summaries`
    /// (`P_mean`, `P_std`, `P_qNN`, `P_mean_vector`, `P_cone95`), `diagnostics` (`rhat`,
    /// `ess_bulk`, `ess_tail`, `divergences`, `sigma`, `flags`, …) and, with `return_draws`,
    /// `draws` and `sample_stats`. The GIL is released; Ctrl-C cancels.
    #[pyo3(signature = (scheme, data, chains=4, warmup=300, draws=600, seed=0, noise="gaussian", sigma=None, sample_sigma=false, priors=None, quantiles=vec![0.05, 0.5, 0.95], return_draws=false, voxel_keys=None, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
        data: PyReadonlyArray2<'py, f64>,
        chains: usize,
        warmup: u64,
        draws: u64,
        seed: u64,
        noise: &str,
        sigma: Option<f64>,
        sample_sigma: bool,
        priors: Option<String>,
        quantiles: Vec<f64>,
        return_draws: bool,
        voxel_keys: Option<Vec<u64>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = dmipy_bayes::SampleOptions {
            chains,
            warmup,
            draws,
            seed,
            noise: noise_kind(noise)?,
            sigma,
            sample_sigma,
            quantiles,
            keep_draws: return_draws,
            voxel_keys,
            ..Default::default()
        };
        let settings = SampleSettings {
            options,
            priors,
            threads,
        };
        sample_rows(py, &self.inner, scheme, data, settings)
    }
}
