//! Sampling many voxels: least-squares start, preconditioning, NUTS chains (nuts-rs) per voxel in parallel, summaries and diagnostics.
//!
//! Per voxel: the data are divided by the mean b0 of each echo-time group; the least-squares
//! fit of the core (brute force + bounded Levenberg–Marquardt) gives the start x̂; σ is the
//! given one or, if none, the voxel's residual estimate $\hat\sigma^2 = \mathrm{RSS}/(m - n)$ of
//! that fit (a plug-in value, not sampled). The covariance of the Laplace approximation at the
//! start, $\Sigma = (-\nabla^2_u \ln p)^{-1}$ (the observed Fisher information in unconstrained
//! coordinates, which at a least-squares fit equals the Cramér–Rao information
//! $J^\top J/\sigma^2$ up to terms in the residuals; its Hessian by central differences of the
//! exact gradient), gives the preconditioner $u = \hat u + Lz$, $LL^\top = \Sigma$ (the same as a
//! dense initial mass matrix). Each chain starts at $z_0 \sim U(-j, j)^d$ (jitter j, default 1:
//! within about one posterior SD of the fit) and runs nuts-rs's NUTS with its diagonal
//! mass-matrix and step-size adaptation during warm-up (Hoffman & Gelman 2014, JMLR 15:1593).
//!
//! Seeds: chain c of voxel v uses a ChaCha8 stream seeded by a hash of (seed, v, c), so the
//! numbers do not depend on the thread count or on which voxels are sampled together.

use crate::precondition::laplace_preconditioner;
use crate::summary::{
    OrientationSummary, ScalarDiagnostics, orientation_summary, scalar_summary, unit_vector,
};
use crate::{BayesError, LogPosterior, Parametrisation, Preconditioner, Priors};
use dmipy::{
    AcquisitionScheme, EchoTimeGroups, FitControl, FitModel, FitOptions, MultiCompartmentModel,
    Noise, ParameterKind, SolverModel, VoxelFlag, VoxelLikelihood, fit_voxels_with,
};
use nuts_rs::rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use nuts_rs::{Chain, CpuMath, DiagNutsSettings, Settings};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The noise distribution of the likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoiseKind {
    /// Gaussian on the normalised signal.
    Gaussian,
    /// Rician (magnitude data).
    Rician,
}

/// Options of [`sample_voxels`].
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOptions {
    /// Chains per voxel (default 4, at least 1; R-hat needs 2).
    pub chains: usize,
    /// Warm-up (adaptation) iterations per chain, discarded (default 300).
    pub warmup: u64,
    /// Kept draws per chain (default 600, at least 4). With 4 chains, the defaults gave R-hat
    /// ≤ 1.01 and bulk ESS ≥ 400 in every one of 32 simulated HCP ball & stick voxels at SNR 20
    /// (warm-up 500 and 500 draws: 87.5 %); see `examples/hcp_throughput.rs`.
    pub draws: u64,
    /// Seed (default 0).
    pub seed: u64,
    /// Maximum tree depth of NUTS (default 10: at most 1023 leapfrog steps per draw).
    pub max_depth: u64,
    /// Noise distribution (default Gaussian).
    pub noise: NoiseKind,
    /// σ relative to S0 (> 0), or `None` for the voxel's least-squares residual estimate
    /// (or, with `sample_sigma`, sampled).
    pub sigma: Option<f64>,
    /// Sample σ as one more parameter, `sigma` in the results (log-uniform prior on
    /// [`SIGMA_RANGE`](crate::SIGMA_RANGE); chains start at the residual estimate). Default
    /// false; not with a given `sigma`.
    pub sample_sigma: bool,
    /// Precondition with the Laplace covariance at the least-squares start (default true).
    pub precondition: bool,
    /// Half-width of the uniform start jitter, in preconditioned units (default 1).
    pub jitter: f64,
    /// Quantiles to report (default 0.05, 0.5, 0.95), each in [0, 1].
    pub quantiles: Vec<f64>,
    /// Keep the draws of the public parameters and their per-draw sampler statistics
    /// (default false).
    pub keep_draws: bool,
    /// The key of each voxel in the seed streams, one per voxel (default `None`: the voxel's
    /// row in the data). A caller that samples a volume in blocks gives every voxel its index
    /// in the whole volume, so that the numbers do not depend on the blocking.
    pub voxel_keys: Option<Vec<u64>>,
}

