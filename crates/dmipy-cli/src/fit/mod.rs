//! `dmipy fit`: fit a model to every voxel of a DWI and write one NIfTI map per parameter.
//!
//! Parse and check everything first (model, scheme, images, output folder), then fit, then write:
//! a failure or Ctrl-C before the end leaves no map behind, and every map appears whole.

mod args;
mod csd;
mod derived;
mod maps;
mod summary;

pub use args::composed_model;
pub use args::{FitArgs, NoiseChoice, S0Choice, SolverChoice};
pub use csd::{CsdKind, estimate_responses, response_json};
pub use maps::OutputFolder;
pub use summary::progress_bar;

use anyhow::{Context, Result, bail};
use dmipy::{FitControl, MultiCompartmentModel, fit_model, fit_model_amico, fit_model_mix};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Runs `dmipy fit`; writes the summary to `out`.
pub fn run(args: &FitArgs, out: &mut dyn Write) -> Result<()> {
    if let Some(kind) = csd::CsdKind::from_model(&args.model) {
        return csd::run(args, kind, out);
    }
    let model = args.model()?;
    let scheme = args.scheme.build()?;
    check_model_runs_on(&model, &scheme)?;
    // AMICO's flags are checked before any image is read.
    let amico = match args.solver {
        SolverChoice::Amico => args.amico_options()?,
        _ => dmipy::AmicoOptions::default(),
    };
    // One pass over the DWI, one volume at a time: only the masked voxels are kept (as f64),
    // with the grid (header, shape) for the maps; the image itself is never held.
    let dmipy_io::MaskedImage {
        header,
        shape,
        mask,
        data,
    } = dmipy_io::read_dwi_masked(&args.dwi, &scheme, args.mask.as_deref())?;
    let output = maps::OutputFolder::prepare(&args.out)?;
    let n_voxels = mask.iter().filter(|&&m| m).count();
    if n_voxels == 0 {
        bail!("the mask selects no voxel");
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    // A second Ctrl-C (or a handler already installed, as in tests) falls back to the default.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let bar = summary::progress_bar(n_voxels as u64, args.quiet);
    let progress = |done: usize| bar.inc(done as u64);
    let control = FitControl {
        progress: Some(&progress),
        cancel: Some(&cancel),
    };
    let pool = rayon_pool(args.threads)?;
    let start = Instant::now();
    let options = args.fit_options();
    let fit = pool.install(|| match args.solver {
        SolverChoice::Brute2fine => fit_model(&model, &scheme, &data, &options, &control),
        SolverChoice::Mix => fit_model_mix(
            &model,
            &scheme,
            &data,
            &args.mix_options(),
            &options,
            &control,
        ),
        SolverChoice::Amico => fit_model_amico(&model, &scheme, &data, &amico, &control),
    })?;
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if cancel.load(Ordering::SeqCst) || fit.diagnostics.cancelled {
        bail!("cancelled: no map was written");
    }
    drop(data);
    let grid = maps::Grid {
        header: &header,
        shape: &shape,
    };
    let written = maps::write_all(&output, grid, &mask, &model, &fit, args.png)?;
    let report = summary::Report::new(args, &model, &scheme, &fit, &mask, seconds, &written);
    output.write_json("fit.json", &report.to_json())?;
    write!(out, "{}", report.to_text(&output))?;
    Ok(())
}

/// Evaluates the model once at mid-range parameters so that a scheme lacking δ/Δ (or anything
/// else the model needs) is reported before any image is read.
fn check_model_runs_on(
    model: &MultiCompartmentModel,
    scheme: &dmipy::AcquisitionScheme,
) -> Result<()> {
    let free: Vec<f64> = model
        .free_bounds()
        .iter()
        .map(|&(lo, hi)| lo + 0.5 * (hi - lo))
        .collect();
    let mut full = vec![0.0; model.full_len()];
    let mut out = vec![0.0; model.output_len(scheme)];
    model
        .full_from_free(&free, 0, &mut full)
        .and_then(|()| model.signal(scheme, &full, &mut out))
        .with_context(|| {
            format!(
                "model {} cannot be evaluated on this scheme",
                model.description()
            )
        })
}

/// A rayon pool of `threads` workers (all cores when `None`), for the commands' `--threads`.
pub fn rayon_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")
}
