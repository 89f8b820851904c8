//! AMICO for any multi-compartment model: a dictionary of compartment signals over a grid of the non-linear parameters, fitted by regularised non-negative least squares.
//!
//! Daducci et al. 2015, "Accelerated Microstructure Imaging via Convex Optimization (AMICO) from
//! diffusion MRI data", NeuroImage 105:32, doi:10.1016/j.neuroimage.2014.10.026, eq. 5, in the
//! generalised form of Dmipy 1.x's `AmicoCvxpyOptimizer` (any model, any parameters):
//!
//! - **Dictionary.** Every free parameter of component i other than its orientation and the
//!   top-level partial volumes (e.g. a Watson bundle's `odi` and its inner `partial_volume_0`)
//!   is sampled at `grid_points` equidistant values from its lower to its upper bound, both
//!   included; component i gets one atom per point of the tensor grid of its own parameters (one
//!   atom if it has none), its signal $E_i$ with every other free parameter at the middle of its
//!   range and links applied (as Dmipy builds its `_amico_grid`). Orientations are the voxel's
//!   principal diffusion direction from a log-linear tensor fit (the single-population
//!   assumption of AMICO's NODDI; Dmipy's test passes known directions), or the user's fixed
//!   values.
//! - **Regularised solve.** With the b0 rows contracted to their mean (as Dmipy does),
//!   $\min_{x\ge0} \tfrac12\lVert\Phi x - y\rVert^2 + \sum_i \lambda_{1,i}\lVert x_i\rVert_1 +
//!   \tfrac{\lambda_{2,i}}2\lVert x_i\rVert_2^2$, $x_i$ the weights of component i's atoms.
//!   Since $x \ge 0$, $\lVert x_i\rVert_1 = \mathbf 1^\top x_i$, so this is one NNLS in Gram form
//!   with $Q = \Phi^\top\Phi + \mathrm{diag}(\lambda_2)$ and $c = \Phi^\top y - \lambda_1$,
//!   solved exactly by Lawson–Hanson (`crate::nnls`) where Dmipy calls CVXPY's iterative solvers.
//! - **Refit.** Atoms of weight ≤ `threshold` are dropped and the others refitted by plain NNLS;
//!   the weights are normalised to sum one (their sum is the fitted S0 factor).
//! - **Estimates.** `partial_volume_i` = the sum of component i's weights; each gridded
//!   parameter = the weighted mean of its grid values over component i's atoms (the middle of its
//!   range when component i has no weight: the data say nothing about it).
//!
//! The dictionary is built once when it does not depend on the voxel (no free orientation and no
//! per-voxel fixed parameter, e.g. spherical-mean models), else per voxel at the voxel's
//! orientation — exact, with no quantisation of directions, at the price of evaluating every
//! atom in every voxel.

use super::MultiCompartmentModel;
use super::fit::{ModelFit, data_voxels, model_outputs, public_names};
use crate::log_linear_dti::log_linear_dti;
use crate::nnls::{DenseGram, nnls_gram};
use crate::{
    AcquisitionScheme, EchoTimeGroups, Error, FitControl, FitResult, ParameterKind, VoxelFlag,
};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most atoms a dictionary may have (its Gram matrix takes atoms² × 8 bytes: 200 MB here).
pub const MAX_AMICO_ATOMS: usize = 5000;

/// Settings of [`fit_model_amico`] (Dmipy's `AmicoCvxpyOptimizer` arguments).
#[derive(Debug, Clone, PartialEq)]
pub struct AmicoOptions {
    /// Grid values per gridded parameter, bounds included (Dmipy's `Nt`; default 12, at least 2).
    pub grid_points: usize,
    /// L1 weight λ₁ of each component's atoms (Dmipy's `lambda_1`); empty: 0 for all.
    pub lambda_1: Vec<f64>,
    /// L2 weight λ₂ of each component's atoms (Dmipy's `lambda_2`); empty: 0 for all.
    pub lambda_2: Vec<f64>,
    /// Atoms of weight at most this after the regularised solve are dropped before the refit
    /// (Dmipy's `x0_th`, default 1e-4).
    pub threshold: f64,
    /// Voxels per parallel task; cancellation and progress are checked between tasks (default 64).
    pub chunk_size: usize,
}

impl Default for AmicoOptions {
    fn default() -> Self {
        Self {
            grid_points: 12,
            lambda_1: Vec::new(),
            lambda_2: Vec::new(),
            threshold: 1e-4,
            chunk_size: 64,
        }
    }
}

