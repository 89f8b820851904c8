//! `P3PlaneCallaghanApproximation`: signal between two parallel planes for short pulses at finite diffusion time.

use super::axially_symmetric::check_same_length;
use super::p2_plane_stejskal_tanner::{NORMAL, normal_projection};
use super::s2_sphere_stejskal_tanner::DIAMETER;
use super::s3_sphere_callaghan::WATER_IN_AXONS_DIFFUSIVITY;
use super::spherical_mean::{HalfRangeGaussLegendre, SphericalMean, axial_model_mean};
use super::{AxiallySymmetric, Compartment, ParameterSpec, Pulse};
use crate::special::damped_modes::{Dampings, alpha2_limit};
use crate::special::spherical_bessel::sinc;
use crate::{AcquisitionScheme, Error, Scalar};
use std::f64::consts::{FRAC_PI_2, PI};

/// Within this |x − ξₘ| the amplitude goes through [`sinc`], whose Taylor branch covers |·| < 0.1.
const SINC_SERIES_WIDTH: f64 = 0.1;

/// Attenuation between two reflecting planes a distance L = `diameter` apart, short pulses, finite
/// diffusion time (Dmipy 1.x `P3PlaneCallaghanApproximation`, plus a plane normal).
///
/// With a = L/2, x = 2π q⊥ a and the Neumann eigenvalues ξₘ = mπ/2 of the slab (m even: cos modes,
/// m odd: sin modes), the narrow-pulse eigenmode sum (Callaghan 1995, J. Magn. Reson. A 113:53–59,
/// doi:10.1006/jmra.1995.1055, planar pore without wall relaxation; Tanner & Stejskal 1968,
/// doi:10.1063/1.1670281) reads
/// $$E = \mathrm{sinc}^2 x + 2\sum_{m=1}^{2N-1} e^{-\xi_m^2 D\tau/a^2}
///   \left[\frac{x\,\mathrm{sinc}(x-\xi_m)}{x+\xi_m}\right]^2,$$
/// the same sum as Dmipy's two series over ξ = nπ and ζ = nπ + π/2 (sin²x resp. cos²x over
/// (x² − ξ²)²), written with sin x = ±sin(x − ξₘ) so that x = ξₘ is not singular.
/// As in Dmipy τ = Δ − δ/3 (s), and `number_of_roots` N (default 40) counts each of the two series.
///
/// Difference from Dmipy 1.x: the normal `mu` is a parameter and q⊥ = q |n·ĝ| (Dmipy applies the
/// whole q across the planes and has no orientation); motion parallel to the planes is not modelled.
///
/// Settings: `diffusion_constant` D (m²/s, default 1.7e-9), `number_of_roots`.
/// Parameters: `mu` = [θ, φ] (rad), `diameter` L (m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct P3PlaneCallaghanApproximation {
    diffusion_constant: f64,
    number_of_roots: usize,
}

impl Default for P3PlaneCallaghanApproximation {
    fn default() -> Self {
        Self {
            diffusion_constant: WATER_IN_AXONS_DIFFUSIVITY,
            number_of_roots: 40,
        }
    }
}

