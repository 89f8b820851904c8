//! The simulator against the core's restricted models where each is exact: narrow pulses
//! (Callaghan's eigenmode sums P3/C3/S3) and small q (the Gaussian phase C4/S4).
//!
//! Tolerances are `K_SE` standard errors (false-failure rate in `tests.rs`) plus the stated bias
//! of each regime. Narrow-pulse cases use δ = 2 steps of dt = 20 µs (δD/R² = 1.6e-3), so the
//! pulses' finite width moves the signal by O(q²Dδ) ≲ 2e-3; the walk's step is 7 % of R.

use crate::tests::{K_SE, check, scheme};
use crate::{Cylinder, Settings, Slab, Sphere, Substrate, Waveforms, simulate};
use dmipy::{
    C3CylinderCallaghanApproximation, C4CylinderGaussianPhaseApproximation, Compartment,
    P3PlaneCallaghanApproximation, S3SphereCallaghanApproximation,
    S4SphereGaussianPhaseApproximation,
};

const R: f64 = 5e-6;
const D: f64 = 1e-9;
const DT: f64 = 2e-5;

/// A narrow-pulse scheme along `dir`: δ = 2 dt, Δ = 15 ms, x = 2πqR ∈ {0, 1, 2, 3, 4.5}.
fn narrow_pulse_case(dir: [f64; 3]) -> (dmipy::AcquisitionScheme, Waveforms) {
    let (delta, big_delta) = (2.0 * DT, 0.015);
    let xs = [0.0, 1.0, 2.0, 3.0, 4.5];
    let b: Vec<f64> = xs
        .iter()
        .map(|x: &f64| (x / R).powi(2) * (big_delta - delta / 3.0))
        .collect();
    let s = scheme(&b, &vec![dir; xs.len()], delta, big_delta);
    let steps = ((big_delta + delta) / DT).round() as usize;
    let w = Waveforms::pgse(&s, steps).unwrap();
    assert!((w.dt() / DT - 1.0).abs() < 1e-12);
    (s, w)
}

fn run<S: Substrate>(sub: &S, w: &Waveforms, seed: u64) -> crate::SimulationResult {
    simulate(
        sub,
        w,
        &Settings {
            walkers: 10_000,
            seed,
            ..Settings::default()
        },
    )
    .unwrap()
}

const NARROW_PULSE_BIAS: f64 = 3e-3;

#[test]
fn slab_matches_callaghan_narrow_pulse_planes() {
    let (s, w) = narrow_pulse_case([1.0, 0.0, 0.0]);
    let r = run(&Slab::new(2.0 * R, [1.0, 0.0, 0.0], D).unwrap(), &w, 1);
    let mut exact = vec![0.0; s.len()];
    P3PlaneCallaghanApproximation::new(D, 40)
        .unwrap()
        .signal(&s, &[std::f64::consts::FRAC_PI_2, 0.0, 2.0 * R], &mut exact)
        .unwrap();
    check(
        "slab/P3",
        &r.signal,
        &r.std_error,
        &exact,
        K_SE,
        NARROW_PULSE_BIAS,
    );
}

#[test]
fn cylinder_matches_callaghan_narrow_pulse_across_its_axis() {
    let (s, w) = narrow_pulse_case([1.0, 0.0, 0.0]);
    let r = run(&Cylinder::new(R, [0.0, 0.0, 1.0], D).unwrap(), &w, 2);
    let mut exact = vec![0.0; s.len()];
    C3CylinderCallaghanApproximation::new(D, 20, 50)
        .unwrap()
        .signal(&s, &[0.0, 0.0, D, 2.0 * R], &mut exact)
        .unwrap();
    check(
        "cylinder/C3",
        &r.signal,
        &r.std_error,
        &exact,
        K_SE,
        NARROW_PULSE_BIAS,
    );
}

#[test]
fn sphere_matches_callaghan_narrow_pulse() {
    let (s, w) = narrow_pulse_case([0.0, 0.6, 0.8]);
    let r = run(&Sphere::new(R, D).unwrap(), &w, 3);
    let mut exact = vec![0.0; s.len()];
    S3SphereCallaghanApproximation::new(D, 20, 50)
        .unwrap()
        .signal(&s, &[2.0 * R], &mut exact)
        .unwrap();
    check(
        "sphere/S3",
        &r.signal,
        &r.std_error,
        &exact,
        K_SE,
        NARROW_PULSE_BIAS,
    );
}

