//! Flags of `dmipy fit`.

use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use dmipy::{
    AmicoOptions, FitOptions, MixOptions, ModelComponent, MultiCompartmentModel, NoiseModel, S0Mode,
};
use std::path::{Path, PathBuf};

/// How S0 is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum S0Choice {
    /// The mean of the b0 volumes of the voxel, per echo time.
    MeanB0,
    /// A fitted parameter, started at the mean b0.
    Fitted,
}

/// Noise model of the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NoiseChoice {
    /// Least squares (maximum likelihood under Gaussian noise).
    Gaussian,
    /// Maximum likelihood under Rician noise (magnitude data), refined from the Gaussian fit;
    /// σ from --sigma or estimated per voxel from the Gaussian residuals.
    Rician,
}

/// The solver of a parametric fit (Dmipy's `solver` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolverChoice {
    /// Brute-force grid start, then bounded Levenberg–Marquardt (Dmipy's default).
    Brute2fine,
    /// AMICO: a dictionary over each compartment's parameters and regularised NNLS (Daducci
    /// 2015); orientations from a tensor fit.
    Amico,
    /// MIX (Farooq 2016): differential evolution of the non-linear parameters with the fractions
    /// projected out, then the Levenberg–Marquardt refinement (slow, global).
    Mix,
}

/// Flags of `dmipy fit`.
#[derive(Debug, Clone, Args)]
pub struct FitArgs {
    /// Model: a turnkey name (`dmipy models` lists them, e.g. noddi_watson, ball_stick, dti), a
    /// compartment name (e.g. C1Stick), a model file (JSON, the calls a Dmipy script makes), or
    /// `csd` / `msmt_csd` (spherical deconvolution with responses estimated from the data).
    #[arg(long, value_name = "NAME|FILE")]
    pub model: String,
    /// Diffusion-weighted NIfTI image (.nii or .nii.gz), one volume per measurement.
    #[arg(long, value_name = "FILE")]
    pub dwi: PathBuf,
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Mask (NIfTI, same grid as the DWI): voxels with a non-zero value are fitted. Default:
    /// every voxel whose b0 is positive.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Output folder; created if missing. One map per parameter, plus mse, r2, flags and fit.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// S0 handling.
    #[arg(long, value_enum, default_value_t = S0Choice::MeanB0)]
    pub s0: S0Choice,
    /// Noise model.
    #[arg(long, value_enum, default_value_t = NoiseChoice::Gaussian)]
    pub noise: NoiseChoice,
    /// Rician noise σ relative to S0 (e.g. 0.02 for SNR 50); estimated per voxel when absent.
    #[arg(long, value_name = "SIGMA", requires = "noise")]
    pub sigma: Option<f64>,
    /// Also write Cramér–Rao standard deviations, `<name>_std.nii.gz`.
    #[arg(long)]
    pub uncertainties: bool,
    /// Start the solver from this many of the best grid points and keep the best fit (1 to 8);
    /// more helps multimodal models.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=8))]
    pub starts: u8,
    /// Solver: brute2fine, mix (global search, then the same refinement), or amico (no
    /// uncertainties, Rician noise, fitted S0 or multiple starts with it).
    #[arg(long, value_enum, default_value_t = SolverChoice::Brute2fine)]
    pub solver: SolverChoice,
    /// MIX: most generations of the evolutionary search (Dmipy's maxiter).
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub maxiter: usize,
    /// AMICO: grid values per gridded parameter, bounds included (Dmipy's Nt).
    #[arg(long, value_name = "N", default_value_t = 12)]
    pub amico_grid: usize,
    /// AMICO: L1 weight per compartment, comma-separated (default 0 for all).
    #[arg(long, value_name = "L1,...", value_delimiter = ',')]
    pub lambda_1: Vec<f64>,
    /// AMICO: L2 weight per compartment, comma-separated (default 0 for all).
    #[arg(long, value_name = "L2,...", value_delimiter = ',')]
    pub lambda_2: Vec<f64>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Also write a PNG of the middle axial slice of every scalar map, with a colour bar.
    #[arg(long)]
    pub png: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl FitArgs {
    /// The model the flags name.
    pub fn model(&self) -> Result<MultiCompartmentModel> {
        composed_model(&self.model)
    }

    /// Solver options from the flags.
    pub fn fit_options(&self) -> FitOptions {
        FitOptions {
            s0: match self.s0 {
                S0Choice::MeanB0 => S0Mode::MeanB0,
                S0Choice::Fitted => S0Mode::Fitted,
            },
            noise: match self.noise {
                NoiseChoice::Gaussian => NoiseModel::Gaussian,
                NoiseChoice::Rician => NoiseModel::Rician { sigma: self.sigma },
            },
            uncertainties: self.uncertainties,
            starts: usize::from(self.starts),
            ..FitOptions::default()
        }
    }

    /// MIX's options from the flags.
    pub fn mix_options(&self) -> MixOptions {
        MixOptions {
            max_iterations: self.maxiter,
            ..MixOptions::default()
        }
    }

    /// AMICO's options from the flags; an error for flags AMICO does not take.
    pub fn amico_options(&self) -> Result<AmicoOptions> {
        let refused = [
            (self.uncertainties, "--uncertainties"),
            (self.noise != NoiseChoice::Gaussian, "--noise rician"),
            (self.s0 != S0Choice::MeanB0, "--s0 fitted"),
            (self.starts > 1, "--starts"),
        ];
        if let Some((_, flag)) = refused.iter().find(|(on, _)| *on) {
            bail!("{flag} is not available with --solver amico (a linear solve over a dictionary)");
        }
        Ok(AmicoOptions {
            grid_points: self.amico_grid,
            lambda_1: self.lambda_1.clone(),
            lambda_2: self.lambda_2.clone(),
            ..AmicoOptions::default()
        })
    }
}

/// A turnkey model name, a model file, or a single compartment, as a multi-compartment model.
pub fn composed_model(arg: &str) -> Result<MultiCompartmentModel> {
    if let Ok(model) = MultiCompartmentModel::turnkey(arg) {
        return Ok(model);
    }
    let path = Path::new(arg);
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || path.exists()
    {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read model file {}", path.display()))?;
        return MultiCompartmentModel::from_json(&text)
            .with_context(|| format!("model file {}", path.display()));
    }
    let component = ModelComponent::by_name(arg).with_context(|| {
        format!(
            "'{arg}' is neither a turnkey model ({}) nor a model file",
            dmipy::TURNKEY_NAMES
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok(MultiCompartmentModel::new(vec![component])?)
}