impl P3PlaneCallaghanApproximation {
    /// A model with the given diffusivity (m²/s, finite and > 0) and number of roots per series (≥ 1).
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
        Ok(Self {
            diffusion_constant,
            number_of_roots,
        })
    }

    /// Diffusivity D between the planes (m²/s).
    pub fn diffusion_constant(&self) -> f64 {
        self.diffusion_constant
    }

    /// Number of roots in each of the two series (cos and sin modes).
    pub fn number_of_roots(&self) -> usize {
        self.number_of_roots
    }

    /// Buffers for one call: the damping factors e^{−ξₘ²Dτ/a²} of the current τ.
    pub(crate) fn scratch<D: Scalar>(&self) -> SlabScratch<D> {
        SlabScratch {
            dampings: Dampings::new(2 * self.number_of_roots - 1),
        }
    }

    /// The P3 kernel, shared by [`Compartment::signal`] and [`AxiallySymmetric::axial_signals`]:
    /// the eigenmode sum at x = 2πq⊥a, a = L/2, q⊥ = q·`projection` (`projection` = |n·ĝ| ≥ 0),
    /// decay rate Dτ/a²; L = `length` in m, q in m⁻¹, τ in s.
    pub(crate) fn slab_attenuation<D: Scalar>(
        &self,
        projection: D,
        length: D,
        (q, tau): (f64, f64),
        scratch: &mut SlabScratch<D>,
    ) -> D {
        let half = length * 0.5;
        let x = projection * half * (2.0 * PI * q);
        let rate = || (half * half).recip() * (self.diffusion_constant * tau);
        scratch.dampings.prepare(tau, rate);
        self.attenuation(x, &mut scratch.dampings)
    }

    /// The eigenmode sum at x = 2πq⊥a ≥ 0 with the damping factors of Dτ/a² (see the type's docs).
    ///
    /// Modes with e^{−ξₘ²Dτ/a²} below 1e-18 of the partial sum are left out (they change E by less
    /// than 1e-18 relative: the amplitudes are ≥ 0 and sum to 1;
    /// [`damped_modes`](crate::special::damped_modes)); the limit is renewed at m = 1, 2, 4, 8, …
    /// as the partial sum grows. sin(x − ξₘ) is ±sin x or ±cos x, computed once; within 0.1 of
    /// x = ξₘ the amplitude is x sinc(x − ξₘ)/(x + ξₘ), whose [`sinc`] is a Taylor series there.
    fn attenuation<D: Scalar>(&self, x: D, dampings: &mut Dampings<D>) -> D {
        let s0 = sinc(x);
        let mut e = s0 * s0;
        let t = dampings.t().re();
        let mut limit = f64::INFINITY;
        let mut sin_cos = None;
        for m in 1..2 * self.number_of_roots {
            if m.is_power_of_two() {
                limit = alpha2_limit(e.re(), t);
            }
            let xi = m as f64 * FRAC_PI_2;
            if xi * xi > limit {
                break;
            }
            let amp = if (x.re() - xi).abs() < SINC_SERIES_WIDTH {
                x * sinc(x - xi) / (x + xi)
            } else {
                let (s, c) = *sin_cos.get_or_insert_with(|| x.sin_cos());
                let shifted = match m % 4 {
                    0 => s,
                    1 => -c,
                    2 => -s,
                    _ => c,
                };
                x * shifted / ((x - xi) * (x + xi))
            };
            e += dampings.get(m - 1, xi * xi) * amp * amp * 2.0;
        }
        e
    }

    /// The body of both [`AxiallySymmetric`] methods, generic over the cosine type.
    fn axial_signals_at<D: Scalar, C: Copy + Into<D>>(
        &self,
        pulse: &Pulse,
        cosines: &[C],
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_axial_params(params)?;
        check_same_length(self.name(), cosines.len(), out.len())?;
        let q = pulse.require_qvalue(self.name())?;
        let tau = pulse.require_tau(self.name())?;
        let mut scratch = self.scratch();
        for (o, &c) in out.iter_mut().zip(cosines) {
            let cosine: D = c.into();
            *o = self.slab_attenuation(cosine.abs(), params[2], (q, tau), &mut scratch);
        }
        Ok(())
    }
}

/// Per-call buffers of [`P3PlaneCallaghanApproximation::slab_attenuation`].
pub(crate) struct SlabScratch<D> {
    dampings: Dampings<D>,
}

impl Compartment for P3PlaneCallaghanApproximation {
    fn name(&self) -> &'static str {
        "P3PlaneCallaghanApproximation"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        &[NORMAL, DIAMETER]
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let q = scheme.require_qvalues(self.name())?;
        let tau = scheme.require_tau(self.name())?;
        let (theta, phi, length) = (params[0], params[1], params[2]);
        let dirs = scheme.directions();
        let mut scratch = self.scratch();
        for &i in scheme.tau_order() {
            let projection = normal_projection(theta, phi, &dirs[i]);
            out[i] = self.slab_attenuation(projection, length, (q[i], tau[i]), &mut scratch);
        }
        Ok(())
    }
}

