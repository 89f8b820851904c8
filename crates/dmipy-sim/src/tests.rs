//! Physics tests of the simulator against exact signals (free diffusion, the core's restricted
//! models in the regimes where each is exact), containment and determinism.
//!
//! Tolerances: each comparison allows `K_SE` = 3.5 standard errors of the Monte Carlo mean plus a
//! stated model/discretisation bias where there is one. For a Gaussian estimator P(|z| > 3.5) =
//! 4.7e-4 per point, so a test of n points fails by chance with probability ≈ n·4.7e-4 (< 1 % for
//! n ≤ 20) for a random seed; the seeds are fixed, so each run is deterministic. The free-diffusion
//! test uses the 3 SE (P = 2.7e-3 per point, 2 % over its 8 points).

use crate::{
    Cylinder, Ellipsoid, Free, Settings, Slab, Sphere, Start, Substrate as _, Waveforms,
    final_positions, simulate,
};
use dmipy::{AcquisitionScheme, PulseTiming, SchemeOptions};

pub(crate) const K_SE: f64 = 3.5;

pub(crate) fn scheme(
    bvalues: &[f64],
    dirs: &[[f64; 3]],
    delta: f64,
    big_delta: f64,
) -> AcquisitionScheme {
    AcquisitionScheme::from_bvalues(
        bvalues,
        dirs,
        PulseTiming::pgse(delta, big_delta),
        &SchemeOptions::default(),
    )
    .unwrap()
}

/// Checks |mc − exact| ≤ K·SE + bias for every measurement, printing z-scores for the record.
pub(crate) fn check(label: &str, mc: &[f64], se: &[f64], exact: &[f64], k: f64, bias: f64) {
    for (i, ((m, s), e)) in mc.iter().zip(se).zip(exact).enumerate() {
        let z = (m - e) / s.max(1e-300);
        eprintln!("{label}[{i}]: mc {m:.6} ± {s:.2e}, exact {e:.6}, z = {z:+.2}");
        assert!(
            (m - e).abs() <= k * s + bias,
            "{label}[{i}]: mc {m} ± {s} vs exact {e} (z = {z:.2})"
        );
    }
}

#[test]
fn free_diffusion_is_exp_minus_bd_up_to_b_3e9() {
    // D = 2e-9 m²/s, δ = 10 ms, Δ = 30 ms, b = 0 … 3e9 s/m² (signal e⁻⁶ ≈ 2.5e-3 at the top).
    // Bias: the fixed-length step's uniform projection adds a fourth cumulant of relative size
    // O(1/steps) (|Δln E| < 0.04 at bD = 6 with 200 steps, ≪ 3 SE = 1.5e-2 absolute there).
    let b: Vec<f64> = (0..8).map(|i| i as f64 * 3e9 / 7.0).collect();
    let s = scheme(&b, &[[0.0, 0.6, 0.8]; 8], 0.01, 0.03);
    let w = Waveforms::pgse(&s, 200).unwrap();
    let d = 2e-9;
    let settings = Settings {
        walkers: 20_000,
        seed: 11,
        ..Settings::default()
    };
    let r = simulate(&Free::new(d).unwrap(), &w, &settings).unwrap();
    let exact: Vec<f64> = b.iter().map(|b| (-b * d).exp()).collect();
    assert_eq!(r.signal[0], 1.0);
    check("free", &r.signal, &r.std_error, &exact, 3.0, 0.0);
    // sin φ averages to 0 (the phase distribution is symmetric): within K SE of its own spread ≤ 1/√n.
    for s in &r.mean_sin {
        assert!(s.abs() < K_SE / (settings.walkers as f64).sqrt());
    }
}

/// Largest relative excursion beyond the wall over final positions (0 when all are inside).
fn worst_excess(points: &[(usize, [f64; 3])], excess: impl Fn([f64; 3]) -> f64) -> f64 {
    points.iter().map(|&(_, p)| excess(p)).fold(0.0, f64::max)
}

