//! `amico_weights`: the core's two-stage AMICO solve on a dictionary given from Python (Dmipy's `AmicoCvxpyOptimizer` observation matrix).

use crate::errors::CoreError;
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// Non-negative atom weights (not normalised) of `data` (N,) on the dictionary `atoms`
/// (atoms, N): b0 rows (`b0_mask`) contracted to their mean, per-atom L1 and L2 weights, atoms
/// below `threshold` dropped before the refit.
#[pyfunction]
pub fn amico_weights<'py>(
    py: Python<'py>,
    atoms: PyReadonlyArray2<'_, f64>,
    data: PyReadonlyArray1<'_, f64>,
    b0_mask: Vec<bool>,
    lambda_1: Vec<f64>,
    lambda_2: Vec<f64>,
    threshold: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let atoms: Vec<f64> = atoms.as_array().iter().copied().collect();
    let data: Vec<f64> = data.as_array().iter().copied().collect();
    let weights = py
        .detach(|| dmipy::amico_weights(&atoms, &data, &b0_mask, &lambda_1, &lambda_2, threshold))
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, weights.weights))
}
