//! Model files: a JSON description of a multi-compartment model that makes the same calls a Dmipy 1.x script makes.
//!
//! ```json
//! {"compartments": ["C1Stick", "G2Zeppelin"],
//!  "spherical_mean": false,
//!  "S0_tissue_responses": [1.0, 1.0],
//!  "set_tortuous_parameter": [["G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
//!                              "partial_volume_0", "partial_volume_1"]],
//!  "set_fixed_parameter": [["C1Stick_1_lambda_par", 1.7e-9]]}
//! ```
//!
//! A bare compartment name (`"C1Stick"`) is a model file too. `compartments`, `spherical_mean`
//! and `S0_tissue_responses` are the constructor; every other key is a `set_…` method whose value
//! is a list of argument lists, called in the order the keys appear in the file (a key may
//! repeat). Fixed values and initial guesses are a number, a list (one value of a
//! multi-component parameter) or `{"per_voxel": [...]}`; bounds are `[[lower, upper], ...]`;
//! tortuosity takes an optional fifth argument, `S0_correction`.
//!
//! An entry of `compartments` may be a distributed model (Dmipy's `SD1WatsonDistributed`,
//! `SD2BinghamDistributed`, `SD3SphericalHarmonicsDistributed`, `DD1GammaDistributed`, `BundleModel`): `{"distributed": "SD1Watson"`
//! (or `"SD2Bingham"`, `"DD1Gamma"`, `"Bundle"`, or `"SD3SphericalHarmonics"` with its required
//! `"sh_order": L`, as Dmipy's `SD3SphericalHarmonicsDistributed(models, sh_order)` has no
//! default), `"compartments": [kernel names]` and its own
//! `set_fixed_parameter` (constants), `set_equal_parameter` and `set_tortuous_parameter` (three
//! names: λ⊥, λ∥, the inner `partial_volume_0`) calls, with the distributed model's own names
//! (`C1Stick_1_lambda_par`), as a Dmipy script sets links on it before composing:
//!
//! ```json
//! {"compartments": ["G1Ball", {"distributed": "SD1Watson", "compartments": ["C1Stick", "G2Zeppelin"],
//!   "set_tortuous_parameter": [["G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0"]],
//!   "set_equal_parameter": [["G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par"]],
//!   "set_fixed_parameter": [["G2Zeppelin_1_lambda_par", 1.7e-9]]}],
//!  "set_fixed_parameter": [["G1Ball_1_lambda_iso", 3e-9]]}
//! ```

use super::calls::grouped_calls;
use super::{
    DistributedModel, Distribution, ModelComponent, MultiCompartmentModel, ParameterValue,
};
use crate::Error;
use crate::compartments::AnyCompartment;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value whose objects keep their keys in file order (duplicates included).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry()? {
            entries.push((k, v));
        }
        Ok(Json::Object(entries))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// The constructor keys of a model object.
const CONSTRUCTOR_KEYS: &[&str] = &["compartments", "spherical_mean", "S0_tissue_responses"];
/// The `set_…` calls a model file may make.
const CALL_KEYS: &[&str] = &[
    "set_fixed_parameter",
    "set_equal_parameter",
    "set_tortuous_parameter",
    "set_fractional_parameter",
    "set_parameter_optimization_bounds",
    "set_initial_guess_parameter",
];

fn file_error(location: impl Into<String>, message: impl Into<String>) -> Error {
    Error::ModelFile {
        location: location.into(),
        message: message.into(),
    }
}

