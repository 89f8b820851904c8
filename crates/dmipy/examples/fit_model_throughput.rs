//! Throughput of `fit_model` on a ball & stick `MultiCompartmentModel` (HCP scheme, noise-free
//! voxels, 1 and 2 threads), beside `fit_voxels` on the hand-written ball & stick of
//! `fit_throughput.rs` to show the cost of the model layer.
//!
//! Run: `cargo run --release -p dmipy --example fit_model_throughput [voxels]` (default 10,000).

use dmipy::{
    AcquisitionScheme, Error, FitControl, FitOptions, ModelComponent, MultiCompartmentModel,
    axis_angle, fit_model,
};
use std::f64::consts::PI;
use std::time::Instant;

/// A deterministic uniform generator in [0, 1) (SplitMix64).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Public parameter rows `[θ, φ, λ∥, λiso, f, 1 − f]` and their noise-free signals.
fn simulate(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    voxels: usize,
) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let m = scheme.len();
    let mut state = 7;
    let mut truth = Vec::with_capacity(voxels * 6);
    let mut data = vec![0.0; voxels * m];
    let mut full = vec![0.0; model.full_len()];
    for d in data.chunks_mut(m) {
        let z = 2.0 * uniform(&mut state) - 1.0;
        let f = 0.1 + 0.85 * uniform(&mut state);
        let row = [
            z.acos(),
            PI * (2.0 * uniform(&mut state) - 1.0),
            0.5e-9 + 2.4e-9 * uniform(&mut state),
            0.5e-9 + 2.4e-9 * uniform(&mut state),
            f,
            1.0 - f,
        ];
        model.full_from_parameters(&row, &mut full)?;
        model.signal(scheme, &full, d)?;
        truth.extend(row);
    }
    Ok((truth, data))
}

fn main() -> Result<(), Error> {
    let voxels: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let scheme = AcquisitionScheme::hcp_wu_minn()?;
    let model = MultiCompartmentModel::new(vec![
        ModelComponent::by_name("C1Stick")?,
        ModelComponent::by_name("G1Ball")?,
    ])?;
    let (truth, data) = simulate(&model, &scheme, voxels)?;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::InvalidArgument {
                what: "thread pool".into(),
                reason: e.to_string(),
            })?;
        let start = Instant::now();
        let fit = pool.install(|| {
            fit_model(
                &model,
                &scheme,
                &data,
                &FitOptions::default(),
                &FitControl::default(),
            )
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let recovered = truth
            .chunks(6)
            .zip(fit.parameters.chunks(6))
            .filter(|(t, x)| {
                axis_angle(t[0], t[1], x[0], x[1]) < 1e-6
                    && (2..6).all(|i| (x[i] - t[i]).abs() <= 1e-6 * t[i])
            })
            .count();
        let iterations: u64 = fit
            .diagnostics
            .iterations
            .iter()
            .map(|&i| u64::from(i))
            .sum();
        println!(
            "fit_model, {threads} thread(s): {voxels} voxels in {seconds:.2} s = {:.0} voxels/s; \
             mean iterations {:.1}; recovered to 1e-6: {recovered}/{voxels}",
            voxels as f64 / seconds,
            iterations as f64 / voxels as f64
        );
    }
    Ok(())
}
