//! Reading one voxel's parameters from a JSON object keyed by Dmipy parameter names.

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

/// Flattens a JSON object `{"mu": [θ, φ], "lambda_par": 1.7e-9}` into the parameter vector of a
/// model whose parameters are `names` (name, number of values), in that order. Unknown and
/// missing names are errors that list the expected names.
pub fn params_from_json(
    names: &[(String, usize)],
    object: &Map<String, Value>,
) -> Result<Vec<f64>> {
    let expected = || {
        names
            .iter()
            .map(|(name, card)| match card {
                1 => name.clone(),
                n => format!("{name} ({n} values)"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(unknown) = object.keys().find(|k| !names.iter().any(|(n, _)| n == *k)) {
        bail!("unknown parameter '{unknown}'; expected: {}", expected());
    }
    let mut values = Vec::with_capacity(names.iter().map(|(_, c)| c).sum());
    for (name, cardinality) in names {
        let value = object
            .get(name)
            .with_context(|| format!("missing parameter '{name}'; expected: {}", expected()))?;
        let numbers: Vec<Option<f64>> = match value {
            Value::Array(items) => items.iter().map(Value::as_f64).collect(),
            other => vec![other.as_f64()],
        };
        if numbers.len() != *cardinality || numbers.iter().any(Option::is_none) {
            bail!(
                "parameter '{name}' needs {cardinality} number(s) ({}), got {value}",
                if *cardinality == 1 {
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

    fn names() -> Vec<(String, usize)> {
        vec![("mu".into(), 2), ("lambda_par".into(), 1)]
    }

    fn object(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).expect("test JSON is valid")
    }

    #[test]
    fn values_come_out_in_table_order() {
        let v = params_from_json(
            &names(),
            &object(r#"{"lambda_par": 1.7e-9, "mu": [0.5, 1.5]}"#),
        )
        .unwrap();
        assert_eq!(v, vec![0.5, 1.5, 1.7e-9]);
    }

    #[test]
    fn unknown_name_lists_expected_names() {
        let e = params_from_json(
            &names(),
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
        let e = params_from_json(&names(), &object(r#"{"mu": [0, 0]}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing parameter 'lambda_par'"), "{e}");
        let e = params_from_json(&names(), &object(r#"{"mu": 0.3, "lambda_par": 1e-9}"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mu' needs 2 number(s)"), "{e}");
    }
}