impl Default for SampleOptions {
    fn default() -> Self {
        Self {
            chains: 4,
            warmup: 300,
            draws: 600,
            seed: 0,
            max_depth: 10,
            noise: NoiseKind::Gaussian,
            sigma: None,
            sample_sigma: false,
            precondition: true,
            jitter: 1.0,
            quantiles: vec![0.05, 0.5, 0.95],
            keep_draws: false,
            voxel_keys: None,
        }
    }
}

impl SampleOptions {
    /// Checks every option; the error names it.
    pub fn check(&self) -> Result<(), BayesError> {
        let fail = |option, reason: String| Err(BayesError::Option { option, reason });
        if self.chains < 1 {
            return fail("chains", "must be at least 1".into());
        }
        if self.draws < 4 {
            return fail("draws", format!("must be at least 4, found {}", self.draws));
        }
        if !(1..=15).contains(&self.max_depth) {
            return fail(
                "max_depth",
                format!("must be 1 to 15, found {}", self.max_depth),
            );
        }
        if let Some(s) = self.sigma
            && !(s > 0.0 && s.is_finite())
        {
            return fail("sigma", format!("must be positive and finite, found {s}"));
        }
        if self.sample_sigma && self.sigma.is_some() {
            return fail(
                "sigma",
                "is either given or sampled (sample_sigma), not both".into(),
            );
        }
        if !(self.jitter >= 0.0 && self.jitter.is_finite()) {
            return fail(
                "jitter",
                format!("must be ≥ 0 and finite, found {}", self.jitter),
            );
        }
        if let Some(q) = self.quantiles.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return fail("quantiles", format!("each must be in [0, 1], found {q}"));
        }
        Ok(())
    }
}

/// Progress and cancellation of [`sample_voxels`].
#[derive(Default, Clone, Copy)]
pub struct SampleControl<'a> {
    /// Incremented after each voxel.
    pub done: Option<&'a AtomicUsize>,
    /// When set, voxels not yet started are skipped ([`VoxelStatus::Cancelled`]).
    pub cancel: Option<&'a AtomicBool>,
}

/// What happened to a voxel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoxelStatus {
    /// Sampled.
    Sampled,
    /// NaN or infinite data: not sampled.
    NonFinite,
    /// Mean b0 not positive: not sampled.
    NonPositiveB0,
    /// The least-squares start failed or the residual σ was not positive.
    NoStart,
    /// Cancelled before it started.
    Cancelled,
}

impl VoxelStatus {
    /// The number written to the `flags` map: 0 sampled, 1 non-finite data, 2 b0 ≤ 0,
    /// 3 no start, 4 cancelled.
    pub fn code(self) -> u8 {
        match self {
            VoxelStatus::Sampled => 0,
            VoxelStatus::NonFinite => 1,
            VoxelStatus::NonPositiveB0 => 2,
            VoxelStatus::NoStart => 3,
            VoxelStatus::Cancelled => 4,
        }
    }

    /// The number of the `flags` map of `dmipy sample` and of Python's `model.sample`, where 0
    /// is kept for voxels outside the mask: [`code`](Self::code) + 1 (1 sampled, 2 non-finite
    /// data, 3 b0 ≤ 0, 4 no start, 5 cancelled).
    pub fn flag(self) -> u8 {
        self.code() + 1
    }
}

/// The posterior of one voxel, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct VoxelPosterior {
    /// What happened; the numbers below are NaN/0 unless `Sampled`.
    pub status: VoxelStatus,
    /// Posterior mean of each public scalar (width of [`SampleResult::names`]); for an
    /// orientation, θ and φ of the mean axis.
    pub mean: Vec<f64>,
    /// Posterior SD of each public scalar (NaN for orientations).
    pub std: Vec<f64>,
    /// Quantiles, `quantiles.len() × width`, quantile-major (NaN for orientations).
    pub quantiles: Vec<f64>,
    /// Diagnostics of each public scalar (orientations: those of the aligned draws, in both
    /// columns; NaN for constant ones).
    pub diagnostics: Vec<ScalarDiagnostics>,
    /// One summary per orientation parameter, in public order.
    pub orientations: Vec<OrientationSummary>,
    /// Largest R-hat over the public parameters.
    pub rhat: f64,
    /// Smallest bulk ESS.
    pub ess_bulk: f64,
    /// Smallest tail ESS.
    pub ess_tail: f64,
    /// Divergent transitions after warm-up (all chains).
    pub divergences: usize,
    /// Draws after warm-up whose tree reached the maximum depth.
    pub max_depth_hits: usize,
    /// Mean acceptance statistic after warm-up.
    pub mean_accept: f64,
    /// Gradient evaluations of all chains, warm-up included (the sampler's cost).
    pub gradient_evaluations: u64,
    /// σ used (relative to S0); its posterior mean when σ is sampled.
    pub sigma: f64,
    /// The least-squares start, public layout.
    pub start: Vec<f64>,
    /// Draws of the public parameters, `chains × draws × width`, if kept.
    pub draws: Option<Vec<f64>>,
    /// The sampler's statistics of each kept draw, if kept.
    pub draw_stats: Option<DrawStats>,
}

