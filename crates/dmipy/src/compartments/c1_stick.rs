//! `C1Stick`: a cylinder of zero radius, diffusion only along its axis.

use super::spherical_mean::{SphericalMean, axial_gaussian_mean};
use super::{AxiallySymmetric, Compartment, ParameterKind, ParameterSpec, Pulse};
use crate::special::exp_in_place;
use crate::{AcquisitionScheme, Error, Scalar, dot, unit_vector};

/// Orientation bounds of Dmipy 1.x: θ ∈ [0, π], φ ∈ [−π, π] (rad).
pub(crate) const MU_BOUNDS: &[(f64, f64)] = &[
    (0.0, std::f64::consts::PI),
    (-std::f64::consts::PI, std::f64::consts::PI),
];
/// Diffusivity bounds of Dmipy 1.x Gaussian and cylinder models: 0.1–3 ×1e-9 m²/s.
pub(crate) const DIFFUSIVITY_BOUNDS: &[(f64, f64)] = &[(0.1e-9, 3e-9)];
/// Dmipy's `DIFFUSIVITY_SCALING` (m²/s).
pub(crate) const DIFFUSIVITY_SCALE: f64 = 1e-9;

/// The orientation parameter `mu = [θ, φ]` shared by every anisotropic compartment.
pub(crate) const MU: ParameterSpec = ParameterSpec {
    name: "mu",
    unit: "rad",
    bounds: MU_BOUNDS,
    scale: 1.0,
    kind: ParameterKind::Orientation,
};

/// A diffusivity parameter with Dmipy's range and scale.
pub(crate) const fn diffusivity(name: &'static str) -> ParameterSpec {
    ParameterSpec {
        name,
        unit: "m^2/s",
        bounds: DIFFUSIVITY_BOUNDS,
        scale: DIFFUSIVITY_SCALE,
        kind: ParameterKind::Diffusivity,
    }
}

const PARAMETERS: &[ParameterSpec] = &[MU, diffusivity("lambda_par")];

/// The stick (Behrens et al. 2003, Magn. Reson. Med. 50:1077–1088, doi:10.1002/mrm.10609): a
/// cylinder of zero radius, typically intra-axonal water.
///
/// Parameters, in order: `mu = [θ, φ]` (rad), the axis; `lambda_par` (m²/s, 0.1e-9–3e-9), the
/// diffusivity along it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct C1Stick;

/// $E = \exp(-b\,\lambda_\parallel (\mathbf n\cdot\mathbf g)^2)$, the anisotropic term of
/// Behrens et al. 2003 (doi:10.1002/mrm.10609, the anisotropic term of its ball-and-stick model;
/// equation number not checked here); b in s/m², λ∥ in m²/s, `cosine` = n·g for the unit gradient
/// direction g and the axis n = n(θ, φ).
pub(crate) fn stick_attenuation<D: Scalar>(b: f64, cosine: D, lambda_par: D) -> D {
    stick_exponent(b, cosine, lambda_par).exp()
}

/// The exponent −bλ∥(n·g)² of `stick_attenuation`, for loops that exponentiate a whole slice.
fn stick_exponent<D: Scalar>(b: f64, cosine: D, lambda_par: D) -> D {
    -lambda_par * cosine * cosine * b
}

impl Compartment for C1Stick {
    fn name(&self) -> &'static str {
        "C1Stick"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// `stick_attenuation` with the cosine n·g of each measurement.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let n = unit_vector(params[0], params[1]);
        let lambda_par = params[2];
        for ((o, &b), g) in out
            .iter_mut()
            .zip(scheme.bvalues())
            .zip(scheme.directions())
        {
            *o = stick_exponent(b, dot(&n, g), lambda_par);
        }
        exp_in_place(out);
        Ok(())
    }
}

impl AxiallySymmetric for C1Stick {
    /// `stick_attenuation` at cosine `cosine`, the kernel of [`Compartment::signal`].
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        self.check_axial_params(params)?;
        Ok(stick_attenuation(pulse.bvalue, cosine, params[2]))
    }
}

