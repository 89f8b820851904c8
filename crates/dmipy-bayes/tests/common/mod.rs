//! What the posterior and calibration tests share: a small two-shell scheme and normal draws.

use dmipy::{AcquisitionScheme, PulseTiming, SchemeOptions};
use nuts_rs::rand::{RngExt, rngs::ChaCha8Rng};

/// A small two-shell scheme: 2 b0s, 15 directions at 1 and at 2.5 ms/µm² (32 measurements).
pub fn small_scheme() -> AcquisitionScheme {
    let (mut b, mut dirs) = (vec![0.0, 0.0], vec![[0.0, 0.0, 1.0]; 2]);
    for shell in [1e9, 2.5e9] {
        for i in 0..15 {
            // A golden-spiral half sphere.
            let z = 1.0 - (i as f64 + 0.5) / 15.0;
            let r = (1.0 - z * z).sqrt();
            let phi = i as f64 * 2.399963229728653;
            b.push(shell);
            dirs.push([r * phi.cos(), r * phi.sin(), z]);
        }
    }
    let timing = PulseTiming::pgse(0.01, 0.03);
    AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap()
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let (u1, u2): (f64, f64) = (rng.random_range(1e-300..1.0), rng.random_range(0.0..1.0));
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}
