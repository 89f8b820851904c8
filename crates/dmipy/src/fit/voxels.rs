//! `fit_voxels`: fits a model to every voxel — S0 normalisation, brute-force start,
//! Levenberg–Marquardt (and a Rician refinement), statistics — in parallel over chunks of voxels.

use super::FitModel;
use super::brute_force::{BruteForceGrid, BruteForceOptions, MAX_STARTS, TILE, TopK};
use super::cramer_rao::{CramerRaoWorkspace, standard_deviations};
use super::jacobian::{JacobianEngine, ScalarJacobian, VectorJacobian};
use super::layout::Layout;
use super::levenberg_marquardt::{LmInfo, LmOptions, LmWorkspace, Problem, StopReason, solve};
use super::normalisation::EchoTimeGroups;
use super::problem::VoxelProblem;
use super::rician::{NoiseModel, residual_sigma};
use crate::{AcquisitionScheme, Error};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How the non-diffusion-weighted signal S0 is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum S0Mode {
    /// Divide the data by the mean of its b0 measurements, per echo-time group (Dmipy's default).
    #[default]
    MeanB0,
    /// As `MeanB0`, then fit one extra S0 factor per echo-time group with the other parameters.
    Fitted,
}

/// Initial guesses that override the brute-force grid. NaN marks a value not given; an
/// orientation is overridden component by component (give θ and φ together).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum InitialGuess {
    /// No guess: the grid decides.
    #[default]
    None,
    /// One vector of `n_free` values (SI) for every voxel.
    Global(Vec<f64>),
    /// One vector per voxel, back to back (`n_voxels × n_free`).
    PerVoxel(Vec<f64>),
}

/// Settings of [`fit_voxels`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// S0 handling (default [`S0Mode::MeanB0`]).
    pub s0: S0Mode,
    /// Solver settings.
    pub lm: LmOptions,
    /// Grid of starting points.
    pub brute_force: BruteForceOptions,
    /// Starting values that override the grid (default none).
    pub initial: InitialGuess,
    /// Compute Cramér–Rao standard deviations (default false).
    pub uncertainties: bool,
    /// Voxels per parallel task; cancellation and progress are checked between tasks (default 64).
    pub chunk_size: usize,
    /// Multi-start: the solver runs from this many of the best distinct grid candidates (1 to 8)
    /// and keeps the lowest cost (default 1). Starts cost one solve each; more than one helps
    /// where the best grid point is degenerate (e.g. an isotropic zeppelin, whose orientation
    /// has no gradient). Ignored when every parameter has an initial guess.
    pub starts: usize,
    /// Noise model (default [`NoiseModel::Gaussian`]). A Rician fit starts from the Gaussian
    /// solution and refines it; `mse`, `r2` and the standard deviations are then those of the
    /// least-squares residuals and Jacobian at the Rician solution.
    pub noise: NoiseModel,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            s0: S0Mode::MeanB0,
            lm: LmOptions::default(),
            brute_force: BruteForceOptions::default(),
            initial: InitialGuess::None,
            uncertainties: false,
            chunk_size: 64,
            starts: 1,
            noise: NoiseModel::Gaussian,
        }
    }
}

/// Progress report and cancellation of a running fit.
#[derive(Clone, Copy, Default)]
pub struct FitControl<'a> {
    /// Called after each chunk with the number of voxels done so far (from any thread).
    pub progress: Option<&'a (dyn Fn(usize) + Sync)>,
    /// When set to true, chunks not yet started are skipped and flagged [`VoxelFlag::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

/// What happened to one voxel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VoxelFlag {
    /// Fitted (see `converged` for the solver's verdict).
    Fitted,
    /// The data hold a NaN or infinite value; not fitted.
    NonFinite,
    /// The mean b0 of an echo-time group is zero or negative; not fitted.
    NonPositiveB0,
    /// The fit was cancelled before this voxel was reached.
    Cancelled,
}

