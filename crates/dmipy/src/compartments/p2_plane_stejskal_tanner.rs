//! `P2PlaneStejskalTannerApproximation`: signal between two parallel planes for short pulses and long times.

use super::s2_sphere_stejskal_tanner::DIAMETER;
use super::spherical_mean::{HalfRangeGaussLegendre, SphericalMean, axial_model_mean};
use super::{AxiallySymmetric, Compartment, ParameterKind, ParameterSpec, Pulse};
use crate::special::spherical_bessel::sinc;
use crate::{AcquisitionScheme, Error, Scalar, dot, unit_vector};
use std::f64::consts::PI;

/// The plane normal `mu = [θ, φ]` (rad), Dmipy's orientation range.
pub(crate) const NORMAL: ParameterSpec = ParameterSpec {
    name: "mu",
    unit: "rad",
    bounds: &[(0.0, PI), (-PI, PI)],
    scale: 1.0,
    kind: ParameterKind::Orientation,
};

/// Attenuation between two reflecting planes a distance L = `diameter` apart, short pulses, long
/// diffusion time (Dmipy 1.x `P2PlaneStejskalTannerApproximation`, plus a plane normal):
/// $$E = \frac{2\,[1-\cos(2\pi q_\perp L)]}{(2\pi q_\perp L)^2} = \mathrm{sinc}^2(\pi q_\perp L),\qquad
///   q_\perp = q\,|\mathbf n\cdot\hat{\mathbf g}|,$$
/// (Balinov et al. 1993, J. Magn. Reson. A 104:17–25, doi:10.1006/jmra.1993.1184, eq. 6).
///
/// Difference from Dmipy 1.x: Dmipy's plane models have no orientation and apply the whole q across
/// the planes, which equals this model with the normal n along every gradient. Here the normal is
/// the parameter `mu` and only the projection of q on it is restricted; motion parallel to the
/// planes is not modelled (as in Dmipy, the signal is that of the restricted direction only).
///
/// Parameters: `mu` = [θ, φ] (rad), `diameter` L (m). Needs q (m⁻¹), i.e. δ and Δ in the scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct P2PlaneStejskalTannerApproximation;

/// The projection |n·ĝ| of a gradient direction on the plane normal `mu = [θ, φ]`; schemes
/// store directions at unit length (zero for b0), so this is the cosine itself.
pub(crate) fn normal_projection<D: Scalar>(theta: D, phi: D, direction: &[f64; 3]) -> D {
    dot(&unit_vector(theta, phi), direction).abs()
}

impl Compartment for P2PlaneStejskalTannerApproximation {
    fn name(&self) -> &'static str {
        "P2PlaneStejskalTannerApproximation"
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
        let (theta, phi, length) = (params[0], params[1], params[2]);
        for ((o, &q), g) in out.iter_mut().zip(q).zip(scheme.directions()) {
            *o = balinov_attenuation(normal_projection(theta, phi, g), length, q);
        }
        Ok(())
    }
}

/// The P2 kernel, shared by [`Compartment::signal`] and [`AxiallySymmetric::axial_signal`]:
/// $\mathrm{sinc}^2(\pi q_\perp L)$ with q⊥ = q·`projection` (see the type's docs); `projection`
/// = |n·ĝ| ≥ 0, L = `length` in m, q in m⁻¹.
pub(crate) fn balinov_attenuation<D: Scalar>(projection: D, length: D, q: f64) -> D {
    let s = sinc(projection * length * (PI * q));
    s * s
}

impl AxiallySymmetric for P2PlaneStejskalTannerApproximation {
    /// `balinov_attenuation` for a unit gradient at cosine `cosine` to the plane normal, with
    /// the pulse's q = √(b/τ)/(2π). Errors without δ and Δ.
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        self.check_axial_params(params)?;
        let q = pulse.require_qvalue(self.name())?;
        Ok(balinov_attenuation(cosine.abs(), params[2], q))
    }
}

impl SphericalMean for P2PlaneStejskalTannerApproximation {
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
    use crate::{PulseTiming, SchemeOptions};
    use num_dual::Dual64;
    use proptest::prelude::*;

    fn scheme(b: &[f64], dirs: &[[f64; 3]]) -> AcquisitionScheme {
        let timing = PulseTiming::pgse(0.01, 0.03);
        AcquisitionScheme::from_bvalues(b, dirs, timing, &SchemeOptions::default()).unwrap()
    }

