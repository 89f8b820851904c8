//! Tests of `fit_model`: noise-free recovery through multi-compartment models, fractions, fixed and guessed values, bounds, flags, noise and spherical means.

use super::*;
use crate::fit::test_models::{BallStick, TestRng};
use crate::model::test_support::{hcp, model, simulate};
use crate::{ModelComponent, ParameterValue, VoxelFlag, axis_angle, fit_voxels};
use std::f64::consts::PI;

fn ball_stick() -> MultiCompartmentModel {
    model(&["C1Stick", "G1Ball"])
}

/// Stick + zeppelin with equal λ∥, tortuous λ⊥ and one axis (NODDI without dispersion).
fn stick_zeppelin() -> MultiCompartmentModel {
    let mut m = model(&["C1Stick", "G2Zeppelin"]);
    m.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
        .unwrap();
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
        false,
    )
    .unwrap();
    m.set_equal_parameter("C1Stick_1_mu", "G2Zeppelin_1_mu")
        .unwrap();
    m
}

/// Random public parameter rows: orientations uniform, diffusivities in [0.5, 2.8] µm²/ms,
/// the partial volumes f, 1 − f with f in [0.15, 0.85].
fn truths(m: &MultiCompartmentModel, rng: &mut TestRng, count: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..count {
        let f = rng.range(0.15, 0.85);
        for (name, _) in m.parameter_cardinality() {
            match m.parameter(name).unwrap().kind() {
                ParameterKind::Orientation => {
                    let (t, p) = rng.direction();
                    out.extend([t, p]);
                }
                _ if name == "partial_volume_0" => out.push(f),
                _ if name == "partial_volume_1" => out.push(1.0 - f),
                _ => out.push(rng.range(0.5e-9, 2.8e-9)),
            }
        }
    }
    out
}

/// Orientations as axes to `angle_tol` rad, everything else to `rel_tol` relative.
fn assert_recovered(
    fit: &ModelFit,
    m: &MultiCompartmentModel,
    truth: &[f64],
    rel_tol: f64,
    angle_tol: f64,
) {
    let width = fit.width();
    for (v, t) in truth.chunks(width).enumerate() {
        assert_voxel_recovered(fit, m, v, t, rel_tol, angle_tol);
    }
}

/// Voxel `v` of `fit` is fitted and equals the public parameter row `t` (as [`assert_recovered`]).
fn assert_voxel_recovered(
    fit: &ModelFit,
    m: &MultiCompartmentModel,
    v: usize,
    t: &[f64],
    rel_tol: f64,
    angle_tol: f64,
) {
    let width = fit.width();
    let x = &fit.parameters[v * width..(v + 1) * width];
    assert_eq!(fit.diagnostics.flags[v], VoxelFlag::Fitted);
    for (name, card) in &fit.names {
        let (c, _) = fit.parameter(name).unwrap();
        if m.parameter(name).unwrap().kind() == ParameterKind::Orientation {
            let angle = axis_angle(t[c], t[c + 1], x[c], x[c + 1]);
            assert!(angle <= angle_tol, "voxel {v} {name}: {angle} rad");
        } else {
            for k in c..c + card {
                let rel = (x[k] - t[k]).abs() / t[k].abs();
                assert!(
                    rel <= rel_tol,
                    "voxel {v} {name}: {} vs {} ({rel})",
                    x[k],
                    t[k]
                );
            }
        }
    }
}

fn fraction_sums(fit: &ModelFit) -> Vec<f64> {
    let (c0, _) = fit.parameter("partial_volume_0").unwrap();
    let (c1, _) = fit.parameter("partial_volume_1").unwrap();
    fit.parameters
        .chunks(fit.width())
        .map(|r| r[c0] + r[c1])
        .collect()
}

