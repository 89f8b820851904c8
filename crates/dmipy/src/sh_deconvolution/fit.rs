//! Fitting a bound MC-CSD model to many voxels, and the fitted result: FOD coefficients, fractions, residuals, FOD-derived metrics.

use super::model::{BoundShModel, Solver, laplace_beltrami_weights};
use super::qp::QpScratch;
use super::sphere::polar_angles;
use crate::{Error, real_sh_count, real_sh_mrtrix};
use rayon::prelude::*;

/// Why a voxel has no fit (its values are NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShVoxelFlag {
    /// Fitted; the solver met its optimality test.
    Ok,
    /// Fitted, but the solver stopped at its iteration limit.
    IterationLimit,
    /// Not fitted: no finite positive b0 mean (without S0 responses), or non-finite data.
    BadData,
    /// Not fitted: the constraints were infeasible or a factorisation failed.
    SolverFailed,
}

/// The fit of every voxel, one struct of arrays (voxel-major).
#[derive(Debug, Clone)]
pub struct ShDeconvolutionFit {
    /// FOD SH order L.
    pub sh_order: usize,
    /// Number of voxels.
    pub voxels: usize,
    /// FOD coefficients, `voxels × (L+1)(L+2)/2`, Dmipy's basis ([`real_sh_mrtrix`]); the FOD of
    /// the oriented kernel (or the shared FOD) in 1/sr, its integral $2\sqrt\pi c_{00}$ its fraction.
    pub fod_sh: Vec<f64>,
    /// Volume fractions, `voxels × kernels` (see [`BoundShModel::fractions`]).
    pub fractions: Vec<f64>,
    /// All unknowns per voxel, `voxels × unknowns` (for [`BoundShModel::predict_normalised`]).
    pub coefficients: Vec<f64>,
    /// The signal normalisation per voxel: the mean b0, or the largest S0 response.
    pub s0: Vec<f64>,
    /// Mean squared error of the normalised signal.
    pub mse: Vec<f64>,
    /// Coefficient of determination R² of the normalised signal.
    pub r2: Vec<f64>,
    /// Solver iterations per voxel.
    pub iterations: Vec<usize>,
    /// Per-voxel outcome.
    pub flags: Vec<ShVoxelFlag>,
}

/// Fits every voxel of `data` (`voxels × measurements`, raw signal) in parallel. Errors when the
/// data length is not a multiple of the scheme's length.
pub fn fit_sh_deconvolution(
    model: &BoundShModel,
    data: &[f64],
) -> Result<ShDeconvolutionFit, Error> {
    let n = model.measurements;
    if n == 0 || !data.len().is_multiple_of(n) {
        return Err(Error::LengthMismatch {
            what: "MC-CSD data (voxels × measurements)".into(),
            expected: n,
            found: data.len(),
        });
    }
    let voxels = data.len() / n;
    let p = model.layout.unknowns;
    let k = model.names.len();
    let ncoef = real_sh_count(model.sh_order);
    let results: Vec<VoxelResult> = data
        .par_chunks_exact(n)
        .map_init(
            || (QpScratch::default(), vec![0.0; n], vec![0.0; n]),
            |(scratch, y, g), signal| fit_voxel(model, signal, scratch, y, g),
        )
        .collect();
    let mut fit = ShDeconvolutionFit {
        sh_order: model.sh_order,
        voxels,
        fod_sh: Vec::with_capacity(voxels * ncoef),
        fractions: vec![f64::NAN; voxels * k],
        coefficients: Vec::with_capacity(voxels * p),
        s0: Vec::with_capacity(voxels),
        mse: Vec::with_capacity(voxels),
        r2: Vec::with_capacity(voxels),
        iterations: Vec::with_capacity(voxels),
        flags: Vec::with_capacity(voxels),
    };
    for (v, r) in results.into_iter().enumerate() {
        let start = model.layout.fod_start;
        fit.fod_sh.extend_from_slice(&r.x[start..start + ncoef]);
        if r.flag != ShVoxelFlag::BadData && r.flag != ShVoxelFlag::SolverFailed {
            model.fractions(&r.x, &mut fit.fractions[v * k..(v + 1) * k]);
        }
        fit.coefficients.extend_from_slice(&r.x);
        fit.s0.push(r.s0);
        fit.mse.push(r.mse);
        fit.r2.push(r.r2);
        fit.iterations.push(r.iterations);
        fit.flags.push(r.flag);
    }
    Ok(fit)
}

struct VoxelResult {
    x: Vec<f64>,
    s0: f64,
    mse: f64,
    r2: f64,
    iterations: usize,
    flag: ShVoxelFlag,
}

