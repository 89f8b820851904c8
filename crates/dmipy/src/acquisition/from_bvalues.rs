//! Building a scheme from b-values, in SI (s/m²) or in the s/mm² of FSL files.

use super::build::Weighting;
use super::conversions::{g_from_b, q_from_b};
use super::scheme::{AcquisitionScheme, SchemeOptions};
use super::timing::PulseTiming;
use super::validate::{
    Timing, check_len, check_primary, check_s_mm2_bvalues, check_si_bvalues, check_zero_delta,
    checked_timing,
};
use crate::Error;

impl AcquisitionScheme {
    /// A scheme from b-values (s/m²), gradient directions and optional pulse timing (s).
    ///
    /// Directions of b0 measurements may be the zero vector; all others must be unit vectors
    /// (within 1e-3) unless `options.renormalize_directions` is set. When δ and Δ are both known,
    /// $q = \sqrt{b/\tau}/(2\pi)$ (m⁻¹) and $|G| = \sqrt{b/\tau}/(\gamma\delta)$ (T/m) with
    /// $\tau = \Delta - \delta/3$ (Stejskal & Tanner 1965, doi:10.1063/1.1695690, eq. 7; as in
    /// Dmipy 1.x `acquisition_scheme_from_bvalues`).
    ///
    /// Errors: empty or NaN/negative input, length mismatches, non-unit directions, b-values that
    /// look like s/mm² (largest non-zero b below 1e5 s/m²), timings that look like milliseconds
    /// (above 1 s), δ > Δ, Δ − δ/3 ≤ 0, δ = 0 with b > 0.
    ///
    /// ```
    /// use dmipy::{AcquisitionScheme, PulseTiming, SchemeOptions};
    /// let b = [0.0, 1e9, 1e9];
    /// let dirs = [[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    /// let s = AcquisitionScheme::from_bvalues(&b, &dirs, PulseTiming::pgse(0.01, 0.03), &SchemeOptions::default())?;
    /// assert_eq!(s.shell_bvalues(), vec![0.0, 1e9]);
    /// # Ok::<(), dmipy::Error>(())
    /// ```
    pub fn from_bvalues(
        bvalues: &[f64],
        directions: &[[f64; 3]],
        timing: PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        check_primary("b-values", bvalues)?;
        if !options.lenient_units {
            check_si_bvalues(bvalues)?;
        }
        Self::from_si_bvalues(bvalues.to_vec(), directions, &timing, options)
    }

    /// A scheme from b-values in s/mm² (as in FSL `.bval` files), converted once to s/m² (× 1e6);
    /// otherwise as [`from_bvalues`](Self::from_bvalues).
    ///
    /// Errors as `from_bvalues`, except that b-values above 1e5 s/mm² are taken for SI input
    /// given to the wrong constructor.
    pub fn from_bvalues_s_mm2(
        bvalues_s_mm2: &[f64],
        directions: &[[f64; 3]],
        timing: PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        check_primary("b-values", bvalues_s_mm2)?;
        check_s_mm2_bvalues(bvalues_s_mm2)?;
        let si = bvalues_s_mm2.iter().map(|&b| b * 1e6).collect();
        Self::from_si_bvalues(si, directions, &timing, options)
    }

