//! `dmipy track`: streamline tractography on a peaks, tensor or SH-FOD volume, written as `.tck`, `.trk` or `.trx`.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use dmipy_io::{
    NiftiImage, Tractogram, TractogramReference, read_nifti, write_tck, write_trk, write_trx,
};
use dmipy_track::{
    Algorithm, FieldVolume, Frame, Grid, IntegratorKind, MaskSeeds, MaskStop, Placement,
    PointSeeds, SeedGenerator, ShBasis, StopReason, StoppingCriterion, Streamline, ThresholdStop,
    TrackingJob, TrackingSettings, connectivity_matrix, density_map,
};
use std::path::{Path, PathBuf};

/// `dmipy track`'s flags as a command line of their own (for the demo, which runs it).
#[derive(Debug, clap::Parser)]
#[command(name = "track")]
pub struct TrackCommand {
    /// The flags.
    #[command(flatten)]
    pub args: TrackArgs,
}

/// Flags of `dmipy track`.
#[derive(Debug, Args)]
pub struct TrackArgs {
    /// SH-coefficient FOD volume (X×Y×Z×C, C = (L+1)(L+2)/2, even L ≤ 12).
    #[arg(long, value_name = "FILE", group = "field", required_unless_present_any = ["peaks", "tensor"])]
    pub fod: Option<PathBuf>,
    /// SH basis of --fod: DIPY's descoteaux07 or MRtrix3's tournier07 (current conventions;
    /// the -legacy variants are DIPY ≤ 1.2 / MRtrix 0.2).
    #[arg(long, value_enum, default_value = "descoteaux07")]
    pub sh_basis: BasisArg,
    /// Peaks volume X×Y×Z×3K (K directions per voxel, length = weight, zero = none).
    #[arg(long, value_name = "FILE", group = "field")]
    pub peaks: Option<PathBuf>,
    /// Tensor volume X×Y×Z×6 in DIPY's lower-triangular order Dxx, Dxy, Dyy, Dxz, Dyz, Dzz
    /// (`dmipy fit dti` writes it as Tensor_1_tensor.nii.gz, in the gradient directions' axes).
    #[arg(long, value_name = "FILE", group = "field")]
    pub tensor: Option<PathBuf>,
    /// Axes of the vectors in the field: world (scanner RAS, as MRtrix stores them) or voxel
    /// (array axes i, j, k, as DIPY's pipelines produce them). On an image with a flipped axis,
    /// reading one as the other mirrors the bundles.
    #[arg(long, value_enum, default_value = "world")]
    pub frame: FrameArg,
    /// Binary mask: streamlines stop on leaving it (nearest voxel ≠ 0).
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Seed points in world mm, one `x y z` per line (`#` starts a comment).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "seed_mask",
        required_unless_present = "seed_mask"
    )]
    pub seeds: Option<PathBuf>,
    /// Seed mask: --seeds-per-voxel seeds in every non-zero voxel.
    #[arg(long, value_name = "FILE")]
    pub seed_mask: Option<PathBuf>,
    /// Seeds per voxel of --seed-mask.
    #[arg(long, default_value_t = 1)]
    pub seeds_per_voxel: usize,
    /// Seed placement in a voxel: random (keyed by --seed and voxel) or grid (regular k×k×k,
    /// needs --seeds-per-voxel = k³).
    #[arg(long, value_enum, default_value = "random")]
    pub seed_placement: PlacementArg,
    /// deterministic (peaks/tensor: follow the axis; FOD: maximum within the cone) or
    /// probabilistic (FOD only: sample within the cone).
    #[arg(long, value_enum, default_value = "deterministic")]
    pub algorithm: AlgorithmArg,
    /// Integrator; default: rk4 for peaks and tensors, euler for FODs.
    #[arg(long, value_enum)]
    pub integrator: Option<IntegratorArg>,
    /// Step length (mm).
    #[arg(long, default_value_t = 0.5)]
    pub step: f64,
    /// Maximum angle between successive steps (degrees).
    #[arg(long, default_value_t = 30.0)]
    pub max_angle: f64,
    /// Streamlines shorter than this (mm) are dropped.
    #[arg(long, default_value_t = 10.0)]
    pub min_length: f64,
    /// Maximum streamline length (mm).
    #[arg(long, default_value_t = 250.0)]
    pub max_length: f64,
    /// FOD amplitudes below this fraction of the voxel's maximum are ignored.
    #[arg(long, default_value_t = 0.1)]
    pub fod_threshold: f64,
    /// Scalar map (FA, GFA, a fraction map): streamlines stop where it is below --stop-threshold.
    #[arg(long, value_name = "FILE", requires = "stop_threshold")]
    pub stop_map: Option<PathBuf>,
    /// Threshold for --stop-map.
    #[arg(long)]
    pub stop_threshold: Option<f64>,
    /// Random seed (seed placement, probabilistic directions).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (default: all cores). The result does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Also write the streamline-density map (streamlines per voxel, NIfTI on the field's grid).
    #[arg(long, value_name = "FILE")]
    pub density: Option<PathBuf>,
    /// Label image (integers ≥ 0 on the field's grid) for --connectivity.
    #[arg(long, value_name = "FILE", requires = "connectivity")]
    pub labels: Option<PathBuf>,
    /// Also write the end-point connectivity matrix (streamline counts between labels, CSV).
    #[arg(long, value_name = "FILE", requires = "labels")]
    pub connectivity: Option<PathBuf>,
    /// Output tractogram: .tck (MRtrix), .trk (TrackVis) or .trx (TRX zip), world RAS mm.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `--sh-basis`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BasisArg {
    /// DIPY descoteaux07 (legacy=False).
    Descoteaux07,
    /// MRtrix3 = DIPY tournier07 (legacy=False).
    Tournier07,
    /// DIPY ≤ 1.2 descoteaux07.
    Descoteaux07Legacy,
    /// MRtrix 0.2 = DIPY tournier07 legacy.
    Tournier07Legacy,
}

