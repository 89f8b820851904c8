//! Times `predict_voxels` for C1Stick on parameters written by `benches/stick_vs_jax.py`.
//!
//! Usage: `stick_throughput DIR REPEATS`; DIR holds `params.f64` (voxels × [θ, φ, λ∥]),
//! `dirs.f64` (directions × 3) and `bvals.f64` (s/m²), little-endian f64. Writes `signal.f64` and
//! prints `{"wall_s": median wall seconds, "cpu_s": mean process CPU seconds per run}`.

use dmipy::{AcquisitionScheme, C1Stick, PulseTiming, SchemeOptions, predict_voxels};
use std::time::Instant;

fn read_f64(path: &std::path::Path) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

fn cpu_seconds() -> f64 {
    // /proc/self/stat fields 14 and 15: user and system time in clock ticks (100 Hz on Linux).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::Path::new(args.get(1).expect("usage: stick_throughput DIR REPEATS"));
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(15);
    let params = read_f64(&dir.join("params.f64"));
    let dirs: Vec<[f64; 3]> = read_f64(&dir.join("dirs.f64"))
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let bvals = read_f64(&dir.join("bvals.f64"));
    let scheme = AcquisitionScheme::from_bvalues(
        &bvals,
        &dirs,
        PulseTiming::none(),
        &SchemeOptions::default(),
    )
    .expect("valid scheme");
    let mut signal = vec![0.0; params.len() / 3 * scheme.len()];
    predict_voxels(&C1Stick, &scheme, &params, &mut signal).expect("warm-up");
    let mut walls = Vec::new();
    let cpu0 = cpu_seconds();
    for _ in 0..repeats {
        let w0 = Instant::now();
        predict_voxels(&C1Stick, &scheme, &params, &mut signal).expect("prediction");
        walls.push(w0.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu0) / repeats as f64;
    let bytes: Vec<u8> = signal.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join("signal.f64"), bytes).expect("signal written");
    println!("{{\"wall_s\": {}, \"cpu_s\": {}}}", median(walls), cpu);
}
