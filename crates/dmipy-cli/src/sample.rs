//! `dmipy sample`: posterior sampling (NUTS) of a model in every voxel; writes posterior means, SDs, quantiles, orientation axes, diagnostics and `sample.json`.
//!
//! The input flags are those of `dmipy fit` (model, DWI, scheme or bvals/bvecs/δ/Δ, mask,
//! threads, quiet, noise, σ). Everything is checked first (options, priors, model, scheme,
//! images, output folder), then sampled, then written: a failure or Ctrl-C before the end
//! leaves no map behind, and every file appears whole (temporary file, then rename).

use crate::fit::{NoiseChoice, OutputFolder, composed_model, progress_bar};
use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use dmipy::ParameterKind;
use dmipy_bayes::{
    DrawsStore, NoiseKind, Priors, SampleControl, SampleOptions, SampleResult, VoxelStatus,
    quantile_name, sample_voxels,
};
use dmipy_io::{NiftiHeader, NiftiImage, scatter};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// `dmipy sample`'s flags as a command line of their own (for the demo, which runs it).
#[derive(Debug, clap::Parser)]
#[command(name = "sample")]
pub struct SampleCommand {
    /// The flags.
    #[command(flatten)]
    pub args: SampleArgs,
}

/// Flags of `dmipy sample`.
#[derive(Debug, Clone, Args)]
pub struct SampleArgs {
    /// Model: a turnkey name (e.g. ball_stick, noddi_watson), a compartment name or a model
    /// file (JSON), as for `dmipy fit`.
    #[arg(long, value_name = "NAME|FILE")]
    pub model: String,
    /// Diffusion-weighted NIfTI image, one volume per measurement.
    #[arg(long, value_name = "FILE")]
    pub dwi: PathBuf,
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Mask (NIfTI, same grid as the DWI): voxels with a non-zero value are sampled. Default:
    /// every voxel whose b0 is positive.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Output folder; created if missing.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Priors per parameter (JSON: {"NAME": {"normal": {"mean": m, "sd": s}}, ...}; also
    /// uniform {lower, upper}, lognormal {mu, sigma}, halfnormal {sd}). Default: uniform on the
    /// parameter ranges, orientations uniform on the sphere, fractions uniform on the simplex.
    #[arg(long, value_name = "FILE")]
    pub priors: Option<PathBuf>,
    /// Noise distribution of the likelihood.
    #[arg(long, value_enum, default_value_t = NoiseChoice::Gaussian)]
    pub noise: NoiseChoice,
    /// Noise σ relative to S0 (e.g. 0.05 for SNR 20), or `sample` to sample it (log-uniform
    /// prior on [0.001, 1]; maps `sigma_mean`, `sigma_std`, quantiles). Default: per voxel from
    /// the residuals of the least-squares fit, √(RSS/(m − n)).
    #[arg(long, value_name = "SIGMA|sample", value_parser = parse_sigma)]
    pub sigma: Option<SigmaArg>,
    /// Chains per voxel.
    #[arg(long, default_value_t = 4)]
    pub chains: usize,
    /// Warm-up iterations per chain (discarded).
    #[arg(long, default_value_t = 300)]
    pub warmup: u64,
    /// Draws per chain after warm-up.
    #[arg(long, default_value_t = 600)]
    pub draws: u64,
    /// Seed; the numbers do not depend on the thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Quantiles to write, comma-separated; `P_qNN` is named by the percentage.
    #[arg(long, value_delimiter = ',', default_value = "0.05,0.5,0.95")]
    pub quantiles: Vec<f64>,
    /// Start NUTS with the identity instead of the Laplace (Cramér–Rao) covariance at the fit.
    #[arg(long)]
    pub no_precondition: bool,
    /// Also write every draw and NUTS's per-draw statistics to FILE, a Zarr store in ArviZ's
    /// InferenceData layout (`arviz.from_zarr(FILE)`, `xarray.open_zarr(FILE, group=
    /// "posterior")`); refused if FILE exists.
    #[arg(long, value_name = "FILE")]
    pub save_draws: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--sigma`: a value, or sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SigmaArg {
    /// σ given, relative to S0.
    Given(f64),
    /// σ sampled.
    Sampled,
}

fn parse_sigma(text: &str) -> Result<SigmaArg, String> {
    if text == "sample" {
        return Ok(SigmaArg::Sampled);
    }
    text.parse()
        .map(SigmaArg::Given)
        .map_err(|_| format!("{text:?} is neither a number nor `sample`"))
}

impl SampleArgs {
    fn options(&self) -> SampleOptions {
        SampleOptions {
            chains: self.chains,
            warmup: self.warmup,
            draws: self.draws,
            seed: self.seed,
            noise: match self.noise {
                NoiseChoice::Gaussian => NoiseKind::Gaussian,
                NoiseChoice::Rician => NoiseKind::Rician,
            },
            sigma: match self.sigma {
                Some(SigmaArg::Given(s)) => Some(s),
                _ => None,
            },
            sample_sigma: self.sigma == Some(SigmaArg::Sampled),
            precondition: !self.no_precondition,
            quantiles: self.quantiles.clone(),
            ..SampleOptions::default()
        }
    }
}

/// The flag map's codes (also in `sample.json`).
const FLAG_CODES: &[(u8, &str)] = &[
    (0, "outside the mask"),
    (1, "sampled"),
    (2, "not sampled: NaN or infinite data"),
    (3, "not sampled: b0 signal zero or negative"),
    (
        4,
        "not sampled: no least-squares start or residual sigma not positive",
    ),
    (5, "not sampled: cancelled"),
];

/// Runs `dmipy sample`; writes the summary to `out`.
pub fn run(args: &SampleArgs, out: &mut dyn Write) -> Result<()> {
    let options = args.options();
    options.check()?;
    let priors = match &args.priors {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read priors file {}", path.display()))?;
            Priors::from_json(&text).with_context(|| format!("priors file {}", path.display()))?
        }
        None => Priors::new(),
    };
    let model = composed_model(&args.model)?;
    let scheme = args.scheme.build()?;
    // Priors and model checked against each other before any image is read.
    let solver = dmipy::SolverModel::new(&model, &scheme, 1)?;
    dmipy_bayes::Parametrisation::new(&model, &solver, &priors)?;
    let dmipy_io::MaskedImage {
        header,
        shape,
        mask,
        data,
    } = dmipy_io::read_dwi_masked(&args.dwi, &scheme, args.mask.as_deref())?;
    let n_voxels = mask.iter().filter(|&&m| m).count();
    if n_voxels == 0 {
        bail!("the mask selects no voxel");
    }
    // The draws store is started (and its target refused if it exists) before sampling.
    let mut draws = match &args.save_draws {
        Some(path) => {
            let (names, kinds) = dmipy_bayes::public_parameters(&model, &options);
            let block = DrawsStore::suggested_block(&names, options.chains, options.draws as usize);
            let ijk: Vec<[usize; 3]> = dmipy_io::masked_indices(&mask)
                .map(|v| {
                    [
                        v % shape[0],
                        (v / shape[0]) % shape[1],
                        v / (shape[0] * shape[1]),
                    ]
                })
                .collect();
            let mut attrs = serde_json::Map::new();
            attrs.insert("model".into(), json!(model.description()));
            attrs.insert("priors".into(), priors.to_json());
            attrs.insert("options".into(), options_json(args, &options));
            let store = DrawsStore::create(
                path,
                &names,
                &kinds,
                (options.chains, options.draws as usize),
                n_voxels,
                block,
                Some(&ijk),
                attrs,
            )?;
            Some(store)
        }
        None => None,
    };
    let output = OutputFolder::prepare(&args.out)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let bar = progress_bar(n_voxels as u64, args.quiet);
    let done = AtomicUsize::new(0);
    let finished = AtomicBool::new(false);
    let pool = crate::fit::rayon_pool(args.threads)?;
    let start = Instant::now();
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                bar.set_position(done.load(Ordering::Relaxed) as u64);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let control = SampleControl {
            done: Some(&done),
            cancel: Some(&cancel),
        };
        let result = pool.install(|| match draws.as_mut() {
            None => Ok(sample_voxels(
                &model, &scheme, &data, &priors, &options, control,
            )?),
            Some(store) => {
                sample_in_blocks(store, (&model, &scheme, &data, &priors), &options, control)
            }
        });
        finished.store(true, Ordering::Relaxed);
        result
    })?;
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if cancel.load(Ordering::SeqCst) {
        bail!("cancelled: no map was written");
    }
    let grid = (&header, &shape[..]);
    let written = write_maps(&output, grid, &mask, &result, &options)?;
    if let Some(store) = draws {
        store.finish()?;
    }
    let report = report(args, &model, &priors, &options, &result, seconds, &written);
    output.write_json("sample.json", &report)?;
    let summary = &report["diagnostics"];
    writeln!(
        out,
        "sampled {} of {} voxels in {seconds:.1} s ({:.1} voxels/s); R-hat ≤ 1.01 in {:.1} %, bulk ESS ≥ 400 in {:.1} %, {} divergences",
        report["voxels"]["sampled"],
        n_voxels,
        n_voxels as f64 / seconds,
        summary["percent_rhat_le_1.01"].as_f64().unwrap_or(f64::NAN),
        summary["percent_ess_bulk_ge_400"]
            .as_f64()
            .unwrap_or(f64::NAN),
        summary["divergences"],
    )?;
    writeln!(
        out,
        "wrote {} maps and sample.json to {}",
        written.len(),
        args.out.display()
    )?;
    Ok(())
}

/// Writes one map `name.nii.gz` (float32; 4-D with `card` volumes when card > 1), 0 outside
/// the mask.
fn write_map(
    output: &OutputFolder,
    (header, shape): (&NiftiHeader, &[usize]),
    mask: &[bool],
    name: &str,
    values: &[f64],
    card: usize,
) -> Result<String> {
    let data = scatter(values, card, mask, 0.0)?;
    let mut map_shape: Vec<usize> = shape.iter().take(3).copied().collect();
    if card > 1 {
        map_shape.push(card);
    }
    let image = NiftiImage::<f32>::on_grid(
        header,
        shape,
        map_shape,
        data.iter().map(|&v| v as f32).collect(),
    )?;
    let file = format!("{name}.nii.gz");
    dmipy_io::write_nifti(output.path(&file), &image)?;
    Ok(file)
}

fn write_maps(
    output: &OutputFolder,
    grid: (&NiftiHeader, &[usize]),
    mask: &[bool],
    result: &SampleResult,
    options: &SampleOptions,
) -> Result<Vec<String>> {
    let width = result.width();
    let voxels = &result.voxels;
    let mut written = Vec::new();
    let mut write = |name: &str, values: Vec<f64>, card: usize| -> Result<()> {
        written.push(write_map(output, grid, mask, name, &values, card)?);
        Ok(())
    };
    let (mut column, mut orientation) = (0, 0);
    for ((name, card), kind) in result.names.iter().zip(&result.kinds) {
        let cols = |f: &dyn Fn(&dmipy_bayes::VoxelPosterior, usize) -> f64| -> Vec<f64> {
            (voxels.iter())
                .flat_map(|v| (0..*card).map(move |k| (v, k)))
                .map(|(v, k)| f(v, column + k))
                .collect()
        };
        if *kind == ParameterKind::Orientation {
            let o = orientation;
            let vectors = (voxels.iter())
                .flat_map(|v| v.orientations[o].mean_vector)
                .collect();
            write(&format!("{name}_mean_vector"), vectors, 3)?;
            let cone = voxels.iter().map(|v| v.orientations[o].cone95).collect();
            write(&format!("{name}_cone95"), cone, 1)?;
            orientation += 1;
        } else {
            write(&format!("{name}_mean"), cols(&|v, j| v.mean[j]), *card)?;
            write(&format!("{name}_std"), cols(&|v, j| v.std[j]), *card)?;
            for (i, &p) in options.quantiles.iter().enumerate() {
                let values = cols(&|v, j| v.quantiles[i * width + j]);
                write(&format!("{name}_{}", quantile_name(p)), values, *card)?;
            }
        }
        column += card;
    }
    write("rhat", voxels.iter().map(|v| v.rhat).collect(), 1)?;
    write("ess_bulk", voxels.iter().map(|v| v.ess_bulk).collect(), 1)?;
    write("ess_tail", voxels.iter().map(|v| v.ess_tail).collect(), 1)?;
    let divergences = voxels.iter().map(|v| v.divergences as f64).collect();
    write("divergences", divergences, 1)?;
    write("sigma", voxels.iter().map(|v| v.sigma).collect(), 1)?;
    let flags = voxels.iter().map(|v| f64::from(v.status.flag())).collect();
    write("flags", flags, 1)?;
    Ok(written)
}

/// The sampling options as `sample.json` and the draws store record them.
fn options_json(args: &SampleArgs, options: &SampleOptions) -> serde_json::Value {
    json!({
        "chains": options.chains,
        "warmup": options.warmup,
        "draws": options.draws,
        "seed": options.seed,
        "max_depth": options.max_depth,
        "noise": format!("{:?}", options.noise).to_lowercase(),
        "sigma": match (options.sigma, options.sample_sigma) {
            (Some(s), _) => json!(s),
            (None, true) => json!(format!("sampled, log-uniform on [{}, {}]", dmipy_bayes::SIGMA_RANGE.0, dmipy_bayes::SIGMA_RANGE.1)),
            (None, false) => json!("per voxel from the least-squares residuals"),
        },
        "precondition": options.precondition,
        "quantiles": options.quantiles,
        "threads": args.threads,
        "sampler": "NUTS (nuts-rs 0.19, diagonal mass-matrix adaptation)",
    })
}

/// Samples the voxels a few draws-store blocks at a time, writing each group's draws to
/// `store` and keeping only the summaries: memory holds one group's draws, not the volume's.
/// Each voxel's seed key is its row in `data`, so the numbers equal those of one call.
fn sample_in_blocks(
    store: &mut DrawsStore,
    (model, scheme, data, priors): (
        &dmipy::MultiCompartmentModel,
        &dmipy::AcquisitionScheme,
        &[f64],
        &Priors,
    ),
    options: &SampleOptions,
    control: SampleControl,
) -> Result<SampleResult> {
    let m = scheme.len();
    let n_voxels = data.len() / m;
    // At least 256 voxels per call, so that every thread has work.
    let group = store.block() * 256usize.div_ceil(store.block());
    let mut all: Option<SampleResult> = None;
    for first in (0..n_voxels).step_by(group) {
        let last = (first + group).min(n_voxels);
        let block_options = SampleOptions {
            keep_draws: true,
            voxel_keys: Some((first as u64..last as u64).collect()),
            ..options.clone()
        };
        let rows = &data[first * m..last * m];
        let mut result = sample_voxels(model, scheme, rows, priors, &block_options, control)?;
        if control.cancel.is_some_and(|c| c.load(Ordering::SeqCst)) {
            return Ok(result);
        }
        store.write(&result.voxels)?;
        for v in &mut result.voxels {
            v.draws = None;
            v.draw_stats = None;
        }
        match all.as_mut() {
            None => all = Some(result),
            Some(a) => a.voxels.append(&mut result.voxels),
        }
    }
    all.context("no voxel to sample")
}

fn report(
    args: &SampleArgs,
    model: &dmipy::MultiCompartmentModel,
    priors: &Priors,
    options: &SampleOptions,
    result: &SampleResult,
    seconds: f64,
    written: &[String],
) -> serde_json::Value {
    let sampled: Vec<_> = (result.voxels.iter())
        .filter(|v| v.status == VoxelStatus::Sampled)
        .collect();
    let count = |s: VoxelStatus| result.voxels.iter().filter(|v| v.status == s).count();
    let n = sampled.len().max(1) as f64;
    let percent = |f: &dyn Fn(&&dmipy_bayes::VoxelPosterior) -> bool| {
        100.0 * sampled.iter().filter(|v| f(v)).count() as f64 / n
    };
    let mut ess: Vec<f64> = sampled.iter().map(|v| v.ess_bulk).collect();
    ess.sort_by(f64::total_cmp);
    let median = ess.get(ess.len() / 2).copied();
    json!({
        "command": "dmipy sample",
        "version": env!("CARGO_PKG_VERSION"),
        "model": model.description(),
        "model_file": serde_json::from_str::<serde_json::Value>(&model.to_json()).unwrap_or_default(),
        "parameters": result.names.iter().map(|(n, c)| json!({"name": n, "cardinality": c})).collect::<Vec<_>>(),
        "priors": priors.to_json(),
        "default_priors": "scalars uniform on their parameter ranges; orientations uniform on the sphere; volume fractions uniform on the simplex",
        "options": options_json(args, options),
        "draws_file": args.save_draws.as_ref().map(|p| p.display().to_string()),
        "seconds": seconds,
        "voxels": {
            "in_mask": result.voxels.len(),
            "sampled": sampled.len(),
            "non_finite": count(VoxelStatus::NonFinite),
            "non_positive_b0": count(VoxelStatus::NonPositiveB0),
            "no_start": count(VoxelStatus::NoStart),
        },
        "diagnostics": {
            "percent_rhat_le_1.01": percent(&|v| v.rhat <= 1.01),
            "percent_ess_bulk_ge_400": percent(&|v| v.ess_bulk >= 400.0),
            "percent_rhat_le_1.01_and_ess_bulk_ge_400": percent(&|v| v.rhat <= 1.01 && v.ess_bulk >= 400.0),
            "median_min_ess_bulk": median,
            "divergences": sampled.iter().map(|v| v.divergences).sum::<usize>(),
            "max_depth_hits": sampled.iter().map(|v| v.max_depth_hits).sum::<usize>(),
            "mean_acceptance": sampled.iter().map(|v| v.mean_accept).sum::<f64>() / n,
        },
        "flag_codes": FLAG_CODES.iter().map(|(c, m)| json!({"code": c, "meaning": m})).collect::<Vec<_>>(),
        "maps": written,
    })
}
