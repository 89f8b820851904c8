//! Times `fit_model` of a turnkey model with default `FitOptions` on data written by
//! `benches/fit_vs_peers.py`.
//!
//! Usage: `fit_phantom DIR MODEL [REPEATS]`. DIR holds `bvals.f64` (s/m²), `dirs.f64`
//! (measurements × 3) and `data.f64` (voxels × measurements, raw signals incl. b0s), all
//! little-endian f64. Writes `fit.f64` (voxels × the model's public parameters, SI, partial
//! volumes as volume fractions) and prints `{"wall_s": median, "walls": [...], "cpu_s": mean CPU
//! seconds per run, "names": [[name, cardinality], ...], "iterations": mean LM iterations}`.

mod bench_io;

use bench_io::{cpu_seconds, median, read_f64, read_scheme, write_f64};
use dmipy::{Error, FitControl, FitOptions, ModelFit, MultiCompartmentModel, fit_model};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(name)) = (args.get(1).map(Path::new), args.get(2)) else {
        eprintln!("usage: fit_phantom DIR MODEL [REPEATS]");
        std::process::exit(2);
    };
    let repeats: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(3);
    let model = MultiCompartmentModel::turnkey(name)?;
    let scheme = read_scheme(dir)?;
    let data = read_f64(&dir.join("data.f64"))?;
    let options = FitOptions::default();
    let mut walls = Vec::new();
    let mut fit: Option<ModelFit> = None;
    let cpu0 = cpu_seconds();
    for _ in 0..repeats.max(1) {
        let w0 = Instant::now();
        fit = Some(fit_model(
            &model,
            &scheme,
            &data,
            &options,
            &FitControl::default(),
        )?);
        walls.push(w0.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu0) / repeats.max(1) as f64;
    let Some(fit) = fit else {
        return Ok(());
    };
    write_f64(&dir.join("fit.f64"), &fit.parameters)?;
    let names: Vec<String> = fit
        .names
        .iter()
        .map(|(n, c)| format!("[\"{n}\", {c}]"))
        .collect();
    let iterations: f64 = fit
        .diagnostics
        .iterations
        .iter()
        .map(|&i| f64::from(i))
        .sum::<f64>()
        / fit.n_voxels().max(1) as f64;
    println!(
        "{{\"wall_s\": {}, \"walls\": {:?}, \"cpu_s\": {}, \"names\": [{}], \"iterations\": {}}}",
        median(walls.clone()),
        walls,
        cpu,
        names.join(", "),
        iterations
    );
    Ok(())
}
