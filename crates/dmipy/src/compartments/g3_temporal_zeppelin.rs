//! `G3TemporalZeppelin`: a zeppelin whose perpendicular diffusivity depends on the pulse timing.

use super::c1_stick::{MU, diffusivity};
use super::g2_zeppelin::zeppelin_attenuation;
use super::spherical_mean::{SphericalMean, axially_symmetric_gaussian_mean};
use super::{AxiallySymmetric, Compartment, ParameterKind, ParameterSpec, Pulse};
use crate::{AcquisitionScheme, Error, Scalar, dot, unit_vector};

const NAME: &str = "G3TemporalZeppelin";

const PARAMETERS: &[ParameterSpec] = &[
    MU,
    diffusivity("lambda_par"),
    diffusivity("lambda_inf"),
    ParameterSpec {
        name: "A",
        unit: "m^2",
        bounds: &[(0.0, 10e-12)],
        scale: 1e-12,
        kind: ParameterKind::Other,
    },
];

/// The temporal zeppelin (Burcaw, Fieremans & Novikov 2015, NeuroImage 114:18–37,
/// doi:10.1016/j.neuroimage.2015.03.061): extra-axonal water whose perpendicular diffusivity
/// decays towards λ∞ with diffusion time because of the disordered packing of axons.
///
/// Parameters, in order: `mu = [θ, φ]` (rad); `lambda_par` (m²/s, 0.1e-9–3e-9); `lambda_inf`
/// (m²/s, 0.1e-9–3e-9), the perpendicular diffusivity at infinite time; `A` (m², 0–1e-11), the
/// strength of the structural disorder. Needs δ and Δ in the scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct G3TemporalZeppelin;

/// $\lambda_\perp(\delta, \Delta) = \lambda_\infty + A\,\frac{\ln(\Delta/\delta) + 3/2}{\Delta - \delta/3}$,
/// the pulsed-gradient form of the 2-D disorder tail $D_\perp(t) \simeq \lambda_\infty + A\ln(t)/t$
/// of Burcaw et al. 2015 (doi:10.1016/j.neuroimage.2015.03.061; equation number not checked here), written exactly as Dmipy 1.0.5 `G3TemporalZeppelin` evaluates it.
/// δ, Δ in s; λ∞ in m²/s; A in m².
pub(crate) fn temporal_lambda_perp<D: Scalar>(
    lambda_inf: D,
    a: D,
    delta: f64,
    big_delta: f64,
) -> D {
    lambda_inf + a * (((big_delta / delta).ln() + 1.5) / (big_delta - delta / 3.0))
}

impl Compartment for G3TemporalZeppelin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// The zeppelin signal $\exp(-b[\lambda_\perp|\mathbf g|^2 + (\lambda_\parallel -
    /// \lambda_\perp)(\mathbf n\cdot\mathbf g)^2])$ with, per measurement,
    /// $\lambda_\perp = \lambda_\infty + A\,(\ln(\Delta/\delta) + 3/2)/(\Delta - \delta/3)$
    /// (Burcaw et al. 2015, as Dmipy 1.0.5 evaluates it). Errors with `MissingSchemeField`
    /// without δ or Δ.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let delta = scheme.require_delta(NAME)?;
        let big_delta = scheme.require_big_delta(NAME)?;
        let n = unit_vector(params[0], params[1]);
        let (lambda_par, lambda_inf, a) = (params[2], params[3], params[4]);
        for (i, o) in out.iter_mut().enumerate() {
            let g = &scheme.directions()[i];
            let g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
            let lambda_perp = temporal_lambda_perp(lambda_inf, a, delta[i], big_delta[i]);
            let (b, c) = (scheme.bvalues()[i], dot(&n, g));
            *o = zeppelin_attenuation(b, g2, c, lambda_par, lambda_perp);
        }
        Ok(())
    }
}

impl AxiallySymmetric for G3TemporalZeppelin {
    /// `zeppelin_attenuation` for a unit gradient at cosine `cosine` to the axis, with the
    /// pulse's λ⊥(δ, Δ) from `temporal_lambda_perp` — the kernel of [`Compartment::signal`].
    /// Errors with `MissingSchemeField` when the pulse has no δ or Δ.
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        self.check_axial_params(params)?;
        let (delta, big_delta) = pulse.require_timing(NAME)?;
        let lambda_perp = temporal_lambda_perp(params[3], params[4], delta, big_delta);
        Ok(zeppelin_attenuation(
            pulse.bvalue,
            1.0,
            cosine,
            params[2],
            lambda_perp,
        ))
    }
}

