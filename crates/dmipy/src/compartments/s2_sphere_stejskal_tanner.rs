//! `S2SphereStejskalTannerApproximation`: sphere signal for short pulses and long diffusion times.

use super::spherical_mean::{SphericalMean, isotropic_mean};
use super::{Compartment, ParameterKind, ParameterSpec};
use crate::special::spherical_bessel::sph_j1_over_x;
use crate::{AcquisitionScheme, Error, Scalar};
use std::f64::consts::PI;

/// The sphere or plane diameter parameter of Dmipy 1.x: range (1e-2, 20) µm, scale 1e-6 m.
pub(crate) const DIAMETER: ParameterSpec = ParameterSpec {
    name: "diameter",
    unit: "m",
    bounds: &[(1e-8, 2e-5)],
    scale: 1e-6,
    kind: ParameterKind::Size,
};

/// Sphere attenuation in the short-pulse, long-time limit (Dmipy 1.x `S2SphereStejskalTannerApproximation`).
///
/// Spins spread uniformly over a sphere of radius R = diameter/2, the signal is the squared form factor
/// $$E(q) = \left[\frac{3\,j_1(x)}{x}\right]^2 = \left[\frac{3(\sin x - x\cos x)}{x^3}\right]^2,\qquad x = 2\pi q R,$$
/// (Balinov et al. 1993, J. Magn. Reson. A 104:17–25, doi:10.1006/jmra.1993.1184, sphere result
/// of the short-pulse section, equation number not checked against the paper; it is the squared Fourier
/// transform of a uniform ball, the Δ → ∞ term of Callaghan 1995, see
/// [`S3SphereCallaghanApproximation`](super::S3SphereCallaghanApproximation)). It depends on q (m⁻¹) only, but q needs
/// δ and Δ (s) in the scheme. Finite and exact at x = 0 (value 1, via the series of j₁(x)/x).
///
/// Parameter: `diameter` (m).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct S2SphereStejskalTannerApproximation;

/// [3 j₁(x)/x]², the Stejskal–Tanner sphere attenuation at x = 2πqR (see the type's docs).
pub(crate) fn sphere_form_factor<D: Scalar>(x: D) -> D {
    let f = sph_j1_over_x(x) * 3.0;
    f * f
}

/// The S2 kernel, shared by [`Compartment::signal`] and [`SphericalMean::spherical_mean`]:
/// [`sphere_form_factor`] at x = 2πqR, R = `diameter`/2 (m), q in m⁻¹.
fn stejskal_tanner_sphere<D: Scalar>(diameter: D, q: f64) -> D {
    sphere_form_factor(diameter * 0.5 * (2.0 * PI * q))
}

impl Compartment for S2SphereStejskalTannerApproximation {
    fn name(&self) -> &'static str {
        "S2SphereStejskalTannerApproximation"
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
        for (o, &q) in out.iter_mut().zip(q) {
            *o = stejskal_tanner_sphere(params[0], q);
        }
        Ok(())
    }
}

impl SphericalMean for S2SphereStejskalTannerApproximation {
    /// The sphere is isotropic: the mean of a shell is the signal at its q = √(b/τ)/(2π),
    /// `stejskal_tanner_sphere`. Errors without δ and Δ.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        isotropic_mean(self, scheme, params, out_per_shell, |pulse| {
            let q = pulse.require_qvalue(self.name())?;
            Ok(stejskal_tanner_sphere(params[0], q))
        })
    }
}

