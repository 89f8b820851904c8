//! Comparison with Dmipy 1.0.5: parameter lists after every kind of link, and signals on the HCP scheme (fixture from scripts/reference/dmipy1_models.py).

use super::{ModelComponent, MultiCompartmentModel, ParameterValue};
use crate::compartments::reference_fixtures;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

const FIXTURE: &str = include_str!("../../tests/fixtures/dmipy1_models.json");

#[derive(Deserialize)]
struct Fixture {
    hcp_shell_bvalues: Vec<f64>,
    setups: Vec<Setup>,
}

#[derive(Deserialize)]
struct Setup {
    name: String,
    spherical_mean: bool,
    compartments: Vec<String>,
    steps: Vec<Step>,
    signals: Vec<SignalCase>,
}

#[derive(Deserialize)]
struct Step {
    call: Option<Vec<Value>>,
    parameter_names: Vec<String>,
    parameter_cardinality: Vec<usize>,
    optimized: Vec<bool>,
    bounds: Vec<Vec<[f64; 2]>>,
}

#[derive(Deserialize)]
struct SignalCase {
    values: BTreeMap<String, Value>,
    signal: Vec<f64>,
}

fn fixture() -> Fixture {
    serde_json::from_str(FIXTURE).expect("fixture parses")
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => vec![n.as_f64().unwrap()],
        Value::Array(a) => a.iter().flat_map(numbers).collect(),
        _ => panic!("not numeric: {v}"),
    }
}

fn value(v: &Value) -> ParameterValue {
    match v {
        Value::Object(o) => ParameterValue::PerVoxel(numbers(&o["per_voxel"])),
        _ => ParameterValue::Constant(numbers(v)),
    }
}

/// Makes on our model the call Dmipy made (`[method, args...]`).
fn apply(model: &mut MultiCompartmentModel, call: &[Value]) {
    let s = |i: usize| call[i].as_str().unwrap();
    let result = match s(0) {
        "set_fixed_parameter" => model.set_fixed_parameter(s(1), value(&call[2])),
        "set_initial_guess_parameter" => model.set_initial_guess_parameter(s(1), value(&call[2])),
        "set_equal_parameter" => model.set_equal_parameter(s(1), s(2)),
        "set_fractional_parameter" => model.set_fractional_parameter(s(1), s(2)),
        "set_tortuous_parameter" => model.set_tortuous_parameter(s(1), s(2), s(3), s(4), false),
        "set_parameter_optimization_bounds" => {
            let b: Vec<(f64, f64)> = numbers(&call[2]).chunks(2).map(|p| (p[0], p[1])).collect();
            model.set_parameter_optimization_bounds(s(1), &b)
        }
        other => panic!("unknown call {other}"),
    };
    result.unwrap_or_else(|e| panic!("{call:?}: {e}"));
}

fn new_model(setup: &Setup) -> MultiCompartmentModel {
    let comps = setup
        .compartments
        .iter()
        .map(|c| ModelComponent::by_name(c).unwrap())
        .collect();
    if setup.spherical_mean {
        MultiCompartmentModel::spherical_mean(comps).unwrap()
    } else {
        MultiCompartmentModel::new(comps).unwrap()
    }
}

fn assert_table(model: &MultiCompartmentModel, step: &Step, context: &str) {
    let names: Vec<String> = model
        .parameter_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, step.parameter_names, "{context}: names");
    let cards: Vec<usize> = model.parameter_cardinality().iter().map(|c| c.1).collect();
    assert_eq!(cards, step.parameter_cardinality, "{context}: cardinality");
    for (k, name) in names.iter().enumerate() {
        let p = model.parameter(name).unwrap();
        assert_eq!(
            !p.is_fixed_per_voxel(),
            step.optimized[k],
            "{context}: {name} optimised"
        );
        for (&(lo, hi), [elo, ehi]) in p.bounds().iter().zip(&step.bounds[k]) {
            let ok = |a: f64, e: f64| {
                if e == 0.0 {
                    a == 0.0
                } else {
                    rel(a, e) < 1e-14
                }
            };
            assert!(
                ok(lo, *elo) && ok(hi, *ehi),
                "{context}: {name} bounds ({lo}, {hi}) vs ({elo}, {ehi})"
            );
        }
    }
    // The free vector is the optimised public parameters, in order.
    let free: Vec<&str> = model.free_parameter_names().iter().map(|f| f.0).collect();
    let expected: Vec<&str> = step
        .parameter_names
        .iter()
        .zip(&step.optimized)
        .filter(|(_, o)| **o)
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(free, expected, "{context}: free parameters");
}

#[test]
fn parameter_lists_match_dmipy_after_every_call() {
    for setup in fixture().setups {
        let mut model = new_model(&setup);
        for (k, step) in setup.steps.iter().enumerate() {
            if let Some(call) = &step.call {
                apply(&mut model, call);
            }
            assert_table(&model, step, &format!("{} step {k}", setup.name));
        }
        // The model file written from these calls rebuilds the same model.
        let again = MultiCompartmentModel::from_json(&model.to_json())
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", setup.name, model.to_json()));
        assert_table(&again, setup.steps.last().unwrap(), &setup.name);
    }
}

#[test]
fn signals_match_dmipy_on_hcp() {
    let fx = fixture();
    let scheme = reference_fixtures::scheme("hcp");
    let mut worst = 0.0f64;
    let mut count = 0;
    for setup in &fx.setups {
        let mut model = new_model(setup);
        for step in &setup.steps {
            if let Some(call) = &step.call {
                apply(&mut model, call);
            }
        }
        for case in &setup.signals {
            let public: Vec<f64> = model
                .parameter_names()
                .iter()
                .flat_map(|n| numbers(&case.values[*n]))
                .collect();
            let mut full = vec![0.0; model.full_len()];
            model.full_from_parameters(&public, &mut full).unwrap();
            let mut out = vec![0.0; model.output_len(&scheme)];
            model.signal(&scheme, &full, &mut out).unwrap();
            let ours: Vec<f64> = if setup.spherical_mean {
                fx.hcp_shell_bvalues
                    .iter()
                    .map(|&b| {
                        let i = scheme
                            .shells()
                            .iter()
                            .position(|s| (s.bvalue - b).abs() <= 1e-6 * b.max(1.0))
                            .expect("Dmipy shell present");
                        out[i]
                    })
                    .collect()
            } else {
                out
            };
            assert_eq!(ours.len(), case.signal.len(), "{}", setup.name);
            for (m, (a, e)) in ours.iter().zip(&case.signal).enumerate() {
                let r = rel(*a, *e);
                worst = worst.max(r);
                assert!(
                    r <= 1e-9,
                    "{} measurement {m}: {a} vs Dmipy {e}",
                    setup.name
                );
            }
            count += 1;
        }
    }
    assert!(count >= 28, "only {count} signal cases");
    eprintln!("{count} Dmipy model signals, worst relative difference {worst:e}");
}
