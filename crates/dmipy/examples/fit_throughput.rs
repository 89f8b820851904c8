//! Throughput of `fit_voxels` for ball & stick (free θ, φ, λ∥, λ_iso, f) on the HCP scheme:
//! 10,000 noise-free voxels with random truths, fitted on 1 and on 2 threads.
//!
//! Run with `cargo run --release -p dmipy --example fit_throughput [voxels]`.

use dmipy::{
    AcquisitionScheme, C1Stick, Compartment, Error, FitModel, FitOptions, G1Ball, ParameterKind,
    Scalar, axis_angle, fit_voxels,
};
use std::f64::consts::PI;
use std::time::Instant;

/// Ball and stick, $E = f E_{stick} + (1 - f) E_{ball}$ (Behrens et al. 2003,
/// doi:10.1002/mrm.10609), free `[θ, φ, λ∥, λ_iso, f]`.
struct BallStick;

const BOUNDS: [(f64, f64); 5] = [
    (0.0, PI),
    (-PI, PI),
    (0.1e-9, 3e-9),
    (0.1e-9, 3e-9),
    (0.0, 1.0),
];
const SCALES: [f64; 5] = [1.0, 1.0, 1e-9, 1e-9, 1.0];
const KINDS: [ParameterKind; 5] = [
    ParameterKind::Orientation,
    ParameterKind::Orientation,
    ParameterKind::Diffusivity,
    ParameterKind::Diffusivity,
    ParameterKind::Fraction,
];

impl FitModel for BallStick {
    fn n_free(&self) -> usize {
        5
    }
    fn bounds(&self) -> &[(f64, f64)] {
        &BOUNDS
    }
    fn scales(&self) -> &[f64] {
        &SCALES
    }
    fn kinds(&self) -> &[ParameterKind] {
        &KINDS
    }
    type Scratch<D: Scalar> = Vec<D>;
    fn scratch<D: Scalar>(&self, scheme: &AcquisitionScheme) -> Vec<D> {
        vec![D::zero(); scheme.len()]
    }
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        _voxel: usize,
        x: &[D],
        out: &mut [D],
        scratch: &mut Vec<D>,
    ) -> Result<(), Error> {
        C1Stick.signal(scheme, &x[..3], out)?;
        G1Ball.signal(scheme, &x[3..4], scratch)?;
        for (o, &ball) in out.iter_mut().zip(scratch.iter()) {
            *o = x[4] * *o + (D::one() - x[4]) * ball;
        }
        Ok(())
    }
}

/// A deterministic uniform generator in [0, 1) (SplitMix64).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn main() -> Result<(), Error> {
    let voxels: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let scheme = AcquisitionScheme::hcp_wu_minn()?;
    let m = scheme.len();
    let mut state = 7;
    let mut truth = Vec::with_capacity(voxels * 5);
    let mut data = vec![0.0; voxels * m];
    let mut scratch = BallStick.scratch(&scheme);
    for d in data.chunks_mut(m) {
        let z = 2.0 * uniform(&mut state) - 1.0;
        let x = [
            z.acos(),
            PI * (2.0 * uniform(&mut state) - 1.0),
            0.5e-9 + 2.4e-9 * uniform(&mut state),
            0.5e-9 + 2.4e-9 * uniform(&mut state),
            0.1 + 0.85 * uniform(&mut state),
        ];
        BallStick.signal(&scheme, 0, &x, d, &mut scratch)?;
        truth.extend(x);
    }
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::InvalidArgument {
                what: "thread pool".into(),
                reason: e.to_string(),
            })?;
        let start = Instant::now();
        let fit =
            pool.install(|| fit_voxels(&BallStick, &scheme, &data, &FitOptions::default()))?;
        let seconds = start.elapsed().as_secs_f64();
        let recovered = (0..voxels)
            .filter(|&v| {
                let (t, x) = (&truth[v * 5..v * 5 + 5], &fit.parameters[v * 5..v * 5 + 5]);
                axis_angle(t[0], t[1], x[0], x[1]) < 1e-6
                    && (2..5).all(|i| (x[i] - t[i]).abs() <= 1e-6 * t[i])
            })
            .count();
        let iterations: u64 = fit.iterations.iter().map(|&i| u64::from(i)).sum();
        println!(
            "{threads} thread(s): {voxels} voxels in {seconds:.2} s = {:.0} voxels/s; \
             mean iterations {:.1}; recovered to 1e-6: {recovered}/{voxels}",
            voxels as f64 / seconds,
            iterations as f64 / voxels as f64
        );
    }
    Ok(())
}
