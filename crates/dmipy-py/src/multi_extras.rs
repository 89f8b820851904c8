//! Multi-compartment extras for Dmipy scripts: the exact Jacobian of `MultiCompartmentModel` and the turnkey models by name.

use crate::errors::{CoreError, ParameterError, over_voxels};
use crate::multi::PyMultiModel;
use crate::scheme::PyScheme;
use dmipy::{ModelScratch, MultiCompartmentModel, TURNKEY_NAMES};
use num_dual::Dual64;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;

/// The exact derivative of a multi-compartment model's signal with respect to every public
/// parameter value (Dmipy's `parameter_names` order, SI), by forward-mode dual numbers through
/// the parameter links (a tortuous λ⊥ carries its dependence on λ∥ and the fractions).
///
/// `params` (V, P) holds one public vector per voxel; returns (V, N + N·P): each row is the N
/// signal values, then the N × P Jacobian row-major (measurement, parameter), as
/// `Model.jacobian`. One dual pass per parameter value.
#[pyfunction]
pub fn multi_jacobian<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyMultiModel>,
    scheme: &Bound<'py, PyScheme>,
    params: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let model = &model.get().inner;
    let scheme = &scheme.get().inner;
    let view = params.as_array();
    let p: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
    if view.ncols() != p {
        return Err(ParameterError::new_err(format!(
            "{}: expected {p} parameter values per voxel, found {}",
            model.description(),
            view.ncols()
        )));
    }
    let n_voxels = view.nrows();
    let values: Vec<f64> = view.iter().copied().collect();
    let n = model.output_len(scheme);
    let width = n + n * p;
    let mut out = vec![0.0; n_voxels * width];
    over_voxels(py, &mut out, width, |voxels, out| {
        voxel_jacobians(model, scheme, &values, p, voxels.start, out)
    })?;
    PyArray1::from_vec(py, out).reshape([n_voxels, width])
}

/// Fills `out` (whole rows of N + N·P values) for the voxels from `first` on.
fn voxel_jacobians(
    model: &MultiCompartmentModel,
    scheme: &dmipy::AcquisitionScheme,
    values: &[f64],
    p: usize,
    first: usize,
    out: &mut [f64],
) -> Result<(), dmipy::Error> {
    let n = model.output_len(scheme);
    let width = n + n * p;
    let mut scratch = ModelScratch::<Dual64>::new();
    let mut full = vec![Dual64::from(0.0); model.full_len()];
    let mut signal = vec![Dual64::from(0.0); n];
    for (k, row) in out.chunks_mut(width).enumerate() {
        let v = first + k;
        let x = &values[v * p..(v + 1) * p];
        let mut dual: Vec<Dual64> = x.iter().map(|&a| Dual64::from(a)).collect();
        if p == 0 {
            model.full_from_parameters(&dual, &mut full)?;
            model.signal_with(scheme, &full, &mut signal, &mut scratch)?;
        }
        for j in 0..p {
            if j > 0 {
                dual[j - 1] = Dual64::from(x[j - 1]);
            }
            dual[j] = Dual64::from(x[j]).derivative();
            model.full_from_parameters(&dual, &mut full)?;
            model.signal_with(scheme, &full, &mut signal, &mut scratch)?;
            for (i, s) in signal.iter().enumerate() {
                row[n + i * p + j] = s.eps;
            }
        }
        for (r, s) in row[..n].iter_mut().zip(&signal) {
            *r = s.re;
        }
    }
    Ok(())
}

/// Every parameter of the model before links, as (name, cardinality, offset into the full
/// vector): Dmipy's names of fixed, equal and tortuous parameters included.
#[pyfunction]
pub fn full_parameter_table(model: &Bound<'_, PyMultiModel>) -> Vec<(String, usize, usize)> {
    model
        .get()
        .inner
        .full_parameters()
        .iter()
        .map(|p| (p.name().to_string(), p.cardinality(), p.offset()))
        .collect()
}

/// The full vectors (V, full length) of V public vectors `params` (V, P): links evaluated
/// (`MultiCompartmentModel::full_from_parameters`), as Dmipy's
/// `add_linked_parameters_to_parameters`.
#[pyfunction]
pub fn full_vectors<'py>(
    py: Python<'py>,
    model: &Bound<'py, PyMultiModel>,
    params: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let model = &model.get().inner;
    let view = params.as_array();
    let p: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
    if view.ncols() != p {
        return Err(ParameterError::new_err(format!(
            "{}: expected {p} parameter values per voxel, found {}",
            model.description(),
            view.ncols()
        )));
    }
    let width = model.full_len();
    let mut out = vec![0.0; view.nrows() * width];
    for (row, o) in view.rows().into_iter().zip(out.chunks_mut(width.max(1))) {
        let x: Vec<f64> = row.iter().copied().collect();
        model.full_from_parameters(&x, o).map_err(CoreError)?;
    }
    PyArray1::from_vec(py, out).reshape([view.nrows(), width])
}

/// The turnkey model names with their one-line descriptions, as `dmipy models` lists them.
#[pyfunction]
pub fn turnkey_names() -> Vec<(&'static str, &'static str)> {
    TURNKEY_NAMES.to_vec()
}

/// The turnkey model `name` as the core builds it (`MultiCompartmentModel::turnkey`).
#[pyfunction]
pub fn turnkey_model(name: &str) -> PyResult<PyMultiModel> {
    let inner = MultiCompartmentModel::turnkey(name).map_err(CoreError)?;
    Ok(PyMultiModel { inner })
}
