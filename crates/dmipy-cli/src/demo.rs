//! `dmipy demo`: the built-in example. It fits DTI on real data bundled into the binary and
//! NODDI on a synthetic phantom it makes itself (by brute2fine and by AMICO), through the same
//! code path as `dmipy fit`, and
//! simulates a restricted cylinder by Monte Carlo beside the core's exact-regime model, and
//! deconvolves the real data (CSD) and tracks its FODs into a TRX file.

use crate::fit::{self, FitArgs, NoiseChoice, S0Choice, SolverChoice};
use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result};
use clap::{Args, Parser};
use dmipy::{AcquisitionScheme, MultiCompartmentModel};
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A real single-shell DWI crop from DIPY's test data (BSD-3-Clause; see data/dipy/NOTICE).
const DWI: &[u8] = include_bytes!("../../../data/dipy/small_64D.nii.gz");
const BVALS: &str = include_str!("../../../data/dipy/small_64D.bval");
const BVECS: &str = include_str!("../../../data/dipy/small_64D.bvec");

/// HCP WU-Minn pulse timing (s), as in `AcquisitionScheme::hcp_wu_minn`.
const HCP_DELTA: f64 = 0.0106;
const HCP_BIG_DELTA: f64 = 0.0431;

/// Flags of `dmipy demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Folder for the inputs it writes and the fitted maps.
    #[arg(long, value_name = "DIR", default_value = "dmipy-demo")]
    pub out: PathBuf,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs both examples and tells where the maps are.
pub fn run(args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let inputs = args.out.join("inputs");
    std::fs::create_dir_all(&inputs)
        .with_context(|| format!("cannot create {}", inputs.display()))?;
    writeln!(
        out,
        "== 1. DTI on real data (DIPY's small_64D: 10x10x10 voxels, 64 directions at b=1000)"
    )?;
    let dwi = write_file(&inputs, "small_64D.nii.gz", DWI)?;
    let bvals = write_file(&inputs, "small_64D.bval", BVALS.as_bytes())?;
    let bvecs = write_file(&inputs, "small_64D.bvec", BVECS.as_bytes())?;
    let dti = fit_args(args, "dti", dwi, bvals, bvecs, None, "dti");
    fit::run(&dti, out)?;

    writeln!(
        out,
        "\n== 2. NODDI-Watson on a synthetic phantom (HCP scheme, 8x8 voxels, noise-free)"
    )?;
    let phantom = Phantom::write(&inputs)?;
    let noddi = fit_args(
        args,
        "noddi_watson",
        phantom.dwi.clone(),
        phantom.bvals.clone(),
        phantom.bvecs.clone(),
        Some((HCP_DELTA, HCP_BIG_DELTA)),
        "noddi",
    );
    fit::run(&noddi, out)?;
    write!(out, "{}", phantom.compare(&args.out.join("noddi"))?)?;
    writeln!(
        out,
        "\n== 2b. The same phantom by AMICO (12 x 12 dictionary per voxel, orientation from DTI)"
    )?;
    let amico = FitArgs {
        solver: SolverChoice::Amico,
        out: args.out.join("noddi_amico"),
        ..noddi.clone()
    };
    fit::run(&amico, out)?;
    write!(out, "{}", phantom.compare(&amico.out)?)?;
    posterior(args, &inputs, &phantom, out)?;
    simulated_cylinder(out)?;
    csd_and_tracking(args, &inputs, out)?;
    writeln!(
        out,
        "\nAll inputs are in {} and the maps in {}.",
        inputs.display(),
        args.out.display()
    )?;
    Ok(())
}

