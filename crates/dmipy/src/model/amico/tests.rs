//! Tests of AMICO: exact recovery of dictionary atoms, Dmipy's off-grid NODDI test against the known truth, orientations from the tensor fit, the L1 weight, spherical means and refusals.

use super::*;
use crate::ParameterValue;
use crate::fit::test_models::TestRng;
use crate::model::test_support::{hcp, model, simulate, spherical_mean_model};

const MU: &str = "SD1WatsonDistributed_1_SD1Watson_1_mu";
const ODI: &str = "SD1WatsonDistributed_1_SD1Watson_1_odi";
const F_INTRA: &str = "SD1WatsonDistributed_1_partial_volume_0";

/// Dmipy's AMICO test model (`create_noddi_watson_model` of dmipy/optimizers/tests): NODDI-Watson
/// with the ball at 3e-9 and λ∥ at 1.7e-9 m²/s.
fn noddi() -> MultiCompartmentModel {
    MultiCompartmentModel::turnkey("noddi_watson").unwrap()
}

fn value(fit: &ModelFit, voxel: usize, name: &str) -> f64 {
    let (column, _) = fit.parameter(name).unwrap();
    fit.parameters[voxel * fit.width() + column]
}

/// Grid value j of parameter `name` for `points` grid points.
fn grid(model: &MultiCompartmentModel, name: &str, j: usize, points: usize) -> f64 {
    let (lo, hi) = model.parameter(name).unwrap().bounds()[0];
    lo + (hi - lo) * j as f64 / (points - 1) as f64
}

#[test]
fn a_mixture_of_dictionary_atoms_is_recovered_exactly() {
    // Data made of exactly two atoms (the ball and one Watson atom on the 12-point grid), with a
    // known orientation: the zero-residual NNLS solution is the truth, up to the conditioning
    // of the dictionary's Gram matrix.
    let scheme = hcp();
    let mut model = noddi();
    let (theta, phi) = (0.7, 1.1);
    model
        .set_fixed_parameter(MU, ParameterValue::Constant(vec![theta, phi]))
        .unwrap();
    let (odi, f_intra) = (grid(&model, ODI, 4, 12), grid(&model, F_INTRA, 7, 12));
    let names: Vec<&str> = model.parameter_names();
    let row: Vec<f64> = names
        .iter()
        .flat_map(|&n| match n {
            MU => vec![theta, phi],
            ODI => vec![odi],
            F_INTRA => vec![f_intra],
            "partial_volume_0" => vec![0.3],
            "partial_volume_1" => vec![0.7],
            other => panic!("unexpected parameter {other}"),
        })
        .collect();
    let data = simulate(&model, &scheme, &row, &[250.0]);
    let fit = fit_model_amico(
        &model,
        &scheme,
        &data,
        &AmicoOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    assert!(fit.diagnostics.converged[0]);
    for (name, truth) in [
        ("partial_volume_0", 0.3),
        ("partial_volume_1", 0.7),
        (ODI, odi),
        (F_INTRA, f_intra),
    ] {
        let got = value(&fit, 0, name);
        assert!((got - truth).abs() < 1e-8, "{name}: {got} vs {truth}");
    }
    assert!(
        (fit.diagnostics.s0[0] - 250.0).abs() < 1e-6 * 250.0,
        "{:?}",
        fit.diagnostics.s0
    );
    assert!(fit.diagnostics.mse[0] < 1e-20, "{}", fit.diagnostics.mse[0]);
}

/// Dmipy's `test_amico`: random NODDI parameters within the bounds (public rows), the true
/// orientation given per voxel.
fn dmipy_test_case(n: usize, seed: u64) -> (MultiCompartmentModel, Vec<Vec<f64>>) {
    let mut rng = TestRng::new(seed);
    let mut model = noddi();
    assert_eq!(
        model.parameter_names(),
        [MU, ODI, F_INTRA, "partial_volume_0", "partial_volume_1"]
    );
    let (lo, hi) = model.parameter(ODI).unwrap().bounds()[0];
    let (flo, fhi) = model.parameter(F_INTRA).unwrap().bounds()[0];
    let mut rows = Vec::new();
    let mut mu = Vec::new();
    for _ in 0..n {
        let (theta, phi) = (rng.range(0.0, std::f64::consts::PI), rng.range(-3.1, 3.1));
        let (odi, f_intra, f_iso) = (rng.range(lo, hi), rng.range(flo, fhi), rng.uniform());
        mu.extend([theta, phi]);
        rows.push(vec![theta, phi, odi, f_intra, f_iso, 1.0 - f_iso]);
    }
    model
        .set_fixed_parameter(MU, ParameterValue::PerVoxel(mu))
        .unwrap();
    (model, rows)
}

#[test]
fn dmipys_noddi_test_recovers_the_truth_within_the_grid_resolution() {
    let scheme = hcp();
    let (model, rows) = dmipy_test_case(40, 123);
    let data = simulate(&model, &scheme, &rows.concat(), &vec![1.0; rows.len()]);
    let options = AmicoOptions {
        lambda_1: vec![0.0, 1e-4],
        lambda_2: vec![0.0, 1e-7],
        ..AmicoOptions::default()
    };
    let fit = fit_model_amico(&model, &scheme, &data, &options, &FitControl::default()).unwrap();
    // Dmipy's test asserts 2 decimals for both fractions and 1 for the ODI; the weighted mean
    // of atoms on a grid of step h = range/11 interpolates within h/2 (0.044 for the ODI).
    let h = (0.99 - 0.02) / 11.0;
    let mut worst = [0.0f64; 3];
    for (v, row) in rows.iter().enumerate() {
        let errors = [
            (value(&fit, v, "partial_volume_0") - row[4]).abs(),
            (value(&fit, v, F_INTRA) - row[3]).abs(),
            (value(&fit, v, ODI) - row[2]).abs(),
        ];
        for (w, e) in worst.iter_mut().zip(errors) {
            *w = w.max(e);
        }
    }
    assert!(
        worst[0] < 0.015 && worst[1] < 0.015 && worst[2] < h / 2.0,
        "{worst:?}"
    );
}

#[test]
fn free_orientations_come_from_the_tensor_fit() {
    // A coherent bundle (ODI 0.1): the principal direction of the log-linear tensor is the
    // bundle's axis to within a few degrees, and the fractions follow.
    let scheme = hcp();
    let model = noddi();
    let rows = [
        vec![0.9, 0.4, 0.1, 0.6, 0.2, 0.8],
        vec![2.0, -1.2, 0.15, 0.5, 0.1, 0.9],
    ];
    let data = simulate(&model, &scheme, &rows.concat(), &vec![1.0; rows.len()]);
    let fit = fit_model_amico(
        &model,
        &scheme,
        &data,
        &AmicoOptions::default(),
        &FitControl::default(),
    )
    .unwrap();
    for (v, row) in rows.iter().enumerate() {
        let (c, _) = fit.parameter(MU).unwrap();
        let (t, p) = (
            fit.parameters[v * fit.width() + c],
            fit.parameters[v * fit.width() + c + 1],
        );
        let a = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
        let b = [
            row[0].sin() * row[1].cos(),
            row[0].sin() * row[1].sin(),
            row[0].cos(),
        ];
        let cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).abs().min(1.0);
        assert!(
            cos.acos().to_degrees() < 3.0,
            "voxel {v}: {}°",
            cos.acos().to_degrees()
        );
        assert!((value(&fit, v, "partial_volume_0") - row[4]).abs() < 0.015);
    }
}

