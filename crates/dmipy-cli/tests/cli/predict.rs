//! `dmipy predict` from JSON lines; values checked against closed forms.

use super::{data, dmipy, fails, ok};

fn scheme_args() -> Vec<String> {
    vec![
        "--bvals".into(),
        data("small_64D.bval").display().to_string(),
        "--bvecs".into(),
        data("small_64D.bvec").display().to_string(),
    ]
}

fn predict(model: &str, lines: &str) -> std::process::Output {
    let mut args = vec!["predict".to_string(), "--model".into(), model.into()];
    args.extend(scheme_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    dmipy(&args, lines)
}

#[test]
fn ball_signal_is_exp_minus_b_d_for_every_line() {
    let bvals: Vec<f64> = std::fs::read_to_string(data("small_64D.bval"))
        .unwrap()
        .split_whitespace()
        .map(|b| b.parse::<f64>().unwrap() * 1e6)
        .collect();
    let out = ok(predict(
        "G1Ball",
        "{\"lambda_iso\": 3e-9}\n\n{\"lambda_iso\": 1e-9}\n",
    ));
    let rows: Vec<Vec<f64>> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "blank lines are skipped, one row per object");
    for (row, d) in rows.iter().zip([3e-9, 1e-9]) {
        assert_eq!(row.len(), 65);
        for (e, b) in row.iter().zip(&bvals) {
            let want = (-b * d).exp();
            assert!((e - want).abs() <= 1e-14 * want, "{e} vs {want}");
        }
    }
}

#[test]
fn unknown_parameter_lists_the_expected_names() {
    let err = fails(predict(
        "C1Stick",
        "{\"mu\": [0, 0], \"lambda_perp\": 1e-9}\n",
    ));
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("unknown parameter 'lambda_perp'"), "{err}");
    assert!(err.contains("mu (2 values), lambda_par"), "{err}");
}

#[test]
fn unknown_model_lists_the_models() {
    let err = fails(predict("C9Banana", ""));
    assert!(
        err.contains("unknown model 'C9Banana'") && err.contains("G2Zeppelin"),
        "{err}"
    );
}

#[test]
fn restricted_model_without_timing_says_what_is_missing() {
    let err = fails(predict(
        "C4CylinderGaussianPhaseApproximation",
        "{\"mu\": [0, 0], \"lambda_par\": 1.7e-9, \"diameter\": 5e-6}\n",
    ));
    assert!(err.contains("delta"), "{err}");
}

#[test]
fn model_list_names_every_compartment() {
    let out = ok(predict("list", ""));
    assert!(out.lines().count() >= 15, "{out}");
    assert!(out.contains("C3CylinderCallaghanApproximation"));
}

#[test]
fn model_file_predicts_the_volume_weighted_sum_of_closed_forms() {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ball_stick.json");
    std::fs::write(
        &file,
        r#"{"compartments": ["C1Stick", "G1Ball"], "set_fixed_parameter": [["G1Ball_1_lambda_iso", 3e-9]]}"#,
    )
    .unwrap();
    let line = r#"{"C1Stick_1_mu": [0, 0], "C1Stick_1_lambda_par": 1.7e-9, "partial_volume_0": 0.6, "partial_volume_1": 0.4}"#;
    let out = ok(predict(file.to_str().unwrap(), &format!("{line}\n")));
    let row: Vec<f64> = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let bvals = std::fs::read_to_string(data("small_64D.bval")).unwrap();
    let bvecs = std::fs::read_to_string(data("small_64D.bvec")).unwrap();
    let z: Vec<f64> = bvecs
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    for ((e, b), gz) in row.iter().zip(bvals.split_whitespace()).zip(z) {
        let b: f64 = b.parse::<f64>().unwrap() * 1e6;
        let gz = if gz.is_nan() { 0.0 } else { gz };
        let norm_gz2 = gz * gz; // directions are unit length within 1e-6 in this file
        let want = 0.6 * (-b * 1.7e-9 * norm_gz2).exp() + 0.4 * (-b * 3e-9).exp();
        assert!((e - want).abs() <= 1e-4 * want, "{e} vs {want}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