/// Monte Carlo signal of a cylinder (R = 2 µm, D = 1.7e-9 m²/s, axis z) at HCP timing beside
/// C4CylinderGaussianPhaseApproximation, which is accurate in this long-pulse regime
/// (Dδ/R² = 4.5): the two agree within a few standard errors, and so do the walk's pathwise
/// derivative R ∂E/∂R and the model's (central differences of C4).
fn simulated_cylinder(out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n== 3. Monte Carlo: 20,000 walkers in a cylinder (R = 2 um, axis z) vs the Gaussian phase model"
    )?;
    let (radius, diffusivity) = (2e-6, 1.7e-9);
    let tilt = std::f64::consts::FRAC_PI_4;
    let mut bvalues = vec![0.0];
    let mut directions = vec![[0.0; 3]];
    for b in [1e9, 2e9, 3e9] {
        for d in [
            [1.0, 0.0, 0.0],
            [tilt.sin(), 0.0, tilt.cos()],
            [0.0, 0.0, 1.0],
        ] {
            bvalues.push(b);
            directions.push(d);
        }
    }
    let timing = dmipy::PulseTiming::pgse(HCP_DELTA, HCP_BIG_DELTA);
    let scheme =
        AcquisitionScheme::from_bvalues(&bvalues, &directions, timing, &Default::default())?;
    let cylinder = dmipy_sim::Cylinder::new(radius, [0.0, 0.0, 1.0], diffusivity)?;
    let waveforms = dmipy_sim::Waveforms::pgse(&scheme, 1000)?;
    let settings = dmipy_sim::Settings {
        walkers: 20_000,
        seed: 1,
        ..Default::default()
    };
    let run = dmipy_sim::simulate_derivatives(&cylinder, &waveforms, &settings)?;
    let (result, d_radius) = (&run.result, run.d_size.unwrap_or_default());
    let d_radius_se = run.d_size_std_error.unwrap_or_default();
    // Dmipy's default C4 has the intra-axonal diffusivity 1.7e-9 m²/s, as simulated here.
    let c4 = dmipy::C4CylinderGaussianPhaseApproximation::default();
    let model_at = |r: f64| -> Result<Vec<f64>> {
        let mut e = vec![0.0; scheme.len()];
        dmipy::Compartment::signal(&c4, &scheme, &[0.0, 0.0, diffusivity, 2.0 * r], &mut e)?;
        Ok(e)
    };
    let model = model_at(radius)?;
    let h = 1e-6 * radius;
    let (up, down) = (model_at(radius + h)?, model_at(radius - h)?);
    writeln!(
        out,
        "   b (s/mm2)  angle to axis  Monte Carlo        C4 model   (MC - C4)/SE   R dE/dR: MC          C4"
    )?;
    for i in 1..scheme.len() {
        let angle = directions[i][2].clamp(-1.0, 1.0).acos().to_degrees();
        let (mc, se) = (result.signal[i], result.std_error[i]);
        let model_slope = radius * (up[i] - down[i]) / (2.0 * h);
        writeln!(
            out,
            "   {:>9.0}  {angle:>11.0}°  {mc:.4} ± {se:.1e}  {:>8.4}   {:>+6.2}        {:+.4} ± {:.1e}  {model_slope:+.4}",
            bvalues[i] * 1e-6,
            model[i],
            (mc - model[i]) / se,
            radius * d_radius[i],
            radius * d_radius_se[i],
        )?;
    }
    Ok(())
}

/// NUTS posteriors of ball & stick in four voxels of the phantom (σ from each voxel's
/// least-squares residual), with R-hat and ESS maps beside the posterior summaries.
fn posterior(args: &DemoArgs, inputs: &Path, phantom: &Phantom, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n   NUTS posterior of ball & stick in 4 phantom voxels (4 chains, 300 warm-up, 600 draws)"
    )?;
    let mut header = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    header.pixdim[1..4].copy_from_slice(&[2.0, 2.0, 2.0]);
    header.srow = [
        [2.0, 0.0, 0.0, 0.0],
        [0.0, 2.0, 0.0, 0.0],
        [0.0, 0.0, 2.0, 0.0],
    ];
    let mut mask = vec![0.0f32; SIDE * SIDE];
    for k in [0, 3, 5, 7] {
        mask[k * SIDE + k] = 1.0;
    }
    let mask_path = inputs.join("sample_mask.nii.gz");
    dmipy_io::write_nifti(
        &mask_path,
        &NiftiImage::new(header, vec![SIDE, SIDE, 1], mask)?,
    )?;
    // `--save-draws` refuses an existing store; a re-run of the demo replaces its own.
    let store = args.out.join("sample").join("draws.zarr");
    if store.join(".zmetadata").is_file() {
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("cannot replace {}", store.display()))?;
    }
    let path = |p: &Path| p.to_string_lossy().into_owned();
    let mut flags = vec![
        "sample".to_string(),
        "--model".into(),
        "ball_stick".into(),
        "--dwi".into(),
        path(&phantom.dwi),
        "--bvals".into(),
        path(&phantom.bvals),
        "--bvecs".into(),
        path(&phantom.bvecs),
        "--delta".into(),
        HCP_DELTA.to_string(),
        "--Delta".into(),
        HCP_BIG_DELTA.to_string(),
        "--mask".into(),
        path(&mask_path),
        "--seed".into(),
        "1".into(),
        "--out".into(),
        path(&args.out.join("sample")),
        "--save-draws".into(),
        path(&store),
    ];
    if args.quiet {
        flags.push("--quiet".into());
    }
    let sample = crate::sample::SampleCommand::try_parse_from(flags)?;
    crate::sample::run(&sample.args, out)
}