#[test]
fn a_large_l1_weight_removes_a_component() {
    // Ball (1.5e-9) and stick (λ∥ 1.7e-9 along z), both fixed: one atom each. With λ₁ of the
    // stick above its correlation with the data, its stage-1 weight is 0, it is dropped, and the
    // refit is the ball alone: x = ⟨φ, y⟩ / ⟨φ, φ⟩ on the contracted rows.
    let scheme = hcp();
    let mut m = model(&["G1Ball", "C1Stick"]);
    m.set_fixed_parameter("G1Ball_1_lambda_iso", 1.5e-9)
        .unwrap();
    m.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
        .unwrap();
    m.set_fixed_parameter("C1Stick_1_mu", ParameterValue::Constant(vec![0.0, 0.0]))
        .unwrap();
    let data = simulate(&m, &scheme, &[0.5, 0.5], &[1.0]);
    let fit_with = |lambda_1: Vec<f64>| {
        let options = AmicoOptions {
            lambda_1,
            ..AmicoOptions::default()
        };
        fit_model_amico(&m, &scheme, &data, &options, &FitControl::default()).unwrap()
    };
    let plain = fit_with(vec![0.0, 0.0]);
    assert!((value(&plain, 0, "partial_volume_0") - 0.5).abs() < 1e-12);
    let penalised = fit_with(vec![0.0, 1e6]);
    assert_eq!(value(&penalised, 0, "partial_volume_1"), 0.0);
    // The ball-only refit, by hand: contracted rows are the mean b0 (1) and every DW measurement.
    let ball: Vec<f64> = scheme
        .bvalues()
        .iter()
        .map(|b| (-b * 1.5e-9).exp())
        .collect();
    let (mut num, mut den) = (1.0, 1.0);
    for (i, &is_b0) in scheme.b0_mask().iter().enumerate() {
        if !is_b0 {
            num += ball[i] * data[i];
            den += ball[i] * ball[i];
        }
    }
    let s0 = penalised.diagnostics.s0[0];
    assert!((s0 - num / den).abs() < 1e-12, "{s0} vs {}", num / den);
}