/// NUTS's statistics of every kept draw, each `chains × draws`, chain-major (ArviZ's
/// `sample_stats` names).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DrawStats {
    /// Log density of the draw in the sampler's coordinates (posterior and log-Jacobian of the
    /// unconstrained, preconditioned vector, up to a constant).
    pub lp: Vec<f64>,
    /// Hamiltonian (potential plus kinetic energy) at the draw.
    pub energy: Vec<f64>,
    /// Mean Metropolis acceptance probability over the draw's trajectory.
    pub acceptance_rate: Vec<f64>,
    /// Leapfrog step size.
    pub step_size: Vec<f64>,
    /// Depth of the trajectory's tree.
    pub tree_depth: Vec<u64>,
    /// Leapfrog steps of the trajectory.
    pub n_steps: Vec<u64>,
    /// Whether the trajectory diverged.
    pub diverging: Vec<bool>,
}

/// The result of [`sample_voxels`].
#[derive(Debug, Clone, PartialEq)]
pub struct SampleResult {
    /// Public parameters (Dmipy names) and cardinalities, as `dmipy fit` writes them.
    pub names: Vec<(String, usize)>,
    /// Kind of each public parameter.
    pub kinds: Vec<ParameterKind>,
    /// Per-voxel posteriors.
    pub voxels: Vec<VoxelPosterior>,
    /// Chains and draws per chain.
    pub chains: usize,
    /// Draws per chain.
    pub draws: usize,
}

impl SampleResult {
    /// Number of public scalars per voxel.
    pub fn width(&self) -> usize {
        self.names.iter().map(|n| n.1).sum()
    }
}

/// The public parameters of `model` (Dmipy names and cardinalities, as `dmipy fit` writes
/// them), then `sigma` when it is sampled, and their kinds: the layout of [`SampleResult`] and
/// of the draws store.
pub fn public_parameters(
    model: &MultiCompartmentModel,
    options: &SampleOptions,
) -> (Vec<(String, usize)>, Vec<ParameterKind>) {
    let mut names: Vec<(String, usize)> = (model.parameter_cardinality().into_iter())
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    if options.sample_sigma {
        names.push((SIGMA_NAME.to_string(), 1));
    }
    let kinds = (names.iter())
        .map(|(n, _)| {
            model
                .parameter(n)
                .map_or(ParameterKind::Other, |p| p.kind())
        })
        .collect();
    (names, kinds)
}

/// The name of σ among the public parameters when it is sampled.
pub const SIGMA_NAME: &str = "sigma";

