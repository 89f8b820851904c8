//! Densities of the core's distributions (Watson, Bingham, Gamma) and data spherical means, for Dmipy's `distributions` and `utils.spherical_mean` modules.

use crate::errors::CoreError;
use crate::scheme::PyScheme;
use dmipy::{DD1Gamma, SD1Watson, SD2Bingham, VolumeWeighting};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The unit vectors of an (N, 3) array.
fn vectors(n: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<[f64; 3]>> {
    let view = n.as_array();
    if view.ncols() != 3 {
        return Err(PyValueError::new_err(format!(
            "n must have shape (N, 3), got (N, {})",
            view.ncols()
        )));
    }
    Ok(view
        .rows()
        .into_iter()
        .map(|r| [r[0], r[1], r[2]])
        .collect())
}

/// The Watson density W(n) (1/sr) of `params = [θ, φ, odi]` at every row of `n` (N, 3): the
/// core's `SD1Watson::pdf` (Mardia & Jupp 2000, eq. 9.4.21; exact normalisation).
#[pyfunction]
pub fn watson_pdf<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    n: PyReadonlyArray2<'_, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out: Result<Vec<f64>, _> = vectors(&n)?
        .iter()
        .map(|v| SD1Watson.pdf(&params, v))
        .collect();
    Ok(PyArray1::from_vec(py, out.map_err(CoreError)?))
}

/// The Bingham density B(n) (1/sr) of `params = [θ, φ, ψ, odi, beta_fraction]` at every row of
/// `n` (N, 3): the core's `SD2Bingham::pdf` (Bingham 1974; exact normalisation, no spline).
#[pyfunction]
pub fn bingham_pdf<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    n: PyReadonlyArray2<'_, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out: Result<Vec<f64>, _> = vectors(&n)?
        .iter()
        .map(|v| SD2Bingham.pdf(&params, v))
        .collect();
    Ok(PyArray1::from_vec(py, out.map_err(CoreError)?))
}

/// The volume-weighted Gamma density of radii p_k(R) (1/m) at every `radii` (m), for shape
/// `alpha`, scale `beta` (m) and Dmipy's `normalization` ('standard', 'plane', 'cylinder',
/// 'sphere'): the core's `DD1Gamma::pdf_radius`, i.e. Gamma(α + k, β) (Assaf et al. 2008,
/// doi:10.1002/mrm.21577, eq. 6, with Dmipy's R^k volume weighting).
#[pyfunction]
pub fn gamma_pdf_radius<'py>(
    py: Python<'py>,
    radii: PyReadonlyArray1<'_, f64>,
    alpha: f64,
    beta: f64,
    normalization: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let weighting = match normalization {
        "standard" => VolumeWeighting::Standard,
        "plane" => VolumeWeighting::Plane,
        "cylinder" => VolumeWeighting::Cylinder,
        "sphere" => VolumeWeighting::Sphere,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown DD1Gamma normalization '{other}'; expected standard, plane, cylinder or \
                 sphere"
            )));
        }
    };
    let gamma = DD1Gamma::new(weighting);
    let out: Result<Vec<f64>, _> = radii
        .as_array()
        .iter()
        .map(|&r| gamma.pdf_radius(r, alpha, beta))
        .collect();
    Ok(PyArray1::from_vec(py, out.map_err(CoreError)?))
}

/// The spherical mean of measured signals `rows` (V, N) on every shell of `scheme`, (V, shells):
/// the core's `AcquisitionScheme::spherical_means` (the l = 0 coefficient of a least-squares
/// real-SH fit per shell; Fick et al. 2019, doi:10.3389/fninf.2019.00064, Sec. 2.4).
#[pyfunction]
pub fn data_spherical_means<'py>(
    py: Python<'py>,
    scheme: &Bound<'py, PyScheme>,
    rows: PyReadonlyArray2<'_, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let scheme = &scheme.get().inner;
    let view = rows.as_array();
    let shells = scheme.shells().len();
    let mut out = vec![0.0; view.nrows() * shells];
    for (row, o) in view.rows().into_iter().zip(out.chunks_mut(shells.max(1))) {
        let signal: Vec<f64> = row.iter().copied().collect();
        scheme.spherical_means(&signal, o).map_err(CoreError)?;
    }
    PyArray1::from_vec(py, out).reshape([view.nrows(), shells])
}