/// Fits `model` to every voxel of `data` (voxels × `scheme.len()`, raw signals with b0s) by
/// AMICO (see the module documentation). The result has the layout of [`fit_model`](super::fit_model):
/// Dmipy's names, partial volumes summing to one, orientations as [θ, φ]; its diagnostics give
/// S0 (mean b0 times the sum of the weights), the MSE and R² of the dictionary fit to the
/// normalised signal (per shell for spherical-mean models), and NNLS iterations.
///
/// Errors: data not a multiple of `scheme.len()`, λ lists of another length than the component
/// count or negative, fewer than 2 grid points, a dictionary above [`MAX_AMICO_ATOMS`], a partial
/// volume that is not free or a free parameter that belongs to no single component (a
/// `…_fraction` parameter), free orientations on a scheme without a shell for the tensor fit
/// (0 < b ≤ 1.5e9 s/m²).
pub fn fit_model_amico(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &AmicoOptions,
    control: &FitControl,
) -> Result<ModelFit, Error> {
    let m = scheme.len();
    let n_voxels = data_voxels(model, scheme, data)?;
    let dictionary = Dictionary::new(model, scheme, options)?;
    let groups = EchoTimeGroups::new(scheme)?;
    let shared = match dictionary.varies {
        true => None,
        false => Some(dictionary.bind(0, None)?),
    };
    let width = dictionary.width;
    let mut rows: Vec<VoxelResult> = (0..n_voxels)
        .map(|_| VoxelResult::unfitted(width, groups.len()))
        .collect();
    let done = AtomicUsize::new(0);
    let cancelled = || control.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let chunk = options.chunk_size.max(1);
    rows.par_chunks_mut(chunk)
        .enumerate()
        .try_for_each(|(c, results)| {
            if cancelled() {
                results
                    .iter_mut()
                    .for_each(|r| r.flag = VoxelFlag::Cancelled);
                return Ok(());
            }
            for (k, result) in results.iter_mut().enumerate() {
                let v = c * chunk + k;
                dictionary.fit_voxel(
                    &groups,
                    &data[v * m..(v + 1) * m],
                    v,
                    shared.as_ref(),
                    result,
                )?;
            }
            let total = done.fetch_add(results.len(), Ordering::Relaxed) + results.len();
            if let Some(progress) = control.progress {
                progress(total);
            }
            Ok::<(), Error>(())
        })?;
    let mut diagnostics = FitResult {
        n_voxels,
        n_free: model.free_len(),
        parameters: Vec::new(),
        s0_groups: groups.len(),
        s0: Vec::with_capacity(n_voxels * groups.len()),
        mse: Vec::with_capacity(n_voxels),
        r2: Vec::with_capacity(n_voxels),
        iterations: Vec::with_capacity(n_voxels),
        converged: Vec::with_capacity(n_voxels),
        stop: vec![None; n_voxels],
        at_bound: vec![0; n_voxels],
        flags: Vec::with_capacity(n_voxels),
        std: None,
        sigma: None,
        cancelled: cancelled(),
    };
    let mut parameters = Vec::with_capacity(n_voxels * width);
    for r in rows {
        parameters.extend_from_slice(&r.parameters);
        diagnostics.s0.extend_from_slice(&r.s0);
        diagnostics.mse.push(r.mse);
        diagnostics.r2.push(r.r2);
        diagnostics.iterations.push(r.iterations);
        diagnostics.converged.push(r.converged);
        diagnostics.flags.push(r.flag);
    }
    Ok(ModelFit {
        names: public_names(model),
        parameters,
        std: None,
        diagnostics,
    })
}

/// The atoms of a model's dictionary, before they are evaluated for a voxel.
struct Dictionary<'a> {
    model: &'a MultiCompartmentModel,
    scheme: &'a AcquisitionScheme,
    /// Component of each atom.
    component: Vec<usize>,
    /// For each atom, (free position, value) of its gridded parameters.
    values: Vec<Vec<(usize, f64)>>,
    /// Free vector of every atom before its own values: middles of the ranges.
    base: Vec<f64>,
    /// Free positions of θ of each free orientation (φ follows).
    orientations: Vec<usize>,
    /// Free position of each component's partial volume (empty for one component).
    volumes: Vec<usize>,
    /// λ₁ and λ₂ of each atom.
    lambda: Vec<(f64, f64)>,
    threshold: f64,
    /// Whether the dictionary depends on the voxel.
    varies: bool,
    /// Outputs of the model per voxel, and which are b0s (contracted to one row).
    outputs: usize,
    b0: Vec<bool>,
    /// Width of a public parameter row.
    width: usize,
}

