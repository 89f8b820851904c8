//! JSON scheme files: `{"bvalues_si": [...], "gradient_directions": [[x, y, z], ...], "delta", "Delta", "TE"}`.

use crate::Error;
use dmipy::{AcquisitionScheme, PerMeasurement, PulseTiming, SchemeOptions};
use serde::Deserialize;
use std::path::Path;

/// The file's fields; unknown fields are refused so that a typo (`"TE_s"`) is not silently lost.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonScheme {
    bvalues_si: Vec<f64>,
    gradient_directions: Vec<[f64; 3]>,
    #[serde(default)]
    delta: Option<Timing>,
    #[serde(default, rename = "Delta")]
    big_delta: Option<Timing>,
    #[serde(default, rename = "TE")]
    echo_time: Option<Timing>,
}

/// A timing given once for all measurements or once per measurement (s).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Timing {
    Constant(f64),
    Values(Vec<f64>),
}

impl From<Timing> for PerMeasurement {
    fn from(t: Timing) -> Self {
        match t {
            Timing::Constant(v) => Self::Constant(v),
            Timing::Values(v) => Self::Values(v),
        }
    }
}

/// An acquisition scheme from a JSON file of exactly this form (SI units throughout):
///
/// ```json
/// {"bvalues_si": [0, 1e9], "gradient_directions": [[0, 0, 0], [1, 0, 0]],
///  "delta": 0.01, "Delta": 0.03, "TE": [0.08, 0.08]}
/// ```
///
/// `bvalues_si` in s/m², unit `gradient_directions`; `delta` (δ), `Delta` (Δ) and `TE` in s are
/// optional, each a number or a list with one value per measurement.
pub fn read_json_scheme(
    path: impl AsRef<Path>,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let path = path.as_ref();
    parse_json_scheme(&super::text::read_text(path)?, path, options)
}

/// As [`read_json_scheme`], from the file's text; `name` labels errors.
pub fn parse_json_scheme(
    text: &str,
    name: impl AsRef<Path>,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let path = name.as_ref();
    if text.trim().is_empty() {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let file: JsonScheme = serde_json::from_str(text).map_err(|source| Error::Json {
        path: path.to_path_buf(),
        source,
    })?;
    let timing = PulseTiming {
        delta: file.delta.map(Into::into),
        big_delta: file.big_delta.map(Into::into),
        echo_time: file.echo_time.map(Into::into),
    };
    AcquisitionScheme::from_bvalues(&file.bvalues_si, &file.gradient_directions, timing, options)
        .map_err(Error::scheme(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_and_lists_are_both_accepted() {
        let text = r#"{"bvalues_si": [0, 1e9, 2e9],
            "gradient_directions": [[0, 0, 0], [1, 0, 0], [0, 0.6, 0.8]],
            "delta": 0.01, "Delta": [0.03, 0.03, 0.04], "TE": 0.08}"#;
        let s = parse_json_scheme(text, "j", &SchemeOptions::default()).unwrap();
        assert_eq!(s.bvalues(), &[0.0, 1e9, 2e9]);
        assert_eq!(s.directions()[2], [0.0, 0.6, 0.8]);
        assert_eq!(s.delta().unwrap(), &[0.01; 3]);
        assert_eq!(s.big_delta().unwrap(), &[0.03, 0.03, 0.04]);
        assert_eq!(s.echo_time().unwrap(), &[0.08; 3]);
    }

    #[test]
    fn timing_is_optional() {
        let text = r#"{"bvalues_si": [0, 1e9], "gradient_directions": [[0,0,0],[0,0,1]]}"#;
        let s = parse_json_scheme(text, "j", &SchemeOptions::default()).unwrap();
        assert!(s.delta().is_none() && s.big_delta().is_none() && s.echo_time().is_none());
    }
}
