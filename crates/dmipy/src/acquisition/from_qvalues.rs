//! Building a scheme from q-values or from gradient strengths, both with δ and Δ.

use super::build::Weighting;
use super::conversions::{b_from_g, b_from_q, g_from_q, q_from_g};
use super::scheme::{AcquisitionScheme, SchemeOptions};
use super::timing::PulseTiming;
use super::validate::{check_len, check_primary, check_zero_delta, checked_timing};
use crate::Error;

impl AcquisitionScheme {
    /// A scheme from q-values (m⁻¹), gradient directions and pulse timing with δ and Δ (s).
    ///
    /// $b = (2\pi q)^2 (\Delta - \delta/3)$ (s/m²) and $|G| = 2\pi q/(\gamma\delta)$ (T/m)
    /// (Stejskal & Tanner 1965, doi:10.1063/1.1695690, eq. 7, with $q = \gamma\delta G/2\pi$; as in
    /// Dmipy 1.x `acquisition_scheme_from_qvalues`). The q-values are kept as given.
    ///
    /// Errors as [`from_bvalues`](Self::from_bvalues), and when δ or Δ is missing.
    pub fn from_qvalues(
        qvalues: &[f64],
        directions: &[[f64; 3]],
        timing: PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        let n = check_primary("q-values", qvalues)?;
        check_len("gradient directions", n, directions.len())?;
        let timing = checked_timing(&timing, n, options.lenient_units)?;
        let (d, bd) = timing.pgse("AcquisitionScheme::from_qvalues")?;
        check_zero_delta("q", qvalues, &timing)?;
        let weighting = Weighting {
            bvalues: (0..n).map(|i| b_from_q(qvalues[i], d[i], bd[i])).collect(),
            gradient_strengths: Some((0..n).map(|i| g_from_q(qvalues[i], d[i])).collect()),
            qvalues: Some(qvalues.to_vec()),
        };
        Self::assemble(weighting, directions, timing, options)
    }