#[test]
fn a_spherical_mean_model_gets_one_dictionary_for_all_voxels() {
    // Spherical means of a gridded ball (3 diffusivities) and a fixed one (2.2e-9 m²/s, not a
    // grid value): 4 atoms for HCP's 4 contracted rows (b0 and 3 shells), a square system that
    // is non-singular (exponentials of distinct rates at distinct b). Isotropic signals have
    // exact shell means, so data made of one gridded atom and the fixed ball are recovered
    // exactly. (More grid points than shells would make the answer non-unique.)
    let scheme = hcp();
    let build = |spherical_mean| {
        let names = ["G1Ball", "G1Ball"];
        let mut m = match spherical_mean {
            false => model(&names),
            true => spherical_mean_model(&names),
        };
        m.set_fixed_parameter("G1Ball_2_lambda_iso", 2.2e-9)
            .unwrap();
        m
    };
    let m = build(true);
    assert_eq!(
        m.parameter_names(),
        [
            "G1Ball_1_lambda_iso",
            "partial_volume_0",
            "partial_volume_1"
        ]
    );
    let options = AmicoOptions {
        grid_points: 3,
        ..AmicoOptions::default()
    };
    let rows: Vec<Vec<f64>> = [(1, 0.25), (2, 0.6)]
        .iter()
        .map(|&(i, f)| vec![grid(&m, "G1Ball_1_lambda_iso", i, 3), f, 1.0 - f])
        .collect();
    let data = simulate(
        &build(false),
        &scheme,
        &rows.concat(),
        &vec![1.0; rows.len()],
    );
    let fit = fit_model_amico(&m, &scheme, &data, &options, &FitControl::default()).unwrap();
    for (v, row) in rows.iter().enumerate() {
        for (k, name) in m.parameter_names().iter().enumerate() {
            let got = value(&fit, v, name);
            assert!(
                (got - row[k]).abs() < 1e-8 * row[k].abs(),
                "voxel {v} {name}: {got} vs {}",
                row[k]
            );
        }
    }
}

#[test]
fn bad_settings_and_models_are_refused_with_reasons() {
    let scheme = hcp();
    let data = vec![1.0; scheme.len()];
    let run = |m: &MultiCompartmentModel, o: &AmicoOptions| {
        fit_model_amico(m, &scheme, &data, o, &FitControl::default())
            .unwrap_err()
            .to_string()
    };
    let m = noddi();
    let defaults = AmicoOptions::default();
    assert!(
        run(
            &m,
            &AmicoOptions {
                grid_points: 1,
                ..defaults.clone()
            }
        )
        .contains("grid points")
    );
    assert!(
        run(
            &m,
            &AmicoOptions {
                lambda_1: vec![0.1],
                ..defaults.clone()
            }
        )
        .contains("one per component")
    );
    assert!(
        run(
            &m,
            &AmicoOptions {
                lambda_2: vec![0.0, -1.0],
                ..defaults.clone()
            }
        )
        .contains("non-negative")
    );
    assert!(
        run(
            &m,
            &AmicoOptions {
                grid_points: 80,
                ..defaults.clone()
            }
        )
        .contains("atoms")
    );
    let mut fixed = noddi();
    fixed.set_fixed_parameter("partial_volume_0", 0.2).unwrap();
    assert!(run(&fixed, &defaults).contains("partial_volume_0 is not free"));
}