fn fit_voxel(
    model: &BoundShModel,
    signal: &[f64],
    scratch: &mut QpScratch,
    y: &mut [f64],
    g: &mut [f64],
) -> VoxelResult {
    let p = model.layout.unknowns;
    let failed = |s0: f64, flag| VoxelResult {
        x: vec![f64::NAN; p],
        s0,
        mse: f64::NAN,
        r2: f64::NAN,
        iterations: 0,
        flag,
    };
    let s0 = match model.max_s0 {
        Some(m) => m,
        None => {
            let (sum, count) = signal
                .iter()
                .zip(&model.b0_mask)
                .filter(|(_, b)| **b)
                .fold((0.0, 0usize), |(s, c), (&v, _)| (s + v, c + 1));
            sum / count as f64
        }
    };
    if !(s0 > 0.0 && s0.is_finite()) || signal.iter().any(|v| !v.is_finite()) {
        return failed(s0, ShVoxelFlag::BadData);
    }
    for (yi, &si) in y.iter_mut().zip(signal) {
        *yi = si / s0;
    }
    let mut x = vec![0.0; p];
    let info = match &model.solver {
        Solver::Constrained(qp) => {
            let mut aty = vec![0.0; p];
            for (row, &yi) in model.design.chunks_exact(p).zip(y.iter()) {
                for (a, &d) in aty.iter_mut().zip(row) {
                    *a += d * yi;
                }
            }
            qp.solve(&aty, &mut x, scratch)
        }
        Solver::Tournier(t) => t.solve(y, &mut x),
    };
    let Ok(info) = info else {
        return failed(s0, ShVoxelFlag::SolverFailed);
    };
    model.predict_normalised(&x, g);
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let ss_res: f64 = y.iter().zip(g.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
    let ss_tot: f64 = y.iter().map(|a| (a - mean) * (a - mean)).sum();
    VoxelResult {
        x,
        s0,
        mse: ss_res / n,
        r2: 1.0 - ss_res / ss_tot,
        iterations: info.iterations,
        flag: if info.converged {
            ShVoxelFlag::Ok
        } else {
            ShVoxelFlag::IterationLimit
        },
    }
}

impl ShDeconvolutionFit {
    /// Number of FOD coefficients per voxel.
    pub fn coefficient_count(&self) -> usize {
        real_sh_count(self.sh_order)
    }

    /// The FOD coefficients of voxel `v`.
    pub fn fod_sh_of(&self, v: usize) -> &[f64] {
        let c = self.coefficient_count();
        &self.fod_sh[v * c..(v + 1) * c]
    }

    /// The FOD (1/sr) of every voxel at every unit vector of `vertices`
    /// (`voxels × vertices`), Dmipy's `fod(vertices)`.
    pub fn fod(&self, vertices: &[[f64; 3]]) -> Result<Vec<f64>, Error> {
        let c = self.coefficient_count();
        let mut basis = vec![0.0; vertices.len() * c];
        for (row, v) in basis.chunks_exact_mut(c).zip(vertices) {
            let (theta, phi) = polar_angles(v);
            real_sh_mrtrix(self.sh_order, theta, phi, row)?;
        }
        let mut out = vec![0.0; self.voxels * vertices.len()];
        out.par_chunks_mut(vertices.len().max(1))
            .zip(self.fod_sh.par_chunks(c))
            .for_each(|(values, sh)| {
                for (value, row) in values.iter_mut().zip(basis.chunks_exact(c)) {
                    *value = row.iter().zip(sh).map(|(a, b)| a * b).sum::<f64>();
                }
            });
        Ok(out)
    }

    /// The anisotropy index $\sqrt{1 - c_{00}^2/\sum c_{lm}^2}$ per voxel (Jespersen et al. 2007,
    /// NeuroImage 34:1473, doi:10.1016/j.neuroimage.2006.10.037, as Dmipy computes it).
    pub fn anisotropy_index(&self) -> Vec<f64> {
        (0..self.voxels)
            .map(|v| {
                let sh = self.fod_sh_of(v);
                let total: f64 = sh.iter().map(|c| c * c).sum();
                (1.0 - sh[0] * sh[0] / total).sqrt()
            })
            .collect()
    }

    /// The squared norm of the FOD's Laplace–Beltrami operator, $\sum c_{lm}^2 l^2(l+1)^2$ per
    /// voxel (Descoteaux et al. 2007, doi:10.1002/mrm.21277, eq. 8; Dmipy's
    /// `norm_of_laplacian_fod`).
    pub fn norm_of_laplacian_fod(&self) -> Vec<f64> {
        let w = laplace_beltrami_weights(self.sh_order);
        (0..self.voxels)
            .map(|v| {
                self.fod_sh_of(v)
                    .iter()
                    .zip(&w)
                    .map(|(c, w)| c * c * w)
                    .sum()
            })
            .collect()
    }
}

impl BoundShModel {
    /// The predicted signal of every voxel of `fit` (`voxels × measurements`), times its S0.
    pub fn predict(&self, fit: &ShDeconvolutionFit) -> Vec<f64> {
        let (p, n) = (self.layout.unknowns, self.measurements);
        let mut out = vec![0.0; fit.voxels * n];
        for (v, o) in out.chunks_exact_mut(n).enumerate() {
            self.predict_normalised(&fit.coefficients[v * p..(v + 1) * p], o);
            o.iter_mut().for_each(|s| *s *= fit.s0[v]);
        }
        out
    }
}
