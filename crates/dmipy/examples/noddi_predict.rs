//! Times forward prediction of a turnkey model (NODDI-Watson by default) over many voxels, in
//! parallel with rayon, on parameters written by `benches/noddi_predict_vs_peers.py`.
//!
//! Usage: `noddi_predict DIR [MODEL] [REPEATS]`. DIR holds `bvals.f64` (s/m²), `dirs.f64`
//! (measurements × 3), `names.txt` (one Dmipy parameter name per line: the columns of
//! `params.f64`, scalar parameters one column, orientations two [θ, φ]) and `params.f64`
//! (voxels × columns, SI), all little-endian f64. Writes `signal.f64` (voxels × measurements)
//! and prints `{"wall_s": median, "walls": [...], "cpu_s": mean CPU seconds per run}`.

mod bench_io;

use bench_io::{cpu_seconds, median, read_f64, read_scheme, write_f64};
use dmipy::{Error, MultiCompartmentModel};
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// The columns of `params.f64` (named in `names.txt`) reordered into the model's public
/// parameter order, voxel by voxel.
fn public_rows(model: &MultiCompartmentModel, dir: &Path) -> Result<Vec<f64>, Error> {
    let text =
        std::fs::read_to_string(dir.join("names.txt")).map_err(|e| Error::InvalidArgument {
            what: "names.txt".into(),
            reason: e.to_string(),
        })?;
    let mut columns = Vec::new();
    let mut start = 0;
    let card = model.parameter_cardinality();
    for name in text.lines().filter(|l| !l.is_empty()) {
        let c = card.iter().find(|(n, _)| *n == name).map_or(1, |p| p.1);
        columns.push((name.to_string(), start, c));
        start += c;
    }
    let raw = read_f64(&dir.join("params.f64"))?;
    let mut rows = Vec::with_capacity(raw.len());
    for voxel in raw.chunks_exact(start.max(1)) {
        for (name, c) in &card {
            let Some((_, at, _)) = columns.iter().find(|(n, _, _)| n == name) else {
                return Err(Error::InvalidArgument {
                    what: "names.txt".into(),
                    reason: format!("no column for {name}"),
                });
            };
            rows.extend_from_slice(&voxel[*at..*at + c]);
        }
    }
    Ok(rows)
}

/// Predicts every voxel's signal into `out`, voxels in parallel (one scratch per rayon job).
fn predict(
    model: &MultiCompartmentModel,
    scheme: &dmipy::AcquisitionScheme,
    rows: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    let width: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
    let m = scheme.len();
    rows.par_chunks(width * 256)
        .zip(out.par_chunks_mut(m * 256))
        .try_for_each(|(row_block, out_block)| {
            let mut full = vec![0.0; model.full_len()];
            let mut scratch = model.scratch(scheme);
            for (row, o) in row_block.chunks(width).zip(out_block.chunks_mut(m)) {
                model.full_from_parameters(row, &mut full)?;
                model.signal_with(scheme, &full, o, &mut scratch)?;
            }
            Ok(())
        })
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1).map(Path::new) else {
        eprintln!("usage: noddi_predict DIR [MODEL] [REPEATS]");
        std::process::exit(2);
    };
    let name = args.get(2).map_or("noddi_watson", String::as_str);
    let repeats: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(3);
    let model = MultiCompartmentModel::turnkey(name)?;
    let scheme = read_scheme(dir)?;
    let rows = public_rows(&model, dir)?;
    let width: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
    let mut signal = vec![0.0; rows.len() / width * scheme.len()];
    predict(&model, &scheme, &rows, &mut signal)?;
    let mut walls = Vec::new();
    let cpu0 = cpu_seconds();
    for _ in 0..repeats {
        let w0 = Instant::now();
        predict(&model, &scheme, &rows, &mut signal)?;
        walls.push(w0.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu0) / repeats.max(1) as f64;
    write_f64(&dir.join("signal.f64"), &signal)?;
    println!(
        "{{\"wall_s\": {}, \"walls\": {:?}, \"cpu_s\": {}}}",
        median(walls.clone()),
        walls,
        cpu
    );
    Ok(())
}