/// `--frame`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FrameArg {
    /// World (RAS) axes.
    World,
    /// Voxel (i, j, k) axes.
    Voxel,
}

/// `--seed-placement`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlacementArg {
    /// Uniform random in the voxel.
    Random,
    /// Regular sub-voxel grid.
    Grid,
}

/// `--algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// Deterministic.
    Deterministic,
    /// Probabilistic.
    Probabilistic,
}

/// `--integrator`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum IntegratorArg {
    /// Euler (first order).
    Euler,
    /// Midpoint Runge–Kutta (second order).
    Rk2,
    /// Classical Runge–Kutta (fourth order).
    Rk4,
}

enum Format {
    Tck,
    Trk,
    Trx,
}

/// Parses and checks the flags that need no file (the rest is checked by the job).
fn validate(args: &TrackArgs) -> Result<(TrackingSettings, Format)> {
    let settings = TrackingSettings {
        step_mm: args.step,
        min_length_mm: args.min_length,
        max_length_mm: args.max_length,
        seed: args.seed,
        ..TrackingSettings::default()
    };
    settings.validate().context("invalid tracking settings")?;
    let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = match ext.to_ascii_lowercase().as_str() {
        "tck" => Format::Tck,
        "trk" => Format::Trk,
        "trx" => Format::Trx,
        _ => bail!(
            "{}: the output must end in .tck, .trk or .trx",
            args.out.display()
        ),
    };
    Ok((settings, format))
}

fn load(path: &Path) -> Result<(NiftiImage<f64>, Grid)> {
    let image = read_nifti(path)?;
    if image.shape().len() < 3 {
        bail!(
            "{}: a 3-D or 4-D image is needed, shape {:?}",
            path.display(),
            image.shape()
        );
    }
    let shape = [image.shape()[0], image.shape()[1], image.shape()[2]];
    let grid = Grid::new(shape, image.affine()).with_context(|| format!("{}", path.display()))?;
    Ok((image, grid))
}