/// The result of [`fit_voxels`]: one struct of arrays, voxel-major. Values of voxels not fitted
/// are NaN (numbers), 0 (iterations) or false (converged).
#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    /// Number of voxels.
    pub n_voxels: usize,
    /// Number of free parameters per voxel.
    pub n_free: usize,
    /// Fitted free parameters (SI), `n_voxels × n_free`; orientations as θ ∈ [0, π],
    /// φ ∈ (−π, π].
    pub parameters: Vec<f64>,
    /// Number of echo-time groups (one S0 each).
    pub s0_groups: usize,
    /// S0 per voxel and echo-time group (`n_voxels × s0_groups`), in data units: the mean b0, times
    /// the fitted factor when S0 is fitted.
    pub s0: Vec<f64>,
    /// Mean squared residual of the normalised signal (data / S0), dimensionless.
    pub mse: Vec<f64>,
    /// Coefficient of determination 1 − RSS/TSS of the normalised signal.
    pub r2: Vec<f64>,
    /// Solver trial steps.
    pub iterations: Vec<u32>,
    /// Whether a convergence test of the solver passed.
    pub converged: Vec<bool>,
    /// Why the solver stopped (None for voxels not fitted).
    pub stop: Vec<Option<StopReason>>,
    /// Number of solver variables at a bound at the solution (bound hits).
    pub at_bound: Vec<u32>,
    /// What happened to each voxel.
    pub flags: Vec<VoxelFlag>,
    /// Cramér–Rao standard deviations (SI), `n_voxels × n_free`, when asked for.
    pub std: Option<Vec<f64>>,
    /// The Rician σ of each voxel, given or estimated (units of the normalised signal), for a
    /// Rician fit; `None` for a Gaussian one.
    pub sigma: Option<Vec<f64>>,
    /// Whether the fit was cancelled.
    pub cancelled: bool,
}

/// [`fit_voxels_with`] without progress report or cancellation.
pub fn fit_voxels<M: FitModel>(
    model: &M,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &FitOptions,
) -> Result<FitResult, Error> {
    fit_voxels_with(model, scheme, data, options, &FitControl::default())
}

/// Fits `model` to every voxel of `data` (`n_voxels × scheme.len()`, voxel-major, in any signal
/// unit). Voxels run in parallel (rayon) in chunks of `options.chunk_size`; nothing is allocated
/// per voxel. Voxels with non-finite data or a non-positive mean b0 are flagged and skipped.
///
/// Errors on inconsistent lengths, an echo-time group without b0, an invalid model table or grid,
/// or a failing model evaluation.
pub fn fit_voxels_with<M: FitModel>(
    model: &M,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &FitOptions,
    control: &FitControl,
) -> Result<FitResult, Error> {
    macro_rules! dispatch {
        ($($n:literal)*) => {
            match model.n_free() {
                $($n => run::<M, VectorJacobian<M, $n>>(model, scheme, data, options, control),)*
                _ => run::<M, ScalarJacobian<M>>(model, scheme, data, options, control),
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8)
}

/// Everything the workers share: the validated model layout, groups, grid and guesses.
struct Shared<'a, M> {
    model: &'a M,
    scheme: &'a AcquisitionScheme,
    layout: Layout,
    groups: EchoTimeGroups,
    grid: Option<BruteForceGrid>,
    guess: Guess<'a>,
    options: &'a FitOptions,
}

impl<M> Shared<'_, M> {
    /// The initial guess of voxel v (NaN = not given), if any.
    fn guess(&self, v: usize) -> Option<&[f64]> {
        let n = self.layout.n_free;
        self.guess.map(
            |(g, per_voxel)| {
                if per_voxel { &g[v * n..(v + 1) * n] } else { g }
            },
        )
    }
}

/// Initial guesses as given: the values and whether they are per voxel.
type Guess<'a> = Option<(&'a [f64], bool)>;

/// Checks the guess lengths; returns the guess slice, whether it is per voxel, and whether a
/// grid search is needed (some value not given).
fn guesses(
    initial: &InitialGuess,
    n_free: usize,
    n_voxels: usize,
) -> Result<(Guess<'_>, bool), Error> {
    let (g, per_voxel, expected) = match initial {
        InitialGuess::None => return Ok((None, true)),
        InitialGuess::Global(g) => (g, false, n_free),
        InitialGuess::PerVoxel(g) => (g, true, n_free * n_voxels),
    };
    if g.len() != expected {
        return Err(Error::LengthMismatch {
            what: "initial guess".into(),
            expected,
            found: g.len(),
        });
    }
    Ok((
        Some((g.as_slice(), per_voxel)),
        g.iter().any(|v| v.is_nan()),
    ))
}

/// Checks the data length against the scheme and the number of starts.
fn check_inputs(data: &[f64], m: usize, options: &FitOptions) -> Result<(), Error> {
    if m == 0 || !data.len().is_multiple_of(m) {
        return Err(Error::LengthMismatch {
            what: "voxel data (voxels × measurements)".into(),
            expected: (data.len() / m.max(1)) * m,
            found: data.len(),
        });
    }
    if !(1..=MAX_STARTS).contains(&options.starts) {
        return Err(Error::InvalidArgument {
            what: "starts".into(),
            reason: format!("must be 1 to {MAX_STARTS}, found {}", options.starts),
        });
    }
    Ok(())
}