/// A dictionary evaluated for one voxel: its atom signals and contracted Gram form.
struct BoundDictionary {
    /// Atom-major signals, `atoms × outputs`.
    signals: Vec<f64>,
    /// Atom-major signals on the contracted rows (b0 rows replaced by their mean).
    contracted: Vec<f64>,
    /// $\Phi^\top\Phi$ on the contracted rows, row-major atoms × atoms.
    gram: Vec<f64>,
    /// The voxel's free orientation values (θ, φ per orientation).
    orientation: Vec<f64>,
}

/// What one voxel's fit gives.
struct VoxelResult {
    parameters: Vec<f64>,
    s0: Vec<f64>,
    mse: f64,
    r2: f64,
    iterations: u32,
    converged: bool,
    flag: VoxelFlag,
}

impl VoxelResult {
    fn unfitted(width: usize, groups: usize) -> Self {
        Self {
            parameters: vec![f64::NAN; width],
            s0: vec![f64::NAN; groups],
            mse: f64::NAN,
            r2: f64::NAN,
            iterations: 0,
            converged: false,
            flag: VoxelFlag::Fitted,
        }
    }
}

impl<'a> Dictionary<'a> {
    fn new(
        model: &'a MultiCompartmentModel,
        scheme: &'a AcquisitionScheme,
        options: &AmicoOptions,
    ) -> Result<Self, Error> {
        let n = model.component_count();
        let what = || format!("AMICO fit of {}", model.description());
        let invalid = |reason: String| Error::InvalidArgument {
            what: what(),
            reason,
        };
        if options.grid_points < 2 {
            return Err(invalid(format!(
                "{} grid points per parameter; at least 2 are needed",
                options.grid_points
            )));
        }
        let lambdas = |l: &[f64], name: &str| -> Result<Vec<f64>, Error> {
            match l.len() {
                0 => Ok(vec![0.0; n]),
                k if k == n && l.iter().all(|&v| v >= 0.0 && v.is_finite()) => Ok(l.to_vec()),
                k if k == n => Err(invalid(format!("{name} must be finite and non-negative"))),
                k => Err(invalid(format!(
                    "{k} values of {name}; give one per component ({n})"
                ))),
            }
        };
        let (l1, l2) = (
            lambdas(&options.lambda_1, "lambda_1")?,
            lambdas(&options.lambda_2, "lambda_2")?,
        );
        let kinds = model.free_kinds();
        let bounds = model.free_bounds();
        let mut base: Vec<f64> = bounds.iter().map(|(lo, hi)| 0.5 * (lo + hi)).collect();
        let volumes = model.separable_partial_volumes("AMICO")?;
        // Each remaining free scalar is gridded in the one component whose signal reads it.
        let mut own: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut orientations = Vec::new();
        let names = model.free_parameter_names();
        let mut position = 0;
        let mut scalar_names = Vec::with_capacity(kinds.len());
        for &(name, card) in &names {
            if kinds[position] == ParameterKind::Orientation {
                orientations.push(position);
            }
            scalar_names.extend(std::iter::repeat_n(name, card));
            position += card;
        }
        for (k, &offset) in model.free_offsets.iter().enumerate() {
            if volumes.contains(&k) || kinds[k] == ParameterKind::Orientation {
                continue;
            }
            let owner = model
                .components
                .iter()
                .position(|c| c.offsets.contains(&Some(offset)));
            match owner {
                Some(i) => own[i].push(k),
                None => {
                    return Err(invalid(format!(
                        "free parameter {} belongs to no single component; AMICO grids each \
                         component's own parameters (fix it or remove the link that made it)",
                        scalar_names[k]
                    )));
                }
            }
        }
        let grid = |k: usize, j: usize| {
            let (lo, hi) = bounds[k];
            lo + (hi - lo) * j as f64 / (options.grid_points - 1) as f64
        };
        let mut component = Vec::new();
        let mut values = Vec::new();
        for (i, own) in own.iter().enumerate() {
            let count = own
                .iter()
                .try_fold(1usize, |c, _| c.checked_mul(options.grid_points))
                .filter(|&c| c + component.len() <= MAX_AMICO_ATOMS)
                .ok_or_else(|| {
                    invalid(format!(
                        "the dictionary would have more than {MAX_AMICO_ATOMS} atoms; use fewer \
                         grid points or fix parameters"
                    ))
                })?;
            for mut index in 0..count {
                let mut atom = Vec::with_capacity(own.len());
                for &k in own {
                    atom.push((k, grid(k, index % options.grid_points)));
                    index /= options.grid_points;
                }
                component.push(i);
                values.push(atom);
            }
        }
        if !orientations.is_empty()
            && !scheme
                .bvalues()
                .iter()
                .zip(scheme.b0_mask())
                .any(|(&b, &is_b0)| !is_b0 && b <= 1.5e9)
        {
            return Err(invalid(
                "the orientations come from a tensor fit on 0 < b ≤ 1500 s/mm², and the scheme \
                 has no such measurement; fix the orientations (set_fixed_parameter)"
                    .into(),
            ));
        }
        for &k in &orientations {
            base[k] = 0.0;
            base[k + 1] = 0.0;
        }
        let b0 = if model.is_spherical_mean() {
            scheme.shells().iter().map(|s| s.is_b0).collect()
        } else {
            scheme.b0_mask().to_vec()
        };
        Ok(Self {
            model,
            scheme,
            lambda: component.iter().map(|&i| (l1[i], l2[i])).collect(),
            component,
            values,
            base,
            varies: !orientations.is_empty() || model.params.iter().any(|p| p.is_fixed_per_voxel()),
            orientations,
            volumes,
            threshold: options.threshold,
            outputs: model.output_len(scheme),
            b0,
            width: model.parameter_cardinality().iter().map(|c| c.1).sum(),
        })
    }