/// MC-CSD (a data-driven Tournier 2013 response) on the real data of section 1, and
/// deterministic tracking of its FOD from every voxel, written as TRX.
fn csd_and_tracking(args: &DemoArgs, inputs: &Path, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n== 4. Spherical deconvolution (CSD) of the real data, then tractography of its FODs"
    )?;
    let dwi = inputs.join("small_64D.nii.gz");
    let csd = fit_args(
        args,
        "csd",
        dwi.clone(),
        inputs.join("small_64D.bval"),
        inputs.join("small_64D.bvec"),
        None,
        "csd",
    );
    fit::run(&csd, out)?;
    // Seeds in every voxel of the 10 × 10 × 10 crop, on the FOD's grid.
    let reference = dmipy_io::read_nifti(&dwi)?;
    let shape = reference.shape()[..3].to_vec();
    let n: usize = shape.iter().product();
    let seeds = inputs.join("seed_mask.nii.gz");
    dmipy_io::write_nifti(
        &seeds,
        &NiftiImage::like(&reference, shape, vec![1.0f64; n])?,
    )?;
    let fod = args.out.join("csd").join("fod_sh.nii.gz");
    let tracks = args.out.join("tracks.trx");
    let path = |p: &Path| p.to_string_lossy().into_owned();
    let mut flags = vec![
        "track".to_string(),
        "--fod".into(),
        path(&fod),
        "--sh-basis".into(),
        "tournier07".into(),
        // FSL b-vectors are in voxel axes, and so are the FODs fitted from them.
        "--frame".into(),
        "voxel".into(),
        "--seed-mask".into(),
        path(&seeds),
        "--seeds-per-voxel".into(),
        "8".into(),
        "--seed-placement".into(),
        "grid".into(),
        "--step".into(),
        "0.5".into(),
        "--max-angle".into(),
        "30".into(),
        "--min-length".into(),
        "5".into(),
        "--out".into(),
        path(&tracks),
    ];
    if args.quiet {
        flags.push("--quiet".into());
    }
    let track = crate::track::TrackCommand::try_parse_from(flags)?;
    crate::track::run(&track.args, out)?;
    Ok(())
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn fit_args(
    args: &DemoArgs,
    model: &str,
    dwi: PathBuf,
    bvals: PathBuf,
    bvecs: PathBuf,
    timing: Option<(f64, f64)>,
    folder: &str,
) -> FitArgs {
    FitArgs {
        model: model.into(),
        dwi,
        scheme: SchemeArgs {
            scheme: None,
            bvals: Some(bvals),
            bvecs: Some(bvecs),
            delta: timing.map(|t| t.0),
            big_delta: timing.map(|t| t.1),
            echo_time: None,
            b0_threshold: 10.0,
        },
        mask: None,
        out: args.out.join(folder),
        s0: S0Choice::MeanB0,
        noise: NoiseChoice::Gaussian,
        sigma: None,
        uncertainties: false,
        starts: 1,
        solver: SolverChoice::Brute2fine,
        maxiter: 300,
        amico_grid: 12,
        lambda_1: Vec::new(),
        lambda_2: Vec::new(),
        threads: None,
        png: true,
        quiet: args.quiet,
    }
}

