//! End-to-end tests of `fit_voxels`: noise-free recovery, starts at the truth, bounds, flags,
//! S0 handling, cancellation and Rician-noise accuracy.

use super::test_models::{BallStick, TestRng, stick, zeppelin};
use super::*;
use crate::axis_angle;
use std::f64::consts::PI;
use std::sync::atomic::AtomicBool;

pub(super) fn hcp() -> AcquisitionScheme {
    AcquisitionScheme::hcp_wu_minn().unwrap()
}

/// Signals of `truths` (voxels × n_free), each times its S0.
pub(super) fn simulate<M: FitModel>(
    model: &M,
    scheme: &AcquisitionScheme,
    truths: &[f64],
    s0: &[f64],
) -> Vec<f64> {
    let (n, m) = (model.n_free(), scheme.len());
    let mut data = vec![0.0; s0.len() * m];
    let mut scratch = model.scratch(scheme);
    for ((x, d), &s) in truths.chunks(n).zip(data.chunks_mut(m)).zip(s0) {
        model.signal(scheme, 0, x, d, &mut scratch).unwrap();
        d.iter_mut().for_each(|v| *v *= s);
    }
    data
}

/// Random truths: orientations uniform on the sphere, other parameters from `ranges`.
pub(super) fn truths(
    rng: &mut TestRng,
    kinds: &[ParameterKind],
    ranges: &[(f64, f64)],
    count: usize,
) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..count {
        let mut i = 0;
        while i < kinds.len() {
            if kinds[i] == ParameterKind::Orientation {
                let (t, p) = rng.direction();
                out.extend([t, p]);
                i += 2;
            } else {
                out.push(rng.range(ranges[i].0, ranges[i].1));
                i += 1;
            }
        }
    }
    out
}

/// Asserts every voxel recovered its truth: orientations as axes to `angle_tol` rad, the rest to
/// `rel_tol` relative.
fn assert_recovered(
    kinds: &[ParameterKind],
    truth: &[f64],
    fit: &FitResult,
    rel_tol: f64,
    angle_tol: f64,
) {
    let n = kinds.len();
    for (v, (t, x)) in truth.chunks(n).zip(fit.parameters.chunks(n)).enumerate() {
        assert_eq!(fit.flags[v], VoxelFlag::Fitted);
        let mut i = 0;
        while i < n {
            if kinds[i] == ParameterKind::Orientation {
                let angle = axis_angle(t[i], t[i + 1], x[i], x[i + 1]);
                assert!(
                    angle <= angle_tol,
                    "voxel {v}: axis off by {angle} rad; {t:?} vs {x:?}"
                );
                i += 2;
            } else {
                let rel = (x[i] - t[i]).abs() / t[i].abs();
                assert!(
                    rel <= rel_tol,
                    "voxel {v}, parameter {i}: {} vs {} ({rel})",
                    x[i],
                    t[i]
                );
                i += 1;
            }
        }
    }
}

fn noise_free_recovery<M: FitModel>(model: &M, ranges: &[(f64, f64)], seed: u64, starts: usize) {
    let scheme = hcp();
    let mut rng = TestRng::new(seed);
    let count = 30;
    let truth = truths(&mut rng, model.kinds(), ranges, count);
    let s0: Vec<f64> = (0..count).map(|_| rng.range(50.0, 5000.0)).collect();
    let data = simulate(model, &scheme, &truth, &s0);
    let options = FitOptions {
        starts,
        ..FitOptions::default()
    };
    let fit = fit_voxels(model, &scheme, &data, &options).unwrap();
    assert_recovered(model.kinds(), &truth, &fit, 1e-6, 1e-6);
    for (v, &s) in s0.iter().enumerate() {
        assert!((fit.s0[v] - s).abs() <= 1e-12 * s, "S0 is the mean b0");
        assert!(fit.converged[v] && fit.mse[v] < 1e-20 && (fit.r2[v] - 1.0).abs() < 1e-12);
    }
}

const D: (f64, f64) = (0.3e-9, 2.9e-9);
pub(super) const ANY: (f64, f64) = (0.0, 0.0);

#[test]
fn stick_is_recovered_without_noise() {
    noise_free_recovery(&stick(), &[ANY, ANY, D], 1, 1);
}

#[test]
fn ball_and_stick_is_recovered_without_noise() {
    // f away from 0, where the stick's axis is not determined by the data.
    noise_free_recovery(&BallStick::new(), &[ANY, ANY, D, D, (0.1, 0.95)], 2, 1);
}