impl MultiCompartmentModel {
    /// Reads a model file (see the module documentation of `model::file` for the format).
    /// Errors are [`Error::ModelFile`] saying where in the file the problem is: a line and
    /// column for malformed JSON, a path such as `set_fixed_parameter[1]` otherwise.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let json: Json = serde_json::from_str(text).map_err(|e| {
            file_error(
                format!("line {}, column {}", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        match &json {
            Json::String(name) => {
                let c = ModelComponent::by_name(name)
                    .map_err(|e| file_error("top level", e.to_string()))?;
                Self::new(vec![c])
            }
            Json::Object(entries) => from_object(entries),
            _ => Err(file_error(
                "top level",
                "expected a compartment name or an object with \"compartments\"",
            )),
        }
    }
}

impl MultiCompartmentModel {
    /// The model file that rebuilds this model: its components (distributed models as
    /// `{"distributed": …}` objects with their own calls), `spherical_mean`, S0 responses and
    /// every successful `set_…` call in order (consecutive calls of one kind share a key; a key
    /// repeats when kinds interleave). [`from_json`](Self::from_json) reads it back.
    pub fn to_json(&self) -> String {
        let entries: Vec<String> = self.components().map(ModelComponent::to_json).collect();
        let mut parts = vec![
            format!("\"compartments\":[{}]", entries.join(",")),
            format!("\"spherical_mean\":{}", self.spherical_mean),
        ];
        if let Some(r) = &self.s0_responses {
            parts.push(format!("\"S0_tissue_responses\":{}", serde_json::json!(r)));
        }
        parts.extend(grouped_calls(&self.calls));
        format!("{{{}}}", parts.join(","))
    }
}

fn from_object(entries: &[(String, Json)]) -> Result<MultiCompartmentModel, Error> {
    if entries.iter().any(|(k, _)| k == "distributed") {
        return Err(file_error(
            "top level",
            "a distributed model cannot be the whole model; list it inside \"compartments\"",
        ));
    }
    let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let Some(Json::Array(list)) = get("compartments") else {
        return Err(file_error(
            "compartments",
            "missing or not a list of compartment names",
        ));
    };
    let components = list
        .iter()
        .enumerate()
        .map(|(i, c)| component(c, &format!("compartments[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let spherical_mean = match get("spherical_mean") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(file_error("spherical_mean", "expected true or false")),
    };
    let mut model = if spherical_mean {
        MultiCompartmentModel::spherical_mean(components)
    } else {
        MultiCompartmentModel::new(components)
    }
    .map_err(|e| file_error("compartments", e.to_string()))?;
    if let Some(r) = get("S0_tissue_responses") {
        let r = numbers(r, "S0_tissue_responses")?;
        model
            .set_s0_responses(r)
            .map_err(|e| file_error("S0_tissue_responses", e.to_string()))?;
    }
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (key, value) in entries {
        if CONSTRUCTOR_KEYS.contains(&key.as_str()) {
            continue;
        }
        if !CALL_KEYS.contains(&key.as_str()) {
            let known = [CONSTRUCTOR_KEYS, CALL_KEYS].concat().join(", ");
            return Err(file_error(
                key.clone(),
                format!("unknown key; known keys: {known}"),
            ));
        }
        let Json::Array(calls) = value else {
            return Err(file_error(key.clone(), "expected a list of argument lists"));
        };
        let base = match seen.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => {
                *n += calls.len();
                *n - calls.len()
            }
            None => {
                seen.push((key, calls.len()));
                0
            }
        };
        for (i, args) in calls.iter().enumerate() {
            let at = format!("{key}[{}]", base + i);
            let Json::Array(args) = args else {
                return Err(file_error(at, "expected a list of arguments"));
            };
            call(&mut model, key, args, &at).map_err(|e| match e {
                Error::ModelFile { .. } => e,
                other => file_error(at.clone(), other.to_string()),
            })?;
        }
    }
    Ok(model)
}

fn component(entry: &Json, at: &str) -> Result<ModelComponent, Error> {
    match entry {
        Json::String(name) => {
            ModelComponent::by_name(name).map_err(|e| file_error(at, e.to_string()))
        }
        Json::Object(e) if e.iter().any(|(k, _)| k == "distributed") => {
            distributed(e, at).map(ModelComponent::Distributed)
        }
        _ => Err(file_error(
            at,
            "expected a compartment name or a {\"distributed\": …} object",
        )),
    }
}

fn call(
    model: &mut MultiCompartmentModel,
    key: &str,
    args: &[Json],
    at: &str,
) -> Result<(), Error> {
    let s = |i: usize| match args.get(i) {
        Some(Json::String(v)) => Ok(v.as_str()),
        _ => Err(file_error(
            format!("{at}[{i}]"),
            "expected a parameter name",
        )),
    };
    let arity = |n: &[usize]| {
        if n.contains(&args.len()) {
            Ok(())
        } else {
            Err(file_error(
                at,
                format!("{key} takes {n:?} arguments, found {}", args.len()),
            ))
        }
    };
    match key {
        "set_fixed_parameter" | "set_initial_guess_parameter" => {
            arity(&[2])?;
            let v = value(&args[1], &format!("{at}[1]"))?;
            if key == "set_fixed_parameter" {
                model.set_fixed_parameter(s(0)?, v)
            } else {
                model.set_initial_guess_parameter(s(0)?, v)
            }
        }
        "set_equal_parameter" => {
            arity(&[2])?;
            model.set_equal_parameter(s(0)?, s(1)?)
        }
        "set_fractional_parameter" => {
            arity(&[2])?;
            model.set_fractional_parameter(s(0)?, s(1)?)
        }
        "set_tortuous_parameter" => {
            arity(&[4, 5])?;
            let s0 = match args.get(4) {
                None => false,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err(file_error(format!("{at}[4]"), "expected true or false")),
            };
            model.set_tortuous_parameter(s(0)?, s(1)?, s(2)?, s(3)?, s0)
        }
        _ => {
            arity(&[2])?;
            let b = bounds(&args[1], &format!("{at}[1]"))?;
            model.set_parameter_optimization_bounds(s(0)?, &b)
        }
    }
}

fn value(v: &Json, at: &str) -> Result<ParameterValue, Error> {
    match v {
        Json::Number(x) => Ok(ParameterValue::Constant(vec![*x])),
        Json::Array(_) => Ok(ParameterValue::Constant(numbers(v, at)?)),
        Json::Object(e) => match e.as_slice() {
            [(k, arr)] if k == "per_voxel" => {
                let mut flat = Vec::new();
                flatten(arr, &format!("{at}.per_voxel"), &mut flat)?;
                Ok(ParameterValue::PerVoxel(flat))
            }
            _ => Err(file_error(at, "expected {\"per_voxel\": [...]}")),
        },
        _ => Err(file_error(
            at,
            "expected a number, a list or {\"per_voxel\": [...]}",
        )),
    }
}

fn flatten(v: &Json, at: &str, out: &mut Vec<f64>) -> Result<(), Error> {
    match v {
        Json::Number(x) => out.push(*x),
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, &format!("{at}[{i}]"), out)?;
            }
        }
        _ => return Err(file_error(at, "expected numbers")),
    }
    Ok(())
}

