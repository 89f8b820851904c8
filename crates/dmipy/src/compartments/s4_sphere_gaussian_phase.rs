//! `S4SphereGaussianPhaseApproximation`: sphere signal for finite pulses in the Gaussian phase approximation.

use super::s2_sphere_stejskal_tanner::DIAMETER;
use super::s3_sphere_callaghan::WATER_IN_AXONS_DIFFUSIVITY;
use super::spherical_mean::{SphericalMean, isotropic_mean};
use super::{Compartment, ParameterSpec};
use crate::special::spherical_bessel::sph_jn_prime_zeros;
use crate::{AcquisitionScheme, Error, Scalar};
use std::f64::consts::PI;

/// Below this z = α²Dδ the pulse factor p(z) uses its Taylor series (see `pulse_series`).
const SERIES_SWITCH: f64 = 1.0;

/// Sphere attenuation in the Gaussian phase approximation (Dmipy 1.x `S4SphereGaussianPhaseApproximation`).
///
/// For a reflecting sphere of radius R = diameter/2, rectangular gradient pulses of strength G,
/// duration δ and separation Δ (Murday & Cotts 1968, J. Chem. Phys. 48:4938, doi:10.1063/1.1668888,
/// eq. 4 as cited in the literature; Balinov et al. 1993, doi:10.1006/jmra.1993.1184):
/// $$\ln E = -2\gamma^2G^2\sum_{m}\frac{1}{\alpha_m^2(\alpha_m^2R^2-2)}
///   \left[\frac{2\delta}{\alpha_m^2D} - \frac{2 + e^{-\alpha_m^2D(\Delta-\delta)} - 2e^{-\alpha_m^2D\delta} -
///   2e^{-\alpha_m^2D\Delta} + e^{-\alpha_m^2D(\Delta+\delta)}}{(\alpha_m^2D)^2}\right],$$
/// with α_m R = x_m the zeros of j₁′ (equivalently x J′_{3/2}(x) − ½J_{3/2}(x) = 0, Murday & Cotts'
/// root condition; Dmipy tabulates the first 100 to 10 digits, here they are computed to full
/// precision). Since γGδ = 2πq this is evaluated as
/// $$\ln E = -2(2\pi q)^2R^2\sum_m \frac{A_m - B_m}{x_m^2(x_m^2-2)},\quad z = \varepsilon\delta,\ \varepsilon = x_m^2D/R^2,$$
/// A = 2(z − 1 + e^{−z})/z² − 1 and B = e^{−ε(Δ−δ)} w(z)² − 1 with w = (1 − e^{−z})/z, computed as
/// expm1(−ε(Δ−δ) + 2 ln w). This is an exact rearrangement of the bracket (δ²(A − B) equals the
/// bracket's [·]/ε) that stays accurate for large spheres, where the bracket's terms cancel to O(ε³). As R → ∞ with all roots,
/// Σ 1/(x_m² − 2) = ½ gives ln E = −bD (free diffusion).
///
/// q in m⁻¹, δ and Δ in s, D in m²/s, R in m. Settings: `diffusion_constant` (default 1.7e-9 m²/s)
/// and `number_of_roots` (default 100, as Dmipy's table). Parameter: `diameter` (m).
#[derive(Debug, Clone, PartialEq)]
pub struct S4SphereGaussianPhaseApproximation {
    diffusion_constant: f64,
    /// x_m, the first `number_of_roots` positive zeros of j₁′, with 1/(x_m²(x_m² − 2)).
    roots: Vec<(f64, f64)>,
}

impl Default for S4SphereGaussianPhaseApproximation {
    fn default() -> Self {
        Self::with_valid_settings(WATER_IN_AXONS_DIFFUSIVITY, 100)
    }
}