impl AxiallySymmetric for P3PlaneCallaghanApproximation {
    /// `slab_attenuation` for a unit gradient at cosine `cosine` to the
    /// plane normal; see [`axial_signals`](Self::axial_signals).
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        let mut out = [D::zero()];
        self.axial_signals_at(pulse, &[cosine], params, &mut out)?;
        Ok(out[0])
    }

    /// The kernel at every cosine, with the pulse's q = √(b/τ)/(2π) and τ = Δ − δ/3 and the
    /// damping factors computed once. Errors without δ and Δ.
    fn axial_signals<D: Scalar>(
        &self,
        pulse: &Pulse,
        cosines: &[f64],
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.axial_signals_at(pulse, cosines, params, out)
    }
}

impl SphericalMean for P3PlaneCallaghanApproximation {
    /// $\bar E(b) = \int_0^1 E(b, c)\,dc$ by the default Gauss–Legendre rule over the kernel
    /// ([`axial_model_mean`]). Dmipy 1.x has no spherical mean for its (orientation-free) planes.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        let rule = HalfRangeGaussLegendre::shared_default();
        axial_model_mean(self, rule, scheme, params, out_per_shell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{P2PlaneStejskalTannerApproximation, PulseTiming, SchemeOptions};
    use num_dual::{Dual64, DualNum};
    use proptest::prelude::*;

    /// A scheme along z giving x = 2πq·a for the half-width a at diffusion time τ
    /// (δ = min(1 ms, τ/10), Δ = τ + δ/3), plus b = 1e9 s/m² last for the unit check.
    fn scheme_x(xs: &[f64], a: f64, tau: f64) -> AcquisitionScheme {
        let delta = (1e-3f64).min(tau / 10.0);
        let mut b: Vec<f64> = xs.iter().map(|x| (x / a).powi(2) * tau).collect();
        b.push(1e9);
        let dirs = vec![[0.0, 0.0, 1.0]; b.len()];
        let timing = PulseTiming::pgse(delta, tau + delta / 3.0);
        AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap()
    }

    fn run<M: Compartment>(m: &M, s: &AcquisitionScheme, p: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; s.len()];
        m.signal(s, p, &mut out).unwrap();
        out
    }

    /// The sum as written before the fast path: every mode, one exponential and one sinc per mode.
    fn reference_attenuation(
        model: &P3PlaneCallaghanApproximation,
        p: &[Dual64],
        dir: &[f64; 3],
        q: f64,
        tau: f64,
    ) -> Dual64 {
        let projection = normal_projection(p[0], p[1], dir);
        let half = p[2] * 0.5;
        let x = projection * half * (2.0 * PI * q);
        let rate = (half * half).recip() * (model.diffusion_constant * tau);
        let s0 = sinc(x);
        let mut e = s0 * s0;
        for m in 1..2 * model.number_of_roots {
            let xi = m as f64 * FRAC_PI_2;
            let amp = x * sinc(x - xi) / (x + xi);
            e += (rate * (-xi * xi)).exp() * amp * amp * 2.0;
        }
        e
    }