/// λ⊥ below λ∥ by construction of the ranges (a prolate zeppelin has a defined axis). Three
/// starts: with one, the best grid point can be an isotropic zeppelin (λ∥ = λ⊥ on the grid),
/// whose orientation has no gradient, and the solver then ends in the oblate local minimum with
/// the axis 90° off (seen for 1 voxel in 30 with this seed).
#[test]
fn zeppelin_is_recovered_without_noise() {
    let ranges = [ANY, ANY, (1.5e-9, 2.9e-9), (0.2e-9, 1.2e-9)];
    noise_free_recovery(&zeppelin(), &ranges, 3, 3);
}

#[test]
fn starting_at_the_truth_stops_at_once() {
    let scheme = hcp();
    let model = BallStick::new();
    let mut rng = TestRng::new(4);
    let truth = truths(&mut rng, model.kinds(), &[ANY, ANY, D, D, (0.05, 0.95)], 20);
    let data = simulate(&model, &scheme, &truth, &[1.0; 20]);
    let options = FitOptions {
        initial: InitialGuess::PerVoxel(truth.clone()),
        ..FitOptions::default()
    };
    let fit = fit_voxels(&model, &scheme, &data, &options).unwrap();
    assert!(
        fit.iterations.iter().all(|&i| i <= 2),
        "{:?}",
        fit.iterations
    );
    assert_recovered(model.kinds(), &truth, &fit, 1e-10, 1e-10);
}

#[test]
fn fitted_s0_recovers_s0_and_parameters() {
    let scheme = hcp();
    let model = BallStick::new();
    let mut rng = TestRng::new(5);
    let truth = truths(&mut rng, model.kinds(), &[ANY, ANY, D, D, (0.1, 0.95)], 10);
    let s0: Vec<f64> = (0..10).map(|_| rng.range(100.0, 200.0)).collect();
    let data = simulate(&model, &scheme, &truth, &s0);
    let options = FitOptions {
        s0: S0Mode::Fitted,
        uncertainties: true,
        ..FitOptions::default()
    };
    let fit = fit_voxels(&model, &scheme, &data, &options).unwrap();
    assert_recovered(model.kinds(), &truth, &fit, 1e-6, 1e-6);
    for (v, &s) in s0.iter().enumerate() {
        assert!((fit.s0[v] - s).abs() <= 1e-9 * s, "{} vs {s}", fit.s0[v]);
    }
    // Exact data: zero residual, so every Cramér–Rao deviation is zero.
    assert!(fit.std.unwrap().iter().all(|&s| s.abs() < 1e-6));
}

#[test]
fn non_finite_and_zero_b0_voxels_are_flagged_and_skipped() {
    let scheme = hcp();
    let model = BallStick::new();
    let truth = [0.5, 1.0, 2e-9, 1e-9, 0.6];
    let mut data = simulate(
        &model,
        &scheme,
        &[truth, truth, truth, truth].concat(),
        &[1.0; 4],
    );
    let m = scheme.len();
    data[m + 7] = f64::NAN;
    data[2 * m + 100] = f64::INFINITY;
    for (i, &b0) in scheme.b0_mask().iter().enumerate() {
        if b0 {
            data[3 * m + i] = 0.0;
        }
    }
    let fit = fit_voxels(&model, &scheme, &data, &FitOptions::default()).unwrap();
    assert_eq!(
        fit.flags,
        [
            VoxelFlag::Fitted,
            VoxelFlag::NonFinite,
            VoxelFlag::NonFinite,
            VoxelFlag::NonPositiveB0
        ]
    );
    assert!(fit.parameters[5..].iter().all(|v| v.is_nan()));
    assert!(fit.mse[1..].iter().all(|v| v.is_nan()));
    assert_eq!(&fit.iterations[1..], &[0, 0, 0]);
    assert!((fit.parameters[2] - 2e-9).abs() < 1e-15);
}

#[test]
fn cancellation_skips_everything_and_progress_counts_voxels() {
    let scheme = hcp();
    let model = stick();
    let data = simulate(
        &model,
        &scheme,
        &[0.3, 0.2, 1.7e-9].repeat(100),
        &[1.0; 100],
    );
    let cancel = AtomicBool::new(true);
    let control = FitControl {
        cancel: Some(&cancel),
        progress: None,
    };
    let fit = fit_voxels_with(&model, &scheme, &data, &FitOptions::default(), &control).unwrap();
    assert!(fit.cancelled && fit.flags.iter().all(|&f| f == VoxelFlag::Cancelled));
    let most = std::sync::atomic::AtomicUsize::new(0);
    let progress = |done: usize| {
        most.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
    };
    let control = FitControl {
        cancel: None,
        progress: Some(&progress),
    };
    let options = FitOptions {
        chunk_size: 7,
        ..FitOptions::default()
    };
    let fit = fit_voxels_with(&model, &scheme, &data, &options, &control).unwrap();
    assert!(!fit.cancelled && fit.flags.iter().all(|&f| f == VoxelFlag::Fitted));
    assert_eq!(most.into_inner(), 100);
}