impl SphericalMean for G3TemporalZeppelin {
    /// The zeppelin's spherical mean ([`axially_symmetric_gaussian_mean`]) with the shell's
    /// λ⊥(δ, Δ). Unlike Dmipy 1.0.5, which switches to a rotational-harmonics fit when λ⊥ > λ∥ on
    /// any shell, the closed form (Dawson branch) is used throughout.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        let missing = |field| Error::MissingSchemeField {
            model: NAME.into(),
            field,
        };
        for (o, shell) in out_per_shell.iter_mut().zip(scheme.shells()) {
            let delta = shell
                .delta
                .ok_or_else(|| missing("delta (pulse duration)"))?;
            let big_delta = shell
                .big_delta
                .ok_or_else(|| missing("Delta (pulse separation)"))?;
            let lambda_perp = temporal_lambda_perp(params[3], params[4], delta, big_delta);
            *o = axially_symmetric_gaussian_mean(shell.bvalue, params[2], lambda_perp);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compartments::G2Zeppelin;
    use crate::compartments::spherical_mean::test_support::*;

    #[test]
    fn equals_zeppelin_with_the_timed_perpendicular_diffusivity() {
        let scheme = shelled_scheme(20, true);
        let p = [0.8, 0.1, 2.2e-9, 0.5e-9, 3e-12];
        // δ = 10 ms, Δ = 30 ms: (ln 3 + 3/2)/(0.03 − 0.01/3) s⁻¹.
        let lambda_perp = 0.5e-9 + 3e-12 * (3f64.ln() + 1.5) / (0.03 - 0.01 / 3.0);
        let mut t = vec![0.0; scheme.len()];
        let mut z = vec![0.0; scheme.len()];
        G3TemporalZeppelin.signal(&scheme, &p, &mut t).unwrap();
        G2Zeppelin
            .signal(&scheme, &[p[0], p[1], p[2], lambda_perp], &mut z)
            .unwrap();
        for (a, b) in t.iter().zip(&z) {
            assert!(rel(*a, *b, 1e-300) < 1e-14);
        }
        let mut tm = vec![0.0; 4];
        let mut zm = vec![0.0; 4];
        G3TemporalZeppelin
            .spherical_mean(&scheme, &p, &mut tm)
            .unwrap();
        G2Zeppelin
            .spherical_mean(&scheme, &[0.0, 0.0, p[2], lambda_perp], &mut zm)
            .unwrap();
        for (a, b) in tm.iter().zip(&zm) {
            assert!(rel(*a, *b, 1e-300) < 1e-14);
        }
        assert_eq!(tm[0], 1.0);
    }

    #[test]
    fn missing_timing_is_an_error() {
        let scheme = shelled_scheme(5, false);
        let p = [0.0, 0.0, 2e-9, 1e-9, 1e-12];
        let mut out = vec![0.0; scheme.len()];
        let err = G3TemporalZeppelin.signal(&scheme, &p, &mut out);
        assert!(
            matches!(err, Err(Error::MissingSchemeField { .. })),
            "{err:?}"
        );
        let mut mean = vec![0.0; scheme.shells().len()];
        let err = G3TemporalZeppelin.spherical_mean(&scheme, &p, &mut mean);
        assert!(
            matches!(err, Err(Error::MissingSchemeField { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let scheme = shelled_scheme(12, true);
        assert_derivatives(
            &G3TemporalZeppelin,
            &scheme,
            &[2.0, -1.0, 1.8e-9, 0.6e-9, 4e-12],
            1e-7,
        );
    }

    #[test]
    fn matches_dmipy_reference() {
        // As for the zeppelin: Dmipy's mean is closed-form only when λ∥ exceeds λ⊥ on every shell.
        let (s, m) = assert_matches_dmipy(&G3TemporalZeppelin, 1e-12, |case| {
            let data = crate::compartments::reference_fixtures::scheme_data(&case.scheme);
            let (d, big) = (data.delta[0], data.big_delta[0]);
            let lambda_perp =
                temporal_lambda_perp(case.params["lambda_inf"][0], case.params["A"][0], d, big);
            if case.params["lambda_par"][0] > lambda_perp {
                1e-12
            } else {
                2e-2
            }
        });
        println!("G3TemporalZeppelin vs Dmipy: signal {s:e}, mean {m:e}");
    }

    #[test]
    fn axial_signal_is_the_signal_kernel() {
        let p = [0.4, 2.0, 2.2e-9, 0.7e-9, 3e-12];
        assert_axial_equals_signal(&G3TemporalZeppelin, &shelled_scheme(10, true), &p, 1e-14);
        let pulse = Pulse::of_shell(&shelled_scheme(3, false).shells()[1]);
        let err = G3TemporalZeppelin.axial_signal(&pulse, 0.5, &p);
        assert!(matches!(err, Err(Error::MissingSchemeField { .. })));
    }
}