fn run<M: FitModel, E: JacobianEngine<M>>(
    model: &M,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &FitOptions,
    control: &FitControl,
) -> Result<FitResult, Error> {
    let m = scheme.len();
    check_inputs(data, m, options)?;
    let n_voxels = data.len() / m;
    let groups = EchoTimeGroups::new(scheme)?;
    let n_s0 = match options.s0 {
        S0Mode::MeanB0 => 0,
        S0Mode::Fitted => groups.len(),
    };
    let layout = Layout::new(model, n_s0)?;
    let (guess, needs_grid) = guesses(&options.initial, layout.n_free, n_voxels)?;
    let grid = match needs_grid {
        true => Some(BruteForceGrid::new(model, scheme, &options.brute_force)?),
        false => None,
    };
    let mut result = FitResult::unfitted(n_voxels, layout.n_free, groups.len(), options);
    let shared = Shared {
        model,
        scheme,
        layout,
        groups,
        grid,
        guess,
        options,
    };
    let done = AtomicUsize::new(0);
    let cancelled = || control.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    result
        .chunks(options.chunk_size.max(1))
        .into_par_iter()
        .try_for_each_init(
            || Worker::<M, E>::new(&shared, options.chunk_size.max(1)),
            |worker, mut chunk| {
                if cancelled() {
                    return Ok(());
                }
                worker.fit_chunk(&shared, data, &mut chunk)?;
                let total =
                    done.fetch_add(chunk.flags.len(), Ordering::Relaxed) + chunk.flags.len();
                if let Some(progress) = control.progress {
                    progress(total);
                }
                Ok::<(), Error>(())
            },
        )?;
    result.cancelled = cancelled();
    Ok(result)
}

/// The outputs of one chunk of voxels, as disjoint slices of the result arrays.
struct ChunkOut<'r> {
    first: usize,
    parameters: &'r mut [f64],
    s0: &'r mut [f64],
    mse: &'r mut [f64],
    r2: &'r mut [f64],
    iterations: &'r mut [u32],
    converged: &'r mut [bool],
    stop: &'r mut [Option<StopReason>],
    at_bound: &'r mut [u32],
    flags: &'r mut [VoxelFlag],
    std: Option<&'r mut [f64]>,
    sigma: Option<&'r mut [f64]>,
}

impl FitResult {
    /// A result with every voxel not fitted (flag `Cancelled` until a worker reaches it).
    fn unfitted(n_voxels: usize, n_free: usize, s0_groups: usize, options: &FitOptions) -> Self {
        Self {
            n_voxels,
            n_free,
            parameters: vec![f64::NAN; n_voxels * n_free],
            s0_groups,
            s0: vec![f64::NAN; n_voxels * s0_groups],
            mse: vec![f64::NAN; n_voxels],
            r2: vec![f64::NAN; n_voxels],
            iterations: vec![0; n_voxels],
            converged: vec![false; n_voxels],
            stop: vec![None; n_voxels],
            at_bound: vec![0; n_voxels],
            flags: vec![VoxelFlag::Cancelled; n_voxels],
            std: options
                .uncertainties
                .then(|| vec![f64::NAN; n_voxels * n_free]),
            sigma: matches!(options.noise, NoiseModel::Rician { .. })
                .then(|| vec![f64::NAN; n_voxels]),
            cancelled: false,
        }
    }

    /// Splits the arrays into chunks of `size` voxels.
    fn chunks(&mut self, size: usize) -> Vec<ChunkOut<'_>> {
        let (n, g) = (self.n_free.max(1), self.s0_groups);
        let mut std = self.std.as_mut().map(|s| s.chunks_mut(size * n));
        let mut sigma = self.sigma.as_mut().map(|s| s.chunks_mut(size));
        let mut out = Vec::with_capacity(self.n_voxels.div_ceil(size));
        let parts = self
            .parameters
            .chunks_mut(size * n)
            .zip(self.s0.chunks_mut(size * g))
            .zip(self.mse.chunks_mut(size))
            .zip(self.r2.chunks_mut(size))
            .zip(self.iterations.chunks_mut(size))
            .zip(self.converged.chunks_mut(size))
            .zip(
                self.stop
                    .chunks_mut(size)
                    .zip(self.at_bound.chunks_mut(size)),
            )
            .zip(self.flags.chunks_mut(size));
        for (
            c,
            (((((((parameters, s0), mse), r2), iterations), converged), (stop, at_bound)), flags),
        ) in parts.enumerate()
        {
            out.push(ChunkOut {
                first: c * size,
                parameters,
                s0,
                mse,
                r2,
                iterations,
                converged,
                stop,
                at_bound,
                flags,
                std: std.as_mut().and_then(Iterator::next),
                sigma: sigma.as_mut().and_then(Iterator::next),
            });
        }
        out
    }
}

