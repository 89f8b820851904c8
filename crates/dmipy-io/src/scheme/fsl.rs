//! FSL `bvals`/`bvecs` files: b-values in s/mm², directions as 3×N or N×3 tables.

use super::text::{self, Row};
use crate::Error;
use dmipy::{AcquisitionScheme, PulseTiming, SchemeOptions};
use std::path::Path;

/// s/mm² → s/m².
const S_PER_MM2: f64 = 1e6;

/// An acquisition scheme from FSL files: `bvals` (one row, or one column, of b-values in s/mm²)
/// and `bvecs` (3 rows of N, or N rows of 3, unit gradient directions). The b-values are
/// converted to s/m² here, once. δ, Δ and TE are not in FSL files: pass them in `timing`
/// ([`PulseTiming::none`] for Gaussian models).
///
/// A direction written as `nan nan nan` (as some converters do for b0 volumes) is read as the
/// zero vector when its b-value is at or below `options.b0_threshold`, and is an error otherwise.
pub fn read_fsl_scheme(
    bvals: impl AsRef<Path>,
    bvecs: impl AsRef<Path>,
    timing: PulseTiming,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let (bvals, bvecs) = (bvals.as_ref(), bvecs.as_ref());
    let bvals_text = text::read_text(bvals)?;
    let bvecs_text = text::read_text(bvecs)?;
    parse_fsl_scheme(&bvals_text, bvals, &bvecs_text, bvecs, timing, options)
}

