//! The `dmipy` command: diffusion-MRI microstructure models on NIfTI files.
//!
//! Each subcommand lives in its own module: flags are parsed and validated first (clap), then the
//! subcommand opens files and builds models.

mod demo;
mod describe;
mod fit;
mod info;
mod model_arg;
mod models;
mod params_json;
mod predict;
mod response;
mod sample;
mod scheme_args;
mod simulate;
mod track;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Diffusion-MRI microstructure imaging: acquisition schemes, compartment models, prediction.
#[derive(Debug, Parser)]
#[command(name = "dmipy", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise an acquisition scheme (shells, b0s, timing) and optionally a DWI image.
    Info(info::InfoArgs),
    /// Predict signals of a compartment for parameter sets given as JSON lines.
    Predict(predict::PredictArgs),
    /// Fit a model to every voxel of a DWI and write one NIfTI map per parameter.
    Fit(fit::FitArgs),
    /// List the turnkey models (with their free parameters) and the compartments.
    Models,
    /// Simulate the signal of a substrate (free, slab, cylinder, sphere, ellipsoid) by Monte Carlo.
    Simulate(simulate::SimulateArgs),
    /// Estimate tissue responses (Tournier 2013 WM, or Dhollander 2016 WM/GM/CSF) from a DWI;
    /// write MRtrix3 response files and JSON.
    Response(response::ResponseArgs),
    /// Track streamlines through a peaks, tensor or SH-FOD volume; write .tck or .trk.
    Track(track::TrackArgs),
    /// Sample the posterior of a model in every voxel (NUTS); write means, SDs, quantiles and diagnostics.
    Sample(sample::SampleArgs),
    /// Run the built-in example on bundled real data; no arguments needed.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &cli.command {
        Command::Info(args) => info::run(args).and_then(|r| Ok(out.write_all(r.as_bytes())?)),
        Command::Predict(args) => {
            let stdin = std::io::stdin();
            match &args.params_file {
                Some(path) => std::fs::File::open(path)
                    .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))
                    .and_then(|f| predict::run(args, &mut std::io::BufReader::new(f), &mut out)),
                None => predict::run(args, &mut stdin.lock(), &mut out),
            }
        }
        Command::Fit(args) => fit::run(args, &mut out),
        Command::Sample(args) => sample::run(args, &mut out),
        Command::Models => models::run(&mut out),
        Command::Demo(args) => demo::run(args, &mut out),
        Command::Simulate(args) => simulate::run(args, &mut out),
        Command::Track(args) => track::run(args, &mut out),
        Command::Response(args) => response::run(args, &mut out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`dmipy models | head`): nothing left to say.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_message(&error));
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, skipping a cause whose text the message already holds
/// (library errors often quote their source).
fn error_message(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}