impl S4SphereGaussianPhaseApproximation {
    /// A model with the given intra-sphere diffusivity (m²/s, finite and > 0) and number of
    /// zeros of j₁′ (≥ 1).
    pub fn new(diffusion_constant: f64, number_of_roots: usize) -> Result<Self, Error> {
        if !(diffusion_constant.is_finite() && diffusion_constant > 0.0) {
            return Err(Error::InvalidArgument {
                what: "diffusion_constant".into(),
                reason: format!("must be finite and > 0 m^2/s, got {diffusion_constant}"),
            });
        }
        if number_of_roots == 0 {
            return Err(Error::InvalidArgument {
                what: "number_of_roots".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self::with_valid_settings(
            diffusion_constant,
            number_of_roots,
        ))
    }

    fn with_valid_settings(d: f64, number_of_roots: usize) -> Self {
        let roots = sph_jn_prime_zeros(1, number_of_roots)
            .into_iter()
            .map(|x| (x, 1.0 / (x * x * (x * x - 2.0))))
            .collect();
        Self {
            diffusion_constant: d,
            roots,
        }
    }

    /// Intra-sphere diffusivity D (m²/s).
    pub fn diffusion_constant(&self) -> f64 {
        self.diffusion_constant
    }

    /// Number of zeros of j₁′ in the sum.
    pub fn number_of_roots(&self) -> usize {
        self.roots.len()
    }

    /// Σ_m (A_m − B_m)/(x_m²(x_m² − 2)) for one (δ, Δ) pair and radius R (see the type's docs).
    fn root_sum<D: Scalar>(&self, radius: D, delta: f64, big_delta: f64) -> D {
        let rate = (radius * radius).recip() * self.diffusion_constant;
        let mut sum = D::from(0.0);
        for &(x, w) in &self.roots {
            let eps = rate * (x * x);
            sum += timing_factor(eps, delta, big_delta) * w;
        }
        sum
    }
}

/// A − B = (2δε − bracket)/(εδ)² of the Murday–Cotts sum, for rate ε = α²D (s⁻¹).
fn timing_factor<D: Scalar>(eps: D, delta: f64, big_delta: f64) -> D {
    let z = eps * delta;
    let (p_minus_one, two_ln_w) = if z.re() < SERIES_SWITCH {
        let pm1 = pulse_series(z);
        // w = (1 − e^{−z})/z = 1 − z·p(z)/2.
        (pm1, ((pm1 + 1.0) * z * (-0.5)).ln_1p() * 2.0)
    } else {
        let p = (z + (-z).exp_m1()) * 2.0 / (z * z);
        (p - 1.0, ((-z).exp_m1() * (-1.0) / z).ln() * 2.0)
    };
    let b = (eps * (-(big_delta - delta)) + two_ln_w).exp_m1();
    p_minus_one - b
}

/// p(z) − 1 with p(z) = 2(z − 1 + e^{−z})/z² = Σ_{j≥0} 2(−z)ʲ/(j+2)!, for 0 ≤ z < 1 (18 terms, error < 1e-17).
fn pulse_series<D: Scalar>(z: D) -> D {
    // Horner from j = 18 down to j = 1: c_j = 2(−1)ʲ/(j+2)!, with (j+2)! updated as j falls.
    let mut factorial: f64 = (1..=20).map(|k| k as f64).product();
    let mut acc = D::from(0.0);
    for j in (1..=18usize).rev() {
        let sign = if j % 2 == 0 { 2.0 } else { -2.0 };
        acc = (acc + sign / factorial) * z;
        factorial /= (j + 2) as f64;
    }
    acc
}

impl Compartment for S4SphereGaussianPhaseApproximation {
    fn name(&self) -> &'static str {
        "S4SphereGaussianPhaseApproximation"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        &[DIAMETER]
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let q = scheme.require_qvalues(self.name())?;
        let delta = scheme.require_delta(self.name())?;
        let big_delta = scheme.require_big_delta(self.name())?;
        let radius = params[0] * 0.5;
        // The root sum depends on (δ, Δ) only: compute it once per distinct pair, in order seen.
        let mut cache: Vec<(f64, f64, D)> = Vec::new();
        for i in 0..out.len() {
            if q[i] <= 0.0 {
                out[i] = D::from(1.0);
                continue;
            }
            let (d, bd) = (delta[i], big_delta[i]);
            let sum = match cache.iter().find(|c| c.0 == d && c.1 == bd) {
                Some(c) => c.2,
                None => {
                    let s = self.root_sum(radius, d, bd);
                    cache.push((d, bd, s));
                    s
                }
            };
            out[i] = murday_cotts_attenuation(sum, radius, q[i]);
        }
        Ok(())
    }
}

/// The S4 kernel, shared by [`Compartment::signal`] and [`SphericalMean::spherical_mean`]:
/// $\ln E = -2(2\pi q)^2R^2 S$ with the root sum S of the pulse timing (see the type's docs);
/// R in m, q in m⁻¹.
fn murday_cotts_attenuation<D: Scalar>(root_sum: D, radius: D, q: f64) -> D {
    let k = 2.0 * PI * q;
    (root_sum * radius * radius * (-2.0 * k * k)).exp()
}

impl SphericalMean for S4SphereGaussianPhaseApproximation {
    /// The sphere is isotropic: the mean of a shell is the signal at its q = √(b/τ)/(2π), δ and Δ
    /// (`murday_cotts_attenuation`). Errors without δ and Δ. (Dmipy 1.0.5's raises
    /// `AttributeError` here.)
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        isotropic_mean(self, scheme, params, out_per_shell, |pulse| {
            let (delta, big_delta) = pulse.require_timing(self.name())?;
            let q = pulse.require_qvalue(self.name())?;
            if q <= 0.0 {
                return Ok(D::one());
            }
            let radius = params[0] * 0.5;
            let sum = self.root_sum(radius, delta, big_delta);
            Ok(murday_cotts_attenuation(sum, radius, q))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        PulseTiming, S2SphereStejskalTannerApproximation, S3SphereCallaghanApproximation,
        SchemeOptions,
    };
    use num_dual::Dual64;
    use proptest::prelude::*;

    /// A scheme along z with the given b-values (s/m²), δ and Δ (s), plus b = 1e9 s/m² last.
    fn scheme_b(b: &[f64], delta: f64, big_delta: f64) -> AcquisitionScheme {
        let mut b = b.to_vec();
        b.push(1e9);
        let dirs = vec![[0.0, 0.0, 1.0]; b.len()];
        let timing = PulseTiming::pgse(delta, big_delta);
        AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap()
    }

    fn run<M: Compartment>(m: &M, scheme: &AcquisitionScheme, d: f64) -> Vec<f64> {
        let mut out = vec![0.0; scheme.len()];
        m.signal(scheme, &[d], &mut out).unwrap();
        out
    }

    /// Bracket of Murday & Cotts, term by term, in f64 (accurate when α²Dδ is not small).
    fn bracket_direct(eps: f64, d: f64, bd: f64) -> f64 {
        let e = |t: f64| (-eps * t).exp();
        (2.0 * d - (2.0 + e(bd - d) - 2.0 * e(d) - 2.0 * e(bd) + e(bd + d)) / eps) / eps
    }

    #[test]
    fn timing_factor_matches_the_bracket_and_its_small_rate_limit() {
        let (d, bd) = (0.008, 0.035);
        for eps in [3.0, 50.0, 124.9, 125.1, 400.0, 1e4, 1e7] {
            let got = timing_factor(eps, d, bd) * d * d;
            let want = bracket_direct(eps, d, bd);
            assert!(
                (got - want).abs() <= 1e-11 * want,
                "ε={eps}: {got} vs {want}"
            );
        }
        // ε → 0: bracket/ε → δ²(Δ − δ/3)·ε, where the direct form has lost every digit.
        let eps = 1e-9;
        let got = timing_factor(eps, d, bd) / eps;
        let want = bd - d / 3.0;
        assert!((got - want).abs() <= 1e-8 * want, "{got} vs {want}");
    }

    #[test]
    fn matches_dmipy_reference() {
        // Dmipy tabulates the roots to 10 digits (rel. error ≤ 4e-10), hence 1e-7 here.
        let n = crate::compartments::s2_sphere_stejskal_tanner::check_against_dmipy(
            "S4SphereGaussianPhaseApproximation",
            |c| {
                let d = c
                    .settings
                    .get("diffusion_constant")
                    .copied()
                    .unwrap_or(1.7e-9);
                S4SphereGaussianPhaseApproximation::new(d, 100).unwrap()
            },
            false,
            1e-7,
        );
        assert!(n > 0);
    }

    #[test]
    fn b0_gives_one_and_settings_are_validated() {
        let m = S4SphereGaussianPhaseApproximation::default();
        assert_eq!(run(&m, &scheme_b(&[0.0], 0.01, 0.03), 1e-5)[0], 1.0);
        assert_eq!(m.number_of_roots(), 100);
        assert!(S4SphereGaussianPhaseApproximation::new(0.0, 10).is_err());
        assert!(S4SphereGaussianPhaseApproximation::new(1e-9, 0).is_err());
    }

    #[test]
    fn large_spheres_give_free_diffusion() {
        // R → ∞: ln E = −2bD Σ_m 1/(x_m² − 2) → −bD; with M roots the sum misses ≈ 1/(π²M).
        let (b, d) = (2e9, 1.7e-9);
        let scheme = scheme_b(&[b], 0.01, 0.03);
        let default = S4SphereGaussianPhaseApproximation::default();
        let ratio = run(&default, &scheme, 2.0)[0].ln() / (-b * d);
        assert!((1.0 - ratio) > 1e-3 && (1.0 - ratio) < 3e-3, "{ratio}");
        let many = S4SphereGaussianPhaseApproximation::new(d, 5000).unwrap();
        let ratio = run(&many, &scheme, 2.0)[0].ln() / (-b * d);
        assert!((1.0 - ratio).abs() < 1e-4, "{ratio}");
    }

    #[test]
    fn narrow_pulses_and_long_times_give_the_stejskal_tanner_sphere_at_low_q() {
        // δ → 0, DΔ/R² → ∞: ln E → −2(2πqR)² Σ 1/(x²(x²−2)) = −x²/5 = ln of S2 to O(x⁴).
        let r: f64 = 2e-6;
        let (delta, big_delta) = (1e-8, 0.05);
        let x = 0.02;
        let b = (x / r).powi(2) * (big_delta - delta / 3.0);
        let scheme = scheme_b(&[b], delta, big_delta);
        let e4 = run(
            &S4SphereGaussianPhaseApproximation::default(),
            &scheme,
            2.0 * r,
        )[0];
        let e2 = run(&S2SphereStejskalTannerApproximation, &scheme, 2.0 * r)[0];
        let rel = ((1.0 - e4) - (1.0 - e2)).abs() / (1.0 - e2);
        assert!(rel < 2e-5, "S4 {e4} S2 {e2} rel {rel:e}");
    }

    #[test]
    fn narrow_pulses_agree_with_callaghan_at_low_q() {
        // Both are exact to O(q²) for δ → 0 at any Δ: 1 − E = 2x² Σ_k (1 − e^{−α²DΔ/R²})/(α²(α²−2)).
        let r = 5e-6;
        let d = 1.7e-9;
        let delta = 1e-8;
        let x: f64 = 0.01;
        let s3 = S3SphereCallaghanApproximation::new(d, 40, 6).unwrap();
        let s4 = S4SphereGaussianPhaseApproximation::new(d, 200).unwrap();
        for big_delta in [0.002, 0.01, 0.05] {
            let b = (x / r).powi(2) * (big_delta - delta / 3.0);
            let scheme = scheme_b(&[b], delta, big_delta);
            let e3 = run(&s3, &scheme, 2.0 * r)[0];
            let e4 = run(&s4, &scheme, 2.0 * r)[0];
            let rel = ((1.0 - e3) - (1.0 - e4)).abs() / (1.0 - e4);
            assert!(rel < 2e-5, "Δ={big_delta}: S3 {e3} S4 {e4} rel {rel:e}");
        }
    }

    #[test]
    fn needs_pulse_timing() {
        let scheme = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[0.0, 0.0, 1.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        let m = S4SphereGaussianPhaseApproximation::default();
        let err = m.signal(&scheme, &[1e-6], &mut [0.0]).unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
    }

    #[test]
    fn dual_derivative_matches_central_difference() {
        let m = S4SphereGaussianPhaseApproximation::default();
        let scheme = scheme_b(&[1e8, 3e9, 1e10], 0.01, 0.03);
        for d in [1e-7, 4e-6, 1.9e-5, 1e-3] {
            let mut dual = vec![Dual64::from(0.0); 4];
            m.signal(&scheme, &[Dual64::from(d).derivative()], &mut dual)
                .unwrap();
            let h = d * 1e-6;
            let (p, mm) = (run(&m, &scheme, d + h), run(&m, &scheme, d - h));
            for i in 0..4 {
                let fd = (p[i] - mm[i]) / (2.0 * h);
                let tol = 1e-6 * fd.abs() + 1e-10 / d;
                assert!(
                    (dual[i].eps - fd).abs() < tol,
                    "d={d} i={i}: {} vs {fd}",
                    dual[i].eps
                );
            }
        }
    }

    proptest! {
        #[test]
        fn finite_and_in_unit_interval(d in 1e-8..2e-5f64, b in 0.0..2e10f64, delta in 1e-3..0.04f64, gap in 0.0..0.08f64) {
            let scheme = AcquisitionScheme::from_bvalues(
                &[b], &[[0.6, 0.0, 0.8]], PulseTiming::pgse(delta, delta + gap), &SchemeOptions::default()).unwrap();
            let e = run(&S4SphereGaussianPhaseApproximation::default(), &scheme, d)[0];
            prop_assert!(e.is_finite() && (0.0..=1.0).contains(&e), "{}", e);
        }
    }

    /// Isotropic: every shell's mean is the signal of each of its measurements.
    #[test]
    fn spherical_mean_equals_the_signal_of_each_shell() {
        use crate::compartments::SphericalMean;
        use crate::compartments::spherical_mean::test_support::{rel, shelled_scheme};
        let model = S4SphereGaussianPhaseApproximation::default();
        let scheme = shelled_scheme(5, true);
        let p = [7e-6];
        let mut signal = vec![0.0; scheme.len()];
        model.signal(&scheme, &p, &mut signal).unwrap();
        let mut mean = vec![0.0; scheme.shells().len()];
        model.spherical_mean(&scheme, &p, &mut mean).unwrap();
        for (shell, m) in scheme.shells().iter().zip(&mean) {
            for &i in &shell.indices {
                assert!(rel(signal[i], *m, 1e-300) < 1e-13, "{} vs {m}", signal[i]);
            }
        }
        assert_eq!(mean[0], 1.0);
        let no_timing = shelled_scheme(5, false);
        let err = model.spherical_mean(&no_timing, &p, &mut mean);
        assert!(matches!(err, Err(Error::MissingSchemeField { .. })));
    }
}