    fn atoms(&self) -> usize {
        self.component.len()
    }

    /// The dictionary of voxel `voxel`, with the principal direction `direction` for the free
    /// orientations.
    fn bind(&self, voxel: usize, direction: Option<[f64; 3]>) -> Result<BoundDictionary, Error> {
        let model = self.model;
        let (n, m) = (self.atoms(), self.outputs);
        let mut free = self.base.clone();
        let mut orientation = Vec::with_capacity(2 * self.orientations.len());
        if let Some(d) = direction {
            let theta = d[2].clamp(-1.0, 1.0).acos();
            let phi = d[1].atan2(d[0]);
            for &k in &self.orientations {
                (free[k], free[k + 1]) = (theta, phi);
                orientation.extend([theta, phi]);
            }
        }
        let mut full = vec![0.0; model.full_len()];
        let mut scratch = model.scratch(self.scheme);
        let mut signals = vec![0.0; n * m];
        for (a, column) in signals.chunks_exact_mut(m).enumerate() {
            let mut atom = free.clone();
            for &(k, v) in &self.values[a] {
                atom[k] = v;
            }
            model.full_from_free(&atom, voxel, &mut full)?;
            let e = model.component_signal(self.scheme, self.component[a], &full, &mut scratch)?;
            column.copy_from_slice(e);
        }
        let (contracted, gram) = contracted_gram(&signals, m, &self.b0);
        Ok(BoundDictionary {
            signals,
            contracted,
            gram,
            orientation,
        })
    }

    fn fit_voxel(
        &self,
        groups: &EchoTimeGroups,
        raw: &[f64],
        voxel: usize,
        shared: Option<&BoundDictionary>,
        out: &mut VoxelResult,
    ) -> Result<(), Error> {
        let mut y = vec![0.0; raw.len()];
        if let Err(flag) = groups.normalise(raw, &mut y, &mut out.s0) {
            out.s0.fill(f64::NAN);
            out.flag = flag;
            return Ok(());
        }
        let y = model_outputs(self.model, self.scheme, y)?;
        let own;
        let bound = match shared {
            Some(b) => b,
            None => {
                let direction = (!self.orientations.is_empty()).then(|| {
                    log_linear_dti(self.scheme, raw)
                        .map(|(_, d, _)| d)
                        .unwrap_or_else(|| self.strongest_attenuation(&y))
                });
                own = self.bind(voxel, direction)?;
                &own
            }
        };
        let n = self.atoms();
        let m = self.outputs;
        let c = projections(&bound.contracted, &y, &self.b0);
        let weights = two_stage(&bound.gram, &c, &self.lambda, self.threshold)?;
        let mut x = weights.weights;
        out.iterations = weights.iterations;
        out.converged = weights.converged;
        let total: f64 = x.iter().sum();
        if total.is_nan() || total <= 0.0 {
            out.converged = false;
            return Ok(());
        }
        // Fit statistics of the dictionary fit on the uncontracted outputs.
        let mut rss = 0.0;
        for (i, &v) in y.iter().enumerate() {
            let p: f64 = (0..n).map(|a| x[a] * bound.signals[a * m + i]).sum();
            rss += (p - v) * (p - v);
        }
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
        out.mse = rss / y.len() as f64;
        out.r2 = 1.0 - rss / tss;
        out.s0.iter_mut().for_each(|s| *s *= total);
        x.iter_mut().for_each(|v| *v /= total);
        self.estimates(&x, bound, voxel, &mut out.parameters)
    }