impl SphericalMean for C1Stick {
    /// $\bar E(b) = \frac{\sqrt\pi\,\operatorname{erf}(\sqrt{b\lambda_\parallel})}{2\sqrt{b\lambda_\parallel}}$
    /// (Kaden et al. 2016, doi:10.1016/j.neuroimage.2016.06.002), via
    /// [`axial_gaussian_mean`] so that b → 0 needs no special case.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        for (o, shell) in out_per_shell.iter_mut().zip(scheme.shells()) {
            *o = axial_gaussian_mean(params[2] * shell.bvalue);
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
        let scheme = shelled_scheme(20, false);
        let (theta, phi, lambda): (f64, f64, f64) = (0.7, -1.1, 1.7e-9);
        let n = [
            theta.sin() * phi.cos(),
            theta.sin() * phi.sin(),
            theta.cos(),
        ];
        let mut out = vec![0.0; scheme.len()];
        C1Stick
            .signal(&scheme, &[theta, phi, lambda], &mut out)
            .unwrap();
        for ((&o, &b), g) in out.iter().zip(scheme.bvalues()).zip(scheme.directions()) {
            let c = n[0] * g[0] + n[1] * g[1] + n[2] * g[2];
            let want = (-b * lambda * c * c).exp();
            assert!(rel(o, want, 1e-300) < 1e-14);
            if b == 0.0 {
                assert_eq!(o, 1.0);
            }
        }
        // Along the axis at b = 1e9 s/m², λ = 3e-9 m²/s: e^{-3}.
        let s = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[0.0, 0.0, 1.0]],
            crate::PulseTiming::none(),
            &Default::default(),
        )
        .unwrap();
        let mut one = [0.0];
        C1Stick.signal(&s, &[0.0, 0.0, 3e-9], &mut one).unwrap();
        assert!(rel(one[0], (-3.0f64).exp(), 1.0) < 1e-15);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let scheme = shelled_scheme(15, false);
        assert_derivatives(&C1Stick, &scheme, &[1.1, 0.4, 2.2e-9], 1e-7);
    }

    #[test]
    fn spherical_mean_matches_dense_sphere_average() {
        let scheme = shelled_scheme(4000, false);
        let p = [0.3, 2.0, 2.4e-9];
        let mut sig = vec![0.0; scheme.len()];
        C1Stick.signal(&scheme, &p, &mut sig).unwrap();
        let mut mean = vec![0.0; scheme.shells().len()];
        C1Stick.spherical_mean(&scheme, &p, &mut mean).unwrap();
        for (shell, m) in scheme.shells().iter().zip(&mean) {
            let avg =
                shell.indices.iter().map(|&i| sig[i]).sum::<f64>() / shell.indices.len() as f64;
            assert!(
                rel(avg, *m, 1e-300) < 1e-4,
                "b {}: {avg} vs {m}",
                shell.bvalue
            );
        }
        assert_eq!(mean[0], 1.0);
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let scheme = shelled_scheme(5, false);
        let mut out = vec![0.0; scheme.len()];
        assert!(matches!(
            C1Stick.signal(&scheme, &[0.0, 0.0], &mut out),
            Err(Error::ParameterCount { .. })
        ));
        let mut short = vec![0.0; 3];
        assert!(matches!(
            C1Stick.signal(&scheme, &[0.0, 0.0, 1e-9], &mut short),
            Err(Error::LengthMismatch { .. })
        ));
        assert!(matches!(
            C1Stick.spherical_mean(&scheme, &[0.0, 0.0, 1e-9], &mut out),
            Err(Error::LengthMismatch { .. })
        ));
    }

    #[test]
    fn matches_dmipy_reference() {
        // Dmipy's stick mean is the closed form too: both must agree to rounding.
        let (s, m) = assert_matches_dmipy(&C1Stick, 1e-12, |_| 1e-12);
        println!("C1Stick vs Dmipy: signal {s:e}, mean {m:e}");
    }

    #[test]
    fn axial_signal_is_the_signal_kernel() {
        assert_axial_equals_signal(
            &C1Stick,
            &shelled_scheme(10, false),
            &[0.4, 2.0, 2.2e-9],
            1e-14,
        );
    }
}
