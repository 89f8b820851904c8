//! Tests of the multi-compartment model: vector maps, fractions, per-voxel values, Jacobians, errors and model files.

use super::test_support::model;
use super::{MultiCompartmentModel, ParameterValue, SolverModel, tortuous_lambda_perp};
use crate::FitModel;
use crate::compartments::reference_fixtures;
use crate::{AcquisitionScheme, Error};
use num_dual::Dual64;
use proptest::prelude::*;

/// Stick + zeppelin + ball with NODDI-like links and a fractional parameter.
fn linked() -> MultiCompartmentModel {
    let mut m = model(&["C1Stick", "G2Zeppelin", "G1Ball"]);
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
    m.set_fractional_parameter("C1Stick_1_lambda_par", "G1Ball_1_lambda_iso")
        .unwrap();
    m
}

/// The solver's vector at `unit` (one value in [0, 1] per scalar) of its box.
fn solver_inside(solver: &SolverModel, unit: &[f64]) -> Vec<f64> {
    solver
        .bounds()
        .iter()
        .zip(unit)
        .map(|(&(lo, hi), u)| lo + u * (hi - lo))
        .collect()
}

proptest! {
    #[test]
    fn fractions_sum_to_one_for_any_solver_vector(unit in proptest::collection::vec(0.0..=1.0f64, 8)) {
        let m = linked();
        let scheme: AcquisitionScheme = reference_fixtures::scheme("hcp");
        let solver = SolverModel::new(&m, &scheme, 1).unwrap();
        // θ, φ, λiso, the λ∥ fraction of λiso, then two nested fractions.
        prop_assert_eq!(solver.n_free(), 6);
        let x = solver_inside(&solver, &unit);
        let mut free = vec![0.0; m.free_len()];
        solver.free_from_x(&x, 0, &mut free);
        let mut full = vec![0.0; m.full_len()];
        m.full_from_free(&free, 0, &mut full).unwrap();
        let pv: f64 = ["partial_volume_0", "partial_volume_1", "partial_volume_2"]
            .iter()
            .map(|n| full[m.parameter(n).unwrap().offset()])
            .sum();
        prop_assert!((pv - 1.0).abs() <= 1e-15, "sum {}", pv);
        // Round trips: free → full → free, and x → free → x where no earlier t is 1.
        let mut again = vec![0.0; m.free_len()];
        m.free_from_full(&full, &mut again).unwrap();
        prop_assert_eq!(&again, &free);
        let mut full2 = vec![0.0; m.full_len()];
        m.full_from_free(&again, 0, &mut full2).unwrap();
        prop_assert_eq!(&full2, &full);
        let mut x2 = vec![0.0; x.len()];
        solver.x_from_free(&free, &mut x2);
        let n = x.len();
        if x[n - 2] < 1.0 - 1e-9 {
            for (a, b) in x.iter().zip(&x2) {
                prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-9), "{:?} vs {:?}", x, x2);
            }
        }
    }
}

#[test]
fn links_give_dmipy_formulas() {
    let m = linked();
    assert_eq!(
        m.free_parameter_names(),
        [
            ("C1Stick_1_lambda_par_fraction", 1),
            ("C1Stick_1_mu", 2),
            ("G1Ball_1_lambda_iso", 1),
            ("partial_volume_0", 1),
            ("partial_volume_1", 1),
            ("partial_volume_2", 1)
        ]
    );
    let free = [0.5, 0.3, 1.1, 3e-9, 0.5, 0.3, 0.2];
    let mut full = vec![0.0; m.full_len()];
    m.full_from_free(&free, 0, &mut full).unwrap();
    let at = |n: &str| {
        full[m
            .full_parameters()
            .iter()
            .find(|p| p.name() == n)
            .unwrap()
            .offset()]
    };
    assert_eq!(at("C1Stick_1_lambda_par"), 1.5e-9);
    assert_eq!(at("G2Zeppelin_1_lambda_par"), 1.5e-9);
    assert_eq!(at("G2Zeppelin_1_mu"), 0.3);
    // Dmipy's tortuosity by hand: ṽ = 0.5/0.8 = 0.625, f = 0.625/(0.625 + 0.3) = 0.675675…,
    // λ⊥ = (1 − f)·1.5e-9.
    let f = 0.625 / (0.625 + 0.3);
    let want: f64 = (1.0 - f) * 1.5e-9;
    assert!((at("G2Zeppelin_1_lambda_perp") - want).abs() <= 1e-15 * want);
    // With S0 responses the intra fraction is reweighted: S0 = (1, 2): f = ṽ·2/(ṽ·2 + v_e·1).
    let s0: f64 = tortuous_lambda_perp(1e-9, 0.5, 0.5, 1.0, 2.0);
    assert!((s0 - (1.0 - 1.0 / 1.5) * 1e-9).abs() <= 1e-24);
}