/// Compares a model with every Dmipy 1.0.5 reference case of `name` (fixture `dmipy1_compartments.json`).
///
/// `oriented`: the model has a plane normal `mu` first that Dmipy lacks; Dmipy's value equals ours
/// with the normal along each gradient, so each measurement is evaluated with mu set to its gradient.
#[cfg(test)]
pub(crate) fn check_against_dmipy<M: Compartment>(
    name: &str,
    model_of: impl Fn(&super::reference_fixtures::Case) -> M,
    oriented: bool,
    rtol: f64,
) -> usize {
    use super::reference_fixtures::{assert_rel_close, cases, params_in_order, scheme};
    let all = cases(name);
    for case in &all {
        let model = model_of(case);
        let s = scheme(&case.scheme);
        let mut out = vec![0.0; s.len()];
        if oriented {
            let mut p = vec![0.0, 0.0];
            p.extend(params_in_order(case, &model.parameters()[1..]));
            let mut got = vec![0.0; s.len()];
            for (i, g) in s.directions().iter().enumerate() {
                p[0] = g[2].clamp(-1.0, 1.0).acos();
                p[1] = g[1].atan2(g[0]);
                model.signal(&s, &p, &mut out).unwrap();
                got[i] = out[i];
            }
            out = got;
        } else {
            let p = params_in_order(case, model.parameters());
            model.signal(&s, &p, &mut out).unwrap();
        }
        assert_rel_close(
            &out,
            &case.signal,
            rtol,
            &format!("{name} {:?}", case.params),
        );
    }
    all.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PulseTiming, SchemeOptions};
    use num_dual::Dual64;
    use proptest::prelude::*;

    /// A scheme along z whose measurements have the given q-values (m⁻¹), δ = 10 ms, Δ = 30 ms,
    /// plus one last measurement at b = 1e9 s/m² so that the scheme passes the unit check.
    fn scheme_q(q: &[f64]) -> AcquisitionScheme {
        let (d, bd) = (0.01, 0.03);
        let tau = bd - d / 3.0;
        let mut b: Vec<f64> = q.iter().map(|q| (2.0 * PI * q).powi(2) * tau).collect();
        b.push(1e9);
        let dirs = vec![[0.0, 0.0, 1.0]; b.len()];
        AcquisitionScheme::from_bvalues(
            &b,
            &dirs,
            PulseTiming::pgse(d, bd),
            &SchemeOptions::default(),
        )
        .unwrap()
    }

    fn at_x(xs: &[f64], diameter: f64) -> Vec<f64> {
        let q: Vec<f64> = xs.iter().map(|x| x / (PI * diameter)).collect();
        let mut out = vec![0.0; q.len() + 1];
        S2SphereStejskalTannerApproximation
            .signal(&scheme_q(&q), &[diameter], &mut out)
            .unwrap();
        out
    }

    #[test]
    fn matches_dmipy_reference() {
        let n = check_against_dmipy(
            name(),
            |_| S2SphereStejskalTannerApproximation,
            false,
            1e-9, // Dmipy loses digits in (sin x − x cos x)/x³ at small x: 2.4e-10 at 1e-8 m
        );
        assert!(n > 0);
    }

    fn name() -> &'static str {
        "S2SphereStejskalTannerApproximation"
    }

    #[test]
    fn b0_gives_one() {
        let out = at_x(&[0.0], 8e-6);
        assert_eq!(out[0], 1.0);
    }

    #[test]
    fn small_x_follows_the_guinier_expansion() {
        // [3j₁(x)/x]² = 1 − x²/5 + 3x⁴/175 − O(x⁶); compare 1 − E relatively.
        for x in [1e-4, 1e-2, 0.05] {
            let e = at_x(&[x], 6e-6)[0];
            let want = x * x / 5.0 - 3.0 * x.powi(4) / 175.0;
            let rel = ((1.0 - e) - want).abs() / want;
            assert!(rel < 1e-6 + 1e-12 / (x * x), "x={x}: rel {rel:e}");
        }
    }

    #[test]
    fn matches_closed_form_up_to_x_300() {
        let xs = [0.999, 1.001, 1.5, 5.0, 37.0, 123.4, 300.0, 420.0];
        let got = at_x(&xs, 1.2e-5);
        for (x, g) in xs.iter().zip(got) {
            let want = (3.0 * (x.sin() - x * x.cos()) / x.powi(3)).powi(2);
            assert!((g - want).abs() <= 1e-11 * want, "x={x}: {g} vs {want}");
        }
    }

    #[test]
    fn vanishes_at_the_first_zero_of_j1() {
        // First positive zero of j₁ = first zero of j₀′ (fixture `spherical_bessel.json`).
        let e = at_x(&[4.493_409_457_909_06], 1e-5)[0];
        assert!(e < 1e-28, "{e:e}");
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
        let err = S2SphereStejskalTannerApproximation
            .signal(&scheme, &[1e-6], &mut [0.0])
            .unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
    }

    #[test]
    fn dual_derivative_matches_central_difference() {
        let scheme = scheme_q(&[1e4, 5e4, 2e5, 1e6]);
        let model = S2SphereStejskalTannerApproximation;
        for d in [1e-8, 3e-6, 1.5e-5] {
            let mut dual = vec![Dual64::from(0.0); 5];
            model
                .signal(&scheme, &[Dual64::from(d).derivative()], &mut dual)
                .unwrap();
            let h = d * 1e-6;
            let (mut p, mut m) = (vec![0.0; 5], vec![0.0; 5]);
            model.signal(&scheme, &[d + h], &mut p).unwrap();
            model.signal(&scheme, &[d - h], &mut m).unwrap();
            for i in 0..5 {
                let fd = (p[i] - m[i]) / (2.0 * h);
                let tol = 1e-6 * fd.abs() + 1e-9 / d;
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
            let mut out = [0.0];
            S2SphereStejskalTannerApproximation.signal(&scheme, &[d], &mut out).unwrap();
            prop_assert!(out[0].is_finite() && (0.0..=1.0).contains(&out[0]), "{}", out[0]);
        }
    }

    /// Isotropic: every shell's mean is the signal of each of its measurements.
    #[test]
    fn spherical_mean_equals_the_signal_of_each_shell() {
        use crate::compartments::SphericalMean;
        use crate::compartments::spherical_mean::test_support::{rel, shelled_scheme};
        let model = S2SphereStejskalTannerApproximation;
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

    /// Dmipy 1.0.5 evaluates the sphere at the shell b-value too: same numbers (q from b).
    #[test]
    fn spherical_mean_matches_dmipy() {
        use crate::compartments::spherical_mean::test_support::compare_means_with_dmipy;
        let worst = compare_means_with_dmipy(
            "S2SphereStejskalTannerApproximation",
            |_| S2SphereStejskalTannerApproximation,
            |_| 1e-9,
        );
        println!("S2 mean vs Dmipy: {worst:e}");
    }
}