/// The seed of chain `chain` of voxel `voxel` (SplitMix64 finaliser of a combination; Steele,
/// Lea & Flood 2014, OOPSLA, doi:10.1145/2660193.2660195).
fn chain_seed(seed: u64, voxel: u64, chain: usize) -> u64 {
    let mut z = seed
        ^ voxel.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (chain as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Samples the posterior of every voxel of `data` (voxels × `scheme.len()`, raw signals with
/// b0s) under `model` with `priors`, in parallel over voxels (rayon's pool).
///
/// Errors: invalid options or priors, a model without free parameters or a spherical-mean
/// model (not supported yet), data of the wrong length, a scheme without b0s. Voxels that
/// cannot be sampled are flagged, not errors.
pub fn sample_voxels(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    priors: &Priors,
    options: &SampleOptions,
    control: SampleControl,
) -> Result<SampleResult, BayesError> {
    options.check()?;
    if model.is_spherical_mean() {
        return Err(BayesError::Model {
            model: model.description(),
            reason: "spherical-mean models cannot be sampled yet".into(),
        });
    }
    let m = scheme.len();
    if m == 0 || !data.len().is_multiple_of(m) {
        return Err(dmipy::Error::LengthMismatch {
            what: "voxel data (voxels × measurements)".into(),
            expected: (data.len() / m.max(1)) * m,
            found: data.len(),
        }
        .into());
    }
    let n_voxels = data.len() / m;
    if let Some(keys) = &options.voxel_keys
        && keys.len() != n_voxels
    {
        return Err(dmipy::Error::LengthMismatch {
            what: "voxel keys (one per voxel)".into(),
            expected: n_voxels,
            found: keys.len(),
        }
        .into());
    }
    let solver = SolverModel::new(model, scheme, n_voxels)?;
    let mut transform = Parametrisation::new(model, &solver, priors)?;
    if options.sample_sigma {
        transform = transform.with_sampled_sigma();
    }
    let groups = EchoTimeGroups::new(scheme)?;
    let fit = fit_voxels_with(
        &solver,
        scheme,
        data,
        &FitOptions::default(),
        &FitControl::default(),
    )?;
    let (names, kinds) = public_parameters(model, options);
    let layout = Layout {
        names: &names,
        kinds: &kinds,
    };
    let n_x = solver.n_free();
    let voxels: Vec<VoxelPosterior> = (0..n_voxels)
        .into_par_iter()
        .map(|v| {
            let cancelled = control.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
            let result = if cancelled {
                Ok(VoxelPosterior::flagged(
                    VoxelStatus::Cancelled,
                    &layout,
                    options,
                ))
            } else {
                let raw = &data[v * m..(v + 1) * m];
                let x0 = &fit.parameters[v * n_x..(v + 1) * n_x];
                let dof = m.saturating_sub(n_x).max(1) as f64;
                let sigma = options
                    .sigma
                    .unwrap_or((fit.mse[v] * m as f64 / dof).sqrt());
                let voxel = Voxel {
                    index: v,
                    key: options.voxel_keys.as_ref().map_or(v as u64, |k| k[v]),
                    raw,
                    x0,
                    sigma,
                    status: fit.flags[v],
                };
                sample_voxel(
                    &solver, scheme, &groups, &transform, &layout, voxel, options,
                )
            };
            if let Some(d) = control.done {
                d.fetch_add(1, Ordering::Relaxed);
            }
            result
        })
        .collect::<Result<_, _>>()?;
    Ok(SampleResult {
        names,
        kinds,
        voxels,
        chains: options.chains,
        draws: options.draws as usize,
    })
}

/// The public layout.
struct Layout<'a> {
    names: &'a [(String, usize)],
    kinds: &'a [ParameterKind],
}

impl Layout<'_> {
    fn width(&self) -> usize {
        self.names.iter().map(|n| n.1).sum()
    }
}

/// One voxel's inputs.
struct Voxel<'a> {
    index: usize,
    /// Key of the voxel's seed streams.
    key: u64,
    raw: &'a [f64],
    x0: &'a [f64],
    sigma: f64,
    status: VoxelFlag,
}

impl VoxelPosterior {
    fn flagged(status: VoxelStatus, layout: &Layout, options: &SampleOptions) -> Self {
        let w = layout.width();
        let orientations = layout
            .kinds
            .iter()
            .filter(|k| **k == ParameterKind::Orientation)
            .count();
        Self {
            status,
            mean: vec![f64::NAN; w],
            std: vec![f64::NAN; w],
            quantiles: vec![f64::NAN; w * options.quantiles.len()],
            diagnostics: vec![ScalarDiagnostics::nan(); w],
            orientations: vec![
                OrientationSummary {
                    mean_vector: [f64::NAN; 3],
                    cone95: f64::NAN,
                    diagnostics: ScalarDiagnostics::nan()
                };
                orientations
            ],
            rhat: f64::NAN,
            ess_bulk: f64::NAN,
            ess_tail: f64::NAN,
            divergences: 0,
            max_depth_hits: 0,
            mean_accept: f64::NAN,
            gradient_evaluations: 0,
            sigma: f64::NAN,
            start: vec![f64::NAN; w],
            draws: None,
            draw_stats: None,
        }
    }
}