#[test]
fn walkers_never_leave_their_shape_even_with_steps_longer_than_it() {
    // Step length √(6 D dt) = 3 µm against R = 1 µm: every step bounces several times.
    let (r, d) = (1e-6, 2e-9);
    let dt = (3e-6f64).powi(2) / (6.0 * d);
    let settings = Settings {
        walkers: 2000,
        seed: 5,
        ..Settings::default()
    };
    let axis = [0.3, -0.4, 0.866_025_403_784_438_6];
    let cyl = Cylinder::new(r, axis, d).unwrap();
    let pts = final_positions(&cyl, 200, dt, &settings).unwrap();
    let norm_axis = crate::vector::normalized(axis).unwrap();
    let e = worst_excess(&pts, |p| {
        let q = crate::vector::add_scaled(p, -crate::vector::dot(p, norm_axis), norm_axis);
        crate::vector::norm(q) / r - 1.0
    });
    assert!(e <= 1e-12, "cylinder leak {e}");
    let sph = Sphere::new(r, d).unwrap();
    let e = worst_excess(&final_positions(&sph, 200, dt, &settings).unwrap(), |p| {
        crate::vector::norm(p) / r - 1.0
    });
    assert!(e <= 1e-12, "sphere leak {e}");
    let slab = Slab::new(2.0 * r, [1.0, 1.0, 0.0], d).unwrap();
    let n = std::f64::consts::FRAC_1_SQRT_2;
    let e = worst_excess(&final_positions(&slab, 200, dt, &settings).unwrap(), |p| {
        (p[0] * n + p[1] * n).abs() / r - 1.0
    });
    assert!(e <= 1e-12, "slab leak {e}");
    let ax = [2e-6, 1e-6, 0.5e-6];
    let ell = Ellipsoid::new(ax, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], d).unwrap();
    let e = worst_excess(&final_positions(&ell, 200, dt, &settings).unwrap(), |p| {
        ((p[1] / ax[0]).powi(2) + (p[2] / ax[1]).powi(2) + (p[0] / ax[2]).powi(2)).sqrt() - 1.0
    });
    assert!(e <= 1e-12, "ellipsoid leak {e}");
    assert!(pts.iter().all(|&(c, _)| c == 0));
}

#[test]
fn same_seed_gives_a_bit_identical_signal_on_one_and_two_threads() {
    let s = scheme(
        &[0.0, 1e9, 3e9],
        &[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 0.6, 0.8]],
        0.01,
        0.03,
    );
    let w = Waveforms::pgse(&s, 50).unwrap();
    let sph = Sphere::new(4e-6, 2e-9).unwrap();
    let run = |threads| {
        let settings = Settings {
            walkers: 1000,
            seed: 42,
            threads: Some(threads),
            ..Settings::default()
        };
        simulate(&sph, &w, &settings).unwrap()
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a, b);
    // Split into chunk ranges (as over Dask workers), sent as flat numbers, combined in order.
    let settings = Settings {
        walkers: 1000,
        seed: 42,
        ..Settings::default()
    };
    let n = crate::chunk_count(1000);
    assert_eq!(n, 4);
    let mut parts = Vec::new();
    for range in [0..1, 1..3, 3..4] {
        for p in crate::simulate_chunks(&sph, &w, &settings, range, None).unwrap() {
            let back = crate::ChunkSums::from_flat(&p.to_flat(), 1, 3).unwrap();
            assert_eq!(back, p);
            parts.push(back);
        }
    }
    assert_eq!(
        crate::combine_chunks(sph.compartment_names(), w.steps(), w.dt(), 42, &parts),
        a
    );
    assert!(crate::simulate_chunks(&sph, &w, &settings, 3..5, None).is_err());
    assert!(crate::ChunkSums::from_flat(&[1.0; 5], 1, 3).is_err());
    let c = simulate(
        &sph,
        &w,
        &Settings {
            walkers: 1000,
            seed: 43,
            ..Settings::default()
        },
    )
    .unwrap();
    assert_ne!(a.signal, c.signal);
}

#[test]
fn given_positions_outside_are_an_error_and_inside_are_used() {
    let s = scheme(&[0.0, 1e9], &[[0.0; 3], [1.0, 0.0, 0.0]], 0.01, 0.03);
    let w = Waveforms::pgse(&s, 10).unwrap();
    let sph = Sphere::new(4e-6, 2e-9).unwrap();
    let outside = Settings {
        start: Start::Positions(vec![[0.0; 3], [5e-6, 0.0, 0.0]]),
        ..Settings::default()
    };
    assert!(matches!(
        simulate(&sph, &w, &outside),
        Err(crate::Error::PositionOutside { index: 1, .. })
    ));
    let inside = Settings {
        start: Start::Positions(vec![[0.0; 3]; 3]),
        ..Settings::default()
    };
    assert_eq!(simulate(&sph, &w, &inside).unwrap().walkers, 3);
    let extra = Settings {
        start: Start::Compartment("extra".into()),
        ..Settings::default()
    };
    assert!(matches!(
        simulate(&sph, &w, &extra),
        Err(crate::Error::Compartment { .. })
    ));
}