/// A 3-D image on the field's grid (same shape and affine to 1e-6 mm).
fn load_on_grid(path: &Path, grid: &Grid) -> Result<Vec<f64>> {
    let (image, g) = load(path)?;
    let same_affine =
        (0..4).all(|r| (0..4).all(|c| (g.affine()[r][c] - grid.affine()[r][c]).abs() <= 1e-6));
    if g.shape() != grid.shape() || !same_affine || image.volumes() != 1 {
        bail!(
            "{} is on a different grid than the field: shape {:?} vs {:?} (affines must agree, one volume)",
            path.display(),
            image.shape(),
            grid.shape()
        );
    }
    Ok(image.data().to_vec())
}

fn read_labels(path: &Path, grid: &Grid) -> Result<Vec<u32>> {
    load_on_grid(path, grid)?
        .iter()
        .map(|&v| {
            (v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u16::MAX))
                .then_some(v as u32)
                .with_context(|| {
                    format!(
                        "{}: label {v} is not an integer in [0, 65535]",
                        path.display()
                    )
                })
        })
        .collect()
}

fn read_points(path: &Path) -> Result<Vec<[f64; 3]>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let v: Vec<f64> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect::<Option<_>>()
            .with_context(|| format!("{}:{}: not three finite numbers", path.display(), n + 1))?;
        let [x, y, z] = v[..] else {
            bail!(
                "{}:{}: expected `x y z`, found {} values",
                path.display(),
                n + 1,
                v.len()
            );
        };
        points.push([x, y, z]);
    }
    if points.is_empty() {
        bail!("{} holds no seed points", path.display());
    }
    Ok(points)
}

