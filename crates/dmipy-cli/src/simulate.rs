//! `dmipy simulate`: Monte Carlo signal of a substrate file under a scheme, to JSON and NIfTI.

use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use dmipy::AcquisitionScheme;
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use dmipy_sim::{
    AnySubstrate, Control, Settings, SignalDerivatives, SimulationResult, Start, WaveformShape,
    Waveforms,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// Gradient waveform shapes built from the scheme's b, direction, δ and Δ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WaveformChoice {
    /// Rectangular pulsed gradient spin echo.
    Pgse,
    /// Trapezoidal PGSE with ramps of --ramp seconds.
    Trapezoid,
    /// Cosine OGSE with --periods periods per lobe.
    Ogse,
}

/// Flags of `dmipy simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Substrate JSON, e.g. {"kind": "cylinder", "radius": 5e-6, "axis": [0, 0, 1],
    /// "diffusivity": 2e-9}; kinds: free, slab, cylinder, sphere, ellipsoid (SI units).
    #[arg(long, value_name = "FILE")]
    pub substrate: PathBuf,
    /// The acquisition scheme (δ and Δ are needed).
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Gradient waveform shape.
    #[arg(long, value_enum, default_value_t = WaveformChoice::Pgse)]
    pub waveform: WaveformChoice,
    /// Ramp time of the trapezoid (s).
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub ramp: f64,
    /// Periods per lobe of the cosine OGSE.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub periods: u32,
    /// Where walkers start: `everywhere` (uniform over all compartments, i.e. inside a single
    /// shape) or a compartment name (`intra`, `extra` for packings).
    #[arg(long, value_name = "WHERE", default_value = "everywhere")]
    pub start: String,
    /// Membrane permeability κ (m/s) of the walls between compartments (cylinder_packing);
    /// transit probability 2κs/(3D) per wall hit. Default 0 (impermeable).
    #[arg(long, value_name = "M_PER_S", default_value_t = 0.0)]
    pub permeability: f64,
    /// Number of walkers.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub walkers: usize,
    /// Steps over the longest waveform (Δ + δ for PGSE). Default 1000.
    #[arg(long, value_name = "N", conflicts_with = "dt")]
    pub steps: Option<usize>,
    /// Step duration (s); the step count is the longest waveform over this, rounded up.
    #[arg(long, value_name = "SECONDS")]
    pub dt: Option<f64>,
    /// Seed of the random streams; the signal does not depend on --threads.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also the exact derivatives of the signal with respect to the substrate's size (slab
    /// width, radius) and diffusivity, by differentiating each walker's path (free, slab,
    /// cylinder and sphere substrates): `d_signal_d_size`, `d_signal_d_diffusivity` and their
    /// standard errors in the JSON output.
    #[arg(long)]
    pub derivatives: bool,
    /// Write the signals as JSON here (default: standard output when --nifti is not given).
    #[arg(long, value_name = "FILE.json")]
    pub out: Option<PathBuf>,
    /// Write the total signal as a 1×1×1×N NIfTI volume (readable by `dmipy fit`).
    #[arg(long, value_name = "FILE.nii[.gz]")]
    pub nifti: Option<PathBuf>,
}

/// Reads the substrate file; errors name the file and the field.
fn read_substrate(path: &Path) -> Result<(AnySubstrate, serde_json::Value)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let substrate = dmipy_sim::parse_substrate_in(&text, dir)
        .with_context(|| format!("substrate {}", path.display()))?;
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Ok((substrate, value))
}

fn build_waveforms(args: &SimulateArgs, scheme: &AcquisitionScheme) -> Result<Waveforms> {
    let shape = match args.waveform {
        WaveformChoice::Pgse => WaveformShape::Pgse,
        WaveformChoice::Trapezoid => WaveformShape::Trapezoid { ramp: args.ramp },
        WaveformChoice::Ogse => WaveformShape::OgseCosine {
            periods: args.periods,
        },
    };
    let steps = match (args.steps, args.dt) {
        (Some(0), _) => bail!("--steps must be at least 1"),
        (Some(n), _) => n,
        (None, Some(dt)) => Waveforms::steps_for_dt(shape, scheme, dt)?,
        (None, None) => 1000,
    };
    Ok(Waveforms::for_scheme(shape, scheme, steps)?)
}