    /// The fast path (dampings once per τ, truncated tail, sin(x − ξₘ) from sin x and cos x)
    /// equals the mode-by-mode sum, values and derivatives, on HCP and on interleaved timings,
    /// for Dmipy's default settings.
    #[test]
    fn fast_path_equals_the_mode_by_mode_sum() {
        use crate::special::damped_modes::test_support::{
            TOLERANCES, assert_matches_reference, mixed_timing_scheme,
        };
        let model = P3PlaneCallaghanApproximation::default();
        let mut worst = vec![];
        let cases = [
            [0.7, 1.1, 6e-6],
            [0.0, 0.0, 2e-5],
            [1.2, -2.8, 1e-8],
            [2.9, 0.4, 1.3e-5],
            [FRAC_PI_2, 2.0, 3.3e-6],
        ];
        for scheme in [
            AcquisitionScheme::hcp_wu_minn().unwrap(),
            mixed_timing_scheme(),
        ] {
            let (q, tau) = (scheme.qvalues().unwrap(), scheme.tau().unwrap());
            let dirs = scheme.directions();
            for p in cases {
                let reference = |d: &[Dual64], i: usize| {
                    reference_attenuation(&model, d, &dirs[i], q[i], tau[i])
                };
                worst.push(assert_matches_reference(
                    &model, &scheme, &p, reference, TOLERANCES,
                ));
            }
        }
        println!("P3 worst errors in units of (1e-13, 1e-12): {worst:?}");
    }

    #[test]
    fn matches_the_tanner_stejskal_series() {
        // E = 2[1 − cos k]/k² + 4k² Σₙ e^{−n²π²Dτ/L²}[1 − (−1)ⁿ cos k]/(k² − n²π²)², k = 2πqL.
        let (d, l, tau) = (1.7e-9, 8e-6, 0.02);
        let m = P3PlaneCallaghanApproximation::new(d, 40).unwrap();
        let xs = [0.3, 1.0, 2.5, 7.7, 20.2];
        let got = run(&m, &scheme_x(&xs, l / 2.0, tau), &[0.0, 0.0, l]);
        for (x, g) in xs.iter().zip(got) {
            let k = 2.0 * x;
            let mut want = 2.0 * (1.0 - k.cos()) / (k * k);
            for n in 1..80 {
                let np = n as f64 * PI;
                let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
                want += 4.0 * k * k * (-np * np * d * tau / (l * l)).exp() * (1.0 - sign * k.cos())
                    / (k * k - np * np).powi(2);
            }
            assert!((g - want).abs() <= 1e-12 * want, "x={x}: {g} vs {want}");
        }
    }

    #[test]
    fn matches_dmipy_reference_with_normal_along_gradient() {
        let n = crate::compartments::s2_sphere_stejskal_tanner::check_against_dmipy(
            "P3PlaneCallaghanApproximation",
            |c| {
                let d = c
                    .settings
                    .get("diffusion_constant")
                    .copied()
                    .unwrap_or(1.7e-9);
                let r = c.settings.get("number_of_roots").copied().unwrap_or(40.0) as usize;
                P3PlaneCallaghanApproximation::new(d, r).unwrap()
            },
            true,
            1e-9, // q from b and 15-digit fixture values: ~1e-10
        );
        assert!(n > 0);
    }

    #[test]
    fn limits_long_time_zero_time_and_b0() {
        let xs = [0.0, 0.5, PI, 6.0, 17.0];
        let s = scheme_x(&xs, 4e-6, 0.03);
        let p = [0.0, 0.0, 8e-6];
        // Dτ/a² → ∞: only the m = 0 mode, i.e. P2.
        let long = run(
            &P3PlaneCallaghanApproximation::new(1e-2, 40).unwrap(),
            &s,
            &p,
        );
        let p2 = run(&P2PlaneStejskalTannerApproximation, &s, &p);
        for i in 0..xs.len() {
            assert!(
                (long[i] - p2[i]).abs() <= 1e-14 * p2[i].max(1e-300) + 1e-300,
                "i={i}"
            );
        }
        // D → 0: all modes kept, Σ weights = 1 (Parseval) up to the tail ≈ 2x²/(π²(N−1)) of modes.
        let still = run(
            &P3PlaneCallaghanApproximation::new(1e-30, 40).unwrap(),
            &s,
            &p,
        );
        assert_eq!(still[0], 1.0);
        for (x, e) in xs.iter().zip(&still) {
            let tail = 4.0 * x * x / (PI * PI * 79.0);
            assert!(
                *e <= 1.0 + 1e-15 && 1.0 - e <= tail + 1e-15,
                "x={x}: {e} tail {tail:e}"
            );
        }
    }

