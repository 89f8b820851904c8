//! `S1Dot`: a non-diffusing compartment whose signal is 1 for every measurement.

use super::spherical_mean::{SphericalMean, isotropic_mean};
use super::{Compartment, ParameterSpec};
use crate::{AcquisitionScheme, Error, Scalar};

/// The dot: water that does not move on the time scale of the experiment (Dmipy 1.x `S1Dot`).
///
/// E = 1 for every measurement (Panagiotaki et al. 2012, NeuroImage 59:2241–2254,
/// doi:10.1016/j.neuroimage.2011.09.081, "Dot" compartment). No parameters, no acquisition fields.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct S1Dot;

impl Compartment for S1Dot {
    fn name(&self) -> &'static str {
        "S1Dot"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        &[]
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        out.iter_mut().for_each(|v| *v = D::from(1.0));
        Ok(())
    }
}

impl SphericalMean for S1Dot {
    /// $\bar E = 1$ on every shell: the signal is 1 along every direction.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        isotropic_mean(self, scheme, params, out_per_shell, |_| Ok(D::one()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PulseTiming, SchemeOptions};

    #[test]
    fn matches_dmipy_reference() {
        let n = crate::compartments::s2_sphere_stejskal_tanner::check_against_dmipy(
            "S1Dot",
            |_| S1Dot,
            false,
            0.0,
        );
        assert!(n > 0);
    }

    #[test]
    fn signal_is_one_without_timing() {
        let scheme = AcquisitionScheme::from_bvalues(
            &[0.0, 1e9, 3e9],
            &[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        let mut out = [0.5; 3];
        S1Dot.signal::<f64>(&scheme, &[], &mut out).unwrap();
        assert_eq!(out, [1.0; 3]);
        assert_eq!(S1Dot.parameter_count(), 0);
        let err = S1Dot.signal(&scheme, &[1.0], &mut out).unwrap_err();
        assert!(matches!(err, Error::ParameterCount { expected: 0, .. }));
    }

    #[test]
    fn spherical_mean_is_one_and_matches_dmipy() {
        use crate::compartments::spherical_mean::test_support::compare_means_with_dmipy;
        let worst = compare_means_with_dmipy("S1Dot", |_| S1Dot, |_| 0.0);
        assert_eq!(worst, 0.0);
    }
}