/// Per-thread buffers: created once per rayon task split, reused for every chunk and voxel.
struct Worker<'a, M: FitModel, E> {
    problem: VoxelProblem<'a, M, E>,
    /// Scratch and signal buffer for grids scored voxel by voxel.
    grid_scratch: (M::Scratch<f64>, Vec<f64>),
    lm: LmWorkspace,
    cramer_rao: CramerRaoWorkspace,
    x: Vec<f64>,
    best_x: Vec<f64>,
    /// Normalised data of the chunk's voxels (`chunk × m`).
    ys: Vec<f64>,
    /// S0 of the chunk's voxels (`chunk × groups`).
    s0: Vec<f64>,
    /// Whether each voxel of the chunk is fit to be fitted.
    valid: Vec<bool>,
    tile: Vec<f64>,
    tops: Vec<TopK>,
}

impl<'a, M: FitModel, E: JacobianEngine<M>> Worker<'a, M, E> {
    fn new(shared: &'a Shared<'a, M>, chunk: usize) -> Self {
        let fit_s0 = shared.options.s0 == S0Mode::Fitted;
        let (n, m) = (shared.layout.len(), shared.scheme.len());
        let problem = VoxelProblem::new(
            shared.model,
            shared.scheme,
            &shared.layout,
            shared.groups.group_of(),
            fit_s0,
        );
        Self {
            problem,
            grid_scratch: (shared.model.scratch(shared.scheme), vec![0.0; m]),
            lm: LmWorkspace::new(n, m),
            cramer_rao: CramerRaoWorkspace::new(n),
            x: vec![0.0; n],
            best_x: vec![0.0; n],
            ys: vec![0.0; chunk * m],
            s0: vec![0.0; chunk * shared.groups.len()],
            valid: vec![false; chunk],
            tile: vec![0.0; m * TILE],
            tops: vec![TopK::new(shared.options.starts); chunk],
        }
    }

    /// Fits the voxels of one chunk: normalise all, grid-search them tile by tile, then solve
    /// each.
    fn fit_chunk(
        &mut self,
        shared: &Shared<M>,
        data: &[f64],
        out: &mut ChunkOut,
    ) -> Result<(), Error> {
        let (m, count) = (shared.scheme.len(), out.flags.len());
        for k in 0..count {
            let v = out.first + k;
            self.valid[k] = self.normalise(shared, &data[v * m..(v + 1) * m], k, out);
        }
        match &shared.grid {
            Some(grid) if grid.has_signals() => self.search_tiles(grid, count, m),
            Some(grid) => {
                for k in (0..count).filter(|&k| self.valid[k]) {
                    let (scratch, buffer) = &mut self.grid_scratch;
                    grid.best_at_voxel(
                        shared.model,
                        shared.scheme,
                        out.first + k,
                        &self.ys[k * m..(k + 1) * m],
                        (scratch, buffer),
                        &mut self.tops[k],
                    )?;
                }
            }
            None => {}
        }
        for k in 0..count {
            if self.valid[k] {
                self.fit_voxel(shared, k, out)?;
            }
        }
        Ok(())
    }

    /// Grid search of a chunk's `count` normalised voxels, tile by tile.
    fn search_tiles(&mut self, grid: &BruteForceGrid, count: usize, m: usize) {
        for first in (0..count).step_by(TILE) {
            let last = (first + TILE).min(count);
            for t in 0..TILE {
                let y = (first + t < last).then(|| &self.ys[(first + t) * m..(first + t + 1) * m]);
                for i in 0..m {
                    self.tile[i * TILE + t] = y.map_or(0.0, |y| y[i]);
                }
            }
            grid.best_tile(&self.tile, &mut self.tops[first..last]);
        }
    }

    /// Checks voxel k's data and writes its normalised signal; flags it and returns false when
    /// it cannot be fitted.
    fn normalise(&mut self, shared: &Shared<M>, raw: &[f64], k: usize, out: &mut ChunkOut) -> bool {
        let g = shared.groups.len();
        let s0 = &mut self.s0[k * g..(k + 1) * g];
        let y = &mut self.ys[k * raw.len()..(k + 1) * raw.len()];
        match shared.groups.normalise(raw, y, s0) {
            Ok(()) => true,
            Err(flag) => {
                out.flags[k] = flag;
                false
            }
        }
    }