    /// The common body of both b-value constructors; `bvalues` are finite, ≥ 0, non-empty, SI.
    fn from_si_bvalues(
        bvalues: Vec<f64>,
        directions: &[[f64; 3]],
        timing: &PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        let n = bvalues.len();
        check_len("gradient directions", n, directions.len())?;
        let timing = checked_timing(timing, n, options.lenient_units)?;
        check_zero_delta("b", &bvalues, &timing)?;
        let (qvalues, gradient_strengths) = match &timing {
            Timing {
                delta: Some(d),
                big_delta: Some(bd),
                ..
            } => {
                let each = |f: fn(f64, f64, f64) -> f64| {
                    (0..n).map(|i| f(bvalues[i], d[i], bd[i])).collect()
                };
                (Some(each(q_from_b)), Some(each(g_from_b)))
            }
            _ => (None, None),
        };
        let weighting = Weighting {
            bvalues,
            qvalues,
            gradient_strengths,
        };
        Self::assemble(weighting, directions, timing, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    const X: [f64; 3] = [1.0, 0.0, 0.0];

    fn opts() -> SchemeOptions {
        SchemeOptions::default()
    }

    #[test]
    fn si_and_s_mm2_constructors_agree() {
        let dirs = [[0.0; 3], X, [0.0, 0.6, 0.8]];
        let timing = PulseTiming::pgse(0.0106, 0.0431).with_echo_time(0.0895);
        let si = AcquisitionScheme::from_bvalues(&[0.0, 1e9, 3e9], &dirs, timing.clone(), &opts());
        let mm =
            AcquisitionScheme::from_bvalues_s_mm2(&[0.0, 1000.0, 3000.0], &dirs, timing, &opts());
        let (si, mm) = (si.unwrap(), mm.unwrap());
        assert_eq!(si, mm);
        assert_eq!(si.b0_mask(), &[true, false, false]);
        assert_eq!(si.echo_time(), Some(&[0.0895; 3][..]));
        assert_eq!(si.tau().unwrap()[2], 0.0431 - 0.0106 / 3.0);
        // Dmipy 1.0.5 HCP scheme, b = 1000 s/mm²: q = 25302.03193384027 m⁻¹, |G| = 0.056064055602762064 T/m.
        assert!(rel(si.qvalues().unwrap()[1], 25302.03193384027) < 1e-15);
        assert!(rel(si.gradient_strengths().unwrap()[1], 0.056064055602762064) < 1e-15);
        assert_eq!(si.qvalues().unwrap()[0], 0.0);
        assert_eq!(si.gradient_strengths().unwrap()[0], 0.0);
    }

    #[test]
    fn without_timing_there_is_no_q_g_or_tau() {
        let s = AcquisitionScheme::from_bvalues(&[0.0, 1e9], &[X, X], PulseTiming::none(), &opts());
        let s = s.unwrap();
        assert!(s.qvalues().is_none() && s.gradient_strengths().is_none() && s.tau().is_none());
        assert!(s.delta().is_none() && s.big_delta().is_none());
        assert_eq!(s.shell_bvalues(), vec![0.0, 1e9]);
        assert!(matches!(
            s.require_qvalues("cylinder"),
            Err(Error::MissingSchemeField { .. })
        ));
    }

    #[test]
    fn gtab_3shell_shells_match_dmipy() {
        // Dmipy 1.0.5: g = np.loadtxt('gtab_3shell.txt', delimiter=','); b = norm(g, axis=1);
        // s = acquisition_scheme_from_bvalues(b * 1e6, g / b (0 where b = 0)); s.shell_bvalues,
        // counts of s.shell_indices -> as below.
        let text = include_str!("../../data/gtab_3shell.txt");
        let (mut b, mut dirs) = (Vec::new(), Vec::new());
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let g: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
            let norm = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt();
            let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
            b.push(norm);
            dirs.push([g[0] * scale, g[1] * scale, g[2] * scale]);
        }
        let s = AcquisitionScheme::from_bvalues_s_mm2(&b, &dirs, PulseTiming::none(), &opts());
        let s = s.unwrap();
        assert_eq!(s.len(), 193);
        let expected = [
            0.0,
            1000000043.4313127,
            2000000086.8626254,
            3500000152.009595,
        ];
        let got = s.shell_bvalues();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0], 0.0);
        for (g, e) in got.iter().zip(expected).skip(1) {
            assert!(rel(*g, e) < 1e-12, "{g} vs {e}");
        }
        let counts: Vec<usize> = s.shells().iter().map(|s| s.indices.len()).collect();
        assert_eq!(counts, vec![1, 64, 64, 64]);
    }

    #[test]
    fn per_measurement_timing_clusters_by_timing() {
        // Dmipy 1.0.5: acquisition_scheme_from_bvalues(b, n, delta, Delta) with the arrays below
        // gives shell_indices [0, 1, 5, 2, 4, 5, 3], shell_bvalues [0, 1e9, 2e9, 3e9, 0, 1.01e9].
        let b = [0.0, 1e9, 1e9, 2e9, 0.0, 1.02e9, 3e9];
        let delta = vec![0.01, 0.01, 0.02, 0.01, 0.02, 0.02, 0.01];
        let big_delta = vec![0.03, 0.03, 0.04, 0.03, 0.04, 0.04, 0.03];
        let timing = PulseTiming::per_measurement(delta, big_delta);
        let s = AcquisitionScheme::from_bvalues(&b, &[X; 7], timing, &opts()).unwrap();
        assert_eq!(s.shell_of(), &[0, 1, 5, 2, 4, 5, 3]);
        let expected = [0.0, 1e9, 2e9, 3e9, 0.0, 1.01e9];
        let got = s.shell_bvalues();
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(expected) {
            assert!(*g == e || rel(*g, e) < 1e-15, "{g} vs {e}");
        }
        assert_eq!(s.shells()[5].indices, vec![2, 5]);
        assert_eq!(s.shells()[5].delta, Some(0.02));
        assert!(s.shells()[4].is_b0 && !s.shells()[5].is_b0);
    }

    #[test]
    fn thresholds_are_configurable() {
        let b = [0.0, 40e6, 1e9, 1.03e9];
        let strict = SchemeOptions {
            b0_threshold: 50e6,
            min_shell_distance: 20e6,
            ..opts()
        };
        let s = AcquisitionScheme::from_bvalues(&b, &[X; 4], PulseTiming::none(), &strict);
        let s = s.unwrap();
        assert_eq!(s.b0_mask(), &[true, true, false, false]);
        assert_eq!(s.shell_bvalues(), vec![20e6, 1e9, 1.03e9]);
        let d = AcquisitionScheme::from_bvalues(&b, &[X; 4], PulseTiming::none(), &opts());
        assert_eq!(d.unwrap().shell_bvalues(), vec![0.0, 40e6, 1.015e9]);
    }

    #[test]
    fn wrong_units_are_named() {
        let t = PulseTiming::none;
        let e = AcquisitionScheme::from_bvalues(&[0.0, 1000.0], &[X, X], t(), &opts());
        let Err(Error::SuspiciousUnit { message }) = e else {
            panic!("{e:?}")
        };
        assert!(message.contains("look like s/mm²") && message.contains("from_bvalues_s_mm2"));
        let e = AcquisitionScheme::from_bvalues_s_mm2(&[0.0, 1e9], &[X, X], t(), &opts());
        let Err(Error::SuspiciousUnit { message }) = e else {
            panic!("{e:?}")
        };
        assert!(message.contains("look like s/m²"));
        // All-zero b-values are a legitimate (if useless) b0-only scheme in either unit.
        assert!(AcquisitionScheme::from_bvalues(&[0.0], &[[0.0; 3]], t(), &opts()).is_ok());
    }
}