    fn run(s: &AcquisitionScheme, p: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; s.len()];
        P2PlaneStejskalTannerApproximation
            .signal(s, p, &mut out)
            .unwrap();
        out
    }

    #[test]
    fn matches_balinov_form_with_projected_q() {
        // Normal along z (θ = 0); gradients along z, at 60° from z, and in the plane.
        let s = AcquisitionScheme::from_bvalues(
            &[0.0, 3e9, 3e9, 3e9],
            &[
                [0.0; 3],
                [0.0, 0.0, 1.0],
                [0.75f64.sqrt(), 0.0, 0.5],
                [1.0, 0.0, 0.0],
            ],
            PulseTiming::pgse(0.01, 0.03),
            &SchemeOptions::default(),
        )
        .unwrap();
        let l = 7e-6;
        let got = run(&s, &[0.0, 0.3, l]);
        let q = s.qvalues().unwrap()[1];
        let balinov = |qp: f64| {
            let a = 2.0 * PI * qp * l;
            2.0 * (1.0 - a.cos()) / (a * a)
        };
        assert_eq!(got[0], 1.0);
        assert!((got[1] - balinov(q)).abs() < 1e-13 * balinov(q));
        assert!((got[2] - balinov(0.5 * q)).abs() < 1e-13 * balinov(0.5 * q));
        assert!(
            (got[3] - 1.0).abs() < 1e-15,
            "in-plane gradient is not restricted"
        );
    }

    #[test]
    fn matches_dmipy_reference_with_normal_along_gradient() {
        let n = crate::compartments::s2_sphere_stejskal_tanner::check_against_dmipy(
            "P2PlaneStejskalTannerApproximation",
            |_| P2PlaneStejskalTannerApproximation,
            true,
            1e-9, // q from b and 15-digit fixture values: ~1e-10
        );
        assert!(n > 0);
    }

    #[test]
    fn zero_at_q_perp_l_equal_one() {
        // sinc²(π) = 0: the first diffraction minimum at q⊥ = 1/L.
        let s = scheme(&[2e9], &[[0.0, 0.0, 1.0]]);
        let l = 1.0 / s.qvalues().unwrap()[0];
        let e = run(&s, &[0.0, 0.0, l])[0];
        assert!(e < 1e-30, "{e:e}");
    }

    #[test]
    fn needs_q() {
        let s = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[0.0, 0.0, 1.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        let err = P2PlaneStejskalTannerApproximation
            .signal(&s, &[0.0, 0.0, 1e-6], &mut [0.0])
            .unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
    }

    #[test]
    fn dual_derivatives_match_central_differences() {
        let dirs = [[0.0, 0.0, 1.0], [0.6, 0.0, 0.8], [0.0, 0.6, -0.8]];
        let s = scheme(&[1e9, 3e9, 1e10], &dirs);
        let p = [0.7, -1.1, 9e-6];
        for k in 0..3 {
            let mut dp: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
            dp[k] = dp[k].derivative();
            let mut dual = vec![Dual64::from(0.0); 3];
            P2PlaneStejskalTannerApproximation
                .signal(&s, &dp, &mut dual)
                .unwrap();
            let h = 1e-6 * p[k].abs();
            let (mut pp, mut pm) = (p, p);
            pp[k] += h;
            pm[k] -= h;
            let (a, b) = (run(&s, &pp), run(&s, &pm));
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
        fn finite_and_in_unit_interval(t in 0.0..PI, ph in -PI..PI, l in 1e-8..2e-5f64, b in 0.0..2e10f64) {
            let s = scheme(&[b.max(1e6)], &[[0.6, 0.0, 0.8]]);
            let e = run(&s, &[t, ph, l])[0];
            prop_assert!(e.is_finite() && (0.0..=1.0).contains(&e), "{}", e);
        }
    }

    /// The mean over directions of sinc²(a|c|), a = πqL, is $(\mathrm{Si}(2a) - \sin^2 a / a)/a$
    /// (integrating by parts, ∫ sin²t/t² dt = Si(2t) − sin²t/t); Si from SciPy `sici`
    /// (scripts/reference/restricted_spherical_means.py).
    #[test]
    fn spherical_mean_is_the_exact_integral() {
        use crate::compartments::spherical_mean::test_support::check_quadrature_mean;
        let gap = check_quadrature_mean(
            &P2PlaneStejskalTannerApproximation,
            &[0.7, -0.4, 8e-6],
            1e-5,
        );
        assert!(gap < 1e-5);
        let s = scheme(&[3e9], &[[0.0, 0.0, 1.0]]);
        let q = s.qvalues().unwrap()[0];
        for (a, si_2a) in [(2.5, SI_5), (7.0, SI_14)] {
            let mut mean = [0.0];
            P2PlaneStejskalTannerApproximation
                .spherical_mean(&s, &[0.0, 0.0, a / (PI * q)], &mut mean)
                .unwrap();
            let want = (si_2a - a.sin().powi(2) / a) / a;
            assert!(
                (mean[0] - want).abs() < 1e-13 * want,
                "{} vs {want}",
                mean[0]
            );
        }
    }

    /// Si(5) and Si(14), SciPy 1.13 `scipy.special.sici`.
    const SI_5: f64 = 1.549931244944674;
    const SI_14: f64 = 1.556211050077665;
}