    /// Partial volumes, weighted-mean parameters and orientations into a public row.
    fn estimates(
        &self,
        x: &[f64],
        bound: &BoundDictionary,
        voxel: usize,
        row: &mut [f64],
    ) -> Result<(), Error> {
        let model = self.model;
        let mut free = self.base.clone();
        for (j, &k) in self.orientations.iter().enumerate() {
            free[k] = bound.orientation[2 * j];
            free[k + 1] = bound.orientation[2 * j + 1];
        }
        let mut weight = vec![0.0; model.component_count()];
        for (&i, &w) in self.component.iter().zip(x) {
            weight[i] += w;
        }
        for (&k, &w) in self.volumes.iter().zip(&weight) {
            free[k] = w;
        }
        let mut sums: Vec<f64> = vec![0.0; free.len()];
        for (a, atom) in self.values.iter().enumerate() {
            for &(k, v) in atom {
                sums[k] += x[a] * v;
            }
        }
        for (a, atom) in self.values.iter().enumerate() {
            let w = weight[self.component[a]];
            if w > 0.0 {
                for &(k, _) in atom {
                    free[k] = sums[k] / w;
                }
            }
        }
        let mut full = vec![0.0; model.full_len()];
        model.full_from_free(&free, voxel, &mut full)?;
        model.public_from_full(&full, row);
        Ok(())
    }

    /// The gradient direction of the most attenuated diffusion-weighted measurement: the
    /// orientation of a voxel whose tensor fit failed (the direction matters little there).
    fn strongest_attenuation(&self, y: &[f64]) -> [f64; 3] {
        let s = self.scheme;
        (0..s.len())
            .filter(|&i| !s.b0_mask()[i])
            .min_by(|&a, &b| y[a].total_cmp(&y[b]))
            .map_or([0.0, 0.0, 1.0], |i| s.directions()[i])
    }
}

/// One output vector with its b0 rows replaced by their mean, first (Dmipy's step 1).
fn contract(values: &[f64], b0: &[bool]) -> Vec<f64> {
    let (sum, count) = values
        .iter()
        .zip(b0)
        .filter(|(_, b)| **b)
        .fold((0.0, 0usize), |(s, c), (v, _)| (s + v, c + 1));
    let mut out = Vec::with_capacity(values.len() - count + 1);
    if count > 0 {
        out.push(sum / count as f64);
    }
    out.extend(values.iter().zip(b0).filter(|(_, b)| !**b).map(|(v, _)| v));
    out
}

/// The atoms (atom-major, `m` values each) on the contracted rows, and their Gram matrix
/// $\Phi^\top\Phi$ there (row-major, atoms × atoms).
fn contracted_gram(atoms: &[f64], m: usize, b0: &[bool]) -> (Vec<f64>, Vec<f64>) {
    let contracted: Vec<f64> = atoms
        .chunks_exact(m)
        .flat_map(|a| contract(a, b0))
        .collect();
    let n = atoms.len() / m.max(1);
    let rows = contracted.len() / n.max(1);
    let mut gram = vec![0.0; n * n];
    for i in 0..n {
        let ci = &contracted[i * rows..(i + 1) * rows];
        for j in i..n {
            let cj = &contracted[j * rows..(j + 1) * rows];
            let q: f64 = ci.iter().zip(cj).map(|(a, b)| a * b).sum();
            gram[i * n + j] = q;
            gram[j * n + i] = q;
        }
    }
    (contracted, gram)
}

/// $c = \Phi^\top y$ on the contracted rows, from the contracted atoms (atom-major) and the
/// uncontracted data `y`.
fn projections(contracted: &[f64], y: &[f64], b0: &[bool]) -> Vec<f64> {
    let yc = contract(y, b0);
    (contracted.chunks_exact(yc.len()))
        .map(|a| a.iter().zip(&yc).map(|(s, v)| s * v).sum())
        .collect()
}