/// Runs the simulation with a progress bar (walker-steps/s, ETA) and Ctrl-C handling.
fn run_simulation(
    args: &SimulateArgs,
    substrate: &AnySubstrate,
    waveforms: &Waveforms,
) -> Result<(SimulationResult, Option<SignalDerivatives>)> {
    let start = match args.start.as_str() {
        "everywhere" => Start::Everywhere,
        name => Start::Compartment(name.to_string()),
    };
    let settings = Settings {
        walkers: args.walkers,
        seed: args.seed,
        threads: args.threads,
        start,
        permeability: args.permeability,
    };
    let control = Arc::new(Control::default());
    let handler = Arc::clone(&control);
    // A handler already installed (tests) keeps the default behaviour.
    let _ = ctrlc::set_handler(move || handler.cancel.store(true, Ordering::SeqCst));
    let steps = waveforms.steps() as u64;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(args.walkers as u64 * steps);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {percent}%  {per_sec} walker-steps  ETA {eta}")
        {
            bar.set_style(style);
        }
        bar
    };
    let result = std::thread::scope(|scope| {
        // The worker says when it is done, so the command ends with the walk, not at the next tick.
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let (settings, control) = (&settings, &control);
        let derivatives = args.derivatives;
        let job = scope.spawn(move || {
            let result = if derivatives {
                dmipy_sim::simulate_any_derivatives(substrate, waveforms, settings, Some(control))
                    .map(|d| (d.result.clone(), Some(d)))
            } else {
                dmipy_sim::simulate_with(substrate, waveforms, settings, Some(control))
                    .map(|r| (r, None))
            };
            drop(done);
            result
        });
        while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(Duration::from_millis(100))
        {
            bar.set_position(control.walkers_done.load(Ordering::Relaxed) * steps);
        }
        job.join()
    });
    bar.finish_and_clear();
    match result {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(dmipy_sim::Error::Cancelled)) => bail!("interrupted (Ctrl-C): nothing written"),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => bail!("the simulation thread panicked"),
    }
}

/// Writes `bytes` to a temporary sibling of `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn result_json(
    args: &SimulateArgs,
    scheme: &AcquisitionScheme,
    w: &Waveforms,
    substrate: serde_json::Value,
    r: &SimulationResult,
    derivatives: Option<&SignalDerivatives>,
) -> serde_json::Value {
    let by_compartment: serde_json::Map<String, serde_json::Value> = r
        .compartments
        .iter()
        .map(|c| (c.name.clone(), json!({"walkers": c.walkers, "signal": c.signal, "std_error": c.std_error, "mean_sin": c.mean_sin})))
        .collect();
    let mut value = json!({
        "signal": r.signal,
        "std_error": r.std_error,
        "mean_sin": r.mean_sin,
        "signal_by_compartment": by_compartment,
        "bvalues_si": scheme.bvalues(),
        "bvalues_waveform_si": w.bvalues(),
        "gradient_directions": scheme.directions(),
        "seed": r.seed,
        "start": args.start,
        "permeability": args.permeability,
        "walkers": r.walkers,
        "steps": r.steps,
        "dt": r.dt,
        "waveform": format!("{:?}", args.waveform).to_lowercase(),
        "profiles": w.profile_count(),
        "truncated_steps": r.truncated_steps,
        "substrate": substrate,
    });
    if let Some(d) = derivatives {
        value["d_signal_d_size"] = json!(d.d_size);
        value["d_signal_d_size_std_error"] = json!(d.d_size_std_error);
        value["d_signal_d_diffusivity"] = json!(d.d_diffusivity);
        value["d_signal_d_diffusivity_std_error"] = json!(d.d_diffusivity_std_error);
    }
    value
}

fn write_nifti(path: &Path, signal: &[f64]) -> Result<()> {
    let header = NiftiHeader::new(NiftiVersion::One, DataType::Float64);
    let image = NiftiImage::new(header, vec![1, 1, 1, signal.len()], signal.to_vec())?;
    dmipy_io::write_nifti(path, &image).with_context(|| format!("writing {}", path.display()))
}

/// `dmipy simulate`: parse, build, simulate, write.
pub fn run(args: &SimulateArgs, out: &mut dyn Write) -> Result<()> {
    if args.walkers == 0 {
        bail!("--walkers must be at least 1");
    }
    let (substrate, substrate_json) = read_substrate(&args.substrate)?;
    let scheme = args.scheme.build()?;
    let waveforms = build_waveforms(args, &scheme)?;
    let start = Instant::now();
    let (result, derivatives) = run_simulation(args, &substrate, &waveforms)
        .with_context(|| format!("simulating {}", args.substrate.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    let value = result_json(
        args,
        &scheme,
        &waveforms,
        substrate_json,
        &result,
        derivatives.as_ref(),
    );
    let text = serde_json::to_string_pretty(&value)? + "\n";
    if let Some(path) = &args.out {
        write_atomically(path, text.as_bytes())?;
    }
    if let Some(path) = &args.nifti {
        write_nifti(path, &result.signal)?;
    }
    if args.out.is_none() && args.nifti.is_none() {
        out.write_all(text.as_bytes())?;
    } else if !args.quiet {
        let walker_steps = (result.walkers * result.steps) as f64;
        writeln!(
            out,
            "{} walkers x {} steps (dt = {:.3e} s, {} profile(s), {} measurements) in {seconds:.2} s: {:.3e} walker-steps/s",
            result.walkers,
            result.steps,
            result.dt,
            waveforms.profile_count(),
            waveforms.len(),
            walker_steps / seconds
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SimulateArgs,
    }

    #[test]
    fn steps_and_dt_conflict_and_defaults_hold() {
        let base = ["x", "--substrate", "s.json", "--scheme", "s.json"];
        let cli = Cli::try_parse_from(base).unwrap();
        assert_eq!(
            (cli.args.walkers, cli.args.seed, cli.args.steps),
            (10_000, 0, None)
        );
        assert_eq!(cli.args.waveform, WaveformChoice::Pgse);
        let mut both = base.to_vec();
        both.extend(["--steps", "10", "--dt", "1e-5"]);
        assert!(Cli::try_parse_from(both).is_err());
    }
}
