//! Throughput and convergence of `sample_voxels` on simulated HCP-scheme voxels at SNR 20.
//!
//! `cargo run --release -p dmipy-bayes --example hcp_throughput -- MODEL VOXELS [--no-precondition] [--warmup N] [--draws N] [--dump DIR]`
//! with MODEL `ball_stick` or `noddi_watson`. Truths: orientation uniform, diffusivities
//! U(1.5, 2.8) µm²/ms (the ball's U(2.5, 3.0)), ODI U(0.05, 0.5), intra-bundle fraction
//! U(0.3, 0.8), ball fraction U(0.1, 0.5); Gaussian noise σ = 0.05 (SNR 20 at S0 = 1) on every
//! measurement, b0s included; the sampler gets σ. Prints voxels/s, the distribution of the
//! smallest bulk ESS per voxel, and the fraction of voxels with R-hat ≤ 1.01 and bulk ESS ≥ 400.
//! `--dump DIR` also writes what `benches/nuts_vs_blackjax.py` runs a peer on: `data.f64`
//! (voxels × measurements, raw little-endian), `truths.f64` (public rows), and `run.json`
//! (scheme, parameter bounds, options, wall seconds, threads, and per voxel the smallest bulk
//! ESS over the scalar parameters, R-hat and gradient evaluations).

use dmipy::{AcquisitionScheme, MultiCompartmentModel, ParameterKind};
use dmipy_bayes::{Priors, SampleControl, SampleOptions, VoxelStatus, sample_voxels};
use nuts_rs::rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use std::time::Instant;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random_range(1e-300..1.0), rng.random_range(0.0..1.0));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn truth(m: &MultiCompartmentModel, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut row = Vec::new();
    let ball = rng.random_range(0.1..0.5);
    for (name, _) in m.parameter_cardinality() {
        let kind = m.parameter(name).unwrap().kind();
        match kind {
            ParameterKind::Orientation => {
                let v = [normal(rng), normal(rng), normal(rng)];
                let r = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                row.extend([(v[2] / r).acos(), v[1].atan2(v[0])]);
            }
            _ if name == "partial_volume_0" => row.push(ball),
            _ if name == "partial_volume_1" => row.push(1.0 - ball),
            ParameterKind::Fraction => row.push(rng.random_range(0.3..0.8)),
            ParameterKind::Dispersion => row.push(rng.random_range(0.05..0.5)),
            _ if name.starts_with("G1Ball") => row.push(rng.random_range(2.5e-9..3.0e-9)),
            _ => row.push(rng.random_range(1.5e-9..2.8e-9)),
        }
    }
    row
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("ball_stick", String::as_str);
    let n: usize = args.get(2).map_or(64, |s| s.parse().unwrap());
    let precondition = !args.iter().any(|a| a == "--no-precondition");
    let warmup: u64 =
        (args.iter().position(|a| a == "--warmup")).map_or(300, |i| args[i + 1].parse().unwrap());
    let draws: u64 =
        (args.iter().position(|a| a == "--draws")).map_or(600, |i| args[i + 1].parse().unwrap());
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let m = MultiCompartmentModel::turnkey(name).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let width: usize = m.parameter_cardinality().iter().map(|c| c.1).sum();
    let truths: Vec<f64> = (0..n).flat_map(|_| truth(&m, &mut rng)).collect();
    let mut data = vec![0.0; n * scheme.len()];
    let mut full = vec![0.0; m.full_len()];
    let mut scratch = m.scratch(&scheme);
    for (row, s) in truths.chunks(width).zip(data.chunks_mut(scheme.len())) {
        m.full_from_parameters(row, &mut full).unwrap();
        m.signal_with(&scheme, &full, s, &mut scratch).unwrap();
        s.iter_mut().for_each(|v| *v += 0.05 * normal(&mut rng));
    }
    let options = SampleOptions {
        sigma: Some(0.05),
        precondition,
        warmup,
        draws,
        ..Default::default()
    };
    let start = Instant::now();
    let result = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    if let Some(i) = args.iter().position(|a| a == "--dump") {
        dump(
            std::path::Path::new(&args[i + 1]),
            &m,
            &scheme,
            &data,
            &truths,
            &options,
            &result,
            seconds,
        );
    }
    let sampled: Vec<_> = result
        .voxels
        .iter()
        .filter(|v| v.status == VoxelStatus::Sampled)
        .collect();
    let mut ess: Vec<f64> = sampled.iter().map(|v| v.ess_bulk).collect();
    ess.sort_by(f64::total_cmp);
    let good = sampled
        .iter()
        .filter(|v| v.rhat <= 1.01 && v.ess_bulk >= 400.0)
        .count();
    let rhat_ok = sampled.iter().filter(|v| v.rhat <= 1.01).count();
    let divergences: usize = sampled.iter().map(|v| v.divergences).sum();
    let depth: usize = sampled.iter().map(|v| v.max_depth_hits).sum();
    let accept = sampled.iter().map(|v| v.mean_accept).sum::<f64>() / sampled.len() as f64;
    let gradients: u64 = sampled.iter().map(|v| v.gradient_evaluations).sum();
    let threads = rayon::current_num_threads() as f64;
    println!(
        "  gradients per voxel {:.0}, CPU µs per gradient (wall × threads / gradients, incl. sampler overhead) {:.1}",
        gradients as f64 / sampled.len() as f64,
        seconds * threads * 1e6 / gradients as f64
    );
    // The log posterior alone: 20000 gradient evaluations at the first voxel's start.
    let solver = dmipy::SolverModel::new(&m, &scheme, n).unwrap();
    let transform = dmipy_bayes::Parametrisation::new(&m, &solver, &Priors::new()).unwrap();
    let mut lik =
        dmipy::VoxelLikelihood::new(&solver, &scheme, dmipy::Noise::Gaussian { sigma: 0.05 })
            .unwrap();
    let y: Vec<f64> = data[..scheme.len()].iter().map(|v| v / data[0]).collect();
    lik.set_voxel(0, &y).unwrap();
    let d = transform.dim();
    let mut post = dmipy_bayes::LogPosterior::new(
        lik,
        &transform,
        dmipy_bayes::Preconditioner::identity(vec![0.0; d]),
    );
    let (u, mut g) = (vec![0.1; d], vec![0.0; d]);
    let t = Instant::now();
    for _ in 0..20000 {
        std::hint::black_box(
            post.log_density_u(std::hint::black_box(&u), &mut g)
                .unwrap(),
        );
    }
    println!(
        "  log posterior + gradient alone: {:.1} µs",
        t.elapsed().as_secs_f64() / 20000.0 * 1e6
    );
    let pct = |p: f64| ess[((ess.len() - 1) as f64 * p) as usize];
    println!(
        "{name}: {n} voxels, precondition {precondition}, warmup {warmup}, {} chains x {} draws, {} rayon threads",
        options.chains,
        options.draws,
        rayon::current_num_threads()
    );
    println!("  {seconds:.2} s, {:.2} voxels/s", n as f64 / seconds);
    println!(
        "  min bulk ESS per voxel: min {:.0}, 10% {:.0}, median {:.0}; R-hat <= 1.01: {:.1} %; R-hat <= 1.01 and ESS >= 400: {:.1} %",
        ess[0],
        pct(0.1),
        pct(0.5),
        100.0 * rhat_ok as f64 / sampled.len() as f64,
        100.0 * good as f64 / sampled.len() as f64
    );
    println!(
        "  divergences {divergences} (of {} draws), max-depth hits {depth}, mean acceptance {accept:.3}, ESS/s (sum of min bulk ESS / wall) {:.0}",
        sampled.len() * options.chains * options.draws as usize,
        ess.iter().sum::<f64>() / seconds
    );
}