fn numbers(v: &Json, at: &str) -> Result<Vec<f64>, Error> {
    let Json::Array(items) = v else {
        return Err(file_error(at, "expected a list of numbers"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| match x {
            Json::Number(n) => Ok(*n),
            _ => Err(file_error(format!("{at}[{i}]"), "expected a number")),
        })
        .collect()
}

fn bounds(v: &Json, at: &str) -> Result<Vec<(f64, f64)>, Error> {
    let Json::Array(items) = v else {
        return Err(file_error(at, "expected [[lower, upper], ...]"));
    };
    items
        .iter()
        .enumerate()
        .map(
            |(i, pair)| match numbers(pair, &format!("{at}[{i}]"))?.as_slice() {
                [lo, hi] => Ok((*lo, *hi)),
                _ => Err(file_error(format!("{at}[{i}]"), "expected [lower, upper]")),
            },
        )
        .collect()
}

/// The keys of a `{"distributed": …}` entry.
const DISTRIBUTED_KEYS: &[&str] = &[
    "distributed",
    "sh_order",
    "compartments",
    "set_fixed_parameter",
    "set_equal_parameter",
    "set_tortuous_parameter",
];

/// A `{"distributed": "SD1Watson", "compartments": [...], "set_…": [...]}` entry: the
/// distributed model, then its own `set_…` calls in file order (names are the distributed
/// model's own, e.g. `C1Stick_1_lambda_par`, as in Dmipy where links are set on it before it is
/// composed). Fixed values are constants; tortuosity takes three names (Dmipy's nested form).
fn distributed(entries: &[(String, Json)], at: &str) -> Result<DistributedModel, Error> {
    let get = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let Some(Json::String(kind)) = get("distributed") else {
        return Err(file_error(
            format!("{at}.distributed"),
            "expected a distribution name",
        ));
    };
    let sh_order = match get("sh_order") {
        None => None,
        Some(Json::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => Some(*n as usize),
        Some(_) => {
            return Err(file_error(
                format!("{at}.sh_order"),
                "expected a non-negative whole number",
            ));
        }
    };
    let kind = Distribution::by_name_and_order(kind, sh_order)
        .map_err(|e| file_error(format!("{at}.distributed"), e.to_string()))?;
    let Some(Json::Array(list)) = get("compartments") else {
        return Err(file_error(
            format!("{at}.compartments"),
            "missing or not a list of compartment names",
        ));
    };
    let kernels = list
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Json::String(name) => AnyCompartment::by_name(name)
                .map_err(|e| file_error(format!("{at}.compartments[{i}]"), e.to_string())),
            _ => Err(file_error(
                format!("{at}.compartments[{i}]"),
                "expected a compartment name",
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut model = DistributedModel::new(kind, kernels)
        .map_err(|e| file_error(format!("{at}.compartments"), e.to_string()))?;
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (key, value) in entries {
        if key == "distributed" || key == "compartments" || key == "sh_order" {
            continue;
        }
        if !DISTRIBUTED_KEYS.contains(&key.as_str()) {
            return Err(file_error(
                format!("{at}.{key}"),
                format!("unknown key; known keys: {}", DISTRIBUTED_KEYS.join(", ")),
            ));
        }
        let Json::Array(calls) = value else {
            return Err(file_error(
                format!("{at}.{key}"),
                "expected a list of argument lists",
            ));
        };
        let base = match seen.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => {
                *n += calls.len();
                *n - calls.len()
            }
            None => {
                seen.push((key, calls.len()));
                0
            }
        };
        for (i, args) in calls.iter().enumerate() {
            let here = format!("{at}.{key}[{}]", base + i);
            let Json::Array(args) = args else {
                return Err(file_error(here, "expected a list of arguments"));
            };
            distributed_call(&mut model, key, args, &here).map_err(|e| match e {
                Error::ModelFile { .. } => e,
                other => file_error(here.clone(), other.to_string()),
            })?;
        }
    }
    Ok(model)
}

fn distributed_call(
    model: &mut DistributedModel,
    key: &str,
    args: &[Json],
    at: &str,
) -> Result<(), Error> {
    let s = |i: usize| match args.get(i) {
        Some(Json::String(v)) => Ok(v.as_str()),
        _ => Err(file_error(
            format!("{at}[{i}]"),
            "expected a parameter name",
        )),
    };
    let n = match key {
        "set_tortuous_parameter" => 3,
        _ => 2,
    };
    if args.len() != n {
        return Err(file_error(
            at,
            format!("{key} takes {n} arguments here, found {}", args.len()),
        ));
    }
    match key {
        "set_fixed_parameter" => match value(&args[1], &format!("{at}[1]"))? {
            ParameterValue::Constant(v) => model.set_fixed_parameter(s(0)?, &v),
            ParameterValue::PerVoxel(_) => Err(file_error(
                format!("{at}[1]"),
                "a distributed model takes constant values only",
            )),
        },
        "set_equal_parameter" => model.set_equal_parameter(s(0)?, s(1)?),
        _ => model.set_tortuous_parameter(s(0)?, s(1)?, s(2)?),
    }
}
