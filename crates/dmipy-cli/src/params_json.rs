//! Reading one voxel's parameters from a JSON object keyed by Dmipy parameter names.

use anyhow::{Context, Result, bail};
use dmipy::ParameterSpec;
use serde_json::{Map, Value};

/// Flattens a JSON object `{"mu": [θ, φ], "lambda_par": 1.7e-9}` into the parameter vector of
/// `specs`, in table order. Unknown and missing names are errors that list the expected names.
pub fn params_from_json(specs: &[ParameterSpec], object: &Map<String, Value>) -> Result<Vec<f64>> {
    let expected = || {
        specs
            .iter()
            .map(|s| match s.cardinality() {
                1 => s.name.to_string(),
                n => format!("{} ({n} values)", s.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !specs.iter().any(|s| s.name == k.as_str()))
    {
        bail!("unknown parameter '{unknown}'; expected: {}", expected());
    }
    let mut values = Vec::with_capacity(specs.iter().map(ParameterSpec::cardinality).sum());
    for spec in specs {
        let value = object.get(spec.name).with_context(|| {
            format!(
                "missing parameter '{}'; expected: {}",
                spec.name,
                expected()
            )
        })?;
        let numbers: Vec<Option<f64>> = match value {
            Value::Array(items) => items.iter().map(Value::as_f64).collect(),
            other => vec![other.as_f64()],
        };
        if numbers.len() != spec.cardinality() || numbers.iter().any(Option::is_none) {
            bail!(
                "parameter '{}' needs {} number(s) ({}), got {value}",
                spec.name,
                spec.cardinality(),
                if spec.cardinality() == 1 {
                    "a number"
                } else {
                    "a list"
                }
            );
        }
        values.extend(numbers.into_iter().flatten());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dmipy::ParameterKind;

    const SPECS: &[ParameterSpec] = &[
        ParameterSpec {
            name: "mu",
            unit: "rad",
            bounds: &[
                (0.0, std::f64::consts::PI),
                (-std::f64::consts::PI, std::f64::consts::PI),
            ],
            scale: 1.0,
            kind: ParameterKind::Orientation,
        },
        ParameterSpec {
            name: "lambda_par",
            unit: "m^2/s",
            bounds: &[(1e-10, 3e-9)],
            scale: 1e-9,
            kind: ParameterKind::Diffusivity,
        },
    ];

    fn object(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).expect("test JSON is valid")
    }

    #[test]
    fn values_come_out_in_table_order() {
        let v = params_from_json(
            SPECS,
            &object(r#"{"lambda_par": 1.7e-9, "mu": [0.5, 1.5]}"#),
        )
        .unwrap();
        assert_eq!(v, vec![0.5, 1.5, 1.7e-9]);
    }

    #[test]
    fn unknown_name_lists_expected_names() {
        let e = params_from_json(
            SPECS,
            &object(r#"{"mu": [0, 0], "lambda_par": 1e-9, "D": 1}"#),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown parameter 'D'") && e.contains("mu (2 values), lambda_par"),
            "{e}"
        );
    }

    #[test]
    fn missing_name_and_wrong_cardinality_are_errors() {
        let e = params_from_json(SPECS, &object(r#"{"mu": [0, 0]}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing parameter 'lambda_par'"), "{e}");
        let e = params_from_json(SPECS, &object(r#"{"mu": 0.3, "lambda_par": 1e-9}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mu' needs 2 number(s)"), "{e}");
    }
}
