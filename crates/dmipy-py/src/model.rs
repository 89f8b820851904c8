//! `Model`: one compartment of the core as a frozen Python object; prediction, Jacobian and spherical mean over voxels.

use crate::errors::{CoreError, ParameterError, over_voxels};
use crate::scheme::PyScheme;
use crate::settings::{Settings, build_model, settings_of};
use dmipy::{
    AnyCompartment, Compartment, ParameterKind, jacobian_voxels, jacobian_width, predict_voxels,
    spherical_mean_voxels,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;

/// A compartment model of the core, by its Dmipy 1.x class name, with its settings.
#[pyclass(frozen, module = "dmipy_rs._core", name = "Model")]
pub struct PyModel {
    pub(crate) inner: AnyCompartment,
}

/// One parameter as Python sees it: (name, SI unit, SI bounds per component, scale, kind).
type ParameterTuple = (
    &'static str,
    &'static str,
    Vec<(f64, f64)>,
    f64,
    &'static str,
);

/// The lower-case name of a parameter kind.
pub(crate) fn kind_name(kind: ParameterKind) -> &'static str {
    match kind {
        ParameterKind::Orientation => "orientation",
        ParameterKind::Diffusivity => "diffusivity",
        ParameterKind::Size => "size",
        ParameterKind::Time => "time",
        ParameterKind::Fraction => "fraction",
        ParameterKind::Dispersion => "dispersion",
        ParameterKind::PeriodicAngle => "periodic_angle",
        _ => "other",
    }
}

impl PyModel {
    /// The voxels' parameters as one flat vector (copied, so Python cannot change them while the
    /// GIL is released), after checking the column count; returns (values, number of voxels).
    fn voxel_params(&self, params: &PyReadonlyArray2<'_, f64>) -> PyResult<(Vec<f64>, usize)> {
        let view = params.as_array();
        let expected = self.inner.parameter_count();
        if view.ncols() != expected {
            return Err(ParameterError::new_err(format!(
                "{}: expected {expected} parameter values per voxel, found {}",
                self.inner.name(),
                view.ncols()
            )));
        }
        Ok((view.iter().copied().collect(), view.nrows()))
    }
}

#[pymethods]
impl PyModel {
    /// The model called `name`; settings left as None keep Dmipy's defaults.
    #[new]
    #[pyo3(signature = (name, diffusion_perpendicular=None, diffusion_constant=None, number_of_roots=None, number_of_functions=None))]
    fn new(
        name: &str,
        diffusion_perpendicular: Option<f64>,
        diffusion_constant: Option<f64>,
        number_of_roots: Option<usize>,
        number_of_functions: Option<usize>,
    ) -> PyResult<Self> {
        let settings = Settings {
            diffusion_perpendicular,
            diffusion_constant,
            number_of_roots,
            number_of_functions,
        };
        let inner = build_model(name, &settings).map_err(CoreError)?;
        Ok(Self { inner })
    }

    /// The Dmipy class name.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    /// The names of every model the core knows.
    #[staticmethod]
    fn names() -> Vec<&'static str> {
        AnyCompartment::NAMES.to_vec()
    }

    /// The parameter table: (name, SI unit, SI bounds per component, scale, kind) each.
    fn parameters(&self) -> Vec<ParameterTuple> {
        let table = self.inner.parameters().iter();
        table
            .map(|p| {
                (
                    p.name,
                    p.unit,
                    p.bounds.to_vec(),
                    p.scale,
                    kind_name(p.kind),
                )
            })
            .collect()
    }

    /// The settings in effect, as (name, value) pairs.
    fn settings(&self) -> Vec<(&'static str, f64)> {
        settings_of(&self.inner)
    }

    /// Number of scalar parameter values per voxel.
    #[getter]
    fn parameter_count(&self) -> usize {
        self.inner.parameter_count()
    }

    /// Signals, shape (V, N), of V voxels whose parameters (SI) are the rows of `params` (V, P).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
        params: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let scheme = &scheme.get().inner;
        let (params, n_voxels) = self.voxel_params(&params)?;
        let (n_meas, n_params) = (scheme.len(), self.inner.parameter_count());
        let mut out = vec![0.0; n_voxels * n_meas];
        over_voxels(py, &mut out, n_meas, |v, out| {
            let p = &params[v.start * n_params..v.end * n_params];
            predict_voxels(&self.inner, scheme, p, out)
        })?;
        PyArray1::from_vec(py, out).reshape([n_voxels, n_meas])
    }

    /// Signals and exact Jacobians ∂signal/∂parameter (per SI unit) in one (V, N·(1 + P)) array:
    /// each row holds the voxel's N signal values, then its N × P Jacobian row-major
    /// (measurement, parameter). Python splits it into views without copying.
    fn jacobian<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
        params: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let scheme = &scheme.get().inner;
        let (params, n_voxels) = self.voxel_params(&params)?;
        let (width, n_params) = (
            jacobian_width(&self.inner, scheme),
            self.inner.parameter_count(),
        );
        let mut out = vec![0.0; n_voxels * width];
        over_voxels(py, &mut out, width, |v, out| {
            let p = &params[v.start * n_params..v.end * n_params];
            jacobian_voxels(&self.inner, scheme, p, out)
        })?;
        PyArray1::from_vec(py, out).reshape([n_voxels, width])
    }

    /// Spherical means, shape (V, S), one per shell of `scheme` (in `Scheme.shells()` order).
    fn spherical_mean<'py>(
        &self,
        py: Python<'py>,
        scheme: &Bound<'py, PyScheme>,
        params: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let scheme = &scheme.get().inner;
        let (params, n_voxels) = self.voxel_params(&params)?;
        let (n_shells, n_params) = (scheme.shells().len(), self.inner.parameter_count());
        let mut out = vec![0.0; n_voxels * n_shells];
        over_voxels(py, &mut out, n_shells, |v, out| {
            let p = &params[v.start * n_params..v.end * n_params];
            spherical_mean_voxels(&self.inner, scheme, p, out)
        })?;
        PyArray1::from_vec(py, out).reshape([n_voxels, n_shells])
    }

    fn __repr__(&self) -> String {
        let settings: Vec<String> = settings_of(&self.inner)
            .iter()
            .map(|(k, v)| format!(", {k}={v}"))
            .collect();
        format!("Model('{}'{})", self.inner.name(), settings.concat())
    }
}
