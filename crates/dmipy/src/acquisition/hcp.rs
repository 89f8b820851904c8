//! The built-in HCP WU-Minn acquisition scheme (Dmipy 1.0.5's gradient tables).

use super::scheme::{AcquisitionScheme, SchemeOptions};
use super::timing::PulseTiming;
use crate::Error;

/// b-values in s/mm², one per line (from Dmipy 1.0.5, MIT; see `data/NOTICE`).
const BVALS: &str = include_str!("../../data/bvals_hcp_wu_minn.txt");
/// Unit gradient directions, `x y z` per line.
const BVECS: &str = include_str!("../../data/bvecs_hcp_wu_minn.txt");
/// δ then Δ (s), after a `#` comment line.
const TIMING: &str = include_str!("../../data/delta_Delta_hcp_wu_minn.txt");

impl AcquisitionScheme {
    /// The acquisition of the WU-Minn Human Connectome Project (Sotiropoulos et al. 2013,
    /// doi:10.1016/j.neuroimage.2013.05.057): 288 measurements, 18 b0 and 90 directions on each of
    /// the shells b = 1000, 2000, 3000 s/mm², δ = 10.6 ms, Δ = 43.1 ms; the same scheme as Dmipy 1.x
    /// `wu_minn_hcp_acquisition_scheme()`, with default [`SchemeOptions`].
    ///
    /// ```
    /// let hcp = dmipy::AcquisitionScheme::hcp_wu_minn()?;
    /// assert_eq!(hcp.len(), 288);
    /// assert_eq!(hcp.shell_bvalues(), vec![0.0, 1e9, 2e9, 3e9]);
    /// # Ok::<(), dmipy::Error>(())
    /// ```
    ///
    /// The tables are compiled in and parsed at run time; an error would mean a corrupt build.
    pub fn hcp_wu_minn() -> Result<Self, Error> {
        let bvalues = parse_rows::<1>("HCP b-values", BVALS)?;
        let directions = parse_rows::<3>("HCP gradient directions", BVECS)?;
        let timing = parse_rows::<1>("HCP delta/Delta", TIMING)?;
        let [[delta], [big_delta]] = timing[..] else {
            return Err(Error::InvalidArgument {
                what: "HCP delta/Delta".into(),
                reason: format!("expected 2 values, found {}", timing.len()),
            });
        };
        let bvalues: Vec<f64> = bvalues.iter().map(|[b]| *b).collect();
        Self::from_bvalues_s_mm2(
            &bvalues,
            &directions,
            PulseTiming::pgse(delta, big_delta),
            &SchemeOptions::default(),
        )
    }
}

/// Rows of `N` whitespace-separated numbers; blank lines and `#` comments are skipped.
fn parse_rows<const N: usize>(what: &str, text: &str) -> Result<Vec<[f64; N]>, Error> {
    let bad = |line: usize, reason: String| Error::InvalidArgument {
        what: format!("{what}, line {}", line + 1),
        reason,
    };
    let mut rows = Vec::new();
    for (line, content) in text.lines().enumerate() {
        let content = content.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut row = [0.0; N];
        let mut fields = content.split_whitespace();
        for value in &mut row {
            let field = fields
                .next()
                .ok_or_else(|| bad(line, format!("expected {N} numbers")))?;
            *value = field
                .parse()
                .map_err(|e| bad(line, format!("{field:?}: {e}")))?;
        }
        if fields.next().is_some() {
            return Err(bad(line, format!("expected {N} numbers")));
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn hcp_matches_dmipy() {
        // Dmipy 1.0.5: s = wu_minn_hcp_acquisition_scheme(); s.shell_bvalues, counts of
        // s.shell_indices, s.number_of_b0s -> [0, 1e9, 2e9, 3e9], [18, 90, 90, 90], 18.
        let s = AcquisitionScheme::hcp_wu_minn().unwrap();
        assert_eq!(s.len(), 288);
        assert_eq!(s.b0_mask().iter().filter(|&&b| b).count(), 18);
        assert_eq!(s.shell_bvalues(), vec![0.0, 1e9, 2e9, 3e9]);
        let counts: Vec<usize> = s.shells().iter().map(|s| s.indices.len()).collect();
        assert_eq!(counts, vec![18, 90, 90, 90]);
        assert_eq!(s.delta().unwrap()[0], 0.0106);
        assert_eq!(s.big_delta().unwrap()[287], 0.0431);
        assert!(s.echo_time().is_none());
        // repr(s.qvalues[1]), repr(s.gradient_strengths[1]) in Dmipy 1.0.5 (b = 1000 s/mm²).
        assert_eq!(s.bvalues()[1], 1e9);
        assert!(rel(s.qvalues().unwrap()[1], 25302.03193384027) < 1e-15);
        assert!(rel(s.gradient_strengths().unwrap()[1], 0.056064055602762064) < 1e-15);
        // First direction of bvecs_hcp_wu_minn.txt, scaled to unit length.
        let raw = [0.519218f64, -0.678098, 0.520187];
        let norm = (raw[0] * raw[0] + raw[1] * raw[1] + raw[2] * raw[2]).sqrt();
        for (d, r) in s.directions()[0].iter().zip(raw) {
            assert!(rel(*d, r / norm) < 1e-15);
        }
    }

    #[test]
    fn parse_rows_rejects_bad_text() {
        assert_eq!(
            parse_rows::<2>("t", "# c\n1 2\n\n3 4\n").unwrap(),
            vec![[1.0, 2.0], [3.0, 4.0]]
        );
        assert!(matches!(
            parse_rows::<2>("t", "1 2 3"),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            parse_rows::<2>("t", "1"),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            parse_rows::<1>("t", "x"),
            Err(Error::InvalidArgument { .. })
        ));
    }
}
