//! MC-CSD throughput on HCP-scheme voxels (sh_order 8, exact constrained solver and Tournier07), one thread.
//!
//! Run: `cargo bench -p dmipy --bench sh_deconvolution`. Prints voxels per second; the voxels are
//! 90° stick crossings at Rician SNR 30 with varying orientations (noise from a fixed hash).

use dmipy::{
    AcquisitionScheme, AnyCompartment, C1Stick, Compartment, ConvolutionKernel,
    MultiCompartmentSphericalHarmonicsModel, ShFitOptions, ShSolver, fit_sh_deconvolution,
};
use std::time::Instant;

fn noise(k: u64) -> f64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

fn main() {
    let scheme = AcquisitionScheme::hcp_wu_minn().expect("built-in scheme");
    let voxels = 2000;
    let m = scheme.len();
    let mut data = Vec::with_capacity(voxels * m);
    let (mut a, mut b) = (vec![0.0; m], vec![0.0; m]);
    for v in 0..voxels {
        let (t, p) = (0.3 + 1.2 * (v as f64 / voxels as f64), 0.01 * v as f64);
        C1Stick
            .signal(&scheme, &[t, p, 1.7e-9], &mut a)
            .expect("stick");
        C1Stick
            .signal(
                &scheme,
                &[t + std::f64::consts::FRAC_PI_2, p, 1.7e-9],
                &mut b,
            )
            .expect("stick");
        for i in 0..m {
            // Uniform noise of the same σ as Gaussian SNR 30: σ = 1/30 = width/√12.
            data.push(0.5 * (a[i] + b[i]) + noise((v * m + i) as u64) * 12f64.sqrt() / 30.0);
        }
    }
    let kernel = ConvolutionKernel::from_compartment(
        &AnyCompartment::C1Stick(C1Stick),
        &[0.0, 0.0, 1.7e-9],
        &scheme,
        8,
    )
    .expect("kernel");
    let model = MultiCompartmentSphericalHarmonicsModel::new(vec![kernel], None, 8).expect("model");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for (name, solver) in [
        ("constrained (exact QP)", ShSolver::Constrained),
        ("tournier07", ShSolver::Tournier07(Default::default())),
    ] {
        let bound = model
            .bind(
                &scheme,
                &ShFitOptions {
                    solver,
                    ..ShFitOptions::default()
                },
            )
            .expect("bind");
        let start = Instant::now();
        let fit = pool
            .install(|| fit_sh_deconvolution(&bound, &data))
            .expect("fit");
        let seconds = start.elapsed().as_secs_f64();
        let mean_iter = fit.iterations.iter().sum::<usize>() as f64 / voxels as f64;
        println!(
            "{name}: {voxels} voxels in {seconds:.3} s = {:.0} voxels/s (1 thread), mean iterations {mean_iter:.1}",
            voxels as f64 / seconds
        );
    }
}