fn recover(m: &MultiCompartmentModel, seed: u64) {
    let scheme = hcp();
    let mut rng = TestRng::new(seed);
    let count = 24;
    let truth = truths(m, &mut rng, count);
    let s0: Vec<f64> = (0..count).map(|_| rng.range(100.0, 3000.0)).collect();
    let data = simulate(m, &scheme, &truth, &s0);
    let fit = fit_model(
        m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    assert_recovered(&fit, m, &truth, 1e-6, 1e-6);
    for s in fraction_sums(&fit) {
        assert!((s - 1.0).abs() <= 1e-12, "{s}");
    }
    // The prediction at the fit is the data over S0.
    let predicted = fit.predict(m, &scheme).unwrap();
    for ((p, d), v) in predicted.iter().zip(&data).zip(0..) {
        let e = d / s0[v / scheme.len()];
        assert!((p - e).abs() <= 1e-9, "{p} vs {e}");
    }
}

#[test]
fn ball_and_stick_is_recovered_without_noise() {
    let m = ball_stick();
    let names: Vec<&str> = m.free_parameter_names().iter().map(|n| n.0).collect();
    assert_eq!(
        names,
        [
            "C1Stick_1_mu",
            "C1Stick_1_lambda_par",
            "G1Ball_1_lambda_iso",
            "partial_volume_0",
            "partial_volume_1"
        ]
    );
    recover(&m, 3);
}

#[test]
fn stick_and_tortuous_zeppelin_is_recovered_without_noise() {
    let m = stick_zeppelin();
    let names: Vec<&str> = m.free_parameter_names().iter().map(|n| n.0).collect();
    assert_eq!(
        names,
        [
            "C1Stick_1_mu",
            "C1Stick_1_lambda_par",
            "partial_volume_0",
            "partial_volume_1"
        ]
    );
    recover(&m, 4);
}

/// A partial volume fixed per voxel comes back bit for bit; the other is 1 minus it exactly
/// (up to rounding), and the remaining parameters are recovered.
#[test]
fn per_voxel_fixed_fraction_is_returned_exactly() {
    let scheme = hcp();
    let mut rng = TestRng::new(5);
    let count = 6;
    let free = ball_stick();
    let truth = truths(&free, &mut rng, count);
    let width = 6;
    let fixed: Vec<f64> = truth.chunks(width).map(|r| r[4]).collect();
    let s0 = vec![1000.0; count];
    let data = simulate(&free, &scheme, &truth, &s0);
    let mut m = ball_stick();
    m.set_fixed_parameter("partial_volume_0", ParameterValue::PerVoxel(fixed.clone()))
        .unwrap();
    let fit = fit_model(
        &m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    assert_eq!(
        fit.names.len(),
        5,
        "a per-voxel fixed parameter stays in the list"
    );
    let (c0, _) = fit.parameter("partial_volume_0").unwrap();
    for (v, row) in fit.parameters.chunks(width).enumerate() {
        assert_eq!(row[c0].to_bits(), fixed[v].to_bits());
    }
    for s in fraction_sums(&fit) {
        assert!((s - 1.0).abs() <= 1e-15, "{s}");
    }
    assert_recovered(&fit, &m, &truth, 1e-6, 1e-6);
}

/// Starting at the truth through `set_initial_guess_parameter` returns the truth.
#[test]
fn initial_guess_at_the_truth_returns_the_truth() {
    let scheme = hcp();
    let mut rng = TestRng::new(6);
    let count = 5;
    let mut m = stick_zeppelin();
    let truth = truths(&m, &mut rng, count);
    let data = simulate(&m, &scheme, &truth, &vec![500.0; count]);
    let width = 5;
    let column = |c: usize, card: usize| -> Vec<f64> {
        truth
            .chunks(width)
            .flat_map(|r| r[c..c + card].to_vec())
            .collect()
    };
    for (name, c, card) in [
        ("C1Stick_1_mu", 0, 2),
        ("C1Stick_1_lambda_par", 2, 1),
        ("partial_volume_0", 3, 1),
        ("partial_volume_1", 4, 1),
    ] {
        m.set_initial_guess_parameter(name, ParameterValue::PerVoxel(column(c, card)))
            .unwrap();
    }
    let fit = fit_model(
        &m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    assert_recovered(&fit, &m, &truth, 1e-12, 1e-12);
    assert!(
        fit.diagnostics.iterations.iter().all(|&i| i <= 2),
        "{:?}",
        fit.diagnostics.iterations
    );
}

/// Pure noise: whatever the data, fitted values stay inside their bounds and fractions sum to 1.
#[test]
fn bounds_are_never_violated() {
    let scheme = hcp();
    let mut rng = TestRng::new(7);
    let m = ball_stick();
    let count = 16;
    let data: Vec<f64> = (0..count * scheme.len())
        .map(|_| rng.range(0.0, 1.0))
        .collect();
    let fit = fit_model(
        &m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    for row in fit.parameters.chunks(fit.width()) {
        for (name, card) in &fit.names {
            let (c, _) = fit.parameter(name).unwrap();
            let p = m.parameter(name).unwrap();
            for k in 0..*card {
                let (lo, hi) = match p.kind() {
                    ParameterKind::Orientation if k == 0 => (0.0, PI),
                    ParameterKind::Orientation => (-PI, PI),
                    ParameterKind::Fraction => (0.0, 1.0),
                    _ => p.bounds()[k],
                };
                assert!(
                    row[c + k] >= lo && row[c + k] <= hi,
                    "{name}: {}",
                    row[c + k]
                );
            }
        }
    }
    for s in fraction_sums(&fit) {
        assert!((s - 1.0).abs() <= 1e-12, "{s}");
    }
}

#[test]
fn non_finite_and_zero_b0_voxels_are_flagged() {
    let scheme = hcp();
    let m = ball_stick();
    let truth = truths(&m, &mut TestRng::new(8), 3);
    let mut data = simulate(&m, &scheme, &truth, &[100.0, 100.0, 100.0]);
    let n = scheme.len();
    data[5] = f64::NAN;
    for (i, &b0) in scheme.b0_mask().iter().enumerate() {
        if b0 {
            data[n + i] = 0.0;
        }
    }
    let fit = fit_model(
        &m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    let flags = &fit.diagnostics.flags;
    assert_eq!(
        flags,
        &[
            VoxelFlag::NonFinite,
            VoxelFlag::NonPositiveB0,
            VoxelFlag::Fitted
        ]
    );
    let w = fit.width();
    assert!(fit.parameters[..2 * w].iter().all(|v| v.is_nan()));
    // The intact voxel is fitted as if alone: noise-free, so to the truth.
    assert_voxel_recovered(&fit, &m, 2, &truth[2 * w..], 1e-6, 1e-6);
}

/// The magnitude of a complex Gaussian-noisy signal (Rician noise, σ = S0/SNR).
fn rician(rng: &mut TestRng, s: f64, sigma: f64) -> f64 {
    (s + sigma * rng.normal()).hypot(sigma * rng.normal())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Rician noise at SNR 50: medians of the errors (printed; run with `--nocapture`) are small
/// against the parameters' ranges.
#[test]
fn ball_and_stick_under_rician_noise_at_snr_50() {
    let scheme = hcp();
    let mut rng = TestRng::new(11);
    let m = ball_stick();
    let count = 200;
    let truth = truths(&m, &mut rng, count);
    let clean = simulate(&m, &scheme, &truth, &vec![1.0; count]);
    let data: Vec<f64> = clean
        .iter()
        .map(|&s| rician(&mut rng, s, 1.0 / 50.0))
        .collect();
    let fit = fit_model(
        &m,
        &scheme,
        &data,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    let w = fit.width();
    let rows = || truth.chunks(w).zip(fit.parameters.chunks(w));
    let angle = median(
        rows()
            .map(|(t, x)| axis_angle(t[0], t[1], x[0], x[1]).to_degrees())
            .collect(),
    );
    let rel = |c: usize| median(rows().map(|(t, x)| (x[c] - t[c]).abs() / t[c]).collect());
    let f_err = median(rows().map(|(t, x)| (x[4] - t[4]).abs()).collect());
    println!(
        "SNR 50 ball & stick, {count} voxels: median axis error {angle:.2}°, λ∥ {:.3}, λiso {:.3} (relative), f {f_err:.4} (absolute)",
        rel(2),
        rel(3)
    );
    assert!(angle < 3.0 && rel(2) < 0.05 && rel(3) < 0.05 && f_err < 0.03);
}

/// Two components: the partial volumes are t and 1 − t, so both have the standard deviation of
/// the nested fraction t, which for ball & stick is the engine's f of the hand-written model.
#[test]
fn fraction_standard_deviations_follow_the_delta_method() {
    let scheme = hcp();
    let mut rng = TestRng::new(12);
    let m = ball_stick();
    let count = 8;
    let truth = truths(&m, &mut rng, count);
    let clean = simulate(&m, &scheme, &truth, &vec![1.0; count]);
    let data: Vec<f64> = clean.iter().map(|&s| rician(&mut rng, s, 0.02)).collect();
    let options = FitOptions {
        uncertainties: true,
        ..FitOptions::default()
    };
    let fit = fit_model(&m, &scheme, &data, &options, &FitControl::default()).unwrap();
    let reference = fit_voxels(&BallStick::new(), &scheme, &data, &options).unwrap();
    let (std, ref_std) = (fit.std.as_ref().unwrap(), reference.std.as_ref().unwrap());
    for v in 0..count {
        let (x, r) = (
            &fit.parameters[v * 6..v * 6 + 6],
            &reference.parameters[v * 5..v * 5 + 5],
        );
        if (x[4] - r[4]).abs() > 1e-6 {
            continue; // a different local minimum; nothing to compare
        }
        let (s, rs) = (&std[v * 6..v * 6 + 6], &ref_std[v * 5..v * 5 + 5]);
        assert!(
            (s[4] - rs[4]).abs() <= 1e-4 * rs[4],
            "{} vs {}",
            s[4],
            rs[4]
        );
        assert_eq!(s[4], s[5]);
        assert!((s[2] - rs[2]).abs() <= 1e-4 * rs[2]);
    }
}

/// A three-compartment model's fractions: the delta method against finite differences of the
/// nested map.
#[test]
fn nested_fraction_jacobian_matches_finite_differences() {
    let m = model(&["C1Stick", "G1Ball", "G1Ball"]);
    let scheme = hcp();
    let adapter = SolverModel::new(&m, &scheme, 1).unwrap();
    let n = adapter.n_free();
    let mut x = vec![0.0; n];
    x[n - 2] = 0.3;
    x[n - 1] = 0.6;
    let mut sd = vec![0.0; n];
    sd[n - 2] = 0.01;
    let mut out = vec![0.0; m.free_len()];
    adapter.free_sd(&x, &sd, 0, &mut out);
    // f = (t0, (1 − t0) t1, (1 − t0)(1 − t1)): ∂f/∂t0 = (1, −t1, −(1 − t1)).
    let expected = [0.01, 0.6 * 0.01, 0.4 * 0.01];
    for (k, e) in expected.iter().enumerate() {
        assert!((out[adapter.volumes[k]] - e).abs() <= 1e-15, "{k}");
    }
}

/// Spherical mean: data whose every measurement holds its shell's spherical-mean value are fitted
/// exactly. Four shells for three unknowns leave local minima (λ∥ ≈ λiso); with one start two of
/// these six voxels end in one, so the test uses eight starts.
#[test]
fn spherical_mean_ball_and_stick_is_recovered() {
    let scheme = hcp();
    let comps = ["C1Stick", "G1Ball"]
        .iter()
        .map(|n| ModelComponent::by_name(n).unwrap())
        .collect();
    let m = MultiCompartmentModel::spherical_mean(comps).unwrap();
    let mut rng = TestRng::new(13);
    let count = 6;
    let mut truth = truths(&m, &mut rng, count);
    // λ∥ well above λiso: where they meet, stick and ball are nearly one shape per shell and
    // the fraction is barely determined by four shells.
    for row in truth.chunks_mut(4) {
        row[0] = rng.range(1.8e-9, 2.8e-9);
        row[1] = rng.range(0.5e-9, 1.4e-9);
    }
    let per_shell = {
        let w = m.parameter_cardinality().iter().map(|c| c.1).sum::<usize>();
        let mut full = vec![0.0; m.full_len()];
        let mut e = vec![0.0; m.output_len(&scheme)];
        let mut data = Vec::new();
        for row in truth.chunks(w) {
            m.full_from_parameters(row, &mut full).unwrap();
            m.signal(&scheme, &full, &mut e).unwrap();
            data.extend(scheme.shell_of().iter().map(|&s| 700.0 * e[s]));
        }
        data
    };
    let options = FitOptions {
        starts: 8,
        ..FitOptions::default()
    };
    let fit = fit_model(&m, &scheme, &per_shell, &options, &FitControl::default()).unwrap();
    assert_recovered(&fit, &m, &truth, 1e-6, 0.0);
}

/// Noise-free directional data (a ball and a stick of random orientation on HCP) fitted by the
/// spherical-mean ball and stick, from the SH-fitted shell means and, for comparison, from plain
/// shell averages (what this crate did before): the SH means make the fit far more accurate.
#[test]
fn spherical_mean_fit_of_directional_data_is_nearly_unbiased() {
    let scheme = hcp();
    let directional = ball_stick();
    let comps = ["C1Stick", "G1Ball"]
        .iter()
        .map(|n| ModelComponent::by_name(n).unwrap())
        .collect();
    let mean_model = MultiCompartmentModel::spherical_mean(comps).unwrap();
    let mut rng = TestRng::new(21);
    let count = 8;
    let mut truth = truths(&directional, &mut rng, count);
    for row in truth.chunks_mut(6) {
        row[2] = rng.range(1.8e-9, 2.8e-9);
        row[3] = rng.range(0.5e-9, 1.4e-9);
    }
    let data = simulate(&directional, &scheme, &truth, &vec![1000.0; count]);
    // Plain shell averages, written back to every measurement of the shell: the SH fit of a
    // signal constant on each shell returns that constant.
    let mut averaged = data.clone();
    for voxel in averaged.chunks_mut(scheme.len()) {
        for shell in scheme.shells() {
            let mean =
                shell.indices.iter().map(|&i| voxel[i]).sum::<f64>() / shell.indices.len() as f64;
            shell.indices.iter().for_each(|&i| voxel[i] = mean);
        }
    }
    let options = FitOptions {
        starts: 8,
        ..FitOptions::default()
    };
    let mean_truth: Vec<f64> = truth.chunks(6).flat_map(|r| r[2..].to_vec()).collect();
    let median_errors = |data: &[f64]| {
        let fit = fit_model(&mean_model, &scheme, data, &options, &FitControl::default()).unwrap();
        let rows = mean_truth.chunks(4).zip(fit.parameters.chunks(4));
        let (lambda, fraction): (Vec<f64>, Vec<f64>) = rows
            .map(|(t, x)| ((x[0] / t[0] - 1.0).abs(), (x[2] - t[2]).abs()))
            .unzip();
        (median(lambda), median(fraction))
    };
    let (sh_lambda, sh_fraction) = median_errors(&data);
    let (plain_lambda, plain_fraction) = median_errors(&averaged);
    eprintln!(
        "median λ∥ {sh_lambda:e} (plain {plain_lambda:e}), f {sh_fraction:e} (plain {plain_fraction:e})"
    );
    // Measured: λ∥ 4.6e-3 (plain 0.33), stick fraction 7.0e-4 (plain 4.2e-2). Three parameters
    // from three diffusion-weighted shells amplify the means' residual ≤ 2.5e-4 errors.
    assert!(
        sh_lambda < 7e-3 && sh_fraction < 1.5e-3,
        "{sh_lambda:e} {sh_fraction:e}"
    );
    assert!(plain_lambda > 20.0 * sh_lambda && plain_fraction > 20.0 * sh_fraction);
}

/// The likelihood seam on a multi-compartment model: at the truth of noise-free data the
/// Gaussian log-likelihood is its maximum −m ln(σ√(2π)) with a zero gradient, and the solver's
/// vector maps back to the public parameters exactly.
#[test]
fn likelihood_of_a_multi_compartment_model_peaks_at_the_truth() {
    use crate::{Noise, VoxelLikelihood};
    let scheme = hcp();
    let m = ball_stick();
    let truth = [0.7, 1.2, 2.0e-9, 1.1e-9, 0.4, 0.6];
    let data = simulate(&m, &scheme, &truth, &[1.0]);
    let solver = SolverModel::new(&m, &scheme, 1).unwrap();
    // The solver's vector: θ, φ, λ∥, λiso, then the nested fraction t = f_stick.
    let x = [0.7, 1.2, 2.0e-9, 1.1e-9, 0.4];
    let mut row = [0.0; 6];
    solver.public_from_x(&x, 0, &mut row).unwrap();
    for (r, t) in row.iter().zip(&truth) {
        assert!((r - t).abs() <= 1e-15 * t.abs(), "{row:?}");
    }
    let sigma = 0.02;
    let mut likelihood = VoxelLikelihood::new(&solver, &scheme, Noise::Gaussian { sigma }).unwrap();
    likelihood.set_voxel(0, &data).unwrap();
    let mut gradient = [0.0; 5];
    let peak = likelihood
        .log_likelihood_and_gradient(&x, &mut gradient)
        .unwrap();
    let want = -(scheme.len() as f64) * (sigma * (2.0 * PI).sqrt()).ln();
    assert!(
        (peak - want).abs() <= 1e-12 * want.abs(),
        "{peak} vs {want}"
    );
    // Zero up to the data's rounding: per unit of each parameter's scale (1e-9 m²/s for λ).
    let scales = [1.0, 1.0, 1e-9, 1e-9, 1.0];
    for (g, s) in gradient.iter().zip(scales) {
        assert!((g * s).abs() < 1e-9, "{gradient:?}");
    }
    let mut off = x;
    off[2] *= 1.01;
    assert!(likelihood.log_likelihood(&off).unwrap() < peak);
}

/// The labels of the solver's vector: free scalars by name and component, then one `None` per
/// nested fraction (two sticks and a ball: three partial volumes, two nested fractions).
#[test]
fn x_labels_name_the_solver_vector() {
    let m = model(&["C1Stick", "C1Stick", "G1Ball"]);
    let scheme = hcp();
    let adapter = SolverModel::new(&m, &scheme, 1).unwrap();
    let labels = adapter.x_labels();
    assert_eq!(labels.len(), adapter.n_free());
    assert_eq!(labels[0], Some(("C1Stick_1_mu", 0)));
    assert_eq!(labels[1], Some(("C1Stick_1_mu", 1)));
    assert_eq!(labels[2], Some(("C1Stick_1_lambda_par", 0)));
    assert_eq!(&labels[labels.len() - 2..], &[None, None]);
    assert!(labels[..labels.len() - 2].iter().all(Option::is_some));
}
