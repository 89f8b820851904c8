//! `G1Ball`: isotropic Gaussian diffusion with one diffusivity.

use super::c1_stick::diffusivity;
use super::spherical_mean::SphericalMean;
use super::{Compartment, ParameterSpec};
use crate::special::exp_in_place;
use crate::{AcquisitionScheme, Error, Scalar};

const PARAMETERS: &[ParameterSpec] = &[diffusivity("lambda_iso")];

/// The ball (Behrens et al. 2003, Magn. Reson. Med. 50:1077–1088, doi:10.1002/mrm.10609):
/// an isotropic tensor, typically free water or CSF.
///
/// Parameter: `lambda_iso` (m²/s, 0.1e-9–3e-9).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct G1Ball;

/// $E = e^{-b\lambda_{iso}}$ (Behrens et al. 2003, doi:10.1002/mrm.10609, isotropic term of the
/// ball-and-stick model; equation number not checked here); b in s/m², λ in m²/s.
pub(crate) fn ball_attenuation<D: Scalar>(b: f64, lambda_iso: D) -> D {
    ball_exponent(b, lambda_iso).exp()
}

/// The exponent −bλ_iso of [`ball_attenuation`], for loops that exponentiate a whole slice.
fn ball_exponent<D: Scalar>(b: f64, lambda_iso: D) -> D {
    -lambda_iso * b
}

impl Compartment for G1Ball {
    fn name(&self) -> &'static str {
        "G1Ball"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// $E = e^{-b\lambda_{iso}}$, the isotropic term of Behrens et al. 2003 (doi:10.1002/mrm.10609);
    /// b in s/m², λ in m²/s.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        for (o, &b) in out.iter_mut().zip(scheme.bvalues()) {
            *o = ball_exponent(b, params[0]);
        }
        exp_in_place(out);
        Ok(())
    }
}

impl SphericalMean for G1Ball {
    /// Isotropic: the mean equals the signal, $\bar E(b) = e^{-b\lambda_{iso}}$.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        for (o, shell) in out_per_shell.iter_mut().zip(scheme.shells()) {
            *o = ball_attenuation(shell.bvalue, params[0]);
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
        // b = 1e9 s/m², D = 3e-9 m²/s gives e^{-3}; b = 0 gives 1.
        let scheme = shelled_scheme(3, false);
        let mut out = vec![0.0; scheme.len()];
        G1Ball.signal(&scheme, &[3e-9], &mut out).unwrap();
        for (i, &b) in scheme.bvalues().iter().enumerate() {
            assert!(rel(out[i], (-b * 3e-9).exp(), 1.0) < 1e-15);
            if b == 1e9 {
                assert!(rel(out[i], (-3.0f64).exp(), 1.0) < 1e-15);
            }
        }
        let mut mean = vec![0.0; scheme.shells().len()];
        G1Ball.spherical_mean(&scheme, &[3e-9], &mut mean).unwrap();
        assert_eq!(mean[0], 1.0);
        assert!(rel(mean[3], (-9.0f64).exp(), 1.0) < 1e-15);
    }

    #[test]
    fn derivatives_match_finite_differences() {
        assert_derivatives(&G1Ball, &shelled_scheme(3, false), &[1.3e-9], 1e-7);
    }

    #[test]
    fn matches_dmipy_reference() {
        let (s, m) = assert_matches_dmipy(&G1Ball, 1e-12, |_| 1e-12);
        println!("G1Ball vs Dmipy: signal {s:e}, mean {m:e}");
    }
}
