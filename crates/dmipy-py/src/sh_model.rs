//! `sh_fit`: multi-compartment spherical deconvolution (Dmipy's `MultiCompartmentSphericalHarmonicsModel.fit`) of voxels given from Python, and `ShFit`, its frozen result.

use crate::errors::{CoreError, ParameterError};
use crate::fitting::{matrix, thread_pool, voxel_rows};
use crate::model::PyModel;
use crate::scheme::PyScheme;
use dmipy::{
    BoundShModel, ConvolutionKernel, GeodesicSphere, MultiCompartmentSphericalHarmonicsModel,
    PeakFinder, PeakOptions, ShDeconvolutionFit, ShFitOptions, ShSolver, ShVoxelFlag,
    TournierOptions, fit_sh_deconvolution,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;

/// A fit of a multi-compartment SH model to V voxels: FOD coefficients (Dmipy's basis), fractions
/// and diagnostics, voxel-major; voxels not fitted hold NaN.
#[pyclass(frozen, module = "dmipy_rs._core", name = "ShFit")]
pub struct PyShFit {
    fit: ShDeconvolutionFit,
    bound: BoundShModel,
}

/// Fits `data` (V, N: raw signals with b0s) with the kernels of `kernels` (each a compartment
/// and its full parameter vector, orientation ignored) up to `sh_order`. `solver`: `'csd'` or
/// `'csd_cvxpy'` (the exact constrained solve, the core's default), or `'csd_tournier07'`.
#[pyfunction]
#[pyo3(signature = (scheme, kernels, data, sh_order, s0_responses=None, fixed_fractions=None, solver="csd", lambda_lb=1e-5, unity_constraint=None, threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn sh_fit(
    py: Python<'_>,
    scheme: &Bound<'_, PyScheme>,
    kernels: Vec<(PyRef<'_, PyModel>, Vec<f64>)>,
    data: PyReadonlyArray2<'_, f64>,
    sh_order: usize,
    s0_responses: Option<Vec<f64>>,
    fixed_fractions: Option<Vec<f64>>,
    solver: &str,
    lambda_lb: f64,
    unity_constraint: Option<bool>,
    threads: Option<usize>,
) -> PyResult<PyShFit> {
    let scheme = &scheme.get().inner;
    let data = voxel_rows(scheme, &data)?;
    let kernels = kernels
        .iter()
        .map(|(model, params)| {
            ConvolutionKernel::from_compartment(&model.inner, params, scheme, sh_order)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(CoreError)?;
    let mut model = MultiCompartmentSphericalHarmonicsModel::new(kernels, s0_responses, sh_order)
        .map_err(CoreError)?;
    if let Some(f) = &fixed_fractions {
        model.set_fixed_fractions(f).map_err(CoreError)?;
    }
    let solver = match solver {
        "csd" | "csd_cvxpy" => ShSolver::Constrained,
        "csd_tournier07" => ShSolver::Tournier07(TournierOptions::default()),
        other => {
            return Err(ParameterError::new_err(format!(
                "solver '{other}' is not available; use 'csd', 'csd_tournier07' or 'csd_cvxpy'"
            )));
        }
    };
    let options = ShFitOptions {
        solver,
        unity_constraint,
        lambda_lb,
        ..ShFitOptions::default()
    };
    let bound = model.bind(scheme, &options).map_err(CoreError)?;
    let pool = thread_pool(threads)?;
    let fit = py
        .detach(|| pool.install(|| fit_sh_deconvolution(&bound, &data)))
        .map_err(CoreError)?;
    Ok(PyShFit { fit, bound })
}

/// Peak directions, values and vertex indices of every voxel.
type PeakArrays<'py> = (
    Bound<'py, numpy::PyArray3<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<i64>>,
);

#[pymethods]
impl PyShFit {
    /// FOD coefficients (V, (L+1)(L+2)/2), Dmipy's real SH basis.
    #[getter]
    fn fod_sh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.fit.fod_sh.clone(), self.fit.voxels)
    }

    /// Volume fractions (V, kernels).
    #[getter]
    fn fractions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.fit.fractions.clone(), self.fit.voxels)
    }

    /// The signal normalisation per voxel (mean b0, or the largest S0 response).
    #[getter]
    fn s0<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fit.s0.clone())
    }

    /// Mean squared error of the normalised signal per voxel.
    #[getter]
    fn mse<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fit.mse.clone())
    }

    /// R² of the normalised signal per voxel.
    #[getter]
    fn r2<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fit.r2.clone())
    }

    /// Per voxel: 0 fitted, 1 fitted at the iteration limit, 2 bad data, 3 solver failed.
    #[getter]
    fn flags<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u8>> {
        let code = |f: &ShVoxelFlag| match f {
            ShVoxelFlag::Ok => 0u8,
            ShVoxelFlag::IterationLimit => 1,
            ShVoxelFlag::BadData => 2,
            ShVoxelFlag::SolverFailed => 3,
        };
        PyArray1::from_vec(py, self.fit.flags.iter().map(code).collect())
    }

    /// The FOD (1/sr) of every voxel at the unit vectors `vertices` (n, 3): (V, n).
    fn fod<'py>(
        &self,
        py: Python<'py>,
        vertices: PyReadonlyArray2<'_, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let view = vertices.as_array();
        if view.ncols() != 3 {
            return Err(ParameterError::new_err(format!(
                "vertices must be (n, 3), got {} columns",
                view.ncols()
            )));
        }
        let v: Vec<[f64; 3]> = view
            .rows()
            .into_iter()
            .map(|r| [r[0], r[1], r[2]])
            .collect();
        let values = self.fit.fod(&v).map_err(CoreError)?;
        matrix(py, values, self.fit.voxels)
    }

    /// The anisotropy index per voxel.
    fn anisotropy_index<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fit.anisotropy_index())
    }

    /// The squared norm of the FOD's Laplace–Beltrami operator per voxel.
    fn norm_of_laplacian_fod<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fit.norm_of_laplacian_fod())
    }

    /// FOD peaks (DIPY's `peak_directions` rules): directions (V, max_peaks, 3), values and
    /// vertex indices (V, max_peaks), zero-padded (index −1). On the sphere `vertices` (n, 3) with
    /// its `edges` (m, 2) at its vertices (`refine` false, as Dmipy's `peaks_directions`), or
    /// without them on a geodesic sphere of 2562 directions with each maximum refined.
    #[pyo3(signature = (max_peaks, relative_peak_threshold, min_separation_angle, vertices=None, edges=None))]
    fn peaks<'py>(
        &self,
        py: Python<'py>,
        max_peaks: usize,
        relative_peak_threshold: f64,
        min_separation_angle: f64,
        vertices: Option<PyReadonlyArray2<'_, f64>>,
        edges: Option<PyReadonlyArray2<'_, i64>>,
    ) -> PyResult<PeakArrays<'py>> {
        let mut options = PeakOptions {
            max_peaks,
            relative_peak_threshold,
            min_separation_angle,
            refine: true,
        };
        let finder = match (vertices, edges) {
            (Some(v), Some(e)) => {
                options.refine = false;
                let (v, e) = (v.as_array(), e.as_array());
                if v.ncols() != 3 || e.ncols() != 2 || e.iter().any(|&i| i < 0) {
                    return Err(ParameterError::new_err(
                        "a sphere needs vertices (n, 3) and edges (m, 2) of vertex indices",
                    ));
                }
                let vertices = v.rows().into_iter().map(|r| [r[0], r[1], r[2]]).collect();
                let edges: Vec<[usize; 2]> = e
                    .rows()
                    .into_iter()
                    .map(|r| [r[0] as usize, r[1] as usize])
                    .collect();
                PeakFinder::on_mesh(self.fit.sh_order, vertices, &edges, options)
            }
            (None, None) => GeodesicSphere::new(4)
                .and_then(|sphere| PeakFinder::new(self.fit.sh_order, sphere, options)),
            _ => {
                return Err(ParameterError::new_err(
                    "give both the vertices and the edges of the sphere, or neither",
                ));
            }
        }
        .map_err(CoreError)?;
        let voxels = self.fit.voxels;
        let (mut directions, mut values) = (
            vec![0.0; voxels * max_peaks * 3],
            vec![0.0; voxels * max_peaks],
        );
        let mut indices = vec![-1i64; voxels * max_peaks];
        for v in 0..voxels {
            let peaks = finder.find(self.fit.fod_sh_of(v)).map_err(CoreError)?;
            for (k, p) in peaks.iter().enumerate().take(max_peaks) {
                let at = v * max_peaks + k;
                directions[3 * at..3 * at + 3].copy_from_slice(&p.direction);
                values[at] = p.value;
                indices[at] = p.vertex as i64;
            }
        }
        Ok((
            PyArray1::from_vec(py, directions).reshape([voxels, max_peaks, 3])?,
            PyArray1::from_vec(py, values).reshape([voxels, max_peaks])?,
            PyArray1::from_vec(py, indices).reshape([voxels, max_peaks])?,
        ))
    }

    /// The predicted signal (V, N), times each voxel's S0.
    fn predict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.bound.predict(&self.fit), self.fit.voxels)
    }
}