fn sample_voxel(
    solver: &SolverModel,
    scheme: &AcquisitionScheme,
    groups: &EchoTimeGroups,
    transform: &Parametrisation,
    layout: &Layout,
    voxel: Voxel,
    options: &SampleOptions,
) -> Result<VoxelPosterior, BayesError> {
    let m = scheme.len();
    let (mut y, mut s0) = (vec![0.0; m], vec![0.0; groups.len()]);
    match groups.normalise(voxel.raw, &mut y, &mut s0) {
        Err(VoxelFlag::NonFinite) => {
            return Ok(VoxelPosterior::flagged(
                VoxelStatus::NonFinite,
                layout,
                options,
            ));
        }
        Err(_) => {
            return Ok(VoxelPosterior::flagged(
                VoxelStatus::NonPositiveB0,
                layout,
                options,
            ));
        }
        Ok(()) => {}
    }
    if voxel.status != VoxelFlag::Fitted
        || voxel.x0.iter().any(|x| !x.is_finite())
        || !(voxel.sigma > 0.0 && voxel.sigma.is_finite())
    {
        return Ok(VoxelPosterior::flagged(
            VoxelStatus::NoStart,
            layout,
            options,
        ));
    }
    let noise = match options.noise {
        NoiseKind::Gaussian => Noise::Gaussian { sigma: voxel.sigma },
        NoiseKind::Rician => Noise::Rician { sigma: voxel.sigma },
    };
    let posterior = |p: Preconditioner| -> Result<LogPosterior, BayesError> {
        let mut likelihood = VoxelLikelihood::new(solver, scheme, noise)?;
        likelihood.set_voxel(voxel.index, &y)?;
        Ok(LogPosterior::new(likelihood, transform, p))
    };
    let d = transform.dim();
    let mut u0 = vec![0.0; d];
    transform.from_x(voxel.x0, &mut u0);
    transform.sigma_to_u(voxel.sigma, &mut u0);
    let preconditioner = if options.precondition {
        laplace_preconditioner(&mut posterior(Preconditioner::identity(u0.clone()))?, &u0)
    } else {
        Preconditioner::identity(u0.clone())
    };
    let (chains, draws) = (options.chains, options.draws as usize);
    let mut z_draws = Vec::with_capacity(chains * draws * d);
    let (mut divergences, mut depth_hits, mut accept, mut gradients) = (0, 0, 0.0, 0);
    let mut stats_kept = DrawStats::default();
    for c in 0..chains {
        let mut rng = ChaCha8Rng::seed_from_u64(chain_seed(options.seed, voxel.key, c));
        let settings = DiagNutsSettings {
            num_tune: options.warmup,
            num_draws: options.draws,
            maxdepth: options.max_depth,
            num_chains: 1,
            ..Default::default()
        };
        let z0: Vec<f64> = (0..d)
            .map(|_| options.jitter * rng.random_range(-1.0..=1.0))
            .collect();
        let math = CpuMath::new(posterior(preconditioner.clone())?);
        let fail = |e: anyhow::Error| BayesError::Sampler {
            voxel: voxel.index,
            message: e.to_string(),
        };
        let mut chain = settings.new_chain(c as u64, math, &mut rng).map_err(fail)?;
        chain.set_position(&z0).map_err(fail)?;
        for i in 0..options.warmup + options.draws {
            let (z, _, stats, progress) = chain.expanded_draw().map_err(fail)?;
            gradients += progress.num_gradients;
            if i >= options.warmup {
                z_draws.extend_from_slice(&z);
                divergences += usize::from(progress.diverging);
                depth_hits += usize::from(stats.maxdepth_reached);
                accept += stats.adapt.step_size.mean_tree_accept;
                if options.keep_draws {
                    let kept = &mut stats_kept;
                    kept.lp.push(stats.point.logp);
                    kept.energy.push(stats.point.energy);
                    kept.acceptance_rate
                        .push(stats.adapt.step_size.mean_tree_accept);
                    kept.step_size.push(progress.step_size);
                    kept.tree_depth.push(stats.depth);
                    kept.n_steps.push(progress.num_steps);
                    kept.diverging.push(progress.diverging);
                }
            }
        }
    }
    // Public parameters of every draw (σ last when sampled).
    let width = layout.width();
    let model_width = width - usize::from(options.sample_sigma);
    let mut public = vec![0.0; chains * draws * width];
    let mut post = posterior(preconditioner)?;
    let mut x = vec![0.0; transform.n_x()];
    let mut sigma_sum = 0.0;
    for (z, row) in z_draws.chunks_exact(d).zip(public.chunks_exact_mut(width)) {
        let sigma = post.x_at_z(z, &mut x);
        solver.public_from_x(&x, voxel.index, &mut row[..model_width])?;
        if let Some(s) = sigma {
            row[model_width] = s;
            sigma_sum += s;
        }
    }
    let mut start = vec![voxel.sigma; width];
    solver.public_from_x(voxel.x0, voxel.index, &mut start[..model_width])?;
    let mut out = summarise(&public, chains, layout, options);
    out.divergences = divergences;
    out.max_depth_hits = depth_hits;
    out.mean_accept = accept / (chains * draws) as f64;
    out.gradient_evaluations = gradients;
    out.sigma = if options.sample_sigma {
        sigma_sum / (chains * draws) as f64
    } else {
        voxel.sigma
    };
    out.start = start;
    if options.keep_draws {
        out.draws = Some(public);
        out.draw_stats = Some(stats_kept);
    }
    Ok(out)
}