    /// Solves voxel k of the chunk from each of its starts and writes the best solution.
    fn fit_voxel(&mut self, shared: &Shared<M>, k: usize, out: &mut ChunkOut) -> Result<(), Error> {
        let m = shared.scheme.len();
        self.problem.y.copy_from_slice(&self.ys[k * m..(k + 1) * m]);
        self.problem.voxel = out.first + k;
        let starts = if shared.grid.is_some() {
            self.tops[k].len.max(1)
        } else {
            1
        };
        let mut best: Option<LmInfo> = None;
        for start in 0..starts {
            let candidate = shared
                .grid
                .as_ref()
                .map(|g| g.candidate(self.tops[k].index[start]));
            self.initial_point(shared, out.first + k, candidate);
            let info = solve(
                &mut self.problem,
                &mut self.x,
                &shared.options.lm,
                &mut self.lm,
            )?;
            if best.is_none_or(|b| info.cost < b.cost) {
                best = Some(info);
                self.best_x.copy_from_slice(&self.x);
            }
        }
        let Some(mut info) = best else {
            return Ok(());
        };
        if starts > 1 {
            // Residuals and Jacobian at the best solution, for the statistics.
            self.x.copy_from_slice(&self.best_x);
            self.problem
                .jacobian(&self.x, &mut self.lm.r, &mut self.lm.jac)?;
        }
        if let NoiseModel::Rician { sigma } = shared.options.noise {
            info = self.refine_rician(shared, sigma, info, out, k)?;
        }
        self.write(shared, out, k);
        out.iterations[k] = info.iterations;
        out.converged[k] = info.converged();
        out.stop[k] = Some(info.stop);
        out.at_bound[k] = info.at_bound;
        out.flags[k] = VoxelFlag::Fitted;
        Ok(())
    }

    /// Refines the Gaussian solution in `x` (with its residuals in `lm.r`) by maximum Rician
    /// likelihood with σ given or estimated as RSS/(m − n); leaves the least-squares residuals
    /// and Jacobian at the refined solution in `lm` for the statistics. A σ that is not positive
    /// and finite (e.g. an exact fit) keeps the Gaussian solution.
    fn refine_rician(
        &mut self,
        shared: &Shared<M>,
        sigma: Option<f64>,
        gaussian: LmInfo,
        out: &mut ChunkOut,
        k: usize,
    ) -> Result<LmInfo, Error> {
        let sigma = sigma.unwrap_or_else(|| residual_sigma(&self.lm.r, shared.layout.len()));
        if let Some(s) = out.sigma.as_deref_mut() {
            s[k] = sigma;
        }
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Ok(gaussian);
        }
        self.problem.sigma = Some(sigma);
        let solved = solve(
            &mut self.problem,
            &mut self.x,
            &shared.options.lm,
            &mut self.lm,
        );
        self.problem.sigma = None;
        let mut info = solved?;
        info.iterations += gaussian.iterations;
        self.problem
            .jacobian(&self.x, &mut self.lm.r, &mut self.lm.jac)?;
        Ok(info)
    }

    /// The grid candidate, overridden by the user's guesses, S0 factors 1, projected.
    fn initial_point(&mut self, shared: &Shared<M>, v: usize, candidate: Option<&[f64]>) {
        let n = shared.layout.n_free;
        if let Some(c) = candidate {
            self.x[..n].copy_from_slice(c);
        }
        if let Some(guess) = shared.guess(v) {
            for (x, &g) in self.x.iter_mut().zip(guess) {
                if !g.is_nan() {
                    *x = g;
                }
            }
        }
        self.x[n..].iter_mut().for_each(|x| *x = 1.0);
        shared.layout.project(&mut self.x);
    }

    /// Parameters, S0, MSE, R² and (if asked) standard deviations of the solution in `x`.
    fn write(&mut self, shared: &Shared<M>, out: &mut ChunkOut, k: usize) {
        let n = shared.layout.n_free;
        out.parameters[k * n..(k + 1) * n].copy_from_slice(&self.x[..n]);
        let g = shared.groups.len();
        for j in 0..g {
            let factor = if self.x.len() > n { self.x[n + j] } else { 1.0 };
            out.s0[k * g + j] = self.s0[k * g + j] * factor;
        }
        let y = &self.problem.y;
        let rss: f64 = self.lm.r.iter().map(|r| r * r).sum();
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
        out.mse[k] = rss / y.len() as f64;
        out.r2[k] = 1.0 - rss / tss;
        if let Some(std) = out.std.as_deref_mut() {
            standard_deviations(
                &shared.layout,
                &self.x,
                &self.lm.jac,
                &self.lm.r,
                &mut self.cramer_rao,
                &mut std[k * n..(k + 1) * n],
            );
        }
    }
}
