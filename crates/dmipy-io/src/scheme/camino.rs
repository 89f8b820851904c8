//! Camino scheme files: `VERSION: BVECTOR` (x y z b) and `VERSION: STEJSKALTANNER` (x y z |G| Δ δ TE).

use super::text::{self, Row};
use crate::Error;
use dmipy::{AcquisitionScheme, PerMeasurement, PulseTiming, SchemeOptions};
use std::path::Path;

/// Unit of the b-values in a Camino `BVECTOR` file. Camino leaves it implicit (its `fsl2scheme`
/// scaled to s/m² by default in older releases, kept s/mm² in newer ones), so the caller says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BValueUnit {
    /// s/m² (SI; multiplied by 1).
    SecondsPerSquareMeter,
    /// s/mm² (FSL and scanner convention; multiplied by 1e6).
    SecondsPerSquareMillimeter,
}

impl BValueUnit {
    fn to_si(self) -> f64 {
        match self {
            Self::SecondsPerSquareMeter => 1.0,
            Self::SecondsPerSquareMillimeter => 1e6,
        }
    }
}

/// An acquisition scheme from a Camino scheme file (Camino documentation, "Scheme files").
///
/// Lines starting with `#` and blank lines are skipped; the first other line must be
/// `VERSION: BVECTOR` or `VERSION: STEJSKALTANNER`, then one measurement per line:
/// - `BVECTOR`: `x y z b`, with b in `bvector_unit`;
/// - `STEJSKALTANNER`: `x y z |G| Δ δ TE` in SI units (T/m, s, s, s); b is computed as
///   b = (γ δ |G|)² (Δ − δ/3) (Stejskal & Tanner 1965) and δ, Δ, TE are kept per measurement.
pub fn read_camino_scheme(
    path: impl AsRef<Path>,
    bvector_unit: BValueUnit,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let path = path.as_ref();
    parse_camino_scheme(&text::read_text(path)?, path, bvector_unit, options)
}

/// As [`read_camino_scheme`], from the file's text; `name` labels errors.
pub fn parse_camino_scheme(
    text: &str,
    name: impl AsRef<Path>,
    bvector_unit: BValueUnit,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let path = name.as_ref();
    let rows = text::rows(text, true);
    let Some((header, body)) = rows.split_first() else {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    };
    let bad_line = |line: usize, reason: String| Error::BadLine {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let version = version_of(header)
        .ok_or_else(|| bad_line(header.line, "expected a `VERSION: <format>` header".into()))?;
    let columns = match version.as_str() {
        "BVECTOR" => 4,
        "STEJSKALTANNER" => 7,
        other => {
            return Err(bad_line(
                header.line,
                format!(
                    "unsupported scheme version {other:?} (supported: BVECTOR, STEJSKALTANNER)"
                ),
            ));
        }
    };
    if body.is_empty() {
        return Err(bad_line(
            header.line,
            "no measurements after the VERSION header".into(),
        ));
    }
    let mut table = Vec::with_capacity(body.len());
    for row in body {
        if row.tokens.len() != columns {
            return Err(bad_line(
                row.line,
                format!(
                    "{} values, but a {version} line has {columns}",
                    row.tokens.len()
                ),
            ));
        }
        let values: Result<Vec<f64>, Error> =
            row.tokens.iter().map(|t| text::number(t, path)).collect();
        table.push(values?);
    }
    let dirs: Vec<[f64; 3]> = table.iter().map(|v| [v[0], v[1], v[2]]).collect();
    let scheme = if columns == 4 {
        let unit = bvector_unit.to_si();
        let bvalues: Vec<f64> = table.iter().map(|v| v[3] * unit).collect();
        AcquisitionScheme::from_bvalues(&bvalues, &dirs, PulseTiming::none(), options)
    } else {
        let (strengths, timing) = stejskal_tanner_columns(&table);
        AcquisitionScheme::from_gradient_strengths(&strengths, &dirs, timing, options)
    };
    scheme.map_err(Error::scheme(path))
}

/// The format name of a `VERSION: <format>` line.
fn version_of(row: &Row) -> Option<String> {
    let first = row.tokens.first()?.text;
    let rest: Vec<&str> = row.tokens.iter().skip(1).map(|t| t.text).collect();
    let joined = match first.strip_prefix("VERSION:") {
        Some("") => rest.join(" "),
        Some(tail) if rest.is_empty() => tail.to_string(),
        _ => return None,
    };
    (!joined.is_empty()).then_some(joined)
}

/// Gradient strengths (T/m) and per-measurement timing from `x y z |G| Δ δ TE` rows; the core
/// derives b = (γδ|G|)²(Δ − δ/3) from them.
fn stejskal_tanner_columns(table: &[Vec<f64>]) -> (Vec<f64>, PulseTiming) {
    let column = |k: usize| table.iter().map(|v| v[k]).collect::<Vec<f64>>();
    let (g, big_delta, delta) = (column(3), column(4), column(5));
    let timing = PulseTiming {
        delta: Some(PerMeasurement::Values(delta)),
        big_delta: Some(PerMeasurement::Values(big_delta)),
        echo_time: Some(PerMeasurement::Values(column(6))),
    };
    (g, timing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stejskal_tanner_files_keep_timing_and_recover_g() {
        let text = "#g_x g_y g_z |G| DELTA delta TE\nVERSION: STEJSKALTANNER\n\
                    0 0 0 0 0.03 0.01 0.08\n0 1 0 0.04 0.03 0.01 0.08\n\
                    0.6 0 0.8 0.02 0.04 0.012 0.09\n";
        let s = parse_camino_scheme(
            text,
            "s",
            BValueUnit::SecondsPerSquareMeter,
            &Default::default(),
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.bvalues()[0], 0.0);
        // b = (267.513e6 · 0.01 · 0.04)² · (0.03 − 0.01/3), evaluated in Python: 305336342.05439997.
        assert!((s.bvalues()[1] - 305336342.05439997).abs() <= 1e-14 * s.bvalues()[1]);
        assert_eq!(s.big_delta().unwrap(), &[0.03, 0.03, 0.04]);
        assert_eq!(s.delta().unwrap(), &[0.01, 0.01, 0.012]);
        assert_eq!(s.echo_time().unwrap(), &[0.08, 0.08, 0.09]);
        // The core inverts b → |G| with its own formula: the file's G must come back.
        let g = s.gradient_strengths().unwrap();
        assert!((g[1] - 0.04).abs() <= 1e-12 * 0.04 && (g[2] - 0.02).abs() <= 1e-12 * 0.02);
    }

    #[test]
    fn bvector_unit_is_the_callers_choice() {
        let text = "VERSION: BVECTOR\n0 0 0 0\n0.707107 0 0.707107 1.000E03\n";
        let opts = SchemeOptions {
            renormalize_directions: true,
            ..Default::default()
        };
        let mm = parse_camino_scheme(text, "s", BValueUnit::SecondsPerSquareMillimeter, &opts);
        assert_eq!(mm.unwrap().bvalues(), &[0.0, 1e9]);
        let si = "VERSION:BVECTOR\n0 0 0 0\n0 0 1 1e9\n";
        let si = parse_camino_scheme(si, "s", BValueUnit::SecondsPerSquareMeter, &opts).unwrap();
        assert_eq!(si.bvalues(), &[0.0, 1e9]);
        assert!(si.delta().is_none());
    }
}
