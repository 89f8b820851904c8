//! Deterministic-maximum or probabilistic tracking of an SH NIfTI with a mask, for
//! `benches/tracking_vs_dipy.py`.
//!
//! Run: `cargo run --release -p dmipy-track --example track_sh_nifti -- SH.nii.gz MASK.nii.gz
//! SEEDS.json OUT.tck` where SEEDS.json holds `seeds` (world mm), `sphere` (unit vectors),
//! `step_mm`, `max_angle_deg`, `pmf_threshold` and optionally `algorithm` ("deterministic", the
//! default, or "probabilistic", seeded with 1). Prints the time of building the field and tracking (file I/O excluded) as
//! JSON. Threads: `RAYON_NUM_THREADS`.

use dmipy_io::{Tractogram, read_nifti, write_tck};
use dmipy_track::{
    DeterministicMaximum, Euler, Frame, Grid, MaskStop, Probabilistic, ShBasis, ShField,
    StoppingCriterion, TrackingSettings, track_all,
};
use std::path::Path;

fn vectors(v: &serde_json::Value) -> Result<Vec<[f64; 3]>, String> {
    v.as_array()
        .ok_or("a list of points was expected")?
        .iter()
        .map(|p| {
            let c = |k: usize| p[k].as_f64().ok_or("a number was expected");
            Ok([c(0)?, c(1)?, c(2)?])
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, sh, mask, seeds, out] = args.as_slice() else {
        return Err("usage: track_sh_nifti SH.nii.gz MASK.nii.gz SEEDS.json OUT.tck".into());
    };
    let sh = read_nifti(Path::new(sh))?;
    let mask = read_nifti(Path::new(mask))?;
    let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(seeds)?)?;
    let number = |key: &str| spec[key].as_f64().ok_or(format!("{key} missing"));
    let shape = [sh.shape()[0], sh.shape()[1], sh.shape()[2]];
    // Timed from here, as DIPY's side is timed from `from_shcoeff`: building the field (its
    // amplitude precompute) counts, reading the files does not.
    let start = std::time::Instant::now();
    let grid = Grid::new(shape, sh.affine())?;
    let field = ShField::from_volume(
        grid.clone(),
        sh.data(),
        sh.shape()[3],
        ShBasis::Descoteaux07,
        Frame::World,
        vectors(&spec["sphere"])?,
    )?;
    let (angle, threshold) = (number("max_angle_deg")?, number("pmf_threshold")?);
    let stop = MaskStop::new(grid, mask.data().iter().map(|&m| m > 0.0).collect())?;
    let criteria: [&dyn StoppingCriterion<f64>; 1] = [&stop];
    let settings = TrackingSettings {
        step_mm: number("step_mm")?,
        seed: 1,
        ..Default::default()
    };
    let seeds = vectors(&spec["seeds"])?;
    let setup_seconds = start.elapsed().as_secs_f64();
    let lines = match spec["algorithm"].as_str().unwrap_or("deterministic") {
        "deterministic" => {
            let getter = DeterministicMaximum::new(field, angle, threshold);
            track_all(&getter, &Euler, &criteria, &seeds, &settings, &|_| {})?
        }
        "probabilistic" => {
            let getter = Probabilistic::new(field, angle, threshold);
            track_all(&getter, &Euler, &criteria, &seeds, &settings, &|_| {})?
        }
        other => return Err(format!("unknown algorithm {other}").into()),
    };
    let seconds = start.elapsed().as_secs_f64();
    let tractogram = Tractogram {
        streamlines: lines
            .iter()
            .map(|l| l.points.iter().map(|p| p.map(|x| x as f32)).collect())
            .collect(),
        properties: Vec::new(),
    };
    write_tck(Path::new(out), &tractogram)?;
    let points: usize = lines.iter().map(|l| l.points.len()).sum();
    println!(
        "{}",
        serde_json::json!({"seconds": seconds, "setup_seconds": setup_seconds, "streamlines": lines.len(), "points": points})
    );
    Ok(())
}