    #[test]
    fn short_time_apparent_diffusivity_follows_mitra() {
        // 1-D slab: D(τ)/D = 1 − 4/(3√π)·√(Dτ)/a + O(Dτ/a²) (Mitra, Sen & Schwartz 1993,
        // doi:10.1103/PhysRevB.47.8565, eq. 2 with d = 1 and S/V = 1/a).
        let (d, a): (f64, f64) = (2e-9, 10e-6);
        let tau = (a / 100.0).powi(2) / d;
        let m = P3PlaneCallaghanApproximation::new(d, 400).unwrap();
        let x = 0.01;
        let e = run(&m, &scheme_x(&[x], a, tau), &[0.0, 0.0, 2.0 * a])[0];
        let ratio = -e.ln() / ((x / a).powi(2) * d * tau);
        let want = 1.0 - 4.0 / (3.0 * PI.sqrt()) / 100.0;
        assert!((ratio - want).abs() < 5e-4, "{ratio} vs {want}");
    }

    #[test]
    fn needs_q_and_tau() {
        let s = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[0.0, 0.0, 1.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        let m = P3PlaneCallaghanApproximation::default();
        let err = m.signal(&s, &[0.0, 0.0, 1e-6], &mut [0.0]).unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
        assert!(P3PlaneCallaghanApproximation::new(f64::NAN, 3).is_err());
    }

    #[test]
    fn dual_derivatives_match_central_differences() {
        let dirs = [[0.0, 0.0, 1.0], [0.6, 0.0, 0.8], [0.0, 0.6, -0.8]];
        let timing = PulseTiming::pgse(0.005, 0.02);
        let s = AcquisitionScheme::from_bvalues(
            &[1e9, 3e9, 1e10],
            &dirs,
            timing,
            &SchemeOptions::default(),
        )
        .unwrap();
        let m = P3PlaneCallaghanApproximation::default();
        let p = [0.7, -1.1, 9e-6];
        for k in 0..3 {
            let mut dp: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
            dp[k] = dp[k].derivative();
            let mut dual = vec![Dual64::from(0.0); 3];
            m.signal(&s, &dp, &mut dual).unwrap();
            let h = 1e-6 * p[k].abs();
            let (mut pp, mut pm) = (p, p);
            pp[k] += h;
            pm[k] -= h;
            let (a, b) = (run(&m, &s, &pp), run(&m, &s, &pm));
            for i in 0..3 {
                let fd = (a[i] - b[i]) / (2.0 * h);
                let tol = 1e-6 * fd.abs() + 1e-9 / p[k].abs();
                assert!(
                    (dual[i].eps - fd).abs() < tol,
                    "k={k} i={i}: {} vs {fd}",
                    dual[i].eps
                );
            }
        }
    }

    proptest! {
        #[test]
        fn finite_and_in_unit_interval(t in 0.0..PI, ph in -PI..PI, l in 1e-8..2e-5f64, b in 1e6..2e10f64, delta in 1e-3..0.04f64, gap in 0.0..0.08f64) {
            let s = AcquisitionScheme::from_bvalues(
                &[b], &[[0.6, 0.0, 0.8]], PulseTiming::pgse(delta, delta + gap), &SchemeOptions::default()).unwrap();
            let e = run(&P3PlaneCallaghanApproximation::default(), &s, &[t, ph, l])[0];
            prop_assert!(e.is_finite() && (0.0..=1.0 + 1e-14).contains(&e), "{}", e);
        }
    }

    #[test]
    fn spherical_mean_is_the_exact_integral() {
        use crate::compartments::spherical_mean::test_support::check_quadrature_mean;
        let model = P3PlaneCallaghanApproximation::new(1.7e-9, 20).unwrap();
        check_quadrature_mean(&model, &[0.7, -0.4, 8e-6], 1e-5);
    }
}
