//! Tests of MIX: Dmipy's two MIX tests (ball + zeppelin, a single stick) recovered exactly, the global search alone near the truth, a crossing, thread independence and refusals.

use super::*;
use crate::model::test_support::{hcp, model, simulate};
use crate::{ParameterValue, unit_vector};

fn mix_fit(model: &MultiCompartmentModel, data: &[f64]) -> ModelFit {
    let mix = MixOptions {
        max_iterations: 100,
        ..MixOptions::default()
    };
    fit_model_mix(
        model,
        &hcp(),
        data,
        &mix,
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap()
}

/// Largest relative error of a public parameter row (orientations compared as axes, by the
/// sine of the angle between them).
fn worst_error(model: &MultiCompartmentModel, row: &[f64], truth: &[f64]) -> f64 {
    let mut worst = 0.0f64;
    let mut column = 0;
    for (name, card) in model.parameter_cardinality() {
        let kind = model.parameter(name).unwrap().kind();
        if kind == crate::ParameterKind::Orientation {
            let (a, b) = (
                unit_vector(row[column], row[column + 1]),
                unit_vector(truth[column], truth[column + 1]),
            );
            let cos = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).abs().min(1.0);
            worst = worst.max((1.0 - cos * cos).sqrt());
        } else {
            worst = worst.max((row[column] - truth[column]).abs() / truth[column].abs());
        }
        column += card;
    }
    worst
}

#[test]
fn dmipys_ball_and_zeppelin_test_is_recovered_exactly() {
    // Dmipy's test_MIX_fitting_multimodel (asserts 2 decimals); noise-free, so the refinement
    // must reach the truth to the solver's tolerance.
    let m = model(&["G1Ball", "G2Zeppelin"]);
    assert_eq!(
        m.parameter_names(),
        [
            "G1Ball_1_lambda_iso",
            "G2Zeppelin_1_mu",
            "G2Zeppelin_1_lambda_par",
            "G2Zeppelin_1_lambda_perp",
            "partial_volume_0",
            "partial_volume_1"
        ]
    );
    let truth = vec![
        2.7e-9,
        std::f64::consts::FRAC_PI_2,
        std::f64::consts::FRAC_PI_2,
        1.7e-9,
        0.5e-9,
        0.2,
        0.8,
    ];
    let fit = mix_fit(&m, &simulate(&m, &hcp(), &truth, &[100.0]));
    assert!(
        worst_error(&m, &fit.parameters, &truth) < 1e-6,
        "{:?}",
        fit.parameters
    );
}

#[test]
fn dmipys_single_stick_test_is_recovered_exactly() {
    let m = model(&["C1Stick"]);
    let truth = vec![
        std::f64::consts::FRAC_PI_2,
        std::f64::consts::FRAC_PI_2,
        1.7e-9,
    ];
    let fit = mix_fit(&m, &simulate(&m, &hcp(), &truth, &[100.0]));
    assert!(
        worst_error(&m, &fit.parameters, &truth) < 1e-6,
        "{:?}",
        fit.parameters
    );
}

#[test]
fn the_global_search_alone_lands_near_the_truth() {
    // Before any refinement, the evolution's best point of a crossing of two sticks with a ball
    // (8 searched parameters) is within a few percent of the truth: the fractions come from the
    // projection, the rest from the search (converged to a 1 % spread of the population's costs).
    let m = model(&["C1Stick", "C1Stick", "G1Ball"]);
    let truth = vec![0.4, 0.3, 1.8e-9, 1.6, -1.2, 1.5e-9, 2.5e-9, 0.45, 0.35, 0.2];
    let scheme = hcp();
    let data = simulate(&m, &scheme, &truth, &[100.0]);
    let options = MixOptions::default();
    let search = Search::new(&m, &scheme, &options).unwrap();
    let mut guess = vec![0.0; m.free_len()];
    search
        .voxel(&EchoTimeGroups::new(&scheme).unwrap(), &data, 0, &mut guess)
        .unwrap();
    // No links: the free layout is the public one. The two sticks may come out in either order.
    let swapped = vec![1.6, -1.2, 1.5e-9, 0.4, 0.3, 1.8e-9, 2.5e-9, 0.35, 0.45, 0.2];
    let either = |row: &[f64]| worst_error(&m, row, &truth).min(worst_error(&m, row, &swapped));
    let err = either(&guess);
    assert!(err < 0.05, "{err}: {guess:?}");
    // And the refined fit is exact.
    let fit = mix_fit(&m, &data);
    assert!(either(&fit.parameters) < 1e-6, "{:?}", fit.parameters);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let m = model(&["G1Ball", "C1Stick"]);
    let rows: Vec<Vec<f64>> = (0..6)
        .map(|k| {
            let f = 0.2 + 0.1 * k as f64;
            vec![
                2.0e-9,
                0.3 * k as f64,
                1.0 - 0.4 * k as f64,
                1.6e-9,
                1.0 - f,
                f,
            ]
        })
        .collect();
    let data = simulate(&m, &hcp(), &rows.concat(), &vec![100.0; rows.len()]);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| mix_fit(&m, &data)).parameters
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn a_fixed_partial_volume_is_refused() {
    let mut m = model(&["G1Ball", "C1Stick"]);
    m.set_fixed_parameter("partial_volume_0", ParameterValue::Constant(vec![0.3]))
        .unwrap();
    let data = vec![1.0; hcp().len()];
    let err = fit_model_mix(
        &m,
        &hcp(),
        &data,
        &MixOptions::default(),
        &FitOptions::default(),
        &FitControl::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("partial_volume_0 is not free"), "{err}");
}

#[test]
fn a_tortuosity_on_the_partial_volumes_is_refused_as_dmipy_does() {
    // Dmipy's test_raise_mix_with_tortuosity_in_mcmodel: λ⊥ = (1 − f) λ∥ couples the fractions
    // to the other parameters, which MIX (and AMICO) fit apart.
    let mut m = model(&["C1Stick", "G2Zeppelin"]);
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
        false,
    )
    .unwrap();
    let data = vec![1.0; hcp().len()];
    let control = FitControl::default();
    let err = fit_model_mix(
        &m,
        &hcp(),
        &data,
        &MixOptions::default(),
        &FitOptions::default(),
        &control,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("G2Zeppelin_1_lambda_perp is computed from partial volumes"),
        "{err}"
    );
    let err = crate::fit_model_amico(&m, &hcp(), &data, &Default::default(), &control)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("G2Zeppelin_1_lambda_perp is computed from partial volumes"),
        "{err}"
    );
}
