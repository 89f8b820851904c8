//! `Ivim`: intravoxel incoherent motion, a perfusion pseudo-diffusion pool beside tissue diffusion.

use super::g1_ball::ball_attenuation;
use super::spherical_mean::SphericalMean;
use super::{Compartment, ParameterKind, ParameterSpec};
use crate::{AcquisitionScheme, Error, Scalar};

const PARAMETERS: &[ParameterSpec] = &[
    ParameterSpec {
        name: "perfusion_fraction",
        unit: "",
        bounds: &[(0.0, 1.0)],
        scale: 1.0,
        kind: ParameterKind::Fraction,
    },
    ParameterSpec {
        name: "D_star",
        unit: "m^2/s",
        bounds: &[(3e-9, 100e-9)],
        scale: 1e-8,
        kind: ParameterKind::Diffusivity,
    },
    ParameterSpec {
        name: "D",
        unit: "m^2/s",
        bounds: &[(0.1e-9, 3e-9)],
        scale: 1e-9,
        kind: ParameterKind::Diffusivity,
    },
];

/// Intravoxel incoherent motion (Le Bihan et al. 1988, Radiology 168:497–505,
/// doi:10.1148/radiology.168.2.3393671): blood in randomly oriented capillaries moves like a
/// fast pseudo-diffusion D*, tissue water diffuses with D.
///
/// Dmipy 1.x has no IVIM compartment (its examples build one from two `G1Ball`s). Parameter
/// names follow DIPY's `IvimModel` (`perfusion_fraction`, `D_star`, `D`) so users of either
/// recognise them; in order:
/// - `perfusion_fraction` f (dimensionless, [0, 1]);
/// - `D_star` D* (m²/s, 3e-9–1e-7, scale 1e-8): the pseudo-diffusivity, kept at or above the
///   free-water diffusivity so the two pools stay distinguishable;
/// - `D` (m²/s, 0.1e-9–3e-9, scale 1e-9): the tissue diffusivity.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ivim;

impl Compartment for Ivim {
    fn name(&self) -> &'static str {
        "Ivim"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// $E = f\,e^{-bD^*} + (1 - f)\,e^{-bD}$ (Le Bihan et al. 1988,
    /// doi:10.1148/radiology.168.2.3393671, the bi-exponential IVIM signal; equation number not
    /// checked here). b in s/m², D and D* in m²/s.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        for (o, &b) in out.iter_mut().zip(scheme.bvalues()) {
            *o = ivim_attenuation(b, params[0], params[1], params[2]);
        }
        Ok(())
    }
}

/// $f\,e^{-bD^*} + (1 - f)\,e^{-bD}$, see [`Ivim`].
fn ivim_attenuation<D: Scalar>(b: f64, f: D, d_star: D, d: D) -> D {
    f * ball_attenuation(b, d_star) + (D::one() - f) * ball_attenuation(b, d)
}

impl SphericalMean for Ivim {
    /// Isotropic: the mean equals the signal at the shell's b-value.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        for (o, shell) in out_per_shell.iter_mut().zip(scheme.shells()) {
            *o = ivim_attenuation(shell.bvalue, params[0], params[1], params[2]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compartments::spherical_mean::test_support::*;

    #[test]
    fn known_values() {
        // f = 0.1, D* = 2e-8, D = 1e-9 at b = 1e8 s/m²: 0.1 e^{-2} + 0.9 e^{-0.1}.
        let s = AcquisitionScheme::from_bvalues(
            &[0.0, 1e8],
            &[[0.0; 3], [1.0, 0.0, 0.0]],
            crate::PulseTiming::none(),
            &crate::SchemeOptions {
                b0_threshold: 1e6,
                ..Default::default()
            },
        )
        .unwrap();
        let mut out = [0.0; 2];
        Ivim.signal(&s, &[0.1, 2e-8, 1e-9], &mut out).unwrap();
        assert_eq!(out[0], 1.0);
        let want = 0.1 * (-2.0f64).exp() + 0.9 * (-0.1f64).exp();
        assert!(rel(out[1], want, 1.0) < 1e-15);
        let mut mean = vec![0.0; s.shells().len()];
        Ivim.spherical_mean(&s, &[0.1, 2e-8, 1e-9], &mut mean)
            .unwrap();
        assert!(rel(mean[1], want, 1.0) < 1e-15);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        assert_derivatives(
            &Ivim,
            &shelled_scheme(2, false),
            &[0.15, 1.5e-8, 0.8e-9],
            1e-7,
        );
    }
}
