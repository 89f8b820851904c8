//! What `dmipy fit` tells the user: a progress bar while fitting, a summary and `fit.json` after.

use super::args::FitArgs;
use super::maps::{FLAG_CODES, OutputFolder, WrittenMap};
use dmipy::{AcquisitionScheme, ModelFit, MultiCompartmentModel, VoxelFlag};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::fmt::Write;

/// A progress bar with voxels/s and ETA on a terminal; hidden when quiet or not a terminal.
pub fn progress_bar(voxels: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(voxels);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} voxels  {per_sec}  ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// The facts of one run, for the terminal and for `fit.json`.
pub struct Report<'a> {
    args: &'a FitArgs,
    model: String,
    parameters: Vec<(String, usize)>,
    scheme: serde_json::Value,
    counts: Counts,
    seconds: f64,
    written: &'a [WrittenMap],
}

struct Counts {
    in_mask: usize,
    fitted: usize,
    converged: usize,
    non_finite: usize,
    non_positive_b0: usize,
}

impl<'a> Report<'a> {
    /// Gathers the report of a finished fit.
    pub fn new(
        args: &'a FitArgs,
        model: &MultiCompartmentModel,
        scheme: &AcquisitionScheme,
        fit: &ModelFit,
        mask: &[bool],
        seconds: f64,
        written: &'a [WrittenMap],
    ) -> Self {
        let d = &fit.diagnostics;
        let count = |f: fn(&VoxelFlag) -> bool| d.flags.iter().filter(|x| f(x)).count();
        let counts = Counts {
            in_mask: mask.iter().filter(|&&m| m).count(),
            fitted: count(|f| matches!(f, VoxelFlag::Fitted)),
            converged: d.converged.iter().filter(|&&c| c).count(),
            non_finite: count(|f| matches!(f, VoxelFlag::NonFinite)),
            non_positive_b0: count(|f| matches!(f, VoxelFlag::NonPositiveB0)),
        };
        let shells: Vec<serde_json::Value> = scheme
            .shells()
            .iter()
            .map(|s| json!({"bvalue_s_mm2": s.bvalue * 1e-6, "count": s.indices.len(), "delta_s": s.delta, "Delta_s": s.big_delta, "TE_s": s.echo_time}))
            .collect();
        Self {
            args,
            model: model.description(),
            parameters: fit.names.clone(),
            scheme: json!({"measurements": scheme.len(), "shells": shells}),
            counts,
            seconds,
            written,
        }
    }

    /// `fit.json`: model, scheme summary, options, version, timing, voxel counts, files.
    pub fn to_json(&self) -> serde_json::Value {
        let c = &self.counts;
        json!({
            "dmipy_version": env!("CARGO_PKG_VERSION"),
            "model": {"argument": self.args.model, "description": self.model,
                      "parameters": self.parameters.iter().map(|(n, k)| json!({"name": n, "cardinality": k})).collect::<Vec<_>>()},
            "inputs": {"dwi": self.args.dwi, "mask": self.args.mask},
            "scheme": self.scheme,
            "options": {"s0": format!("{:?}", self.args.s0), "noise": format!("{:?}", self.args.noise),
                        "sigma": self.args.sigma, "uncertainties": self.args.uncertainties,
                        "starts": self.args.starts, "threads": self.args.threads,
                        "solver": format!("{:?}", self.args.solver).to_lowercase(),
                        "amico": (self.args.solver == super::SolverChoice::Amico).then(|| json!({
                            "grid_points": self.args.amico_grid, "lambda_1": self.args.lambda_1,
                            "lambda_2": self.args.lambda_2})),
                        "mix": (self.args.solver == super::SolverChoice::Mix).then(|| json!({
                            "maxiter": self.args.maxiter}))},
            "voxels": {"in_mask": c.in_mask, "fitted": c.fitted, "converged": c.converged,
                       "skipped_non_finite_data": c.non_finite, "skipped_non_positive_b0": c.non_positive_b0},
            "seconds": self.seconds,
            "voxels_per_second": c.fitted as f64 / self.seconds.max(1e-9),
            "flag_codes": FLAG_CODES.iter().map(|(k, v)| json!({"code": k, "meaning": v})).collect::<Vec<_>>(),
            "maps": self.written.iter().map(|w| json!({"file": w.file, "mean_in_fitted_voxels": w.mean})).collect::<Vec<_>>(),
        })
    }

    /// The summary printed after a fit.
    pub fn to_text(&self, out: &OutputFolder) -> String {
        let c = &self.counts;
        let mut text = String::new();
        let _ = writeln!(text, "model: {}", self.model);
        let _ = writeln!(
            text,
            "voxels: {} in mask, {} fitted ({} converged), {} skipped (NaN/Inf data), {} skipped (b0 <= 0)",
            c.in_mask, c.fitted, c.converged, c.non_finite, c.non_positive_b0
        );
        let _ = writeln!(
            text,
            "time: {:.2} s ({:.0} voxels/s)",
            self.seconds,
            c.fitted as f64 / self.seconds.max(1e-9)
        );
        let _ = writeln!(text, "mean over fitted voxels:");
        for w in self.written.iter().filter(|w| w.mean.is_some()) {
            let _ = writeln!(
                text,
                "  {:<55} {:.6e}",
                w.file.trim_end_matches(".nii.gz"),
                w.mean.unwrap_or(f64::NAN)
            );
        }
        let _ = writeln!(text, "maps written to {}", out.path("").display());
        text
    }
}
