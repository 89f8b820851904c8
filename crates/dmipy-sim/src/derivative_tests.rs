//! Pathwise derivatives against central differences with common random numbers (the same seed,
//! so the same draws, at size or diffusivity × (1 ± h)) and against free diffusion's exact
//! ∂E/∂D = −b e^{−bD}.
//!
//! With common random numbers both sides differentiate the same function of the draws, so they
//! differ only by the difference's truncation, O(h²) ≈ 1e-10 relative, its rounding, ≈ 1e-16 ×
//! (steps) / h ≈ 1e-8, and walkers whose path has a kink between the two sizes (a hit that appears
//! or vanishes, probability O(h) per walker and a contribution O(h) each). The bound used, 1e-5 of
//! the largest derivative, leaves a wide margin over all three.

use crate::tests::{K_SE, check, scheme};
use crate::{
    Cylinder, Differentiable, Free, Settings, Slab, Sphere, Waveforms, simulate,
    simulate_derivatives,
};

const D: f64 = 1e-9;
const H: f64 = 1e-7;

fn case() -> (dmipy::AcquisitionScheme, Waveforms) {
    let b = [0.0, 0.3e9, 1e9, 2e9, 3e9];
    let dirs = [
        [1.0, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.6, 0.8, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.6, 0.8],
    ];
    let s = scheme(&b, &dirs, 0.005, 0.010);
    let w = Waveforms::pgse(&s, 750).unwrap();
    (s, w)
}

fn settings(seed: u64) -> Settings {
    Settings {
        walkers: 2000,
        seed,
        ..Settings::default()
    }
}

/// ∂E/∂θ by central differences of two simulations with the same draws.
fn central<S: crate::Substrate>(
    make: impl Fn(f64) -> S,
    theta: f64,
    w: &Waveforms,
    seed: u64,
) -> Vec<f64> {
    let run = |x: f64| simulate(&make(x), w, &settings(seed)).unwrap().signal;
    let (up, down) = (run(theta * (1.0 + H)), run(theta * (1.0 - H)));
    up.iter()
        .zip(&down)
        .map(|(a, b)| (a - b) / (2.0 * H * theta))
        .collect()
}

fn agree(label: &str, pathwise: &[f64], differences: &[f64]) {
    let scale = pathwise.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    assert!(scale > 0.0, "{label}: all derivatives zero");
    for (i, (a, b)) in pathwise.iter().zip(differences).enumerate() {
        eprintln!("{label}[{i}]: pathwise {a:.6e}, differences {b:.6e}");
        assert!((a - b).abs() <= 1e-4 * scale, "{label}[{i}]: {a} vs {b}");
    }
}

fn check_against_differences<S: Differentiable>(
    label: &str,
    make: impl Fn(f64, f64) -> S,
    size: f64,
    seed: u64,
) {
    let (_, w) = case();
    let got = simulate_derivatives(&make(size, D), &w, &settings(seed)).unwrap();
    assert_eq!(
        got.result,
        simulate(&make(size, D), &w, &settings(seed)).unwrap(),
        "{label}: the signal is simulate's"
    );
    let d_size = central(|l| make(l, D), size, &w, seed);
    agree(
        &format!("{label} ∂E/∂L"),
        got.d_size.as_ref().unwrap(),
        &d_size,
    );
    let d_diff = central(|d| make(size, d), D, &w, seed);
    agree(&format!("{label} ∂E/∂D"), &got.d_diffusivity, &d_diff);
}

#[test]
fn cylinder_derivatives_equal_differences_with_common_random_numbers() {
    check_against_differences(
        "cylinder",
        |r, d| Cylinder::new(r, [0.0, 0.0, 1.0], d).unwrap(),
        5e-6,
        31,
    );
}

#[test]
fn sphere_derivatives_equal_differences_with_common_random_numbers() {
    check_against_differences("sphere", |r, d| Sphere::new(r, d).unwrap(), 4e-6, 32);
}

#[test]
fn slab_derivatives_equal_differences_with_common_random_numbers() {
    check_against_differences(
        "slab",
        |l, d| Slab::new(l, [1.0, 0.0, 0.0], d).unwrap(),
        8e-6,
        33,
    );
}

#[test]
fn free_diffusion_has_the_exact_diffusivity_derivative() {
    // ∂/∂D exp(−bD) = −b exp(−bD), within K_SE standard errors (false-failure rate in tests.rs).
    let (s, w) = case();
    let got = simulate_derivatives(
        &Free::new(D).unwrap(),
        &w,
        &Settings {
            walkers: 20_000,
            seed: 34,
            ..Settings::default()
        },
    )
    .unwrap();
    assert!(got.d_size.is_none());
    let exact: Vec<f64> = s.bvalues().iter().map(|b| -b * (-b * D).exp()).collect();
    // In units of 1/D so that the check's bias term (0) and SEs are on the scale of E.
    let scaled = |v: &[f64]| v.iter().map(|x| x * D).collect::<Vec<_>>();
    check(
        "free ∂E/∂D",
        &scaled(&got.d_diffusivity),
        &scaled(&got.d_diffusivity_std_error),
        &scaled(&exact),
        K_SE,
        0.0,
    );
}

#[test]
fn permeable_or_given_starts_are_refused() {
    let (_, w) = case();
    let cyl = Cylinder::new(5e-6, [0.0, 0.0, 1.0], D).unwrap();
    let e = simulate_derivatives(
        &cyl,
        &w,
        &Settings {
            permeability: 1e-5,
            ..settings(1)
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("permeability"), "{e}");
    let e = simulate_derivatives(
        &cyl,
        &w,
        &Settings {
            start: crate::Start::Positions(vec![[0.0; 3]]),
            ..settings(1)
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("start"), "{e}");
}
