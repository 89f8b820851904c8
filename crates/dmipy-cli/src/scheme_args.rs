//! The flags that describe an acquisition scheme, shared by every subcommand that needs one.

use anyhow::{Context, Result, bail};
use clap::Args;
use dmipy::{AcquisitionScheme, PerMeasurement, PulseTiming, SchemeOptions};
use std::path::PathBuf;

/// Where the acquisition scheme comes from: a scheme file, or FSL bvals/bvecs plus timing.
#[derive(Debug, Clone, Args)]
pub struct SchemeArgs {
    /// Acquisition scheme file: JSON (`{"bvalues_si": [...], "gradient_directions": [[x,y,z],...],
    /// "delta": s, "Delta": s, "TE": s}`) or a Camino `.scheme` file. Replaces --bvals/--bvecs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["bvals", "bvecs"])]
    pub scheme: Option<PathBuf>,
    /// FSL b-values file (one row, s/mm²).
    #[arg(long, value_name = "FILE", requires = "bvecs")]
    pub bvals: Option<PathBuf>,
    /// FSL gradient directions file (3 rows or 3 columns of unit vectors).
    #[arg(long, value_name = "FILE", requires = "bvals")]
    pub bvecs: Option<PathBuf>,
    /// Gradient pulse duration δ in seconds (e.g. 0.0106), for every measurement.
    #[arg(long, value_name = "SECONDS")]
    pub delta: Option<f64>,
    /// Gradient pulse separation Δ in seconds (e.g. 0.0431), for every measurement.
    #[arg(long = "Delta", value_name = "SECONDS")]
    pub big_delta: Option<f64>,
    /// Echo time in seconds, for every measurement.
    #[arg(long = "TE", value_name = "SECONDS")]
    pub echo_time: Option<f64>,
    /// b-values at or below this are b0 (s/mm²).
    #[arg(long, value_name = "S_PER_MM2", default_value_t = 10.0)]
    pub b0_threshold: f64,
}

impl SchemeArgs {
    /// Reads the scheme the flags describe; errors name the file and the problem.
    pub fn build(&self) -> Result<AcquisitionScheme> {
        let options = SchemeOptions {
            b0_threshold: self.b0_threshold * 1e6,
            ..SchemeOptions::default()
        };
        let timing = PulseTiming {
            delta: self.delta.map(PerMeasurement::Constant),
            big_delta: self.big_delta.map(PerMeasurement::Constant),
            echo_time: self.echo_time.map(PerMeasurement::Constant),
        };
        match (&self.scheme, &self.bvals, &self.bvecs) {
            (Some(path), _, _) => {
                if self.delta.is_some() || self.big_delta.is_some() || self.echo_time.is_some() {
                    bail!(
                        "--delta/--Delta/--TE apply to FSL files; put the timing in {} instead",
                        path.display()
                    );
                }
                let is_json = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"));
                let scheme = if is_json {
                    dmipy_io::read_json_scheme(path, &options)?
                } else {
                    // Camino writes BVECTOR b-values in s/m² (its fsl2scheme scales FSL values by 1e6).
                    dmipy_io::read_camino_scheme(
                        path,
                        dmipy_io::BValueUnit::SecondsPerSquareMeter,
                        &options,
                    )?
                };
                Ok(scheme)
            }
            (None, Some(bvals), Some(bvecs)) => {
                dmipy_io::read_fsl_scheme(bvals, bvecs, timing, &options).with_context(|| {
                    format!(
                        "reading the scheme from {} and {}",
                        bvals.display(),
                        bvecs.display()
                    )
                })
            }
            _ => bail!("no acquisition scheme: give --bvals and --bvecs (FSL), or --scheme FILE"),
        }
    }
}