#[test]
fn per_voxel_fixed_values_are_read_per_voxel() {
    let mut m = model(&["G1Ball", "C1Stick"]);
    m.set_fixed_parameter(
        "C1Stick_1_mu",
        ParameterValue::PerVoxel(vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
    )
    .unwrap();
    assert_eq!(m.voxel_count(), Some(3));
    assert!(m.parameter_names().contains(&"C1Stick_1_mu"));
    assert_eq!(m.free_len(), 4);
    let mut full = vec![0.0; m.full_len()];
    m.full_from_free(&[2e-9, 1.7e-9, 0.4, 0.6], 2, &mut full)
        .unwrap();
    assert_eq!(full, [2e-9, 0.5, 0.6, 1.7e-9, 0.4, 0.6]);
    let err = m.full_from_free(&[2e-9, 1.7e-9, 0.4, 0.6], 3, &mut full);
    assert!(matches!(err, Err(Error::InvalidArgument { .. })));
    // A second per-voxel array must have as many voxels.
    let err = m.set_initial_guess_parameter(
        "G1Ball_1_lambda_iso",
        ParameterValue::PerVoxel(vec![1e-9; 2]),
    );
    assert!(matches!(
        err,
        Err(Error::LengthMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    m.set_initial_guess_parameter(
        "G1Ball_1_lambda_iso",
        ParameterValue::PerVoxel(vec![1e-9, 2e-9, 3e-9]),
    )
    .unwrap();
    m.set_initial_guess_parameter("partial_volume_0", 0.3)
        .unwrap();
    assert_eq!(
        m.initial_guess_free(1).unwrap(),
        [Some(2e-9), None, Some(0.3), None]
    );
}

#[test]
fn dual_jacobian_wrt_solver_vector_equals_finite_differences() {
    let m = linked();
    let scheme: AcquisitionScheme = reference_fixtures::scheme("hcp");
    let solver = SolverModel::new(&m, &scheme, 1).unwrap();
    let x = solver_inside(&solver, &[0.6, 0.3, 0.45, 0.7, 0.5, 0.4]);
    let scales = solver.scales().to_vec();
    let n = m.output_len(&scheme);
    let mut scratch = solver.scratch::<Dual64>(&scheme);
    let mut plain = solver.scratch::<f64>(&scheme);
    for k in 0..solver.n_free() {
        let mut d: Vec<Dual64> = x.iter().map(|&v| Dual64::from(v)).collect();
        d[k] = d[k].derivative();
        let mut out = vec![Dual64::from(0.0); n];
        solver
            .signal(&scheme, 0, &d, &mut out, &mut scratch)
            .unwrap();
        let h = 1e-6 * scales[k];
        let (mut up, mut down) = (x.clone(), x.clone());
        up[k] += h;
        down[k] -= h;
        let (mut su, mut sd) = (vec![0.0; n], vec![0.0; n]);
        solver.signal(&scheme, 0, &up, &mut su, &mut plain).unwrap();
        solver
            .signal(&scheme, 0, &down, &mut sd, &mut plain)
            .unwrap();
        for i in 0..n {
            let fd = (su[i] - sd[i]) / (2.0 * h);
            let err = (out[i].eps - fd).abs() * scales[k];
            assert!(
                err < 1e-7,
                "d/d x{k} at {i}: dual {:e}, fd {fd:e}",
                out[i].eps
            );
        }
    }
}

#[test]
fn errors_name_the_problem() {
    let mut m = model(&["C1Stick", "G2Zeppelin"]);
    let e = m
        .set_fixed_parameter("C1Stick_1_lambda_perp", 1e-9)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("C1Stick_1_lambda_perp") && e.contains("G2Zeppelin_1_lambda_perp"),
        "{e}"
    );
    let e = m.set_fixed_parameter("C1Stick_1_mu", 1.0).unwrap_err();
    assert!(matches!(
        e,
        Error::ParameterCardinality {
            expected: 2,
            found: 1,
            ..
        }
    ));
    let e = m
        .set_equal_parameter("C1Stick_1_mu", "G2Zeppelin_1_lambda_par")
        .unwrap_err();
    assert!(matches!(e, Error::ParameterCardinality { .. }));
    m.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
        .unwrap();
    let e = m
        .set_fixed_parameter("C1Stick_1_lambda_par", 2e-9)
        .unwrap_err();
    assert!(matches!(e, Error::ParameterAlreadyLinked { .. }), "{e}");
    assert!(e.to_string().contains("set_fixed_parameter"));
    let e = m.set_parameter_optimization_bounds("G2Zeppelin_1_lambda_par", &[(2e-9, 1e-9)]);
    assert!(matches!(e, Err(Error::InvalidArgument { .. })));
    assert!(matches!(
        MultiCompartmentModel::new(vec![]),
        Err(Error::Empty { .. })
    ));
}

#[test]
fn model_file_round_trip_and_errors() {
    let text = r#"{"compartments": ["G1Ball", "C1Stick", "G2Zeppelin"],
        "set_tortuous_parameter": [["G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
                                    "partial_volume_1", "partial_volume_2"]],
        "set_equal_parameter": [["C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par"]],
        "set_fixed_parameter": [["C1Stick_1_lambda_par", 1.7e-9], ["G1Ball_1_lambda_iso", 3e-9]],
        "spherical_mean": false}"#;
    let m = MultiCompartmentModel::from_json(text).unwrap();
    assert_eq!(
        m.parameter_names(),
        [
            "C1Stick_1_mu",
            "G2Zeppelin_1_mu",
            "partial_volume_0",
            "partial_volume_1",
            "partial_volume_2"
        ]
    );
    let again = MultiCompartmentModel::from_json(&m.to_json()).unwrap();
    assert_eq!(again.parameter_names(), m.parameter_names());
    let scheme = reference_fixtures::scheme("hcp");
    let free = [0.3, 1.0, 0.5, 2.0, 0.2, 0.5, 0.3];
    let (mut a, mut b) = (vec![0.0; scheme.len()], vec![0.0; scheme.len()]);
    m.signal_free(&scheme, &free, 0, &mut a, &mut m.scratch(&scheme))
        .unwrap();
    again
        .signal_free(&scheme, &free, 0, &mut b, &mut again.scratch(&scheme))
        .unwrap();
    assert_eq!(a, b);
    let bare = MultiCompartmentModel::from_json("\"C1Stick\"").unwrap();
    assert_eq!(
        bare.parameter_names(),
        ["C1Stick_1_mu", "C1Stick_1_lambda_par"]
    );

    let location = |t: &str| match MultiCompartmentModel::from_json(t) {
        Err(Error::ModelFile { location, message }) => format!("{location}: {message}"),
        other => panic!("{t}: {other:?}"),
    };
    assert!(location("{\"compartments\": [\"C1Stick\",]}").starts_with("line 1"));
    assert!(
        location(r#"{"compartments": ["C1Stick", "C9Banana"]}"#).starts_with("compartments[1]")
    );
    let e = location(
        r#"{"compartments": ["C1Stick", "G1Ball"], "set_fixed_parameter": [["G1Ball_1_lambda_iso", 3e-9], ["G1Ball_1_lambda", 1e-9]]}"#,
    );
    assert!(
        e.starts_with("set_fixed_parameter[1]") && e.contains("valid parameters: C1Stick_1_mu"),
        "{e}"
    );
    let e = location(
        r#"{"compartments": ["G1Ball", {"distributed": "SD9Banana", "compartments": ["C1Stick"]}]}"#,
    );
    assert!(
        e.starts_with("compartments[1].distributed") && e.contains("SD1Watson"),
        "{e}"
    );
    assert!(location(r#"{"compartments": ["G1Ball"], "set_banana": []}"#).contains("known keys"));
}