/// Summaries and diagnostics of the public draws (`chains × draws × width`).
fn summarise(
    public: &[f64],
    chains: usize,
    layout: &Layout,
    options: &SampleOptions,
) -> VoxelPosterior {
    let width = layout.width();
    let total = public.len() / width;
    let mut out = VoxelPosterior::flagged(VoxelStatus::Sampled, layout, options);
    out.orientations.clear();
    let column = |j: usize| -> Vec<f64> { (0..total).map(|s| public[s * width + j]).collect() };
    let (mut worst_rhat, mut min_bulk, mut min_tail) =
        (f64::NEG_INFINITY, f64::INFINITY, f64::INFINITY);
    let mut j = 0;
    for ((_, card), kind) in layout.names.iter().zip(layout.kinds) {
        if *kind == ParameterKind::Orientation {
            let vectors: Vec<[f64; 3]> = (0..total)
                .map(|s| unit_vector(public[s * width + j], public[s * width + j + 1]))
                .collect();
            let summary = orientation_summary(&vectors, chains);
            let a = summary.mean_vector;
            out.mean[j] = a[0].hypot(a[1]).atan2(a[2]);
            out.mean[j + 1] = a[1].atan2(a[0]);
            out.diagnostics[j] = summary.diagnostics;
            out.diagnostics[j + 1] = summary.diagnostics;
            worst_rhat = worst_rhat.max(summary.diagnostics.rhat);
            min_bulk = min_bulk.min(summary.diagnostics.ess_bulk);
            min_tail = min_tail.min(summary.diagnostics.ess_tail);
            out.orientations.push(summary);
        } else {
            for k in 0..*card {
                let values = column(j + k);
                let (lo, hi) = (values.iter())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                        (a.min(v), b.max(v))
                    });
                // A parameter fixed per voxel: its value exactly, SD 0.
                let (mean, sd, q) = if hi == lo {
                    (lo, 0.0, vec![lo; options.quantiles.len()])
                } else {
                    scalar_summary(&values, &options.quantiles)
                };
                out.mean[j + k] = mean;
                out.std[j + k] = sd;
                for (i, q) in q.into_iter().enumerate() {
                    out.quantiles[i * width + j + k] = q;
                }
                if hi > lo {
                    let diagnostics = ScalarDiagnostics::of(&values, chains);
                    worst_rhat = worst_rhat.max(diagnostics.rhat);
                    min_bulk = min_bulk.min(diagnostics.ess_bulk);
                    min_tail = min_tail.min(diagnostics.ess_tail);
                    out.diagnostics[j + k] = diagnostics;
                }
            }
        }
        j += card;
    }
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    out.rhat = finite(worst_rhat);
    out.ess_bulk = finite(min_bulk);
    out.ess_tail = finite(min_tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_seeds_differ() {
        assert_ne!(chain_seed(0, 0, 0), chain_seed(0, 0, 1));
        assert_ne!(chain_seed(0, 1, 0), chain_seed(0, 0, 1));
        assert_ne!(chain_seed(1, 0, 0), chain_seed(0, 0, 0));
    }

    #[test]
    fn bad_options_are_errors() {
        let cases: [(SampleOptions, &str); 5] = [
            (
                SampleOptions {
                    chains: 0,
                    ..Default::default()
                },
                "chains",
            ),
            (
                SampleOptions {
                    draws: 0,
                    ..Default::default()
                },
                "draws",
            ),
            (
                SampleOptions {
                    sigma: Some(0.0),
                    ..Default::default()
                },
                "sigma",
            ),
            (
                SampleOptions {
                    sigma: Some(-1.0),
                    ..Default::default()
                },
                "sigma",
            ),
            (
                SampleOptions {
                    quantiles: vec![1.5],
                    ..Default::default()
                },
                "quantiles",
            ),
        ];
        for (options, says) in cases {
            let e = options.check().unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