#[test]
fn agrees_with_dmipys_amico_on_its_own_problem() {
    // scripts/reference/dmipy1_amico.py: Dmipy 1.0.5's signals and AmicoCvxpyOptimizer estimates
    // on its test problem (true orientations given). Both sides are compared with the truth:
    // Dmipy's dictionary carries its SH-truncated Watson (≈1e-3 in the signal), ours is exact,
    // and the data are Dmipy's signals.
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/dmipy1_amico.json")).unwrap();
    let scheme = hcp();
    let voxels = fixture["voxels"].as_array().unwrap();
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let mut model = noddi();
    let mu: Vec<f64> = voxels.iter().flat_map(|v| numbers(&v["mu"])).collect();
    model
        .set_fixed_parameter(MU, ParameterValue::PerVoxel(mu))
        .unwrap();
    let data: Vec<f64> = voxels.iter().flat_map(|v| numbers(&v["signal"])).collect();
    let options = AmicoOptions {
        grid_points: fixture["grid_points"].as_u64().unwrap() as usize,
        lambda_1: numbers(&fixture["lambda_1"]),
        lambda_2: numbers(&fixture["lambda_2"]),
        ..AmicoOptions::default()
    };
    let fit = fit_model_amico(&model, &scheme, &data, &options, &FitControl::default()).unwrap();
    // The same parameters through our exact model: what our dictionary does on exact data.
    let rows: Vec<Vec<f64>> = voxels
        .iter()
        .map(|v| {
            let t = &v["truth"];
            let f = t["partial_volume_0"].as_f64().unwrap();
            let mut row = numbers(&v["mu"]);
            row.extend([
                t[ODI].as_f64().unwrap(),
                t[F_INTRA].as_f64().unwrap(),
                f,
                1.0 - f,
            ]);
            row
        })
        .collect();
    let exact = simulate(&model, &scheme, &rows.concat(), &vec![1.0; rows.len()]);
    let signal_gap = exact
        .iter()
        .zip(&data)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let exact_fit =
        fit_model_amico(&model, &scheme, &exact, &options, &FitControl::default()).unwrap();
    let mut worst = std::collections::BTreeMap::new();
    for (v, voxel) in voxels.iter().enumerate() {
        for name in ["partial_volume_0", ODI, F_INTRA] {
            let (ours, dmipy) = (value(&fit, v, name), voxel["dmipy"][name].as_f64().unwrap());
            let truth = voxel["truth"][name].as_f64().unwrap();
            let w = worst.entry(name).or_insert([0.0f64; 4]);
            w[0] = w[0].max((ours - dmipy).abs());
            w[1] = w[1].max((ours - truth).abs());
            w[2] = w[2].max((dmipy - truth).abs());
            w[3] = w[3].max((value(&exact_fit, v, name) - truth).abs());
        }
    }
    eprintln!(
        "signals: max |Dmipy − exact| {signal_gap:.2e}; max |ours − Dmipy|, |ours − truth|, \
         |Dmipy − truth|, |ours on exact signals − truth|: {worst:?}"
    );
    // Fractions: Dmipy's own test precision (2 decimals) for both sides and between them. ODI:
    // a weighted mean of grid atoms of step h = 0.97/11 lies within h/2 of the truth, so the two
    // sides lie within h of each other (the weights of a near-degenerate dictionary differ
    // between the exact NNLS here and CVXPY's approximate solution there).
    let h = (0.99 - 0.02) / 11.0;
    for (name, [vs_dmipy, ours, theirs, _]) in &worst {
        let (own, between) = if *name == ODI {
            (h / 2.0, h)
        } else {
            (0.015, 0.015)
        };
        assert!(
            *ours < own && *theirs < own && *vs_dmipy < between,
            "{name}: {vs_dmipy} {ours} {theirs}"
        );
    }
}

#[test]
fn the_dictionary_solve_alone_equals_the_model_fit() {
    // amico_weights on the atoms fit_model_amico builds (here: the fixed-orientation NODDI
    // dictionary, bound once) gives the same weights: the model fit's estimates are their sums
    // and weighted means.
    let scheme = hcp();
    let mut model = noddi();
    model
        .set_fixed_parameter(MU, ParameterValue::Constant(vec![0.4, -0.8]))
        .unwrap();
    let data = simulate(&model, &scheme, &[0.33, 0.61, 0.27, 0.73], &[1.0]);
    let options = AmicoOptions {
        lambda_1: vec![0.0, 1e-4],
        lambda_2: vec![0.0, 1e-7],
        ..AmicoOptions::default()
    };
    let dictionary = Dictionary::new(&model, &scheme, &options).unwrap();
    let bound = dictionary.bind(0, None).unwrap();
    let n = dictionary.atoms();
    let l1: Vec<f64> = dictionary.lambda.iter().map(|l| l.0).collect();
    let l2: Vec<f64> = dictionary.lambda.iter().map(|l| l.1).collect();
    let w = amico_weights(&bound.signals, &data, scheme.b0_mask(), &l1, &l2, 1e-4).unwrap();
    assert!(w.converged && w.weights.len() == n);
    let total: f64 = w.weights.iter().sum();
    let ball = w.weights[0] / total;
    let fit = fit_model_amico(&model, &scheme, &data, &options, &FitControl::default()).unwrap();
    assert!((value(&fit, 0, "partial_volume_0") - ball).abs() < 1e-12);
    // Lengths are checked.
    assert!(amico_weights(&bound.signals, &data[1..], scheme.b0_mask(), &l1, &l2, 1e-4).is_err());
    assert!(amico_weights(&bound.signals, &data, scheme.b0_mask(), &l1[1..], &l2, 1e-4).is_err());
}
