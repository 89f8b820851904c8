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
        let timing = checked_timing(&timing, n)?;
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
        let timing = checked_timing(&timing, n)?;
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