/// Writes the inputs and our per-voxel results for the side-by-side bench.
#[allow(clippy::too_many_arguments)]
fn dump(
    dir: &std::path::Path,
    m: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    truths: &[f64],
    options: &SampleOptions,
    result: &dmipy_bayes::SampleResult,
    seconds: f64,
) {
    std::fs::create_dir_all(dir).unwrap();
    let raw = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    std::fs::write(dir.join("data.f64"), raw(data)).unwrap();
    std::fs::write(dir.join("truths.f64"), raw(truths)).unwrap();
    let mut scalar = Vec::new();
    let mut j = 0;
    for ((_, card), kind) in result.names.iter().zip(&result.kinds) {
        if *kind != ParameterKind::Orientation {
            scalar.extend(j..j + card);
        }
        j += card;
    }
    let voxels: Vec<serde_json::Value> = (result.voxels.iter())
        .map(|v| {
            let ess = (scalar.iter())
                .map(|&c| v.diagnostics[c].ess_bulk)
                .filter(|e| e.is_finite())
                .fold(f64::INFINITY, f64::min);
            serde_json::json!({
                "min_scalar_ess_bulk": ess,
                "ess_bulk": v.ess_bulk,
                "rhat": v.rhat,
                "gradients": v.gradient_evaluations,
                "divergences": v.divergences,
            })
        })
        .collect();
    let bounds: serde_json::Map<String, serde_json::Value> = (m.parameter_cardinality().iter())
        .map(|(n, _)| {
            (
                n.to_string(),
                serde_json::json!(m.parameter(n).unwrap().bounds()),
            )
        })
        .collect();
    let run = serde_json::json!({
        "names": result.names,
        "bounds": bounds,
        "bvalues": scheme.bvalues(),
        "directions": scheme.directions(),
        "sigma": options.sigma,
        "chains": options.chains,
        "warmup": options.warmup,
        "draws": options.draws,
        "seconds": seconds,
        "threads": rayon::current_num_threads(),
        "voxels": voxels,
    });
    std::fs::write(
        dir.join("run.json"),
        serde_json::to_vec_pretty(&run).unwrap(),
    )
    .unwrap();
}