/// An 8 × 8 × 1 NODDI-Watson phantom: ODI grows along x, the intra-neurite fraction along y.
struct Phantom {
    dwi: PathBuf,
    bvals: PathBuf,
    bvecs: PathBuf,
    odi: Vec<f64>,
    intra: Vec<f64>,
}

const SIDE: usize = 8;
const S0: f64 = 1000.0;

impl Phantom {
    fn truth(i: usize, j: usize) -> (f64, f64) {
        let t = |k: usize| k as f64 / (SIDE - 1) as f64;
        (0.05 + 0.5 * t(i), 0.3 + 0.5 * t(j))
    }

    fn write(dir: &Path) -> Result<Self> {
        let scheme = AcquisitionScheme::hcp_wu_minn()?;
        let model = MultiCompartmentModel::turnkey("noddi_watson")?;
        let n = SIDE * SIDE;
        let mut data = vec![0.0f32; n * scheme.len()];
        let (mut odi, mut intra) = (Vec::new(), Vec::new());
        let mut signal = vec![0.0; scheme.len()];
        let mut full = vec![0.0; model.full_len()];
        for v in 0..n {
            let (o, f) = Self::truth(v % SIDE, v / SIDE);
            // Parameter order of noddi_watson: mu (2), odi, intra fraction, ball, dispersed bundle.
            let params = [std::f64::consts::FRAC_PI_2, 0.3, o, f, 0.1, 0.9];
            model.full_from_parameters(&params, &mut full)?;
            model.signal(&scheme, &full, &mut signal)?;
            for (t, &s) in signal.iter().enumerate() {
                data[t * n + v] = (S0 * s) as f32;
            }
            odi.push(o);
            intra.push(f);
        }
        let mut header = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
        header.pixdim[1..4].copy_from_slice(&[2.0, 2.0, 2.0]);
        header.srow = [
            [2.0, 0.0, 0.0, 0.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0],
        ];
        let image = NiftiImage::new(header, vec![SIDE, SIDE, 1, scheme.len()], data)?;
        let dwi = dir.join("noddi_phantom.nii.gz");
        dmipy_io::write_nifti(&dwi, &image)?;
        let bvals: Vec<String> = scheme
            .bvalues()
            .iter()
            .map(|b| format!("{}", b * 1e-6))
            .collect();
        let row = |k: usize| -> String {
            scheme
                .directions()
                .iter()
                .map(|g| format!("{:.17}", g[k]))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let bvals_path = write_file(
            dir,
            "noddi_phantom.bval",
            (bvals.join(" ") + "\n").as_bytes(),
        )?;
        let bvecs_text = format!("{}\n{}\n{}\n", row(0), row(1), row(2));
        let bvecs_path = write_file(dir, "noddi_phantom.bvec", bvecs_text.as_bytes())?;
        Ok(Self {
            dwi,
            bvals: bvals_path,
            bvecs: bvecs_path,
            odi,
            intra,
        })
    }

    /// Reads the written ODI and intra-neurite maps back and compares them with the truth.
    fn compare(&self, maps: &Path) -> Result<String> {
        let read = |name: &str| -> Result<Vec<f64>> {
            Ok(dmipy_io::read_nifti(maps.join(format!("{name}.nii.gz")))?
                .data()
                .to_vec())
        };
        let odi = read("SD1WatsonDistributed_1_SD1Watson_1_odi")?;
        let intra = read("SD1WatsonDistributed_1_partial_volume_0")?;
        let worst = |got: &[f64], want: &[f64]| {
            got.iter()
                .zip(want)
                .map(|(g, w)| (g - w).abs())
                .fold(0.0, f64::max)
        };
        Ok(format!(
            "phantom truth vs written maps: largest |ODI error| = {:.2e}, largest |intra-neurite fraction error| = {:.2e}\n",
            worst(&odi, &self.odi),
            worst(&intra, &self.intra)
        ))
    }
}