/// Runs `dmipy track`.
pub fn run(args: &TrackArgs, out: &mut dyn std::io::Write) -> Result<()> {
    let (settings, format) = validate(args)?;
    let field_path = args
        .fod
        .as_ref()
        .or(args.peaks.as_ref())
        .or(args.tensor.as_ref())
        .context("no field given")?;
    let (image, grid) = load(field_path)?;
    let frame = match args.frame {
        FrameArg::World => Frame::World,
        FrameArg::Voxel => Frame::Voxel,
    };
    let mut criteria_own: Vec<Box<dyn StoppingCriterion<f64>>> = Vec::new();
    if let Some(p) = &args.mask {
        let m = load_on_grid(p, &grid)?.iter().map(|&v| v != 0.0).collect();
        criteria_own.push(Box::new(MaskStop::new(grid.clone(), m)?));
    }
    if let (Some(p), Some(t)) = (&args.stop_map, args.stop_threshold) {
        criteria_own.push(Box::new(ThresholdStop::new(
            grid.clone(),
            load_on_grid(p, &grid)?,
            t,
        )?));
    }
    let criteria: Vec<&dyn StoppingCriterion<f64>> =
        criteria_own.iter().map(|b| b.as_ref()).collect();
    let seeds = if let Some(p) = &args.seeds {
        PointSeeds {
            grid: grid.clone(),
            points: read_points(p)?,
        }
        .seeds()
        .with_context(|| format!("{}", p.display()))?
    } else {
        let p = args
            .seed_mask
            .as_ref()
            .context("--seeds or --seed-mask is needed")?;
        let mask = load_on_grid(p, &grid)?.iter().map(|&v| v != 0.0).collect();
        let placement = match args.seed_placement {
            PlacementArg::Random => Placement::Random { seed: args.seed },
            PlacementArg::Grid => Placement::Regular,
        };
        MaskSeeds {
            grid: grid.clone(),
            mask,
            per_voxel: args.seeds_per_voxel,
            placement,
        }
        .seeds()
        .with_context(|| format!("{}", p.display()))?
    };
    let field = if args.fod.is_some() {
        let basis = match args.sh_basis {
            BasisArg::Descoteaux07 => ShBasis::Descoteaux07,
            BasisArg::Tournier07 => ShBasis::Tournier07,
            BasisArg::Descoteaux07Legacy => ShBasis::Descoteaux07Legacy,
            BasisArg::Tournier07Legacy => ShBasis::Tournier07Legacy,
        };
        FieldVolume::Sh(image.data(), basis)
    } else if args.peaks.is_some() {
        FieldVolume::Peaks(image.data())
    } else {
        FieldVolume::Tensor(image.data())
    };
    let job = TrackingJob {
        grid: grid.clone(),
        field,
        frame,
        algorithm: match args.algorithm {
            AlgorithmArg::Deterministic => Algorithm::Deterministic,
            AlgorithmArg::Probabilistic => Algorithm::Probabilistic,
        },
        integrator: args.integrator.map(|i| match i {
            IntegratorArg::Euler => IntegratorKind::Euler,
            IntegratorArg::Rk2 => IntegratorKind::Rk2,
            IntegratorArg::Rk4 => IntegratorKind::Rk4,
        }),
        max_angle_deg: args.max_angle,
        fod_threshold: args.fod_threshold,
        sphere: None,
        settings,
        criteria,
    };
    let lines = run_with_progress(&job, &seeds, args)
        .with_context(|| format!("{}", field_path.display()))?;
    let labels = match &args.labels {
        Some(p) => Some(read_labels(p, &grid)?),
        None => None,
    };
    let tractogram = to_tractogram(&lines);
    let reference = TractogramReference {
        shape: grid.shape(),
        affine: *grid.affine(),
    };
    match format {
        Format::Tck => write_tck(&args.out, &tractogram)?,
        Format::Trk => write_trk(&args.out, &tractogram, &reference)?,
        Format::Trx => write_trx(&args.out, &tractogram, &reference)?,
    }
    let points: Vec<Vec<[f64; 3]>> = lines.iter().map(|l| l.points.clone()).collect();
    if let Some(p) = &args.density {
        let map: Vec<f32> = density_map(&grid, &points)
            .iter()
            .map(|&c| c as f32)
            .collect();
        let shape = grid.shape().to_vec();
        dmipy_io::write_nifti(p, &NiftiImage::like(&image, shape, map)?)?;
    }
    if let (Some(p), Some(labels)) = (&args.connectivity, &labels) {
        let (n, m) = connectivity_matrix(&grid, labels, &points)?;
        let csv: String = m
            .chunks(n)
            .map(|row| row.iter().map(u64::to_string).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        let tmp = p.with_extension("csv.part");
        std::fs::write(&tmp, csv)
            .and_then(|()| std::fs::rename(&tmp, p))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    writeln!(out, "{}", summary(&lines, seeds.len(), args))?;
    Ok(())
}

/// The job over all seeds with a progress bar (seeds/s, ETA) on `--threads` threads.
fn run_with_progress(
    job: &TrackingJob<'_>,
    seeds: &[[f64; 3]],
    args: &TrackArgs,
) -> Result<Vec<Streamline<f64>>> {
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(seeds.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seeds, {per_sec}, ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let go = || job.run(seeds, &|n| bar.inc(n as u64));
    let lines = match args.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()?
            .install(go),
        None => go(),
    }?;
    bar.finish_and_clear();
    Ok(lines)
}

fn to_tractogram(lines: &[Streamline<f64>]) -> Tractogram {
    let prop = |f: &dyn Fn(&Streamline<f64>) -> f32| lines.iter().map(f).collect::<Vec<f32>>();
    Tractogram {
        streamlines: lines
            .iter()
            .map(|l| l.points.iter().map(|p| p.map(|x| x as f32)).collect())
            .collect(),
        properties: vec![
            ("seed_index".into(), prop(&|l| l.seed_index as f32)),
            ("length_mm".into(), prop(&|l| l.length_mm() as f32)),
            ("stop_start".into(), prop(&|l| f32::from(l.stop[0].code()))),
            ("stop_end".into(), prop(&|l| f32::from(l.stop[1].code()))),
        ],
    }
}

fn summary(lines: &[Streamline<f64>], seeds: usize, args: &TrackArgs) -> String {
    let reasons = [
        StopReason::Mask,
        StopReason::Threshold,
        StopReason::LeftImage,
        StopReason::Angle,
        StopReason::MaxLength,
    ];
    let counts: Vec<String> = reasons
        .iter()
        .map(|r| {
            let n: usize = lines
                .iter()
                .map(|l| l.stop.iter().filter(|s| *s == r).count())
                .sum();
            format!("{r:?} {n}")
        })
        .collect();
    format!(
        "{} streamlines from {seeds} seeds (seed {}) written to {}\nends stopped by: {}",
        lines.len(),
        args.seed,
        args.out.display(),
        counts.join(", ")
    )
}