/// As [`read_fsl_scheme`], from the two files' text; the names label errors.
pub fn parse_fsl_scheme(
    bvals_text: &str,
    bvals_name: impl AsRef<Path>,
    bvecs_text: &str,
    bvecs_name: impl AsRef<Path>,
    timing: PulseTiming,
    options: &SchemeOptions,
) -> Result<AcquisitionScheme, Error> {
    let (bvals_name, bvecs_name) = (bvals_name.as_ref(), bvecs_name.as_ref());
    let b_mm2 = parse_bvals(bvals_text, bvals_name)?;
    let mut dirs = parse_bvecs(bvecs_text, bvecs_name, b_mm2.len())?;
    let b_si: Vec<f64> = b_mm2.iter().map(|b| b * S_PER_MM2).collect();
    for (i, (dir, &b)) in dirs.iter_mut().zip(&b_si).enumerate() {
        if dir.iter().any(|v| v.is_nan()) {
            if b > options.b0_threshold {
                return Err(Error::BadLine {
                    path: bvecs_name.to_path_buf(),
                    line: 0,
                    reason: format!(
                        "direction {i} is NaN but its b-value {} s/mm² is above the b0 threshold",
                        b_mm2[i]
                    ),
                });
            }
            *dir = [0.0; 3];
        }
    }
    AcquisitionScheme::from_bvalues_s_mm2(&b_mm2, &dirs, timing, options).map_err(|source| {
        let about_directions = match &source {
            dmipy::Error::NonUnitDirection { .. } => true,
            dmipy::Error::NotFinite { what, .. } | dmipy::Error::LengthMismatch { what, .. } => {
                what.contains("direction")
            }
            _ => false,
        };
        let path = if about_directions {
            bvecs_name
        } else {
            bvals_name
        };
        Error::Scheme {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// The b-values of an FSL `bvals` text (s/mm², as written): one row, or one value per line.
pub fn parse_bvals(text: &str, name: impl AsRef<Path>) -> Result<Vec<f64>, Error> {
    let path = name.as_ref();
    let rows = text::rows(text, false);
    let tokens: Vec<_> = match rows.as_slice() {
        [] => {
            return Err(Error::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        [row] => row.tokens.clone(),
        _ => {
            if let Some(row) = rows.iter().find(|r| r.tokens.len() != 1) {
                return Err(Error::BadLine {
                    path: path.to_path_buf(),
                    line: row.line,
                    reason: format!(
                        "bvals must be one row (or one value per line); this line has {} values and the file has {} lines",
                        row.tokens.len(),
                        rows.len()
                    ),
                });
            }
            rows.iter().map(|r| r.tokens[0]).collect()
        }
    };
    tokens.iter().map(|t| text::number(t, path)).collect()
}

/// The directions of an FSL `bvecs` text with `count` measurements, as 3 rows of `count` values
/// or `count` rows of 3 (a 3 × 3 table is read as FSL's 3 rows). `nan` entries are kept as NaN.
pub fn parse_bvecs(
    text: &str,
    name: impl AsRef<Path>,
    count: usize,
) -> Result<Vec<[f64; 3]>, Error> {
    let path = name.as_ref();
    let rows = text::rows(text, false);
    let Some(first) = rows.first() else {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    };
    let width = first.tokens.len();
    if let Some(row) = rows.iter().find(|r| r.tokens.len() != width) {
        return Err(Error::BadLine {
            path: path.to_path_buf(),
            line: row.line,
            reason: format!(
                "{} values on this line but {width} on line {}; bvecs must be a table",
                row.tokens.len(),
                first.line
            ),
        });
    }
    let table = numbers(&rows, path)?;
    let (r, c) = (rows.len(), width);
    if r == 3 && c == count {
        Ok((0..c)
            .map(|j| [table[j], table[c + j], table[2 * c + j]])
            .collect())
    } else if c == 3 && r == count {
        Ok(table.chunks_exact(3).map(|v| [v[0], v[1], v[2]]).collect())
    } else if r == 3 || c == 3 {
        Err(Error::CountMismatch {
            path: path.to_path_buf(),
            what: format!("gradient directions ({r}×{c} table; one per b-value in the bvals file)"),
            expected: count,
            found: if r == 3 { c } else { r },
        })
    } else {
        Err(Error::BadLine {
            path: path.to_path_buf(),
            line: 0,
            reason: format!("bvecs must have 3 rows or 3 columns, found {r} rows of {c}"),
        })
    }
}

fn numbers(rows: &[Row], path: &Path) -> Result<Vec<f64>, Error> {
    rows.iter()
        .flat_map(|r| &r.tokens)
        .map(|t| text::number_or_nan(t, path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bvals_may_be_a_row_or_a_column() {
        assert_eq!(
            parse_bvals("0 1000 2e3\n", "b").unwrap(),
            [0.0, 1000.0, 2000.0]
        );
        assert_eq!(
            parse_bvals("0\n1000\r\n\n2e3\n", "b").unwrap(),
            [0.0, 1000.0, 2000.0]
        );
    }

    #[test]
    fn bvecs_are_read_in_both_orientations() {
        let rows = "1 0 0.6\n0 1 0\n0 0 0.8\n";
        let want = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.0, 0.8]];
        // 3×3 is ambiguous and read as FSL's 3 rows.
        assert_eq!(parse_bvecs(rows, "v", 3).unwrap(), want);
        let cols = "1 0 0\n0 1 0\n0.6 0 0.8\n0 0 -1\n";
        let got = parse_bvecs(cols, "v", 4).unwrap();
        assert_eq!(got[2], [0.6, 0.0, 0.8]);
        assert_eq!(got[3], [0.0, 0.0, -1.0]);
        let wide = "1 0 0 0\n0 1 0 0\n0 0 1 -1\n";
        assert_eq!(parse_bvecs(wide, "v", 4).unwrap()[3], [0.0, 0.0, -1.0]);
    }

    #[test]
    fn b_values_become_si_and_nan_b0_directions_become_zero() {
        let scheme = parse_fsl_scheme(
            "0 1000 3000",
            "b",
            "nan 0 0.6\nnan 1 0\nnan 0 0.8",
            "v",
            PulseTiming::pgse(0.01, 0.03),
            &SchemeOptions::default(),
        )
        .unwrap();
        assert_eq!(scheme.bvalues(), &[0.0, 1e9, 3e9]);
        assert_eq!(scheme.directions()[0], [0.0, 0.0, 0.0]);
        assert_eq!(scheme.directions()[2], [0.6, 0.0, 0.8]);
        assert_eq!(scheme.delta().unwrap(), &[0.01; 3]);
    }
}