/// A small-q PGSE scheme with long pulses: δ = 10 ms, Δ = 20 ms, where the Gaussian phase
/// approximation (ln E ∝ q², exact to O(q⁴)) holds; b chosen so that E ≈ 0.88 … 0.97.
fn small_q_case(bvalues: &[f64], dir: [f64; 3]) -> (dmipy::AcquisitionScheme, Waveforms) {
    let (delta, big_delta) = (0.01, 0.02);
    let s = scheme(bvalues, &vec![dir; bvalues.len()], delta, big_delta);
    let w = Waveforms::pgse(&s, 1500).unwrap();
    (s, w)
}

/// The O(q⁴) term of ln E: κ(ln E)²/6 with κ the phase's excess kurtosis, |κ| ≤ 1.2 for a
/// phase no more platykurtic than a uniform one; so |ΔE| ≤ 0.2 E (ln E)².
fn gaussian_phase_bias(e: &[f64]) -> Vec<f64> {
    e.iter().map(|e| 0.2 * e * e.ln().powi(2)).collect()
}

fn check_with_bias(label: &str, r: &crate::SimulationResult, exact: &[f64]) {
    for (i, bias) in gaussian_phase_bias(exact).into_iter().enumerate() {
        check(
            &format!("{label}{i}"),
            &r.signal[i..=i],
            &r.std_error[i..=i],
            &exact[i..=i],
            K_SE,
            bias,
        );
    }
}

#[test]
fn cylinder_matches_the_gaussian_phase_approximation_at_small_q() {
    let (s, w) = small_q_case(&[0.0, 0.5e9, 1e9, 2e9, 3e9], [1.0, 0.0, 0.0]);
    let r = run(&Cylinder::new(R, [0.0, 0.0, 1.0], D).unwrap(), &w, 4);
    let mut exact = vec![0.0; s.len()];
    C4CylinderGaussianPhaseApproximation::new(D, 100)
        .unwrap()
        .signal(&s, &[0.0, 0.0, D, 2.0 * R], &mut exact)
        .unwrap();
    check_with_bias("cylinder/C4", &r, &exact);
}

#[test]
fn sphere_matches_the_gaussian_phase_approximation_at_small_q() {
    let (s, w) = small_q_case(&[0.0, 0.5e9, 1e9, 2e9, 3e9], [0.0, 0.6, 0.8]);
    let r = run(&Sphere::new(R, D).unwrap(), &w, 5);
    let mut exact = vec![0.0; s.len()];
    S4SphereGaussianPhaseApproximation::new(D, 100)
        .unwrap()
        .signal(&s, &[2.0 * R], &mut exact)
        .unwrap();
    check_with_bias("sphere/S4", &r, &exact);
}

#[test]
fn packing_of_equal_cylinders_gives_the_single_cylinder_signal_and_free_motion_along_z() {
    // 16 cylinders of R = 5 µm at fraction 0.5 (voxel side 40 µm). Walkers in different cylinders
    // are independent, so the intra signal is the single cylinder's (Callaghan, narrow pulses);
    // along z intra and extra motion is free, so both give exp(−bD) there.
    let (s, w) = narrow_pulse_case([1.0, 0.0, 0.0]);
    let pk = crate::CylinderPacking::pack(vec![R; 16], 0.5, 1, [D, D]).unwrap();
    let settings = |name: &str| Settings {
        walkers: 10_000,
        seed: 6,
        start: crate::Start::Compartment(name.into()),
        ..Settings::default()
    };
    let intra = simulate(&pk, &w, &settings("intra")).unwrap();
    let mut exact = vec![0.0; s.len()];
    C3CylinderCallaghanApproximation::new(D, 20, 50)
        .unwrap()
        .signal(&s, &[0.0, 0.0, D, 2.0 * R], &mut exact)
        .unwrap();
    check(
        "packing intra/C3",
        &intra.signal,
        &intra.std_error,
        &exact,
        K_SE,
        NARROW_PULSE_BIAS,
    );
    assert_eq!(intra.compartments[1].walkers, 0);
    let (sz, wz) = narrow_pulse_case([0.0, 0.0, 1.0]);
    let free: Vec<f64> = sz.bvalues().iter().map(|b| (-b * D).exp()).collect();
    let extra = simulate(&pk, &wz, &settings("extra")).unwrap();
    check(
        "packing extra along z",
        &extra.signal,
        &extra.std_error,
        &free,
        K_SE,
        0.0,
    );
}