#[test]
fn wrong_lengths_are_errors() {
    let scheme = hcp();
    let model = stick();
    let bad = vec![1.0; scheme.len() + 1];
    assert!(matches!(
        fit_voxels(&model, &scheme, &bad, &FitOptions::default()),
        Err(Error::LengthMismatch { .. })
    ));
    let options = FitOptions {
        initial: InitialGuess::Global(vec![0.1, 0.2]),
        ..FitOptions::default()
    };
    let data = vec![1.0; scheme.len()];
    assert!(matches!(
        fit_voxels(&model, &scheme, &data, &options),
        Err(Error::LengthMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
}

/// The magnitude of a complex Gaussian-noisy signal: Rician noise of scale σ = S0/SNR
/// (Gudbjartsson & Patz 1995, doi:10.1002/mrm.1910340618).
pub(super) fn add_rician(rng: &mut TestRng, data: &mut [f64], sigma: f64) {
    for d in data {
        let (a, b) = (*d + sigma * rng.normal(), sigma * rng.normal());
        *d = a.hypot(b);
    }
}

pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    0.5 * (v[(v.len() - 1) / 2] + v[v.len() / 2])
}

/// Fits ball and stick to `count` noisy voxels at SNR 50 (S0 = 100, σ = 2) on the HCP scheme;
/// returns the median absolute errors [axis (rad), λ∥, λ_iso, f] and the medians of what the
/// Cramér–Rao standard deviations predict for them: 1.177σ for the axis (the norm of two
/// tangent errors is Rayleigh-distributed) and 0.674σ for the others (the median of |N(0, σ²)|).
fn snr_50_errors(rician: bool, seed: u64, count: usize) -> ([f64; 4], [f64; 4]) {
    let scheme = hcp();
    let model = BallStick::new();
    let mut rng = TestRng::new(seed);
    let ranges = [ANY, ANY, (1.5e-9, 2.5e-9), (2.0e-9, 3.0e-9), (0.3, 0.8)];
    let truth = truths(&mut rng, model.kinds(), &ranges, count);
    let mut data = simulate(&model, &scheme, &truth, &vec![100.0; count]);
    if rician {
        add_rician(&mut rng, &mut data, 2.0);
    } else {
        data.iter_mut().for_each(|d| *d += 2.0 * rng.normal());
    }
    let options = FitOptions {
        uncertainties: true,
        ..FitOptions::default()
    };
    let fit = fit_voxels(&model, &scheme, &data, &options).unwrap();
    assert!(fit.converged.iter().all(|&c| c));
    let std = fit.std.as_ref().unwrap();
    let (t, x) = (&truth, &fit.parameters);
    let error = |v: usize, i: usize| match i {
        0 => axis_angle(t[v * 5], t[v * 5 + 1], x[v * 5], x[v * 5 + 1]),
        _ => (x[v * 5 + i + 1] - t[v * 5 + i + 1]).abs(),
    };
    let errors = std::array::from_fn(|i| median((0..count).map(|v| error(v, i)).collect()));
    let predicted = std::array::from_fn(|i| {
        let (column, factor) = if i == 0 { (0, 1.177) } else { (i + 1, 0.674) };
        factor * median((0..count).map(|v| std[v * 5 + column]).collect())
    });
    (errors, predicted)
}

/// Gaussian noise at SNR 50: the median errors lie within a factor 1.5 of the Cramér–Rao
/// prediction, which tests the fit and the standard deviations together.
#[test]
fn ball_and_stick_errors_match_the_cramer_rao_bound() {
    let (errors, predicted) = snr_50_errors(false, 7, 200);
    println!("Gaussian SNR 50: median |error| {errors:?}, Cramér–Rao median {predicted:?}");
    for (e, p) in errors.iter().zip(predicted) {
        assert!(*e < 1.5 * p && *e > p / 1.5, "{errors:?} vs {predicted:?}");
    }
}

/// Rician noise at SNR 50 (the magnitude data of a scanner). Many b = 3000 s/mm² signals of
/// these fast balls lie near the noise floor (e^{−6} ≈ 0.25σ), where Rician bias, not variance,
/// dominates, so the errors exceed the Cramér–Rao prediction; the bounds below are loose
/// sanity limits (axis 1°, diffusivities 0.1e-9 m²/s, f 0.02), not a reference.
#[test]
fn ball_and_stick_at_snr_50_rician_is_close() {
    let (e, p) = snr_50_errors(true, 6, 200);
    println!(
        "Rician SNR 50, ball & stick, 200 voxels, median |error| (Cramér–Rao median): axis \
         {:.3}° ({:.3}°), λ∥ {:.3e} ({:.3e}), λ_iso {:.3e} ({:.3e}) m²/s, f {:.4} ({:.4})",
        e[0].to_degrees(),
        p[0].to_degrees(),
        e[1],
        p[1],
        e[2],
        p[2],
        e[3],
        p[3]
    );
    assert!(e[0] < 1f64.to_radians() && e[1] < 0.1e-9 && e[2] < 0.1e-9 && e[3] < 0.02);
}

mod bounds {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever the data (positive, noisy, nothing like the model), fits stay in bounds.
        #[test]
        fn fits_never_leave_the_bounds(seed in 0u64..u64::MAX, spread in 0.0f64..2.0) {
            let scheme = hcp();
            let model = BallStick::new();
            let mut rng = TestRng::new(seed);
            let data: Vec<f64> = (0..3 * scheme.len())
                .map(|_| (1.0 + spread * rng.normal()).abs() + 1e-3)
                .collect();
            let fit = fit_voxels(&model, &scheme, &data, &FitOptions::default()).unwrap();
            for x in fit.parameters.chunks(5) {
                prop_assert!((0.0..=PI).contains(&x[0]) && x[1] > -PI && x[1] <= PI, "{x:?}");
                for i in 2..5 {
                    let (lo, hi) = model.bounds()[i];
                    prop_assert!(x[i] >= lo && x[i] <= hi, "{x:?}");
                }
            }
        }
    }
}

/// Axes at the pole and on the φ = ±π seam are recovered, also when the solver starts exactly at
/// the pole (where (θ, φ) steps would be degenerate; the tangent chart is not).
#[test]
fn orientations_at_the_pole_and_the_seam_are_recovered() {
    let scheme = hcp();
    let model = stick();
    let truth = [
        0.0, 0.0, 2e-9, PI, 0.0, 1.5e-9, 1.2, PI, 1e-9, 1.2, -PI, 1e-9, 0.3, 2.0, 2.5e-9,
    ];
    let data = simulate(&model, &scheme, &truth, &[1.0; 5]);
    let fit = fit_voxels(&model, &scheme, &data, &FitOptions::default()).unwrap();
    assert_recovered(model.kinds(), &truth, &fit, 1e-6, 1e-6);
    let options = FitOptions {
        initial: InitialGuess::Global(vec![0.0, 0.0, f64::NAN]),
        ..FitOptions::default()
    };
    let fit = fit_voxels(&model, &scheme, &data, &options).unwrap();
    assert_recovered(model.kinds(), &truth, &fit, 1e-6, 1e-6);
    for x in fit.parameters.chunks(3) {
        assert!(
            (0.0..=PI).contains(&x[0]) && x[1] > -PI && x[1] <= PI,
            "{x:?}"
        );
    }
}

/// The HCP scheme twice, at echo times 60 ms and 90 ms; without b0 at 90 ms if `drop_b0`.
fn two_echo_times(drop_b0: bool) -> AcquisitionScheme {
    let hcp = hcp();
    let (mut b, mut dirs, mut te) = (Vec::new(), Vec::new(), Vec::new());
    for (copy, echo) in [(0, 0.06), (1, 0.09)] {
        for (i, (&bi, d)) in hcp.bvalues().iter().zip(hcp.directions()).enumerate() {
            if drop_b0 && copy == 1 && hcp.b0_mask()[i] {
                continue;
            }
            b.push(bi);
            dirs.push(*d);
            te.push(echo);
        }
    }
    let timing = crate::PulseTiming::pgse(0.0106, 0.0431).with_echo_time(te);
    AcquisitionScheme::from_bvalues(&b, &dirs, timing, &crate::SchemeOptions::default()).unwrap()
}

/// S0 differs per echo time (T2 decay): normalising by the mean b0 of each echo time recovers
/// the parameters and both S0 values; a scheme with an echo time without b0 is an error.
#[test]
fn s0_is_normalised_per_echo_time() {
    let scheme = two_echo_times(false);
    let model = BallStick::new();
    let truth = [1.1, -0.4, 2.2e-9, 1.1e-9, 0.55];
    let mut data = simulate(&model, &scheme, &truth, &[1.0]);
    let m = scheme.len();
    data[..m / 2].iter_mut().for_each(|d| *d *= 100.0);
    data[m / 2..].iter_mut().for_each(|d| *d *= 60.0);
    let fit = fit_voxels(&model, &scheme, &data, &FitOptions::default()).unwrap();
    assert_recovered(model.kinds(), &truth, &fit, 1e-6, 1e-6);
    assert_eq!(fit.s0_groups, 2);
    assert!((fit.s0[0] - 100.0).abs() < 1e-12 && (fit.s0[1] - 60.0).abs() < 1e-12);
    let bad = two_echo_times(true);
    let data = simulate(&model, &bad, &truth, &[1.0]);
    assert!(matches!(
        fit_voxels(&model, &bad, &data, &FitOptions::default()),
        Err(Error::InvalidArgument { .. })
    ));
}
