//! `dmipy predict`: signals of a model for parameter sets given as JSON lines.

use crate::model_arg::CliModel;
use crate::params_json::params_from_json;
use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result, bail};
use clap::Args;
use dmipy::AnyCompartment;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// Flags of `dmipy predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// Model: a compartment name of Dmipy 1.x, e.g. C1Stick, G2Zeppelin,
    /// C4CylinderGaussianPhaseApproximation (`dmipy predict --model list` lists them), or a model
    /// file (JSON) composing compartments as a Dmipy script does.
    #[arg(long, value_name = "NAME")]
    pub model: String,
    /// JSON lines, one object per voxel mapping parameter names to SI values (a list for `mu`);
    /// standard input when absent.
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    #[command(flatten)]
    pub scheme: SchemeArgs,
}

/// Runs `dmipy predict`, writing one JSON array of signals per input line to `out`.
pub fn run(args: &PredictArgs, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<()> {
    if args.model == "list" {
        for name in AnyCompartment::NAMES {
            writeln!(out, "{name}")?;
        }
        return Ok(());
    }
    let model = CliModel::load(&args.model)?;
    let names = model.parameters();
    let scheme = args.scheme.build()?;
    let source = args
        .params_file
        .as_ref()
        .map_or_else(|| "standard input".to_string(), |p| p.display().to_string());
    let mut signal = vec![0.0; model.output_len(&scheme)];
    for (index, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("reading {source}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{source}, line {}", index + 1);
        let object = match serde_json::from_str::<Value>(&line).with_context(at)? {
            Value::Object(object) => object,
            _ => bail!("{}: expected a JSON object of parameter values", at()),
        };
        let params = params_from_json(&names, &object).with_context(at)?;
        model
            .signal(&scheme, &params, &mut signal)
            .with_context(at)?;
        serde_json::to_writer(&mut *out, &signal)?;
        writeln!(out)?;
    }
    Ok(())
}