    /// A scheme from gradient strengths |G| (T/m), gradient directions and pulse timing with δ
    /// and Δ (s).
    ///
    /// $b = (\gamma G \delta)^2 (\Delta - \delta/3)$ (s/m²) and $q = \gamma\delta G/(2\pi)$ (m⁻¹)
    /// (Stejskal & Tanner 1965, doi:10.1063/1.1695690, eq. 7; as in Dmipy 1.x
    /// `acquisition_scheme_from_gradient_strengths`). The strengths are kept as given.
    ///
    /// Errors as [`from_bvalues`](Self::from_bvalues), and when δ or Δ is missing.
    pub fn from_gradient_strengths(
        gradient_strengths: &[f64],
        directions: &[[f64; 3]],
        timing: PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        let g = gradient_strengths;
        let n = check_primary("gradient strengths", g)?;
        check_len("gradient directions", n, directions.len())?;
        let timing = checked_timing(&timing, n, options.lenient_units)?;
        let (d, bd) = timing.pgse("AcquisitionScheme::from_gradient_strengths")?;
        check_zero_delta("|G|", g, &timing)?;
        let weighting = Weighting {
            bvalues: (0..n).map(|i| b_from_g(g[i], d[i], bd[i])).collect(),
            qvalues: Some((0..n).map(|i| q_from_g(g[i], d[i])).collect()),
            gradient_strengths: Some(g.to_vec()),
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

    const Z: [f64; 3] = [0.0, 0.0, 1.0];
    const HCP: (f64, f64) = (0.0106, 0.0431);

    fn hcp_timing() -> PulseTiming {
        PulseTiming::pgse(HCP.0, HCP.1)
    }

    #[test]
    fn from_qvalues_matches_dmipy() {
        // Dmipy 1.0.5: s = acquisition_scheme_from_qvalues(np.array([0., 2e4, 5e4]), n, 0.0106, 0.0431);
        // repr of s.bvalues and s.gradient_strengths.
        let q = [0.0, 2e4, 5e4];
        let s = AcquisitionScheme::from_qvalues(&q, &[Z; 3], hcp_timing(), &Default::default());
        let s = s.unwrap();
        let b = [0.0, 624811755.9516304, 3905073474.697689];
        let g = [0.0, 0.044315852378463756, 0.11078963094615939];
        for i in 1..3 {
            assert!(rel(s.bvalues()[i], b[i]) < 1e-15);
            assert!(rel(s.gradient_strengths().unwrap()[i], g[i]) < 1e-15);
        }
        assert_eq!(s.qvalues().unwrap(), &q);
        assert_eq!(s.bvalues()[0], 0.0);
        assert_eq!(s.b0_mask(), &[true, false, false]);
        assert_eq!(s.shells().len(), 3);
    }

    #[test]
    fn from_gradient_strengths_matches_dmipy() {
        // Dmipy 1.0.5: s = acquisition_scheme_from_gradient_strengths(np.array([0., 0.04, 0.3]), n,
        // 0.0106, 0.0431); repr of s.bvalues and s.qvalues.
        let g = [0.0, 0.04, 0.3];
        let s = AcquisitionScheme::from_gradient_strengths(
            &g,
            &[Z; 3],
            hcp_timing(),
            &Default::default(),
        );
        let s = s.unwrap();
        let b = [0.0, 509038887.2970855, 28633437410.46106];
        let q = [0.0, 18052.230907529094, 135391.73180646822];
        for i in 1..3 {
            assert!(rel(s.bvalues()[i], b[i]) < 1e-15);
            assert!(rel(s.qvalues().unwrap()[i], q[i]) < 1e-15);
        }
        assert_eq!(s.gradient_strengths().unwrap(), &g);
    }

    #[test]
    fn b_to_q_to_b_and_g_round_trips() {
        let b = [0.0, 5e6, 1e9, 2e9, 3e9, 1e10, 2.7e10];
        let dirs = [Z; 7];
        let delta = vec![0.0106, 0.005, 0.0106, 0.02, 0.0106, 0.03, 0.0106];
        let big_delta = vec![0.0431, 0.05, 0.0431, 0.02, 0.08, 0.04, 0.0431];
        let timing = PulseTiming::per_measurement(delta, big_delta);
        let o = SchemeOptions::default();
        let s = AcquisitionScheme::from_bvalues(&b, &dirs, timing.clone(), &o).unwrap();
        let from_q =
            AcquisitionScheme::from_qvalues(s.qvalues().unwrap(), &dirs, timing.clone(), &o);
        let g = s.gradient_strengths().unwrap();
        let from_g = AcquisitionScheme::from_gradient_strengths(g, &dirs, timing, &o);
        let (from_q, from_g) = (from_q.unwrap(), from_g.unwrap());
        for i in 1..b.len() {
            assert!(
                rel(from_q.bvalues()[i], b[i]) < 1e-12,
                "q round trip at {i}"
            );
            assert!(
                rel(from_g.bvalues()[i], b[i]) < 1e-12,
                "G round trip at {i}"
            );
            assert!(rel(from_g.qvalues().unwrap()[i], s.qvalues().unwrap()[i]) < 1e-12);
            assert!(rel(from_q.gradient_strengths().unwrap()[i], g[i]) < 1e-12);
        }
        assert_eq!(from_q.bvalues()[0], 0.0);
        assert_eq!(from_q.shell_of(), s.shell_of());
    }

    #[test]
    fn q_and_g_need_delta_and_big_delta() {
        let o = SchemeOptions::default();
        let e = AcquisitionScheme::from_qvalues(&[2e4], &[Z], PulseTiming::none(), &o);
        assert!(
            matches!(e, Err(Error::InvalidArgument { ref reason, .. }) if reason.contains("needs both"))
        );
        let only_big = PulseTiming {
            big_delta: Some(0.03.into()),
            ..PulseTiming::none()
        };
        let e = AcquisitionScheme::from_gradient_strengths(&[0.04], &[Z], only_big, &o);
        assert!(matches!(e, Err(Error::InvalidArgument { .. })));
        let e = AcquisitionScheme::from_gradient_strengths(&[], &[], hcp_timing(), &o);
        assert!(matches!(e, Err(Error::Empty { .. })));
        let e = AcquisitionScheme::from_qvalues(&[-1.0], &[Z], hcp_timing(), &o);
        assert!(matches!(e, Err(Error::Negative { .. })));
        let e = AcquisitionScheme::from_gradient_strengths(
            &[0.04],
            &[Z],
            PulseTiming::pgse(0.0, 0.03),
            &o,
        );
        assert!(
            matches!(e, Err(Error::InvalidArgument { ref reason, .. }) if reason.contains("|G|"))
        );
        let e = AcquisitionScheme::from_qvalues(&[2e4, 2e4], &[Z], hcp_timing(), &o);
        assert!(matches!(e, Err(Error::LengthMismatch { .. })));
    }
}
