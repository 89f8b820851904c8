//! Fitting a `MultiModel` to voxels: settings from Python, the fit with the GIL released and Ctrl-C honoured, and `ModelFit` as a frozen Python object.

use crate::errors::{CoreError, DmipyError, ParameterError, cancellable};
use crate::scheme::PyScheme;
use dmipy::{
    AmicoOptions, FitControl, FitOptions, MixOptions, ModelFit, MultiCompartmentModel, VoxelFlag,
    fit_model, fit_model_amico, fit_model_mix,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;

/// A fit of a multi-compartment model to V voxels: Dmipy's parameters (links removed, per-voxel
/// fixed values included), their names and the per-voxel diagnostics. Arrays are voxel-major;
/// voxels not fitted hold NaN.
#[pyclass(frozen, module = "dmipy_rs._core", name = "ModelFit")]
pub struct PyModelFit {
    fit: ModelFit,
    model: MultiCompartmentModel,
}

/// The code of a voxel flag: 0 fitted, 1 non-finite data, 2 non-positive b0, 3 cancelled.
fn flag_code(flag: VoxelFlag) -> u8 {
    match flag {
        VoxelFlag::Fitted => 0,
        VoxelFlag::NonFinite => 1,
        VoxelFlag::NonPositiveB0 => 2,
        VoxelFlag::Cancelled => 3,
    }
}

/// A (V, width) array from a voxel-major vector.
pub(crate) fn matrix<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    n_voxels: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let width = values.len().checked_div(n_voxels).unwrap_or(0);
    PyArray1::from_vec(py, values).reshape([n_voxels, width])
}

/// The core's fit options for `settings`.
fn options(settings: &FitSettings) -> FitOptions {
    let mut options = FitOptions {
        uncertainties: settings.uncertainties,
        ..FitOptions::default()
    };
    if let Some(ns) = settings.ns {
        options.brute_force.steps = ns;
    }
    if let Some(n) = settings.n_sphere_samples {
        options.brute_force.directions = n;
    }
    if let Some(s) = settings.starts {
        options.starts = s;
    }
    options
}

/// The rows of `data` (V, N) as one voxel-major vector, checked against the scheme's length. A
/// copy: Python may change its array while the GIL is released.
pub(crate) fn voxel_rows(
    scheme: &dmipy::AcquisitionScheme,
    data: &PyReadonlyArray2<'_, f64>,
) -> PyResult<Vec<f64>> {
    let view = data.as_array();
    if view.ncols() != scheme.len() {
        return Err(ParameterError::new_err(format!(
            "data have {} values per voxel but the scheme has {} measurements",
            view.ncols(),
            scheme.len()
        )));
    }
    Ok(view.iter().copied().collect())
}

/// A rayon pool of `threads` threads (all cores when `None`).
pub(crate) fn thread_pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        if n == 0 {
            return Err(ParameterError::new_err(
                "number_of_processors must be at least 1",
            ));
        }
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .map_err(|e| DmipyError::new_err(format!("cannot start {threads:?} threads: {e}")))
}

/// The fit settings a Python call gives (Dmipy's `Ns`, `N_sphere_samples`, …); `None` keeps
/// the core's default.
#[derive(Debug, Clone, Default)]
pub struct FitSettings {
    /// Grid points per plain parameter (Dmipy's `Ns`).
    pub ns: Option<usize>,
    /// Grid directions per orientation (Dmipy's `N_sphere_samples`).
    pub n_sphere_samples: Option<usize>,
    /// Solver starts from the best grid points.
    pub starts: Option<usize>,
    /// Whether to compute Cramér–Rao standard deviations.
    pub uncertainties: bool,
    /// Threads (all cores when `None`).
    pub threads: Option<usize>,
    /// The solver and its own settings.
    pub solver: Solver,
}