/// The atom weights of one AMICO solve (not normalised: their sum is the fitted S0 factor).
#[derive(Debug, Clone, PartialEq)]
pub struct AmicoWeights {
    /// One non-negative weight per atom.
    pub weights: Vec<f64>,
    /// NNLS iterations of both stages.
    pub iterations: u32,
    /// Whether both NNLS solves met their optimality test.
    pub converged: bool,
}

/// AMICO's two stages on a given dictionary (what Dmipy's `AmicoCvxpyOptimizer.__call__` solves
/// for its observation matrix M): `atoms` holds one signal per atom (atom-major, each of
/// `y.len()` values), `b0` marks the b0 rows (contracted to their mean), `lambda_1` and
/// `lambda_2` are the L1 and L2 weights of each atom. See the module documentation for the
/// problem; [`fit_model_amico`] builds the dictionary from a model instead.
///
/// Errors when the lengths disagree or a weight is negative or not finite.
pub fn amico_weights(
    atoms: &[f64],
    y: &[f64],
    b0: &[bool],
    lambda_1: &[f64],
    lambda_2: &[f64],
    threshold: f64,
) -> Result<AmicoWeights, Error> {
    let rows = y.len();
    let n = atoms.len().checked_div(rows).unwrap_or(0);
    let mismatch = |what: &str, expected: usize, found: usize| Error::LengthMismatch {
        what: format!("AMICO {what}"),
        expected,
        found,
    };
    if rows == 0 || atoms.len() != n * rows {
        return Err(mismatch(
            "dictionary (atoms × rows)",
            n * rows.max(1),
            atoms.len(),
        ));
    }
    for (what, len) in [
        ("b0 mask", b0.len()),
        ("L1 weights", lambda_1.len()),
        ("L2 weights", lambda_2.len()),
    ] {
        let expected = if what == "b0 mask" { rows } else { n };
        if len != expected {
            return Err(mismatch(what, expected, len));
        }
    }
    if lambda_1
        .iter()
        .chain(lambda_2)
        .any(|&l| !(l >= 0.0 && l.is_finite()))
    {
        return Err(Error::InvalidArgument {
            what: "AMICO weights".into(),
            reason: "lambda_1 and lambda_2 must be finite and non-negative".into(),
        });
    }
    let (contracted, gram) = contracted_gram(atoms, rows, b0);
    let c = projections(&contracted, y, b0);
    let lambda: Vec<(f64, f64)> = lambda_1
        .iter()
        .copied()
        .zip(lambda_2.iter().copied())
        .collect();
    two_stage(&gram, &c, &lambda, threshold)
}

/// Stage 1 (the regularised problem as one NNLS in Gram form: λ₂ on the diagonal, λ₁ off the
/// right-hand side) and stage 2 (plain NNLS on the atoms above `threshold`, or on every atom
/// with a positive weight when none is above it), for the Gram matrix `gram` (n × n) and
/// $c = \Phi^\top y$ of the contracted rows.
fn two_stage(
    gram: &[f64],
    c: &[f64],
    lambda: &[(f64, f64)],
    threshold: f64,
) -> Result<AmicoWeights, Error> {
    let n = c.len();
    let scale = c
        .iter()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let mut q = gram.to_vec();
    let mut c1 = c.to_vec();
    for (a, &(l1, l2)) in lambda.iter().enumerate() {
        q[a * n + a] += l2;
        c1[a] -= l1;
    }
    let mut x = vec![0.0; n];
    let first = nnls_gram(
        &DenseGram { q: &q, m: n },
        &c1,
        1e-12 * scale,
        10 * n,
        &mut x,
    )?;
    let mut support: Vec<usize> = (0..n).filter(|&a| x[a] > threshold).collect();
    if support.is_empty() {
        support = (0..n).filter(|&a| x[a] > 0.0).collect();
    }
    let k = support.len();
    let mut qs = vec![0.0; k * k];
    for (i, &a) in support.iter().enumerate() {
        for (j, &b) in support.iter().enumerate() {
            qs[i * k + j] = gram[a * n + b];
        }
    }
    let cs: Vec<f64> = support.iter().map(|&a| c[a]).collect();
    let mut xs = vec![0.0; k];
    let second = nnls_gram(
        &DenseGram { q: &qs, m: k },
        &cs,
        1e-12 * scale,
        10 * k + 1,
        &mut xs,
    )?;
    x.fill(0.0);
    for (&a, &v) in support.iter().zip(&xs) {
        x[a] = v;
    }
    Ok(AmicoWeights {
        weights: x,
        iterations: (first.iterations + second.iterations) as u32,
        converged: first.converged && second.converged,
    })
}

#[cfg(test)]
mod tests;