/// Dmipy's `solver` of a parametric fit.
#[derive(Debug, Clone, Default)]
pub enum Solver {
    /// Brute-force start, then bounded Levenberg–Marquardt.
    #[default]
    Brute2fine,
    /// MIX's global search, then the same refinement.
    Mix(MixOptions),
    /// AMICO's dictionary and non-negative least squares.
    Amico(AmicoOptions),
}

/// Fits `model` to every row of `data` (V, N: raw signals, b0 included). Rows with a non-finite
/// value are not fitted. Runs on `settings.threads` threads with the GIL released; Ctrl-C cancels.
pub fn fit_rows(
    py: Python<'_>,
    model: &MultiCompartmentModel,
    scheme: &Bound<'_, PyScheme>,
    data: PyReadonlyArray2<'_, f64>,
    settings: FitSettings,
) -> PyResult<PyModelFit> {
    let scheme = &scheme.get().inner;
    let data = voxel_rows(scheme, &data)?;
    let options = options(&settings);
    let pool = thread_pool(settings.threads)?;
    let fit = cancellable(py, |cancel| {
        let control = FitControl {
            progress: None,
            cancel: Some(cancel),
        };
        pool.install(|| match &settings.solver {
            Solver::Brute2fine => fit_model(model, scheme, &data, &options, &control),
            Solver::Mix(mix) => fit_model_mix(model, scheme, &data, mix, &options, &control),
            Solver::Amico(amico) => fit_model_amico(model, scheme, &data, amico, &control),
        })
        .map_err(CoreError)
    })?;
    Ok(PyModelFit {
        fit,
        model: model.clone(),
    })
}

#[pymethods]
impl PyModelFit {
    /// Number of voxels.
    #[getter]
    fn n_voxels(&self) -> usize {
        self.fit.n_voxels()
    }

    /// Dmipy's parameter names and cardinalities, in column order of `parameters`.
    #[getter]
    fn names(&self) -> Vec<(String, usize)> {
        self.fit.names.clone()
    }

    /// Fitted parameters (SI), shape (V, Σ cardinalities); partial volumes sum to one.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.fit.parameters.clone(), self.fit.n_voxels())
    }

    /// Cramér–Rao standard deviations (SI) like `parameters`, or None when not computed.
    #[getter]
    fn std<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        let n = self.fit.n_voxels();
        self.fit.std.clone().map(|s| matrix(py, s, n)).transpose()
    }

    /// S0 per voxel and echo-time group (data units), shape (V, groups).
    #[getter]
    fn s0<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.fit.diagnostics.s0.clone(), self.fit.n_voxels())
    }

    /// Mean squared residual of the normalised signal, per voxel.
    #[getter]
    fn mse<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.fit.diagnostics.mse)
    }

    /// Coefficient of determination of the normalised signal, per voxel.
    #[getter]
    fn r2<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.fit.diagnostics.r2)
    }

    /// Solver iterations per voxel.
    #[getter]
    fn iterations<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_slice(py, &self.fit.diagnostics.iterations)
    }

    /// Whether the solver converged, per voxel.
    #[getter]
    fn converged<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        PyArray1::from_slice(py, &self.fit.diagnostics.converged)
    }

    /// What happened to each voxel: 0 fitted, 1 non-finite data, 2 non-positive b0, 3 cancelled.
    #[getter]
    fn flags<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u8>> {
        let codes: Vec<u8> = self
            .fit
            .diagnostics
            .flags
            .iter()
            .map(|&f| flag_code(f))
            .collect();
        PyArray1::from_vec(py, codes)
    }

    /// Normalised signals (V, output length) of the fitted parameters on `scheme`; NaN rows
    /// for voxels not fitted.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let scheme = &scheme.get().inner;
        let (fit, model) = (&self.fit, &self.model);
        let signal = py
            .detach(|| fit.predict(model, scheme))
            .map_err(CoreError)?;
        matrix(py, signal, self.fit.n_voxels())
    }
}
