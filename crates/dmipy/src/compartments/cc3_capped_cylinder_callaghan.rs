//! `CC3CappedCylinderCallaghanApproximation`: a cylinder of finite length, Callaghan's eigenmode sums across and along its axis.

use super::axially_symmetric::check_same_length;
use super::c2_cylinder_stejskal_tanner::CylinderParameters;
use super::c3_cylinder_callaghan::{C3CylinderCallaghanApproximation, CylinderScratch};
use super::cc2_capped_cylinder_stejskal_tanner::{CAPPED_CYLINDER_PARAMETERS, capped_cylinder};
use super::p3_plane_callaghan::{P3PlaneCallaghanApproximation, SlabScratch};
use super::s3_sphere_callaghan::WATER_IN_AXONS_DIFFUSIVITY;
use super::spherical_mean::{HalfRangeGaussLegendre, SphericalMean, axial_model_mean};
use super::{AxiallySymmetric, Compartment, ParameterSpec, Pulse};
use crate::{AcquisitionScheme, Error, Scalar};

/// A capped cylinder of diameter d and length L for narrow pulses at finite diffusion time
/// (Dmipy 1.x `CC3CappedCylinderCallaghanApproximation`, which raises `TypeError` on construction
/// in Dmipy 1.0.5): the product of Callaghan's disk sum E⊥(q⊥, τ) of
/// [`C3CylinderCallaghanApproximation`] and his slab sum E∥(q∥, τ) of
/// [`P3PlaneCallaghanApproximation`] (Callaghan 1995, J. Magn. Reson. A 113:53–59,
/// doi:10.1006/jmra.1995.1055, cylinder and planar pore without wall relaxation):
/// $$ E = E_\perp\!\left(q_\perp, \tfrac{D\tau}{R^2}\right)\,
///        E_\parallel\!\left(q_\parallel, \tfrac{D\tau}{(L/2)^2}\right),\qquad
///    q_\parallel = q\,|\mathbf n\cdot\boldsymbol\mu|,\quad
///    q_\perp = q\,|\mathbf n - (\mathbf n\cdot\boldsymbol\mu)\boldsymbol\mu| $$
/// with one intra-cylinder diffusivity D and τ = Δ − δ/3 (s). Both factors are the existing
/// kernels, called, not rewritten. As for
/// [`CC2CappedCylinderStejskalTannerApproximation`](super::CC2CappedCylinderStejskalTannerApproximation),
/// the slab factor depends on |q∥|, so n and −n give the same signal (Dmipy's code would apply it
/// only where n·μ > 0).
///
/// Settings (Dmipy's constructor): `diffusion_intra` D (m²/s, default 1.7e-9),
/// `number_of_roots_cylinder` (20), `number_of_functions_cylinder` (50), `number_of_roots_plane`
/// (40). Parameters: `mu` = [θ, φ] (rad), `diameter` d (m), `length` L (m).
#[derive(Debug, Clone, PartialEq)]
pub struct CC3CappedCylinderCallaghanApproximation {
    cylinder: C3CylinderCallaghanApproximation,
    plane: P3PlaneCallaghanApproximation,
}

impl Default for CC3CappedCylinderCallaghanApproximation {
    fn default() -> Self {
        Self::new(WATER_IN_AXONS_DIFFUSIVITY, 20, 50, 40).expect("Dmipy's defaults are valid")
    }
}

impl CC3CappedCylinderCallaghanApproximation {
    /// A capped cylinder with intra-cylinder diffusivity `diffusion_intra` (m²/s, finite, > 0),
    /// the cylinder sum's roots per order and orders, and the slab sum's roots per series (all ≥ 1).
    pub fn new(
        diffusion_intra: f64,
        number_of_roots_cylinder: usize,
        number_of_functions_cylinder: usize,
        number_of_roots_plane: usize,
    ) -> Result<Self, Error> {
        Ok(Self {
            cylinder: C3CylinderCallaghanApproximation::new(
                diffusion_intra,
                number_of_roots_cylinder,
                number_of_functions_cylinder,
            )?,
            plane: P3PlaneCallaghanApproximation::new(diffusion_intra, number_of_roots_plane)?,
        })
    }

    /// Intra-cylinder diffusivity D (m²/s).
    pub fn diffusion_intra(&self) -> f64 {
        self.plane.diffusion_constant()
    }

    /// The CC3 kernel, shared by [`Compartment::signal`] and [`AxiallySymmetric::axial_signals`]:
    /// E⊥ × E∥ (see the type's docs) with `cosine` = n·μ (either sign) and `perpendicular2` =
    /// |n|² − (n·μ)²; q in m⁻¹, τ in s, `length` in m, `rate` = D/R² (s⁻¹).
    fn attenuation<D: Scalar>(
        &self,
        cylinder: &CylinderParameters<D>,
        (length, rate): (D, D),
        (q, tau): (f64, f64),
        (cosine, perpendicular2): (D, D),
        scratch: &mut Scratch<D>,
    ) -> D {
        let y = cylinder.perpendicular_argument(q, perpendicular2);
        let across = self
            .cylinder
            .perpendicular(y, (tau, rate), &mut scratch.cylinder);
        let along = self
            .plane
            .slab_attenuation(cosine.abs(), length, (q, tau), &mut scratch.plane);
        across * along
    }

    fn scratch<D: Scalar>(&self) -> Scratch<D> {
        Scratch {
            cylinder: self.cylinder.scratch(),
            plane: self.plane.scratch(),
        }
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
        let timing = (
            pulse.require_qvalue(self.name())?,
            pulse.require_tau(self.name())?,
        );
        let cylinder = capped_cylinder(params);
        let sizes = (params[3], self.cylinder.decay_rate(cylinder.radius));
        let mut scratch = self.scratch();
        for (o, &c) in out.iter_mut().zip(cosines) {
            let split = CylinderParameters::project_cosine(c.into());
            *o = self.attenuation(&cylinder, sizes, timing, split, &mut scratch);
        }
        Ok(())
    }
}

/// Per-call buffers of both sums.
struct Scratch<D> {
    cylinder: CylinderScratch<D>,
    plane: SlabScratch<D>,
}

impl Compartment for CC3CappedCylinderCallaghanApproximation {
    fn name(&self) -> &'static str {
        "CC3CappedCylinderCallaghanApproximation"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        CAPPED_CYLINDER_PARAMETERS
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
        let cylinder = capped_cylinder(params);
        let sizes = (params[3], self.cylinder.decay_rate(cylinder.radius));
        let mut scratch = self.scratch();
        for &i in scheme.tau_order() {
            let split = cylinder.project(&scheme.directions()[i]);
            out[i] = self.attenuation(&cylinder, sizes, (q[i], tau[i]), split, &mut scratch);
        }
        Ok(())
    }
}

impl AxiallySymmetric for CC3CappedCylinderCallaghanApproximation {
    /// The CC3 kernel for a unit gradient at cosine `cosine` to the axis; see
    /// [`axial_signals`](Self::axial_signals).
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        let mut out = [D::zero()];
        self.axial_signals_at(pulse, &[cosine], params, &mut out)?;
        Ok(out[0])
    }

    /// The CC3 kernel at every cosine, with the pulse's q = √(b/τ)/(2π) and τ = Δ − δ/3 and both
    /// sums' damping factors computed once. Errors without δ and Δ.
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

impl SphericalMean for CC3CappedCylinderCallaghanApproximation {
    /// $\bar E(b) = \int_0^1 E(b, c)\,dc$ by the default Gauss–Legendre rule over the kernel
    /// ([`axial_model_mean`]).
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
    use super::super::c2_cylinder_stejskal_tanner::tests::{
        check_attenuation_range, check_dual_vs_finite_difference,
    };
    use super::*;
    use crate::compartments::spherical_mean::test_support::{check_quadrature_mean, rel};
    use crate::{PulseTiming, SchemeOptions};
    use std::f64::consts::PI;

    fn small() -> CC3CappedCylinderCallaghanApproximation {
        CC3CappedCylinderCallaghanApproximation::new(1.7e-9, 8, 10, 40).expect("model")
    }

    fn signal(
        model: &CC3CappedCylinderCallaghanApproximation,
        s: &AcquisitionScheme,
        p: &[f64],
    ) -> Vec<f64> {
        let mut out = vec![0.0; s.len()];
        model.signal(s, p, &mut out).expect("signal");
        out
    }

    /// Large pores at short times: the apparent diffusivity tends to the free D, and its deficit
    /// is a surface-to-volume effect (Mitra et al. 1992, doi:10.1103/PhysRevLett.68.3555, eq. 1,
    /// deficit ∝ (S/V)√(Dτ)), so it halves when diameter and length double.
    #[test]
    fn large_pores_tend_to_free_diffusion() {
        let d0 = 1.7e-9;
        let model = CC3CappedCylinderCallaghanApproximation::new(d0, 30, 60, 120).expect("model");
        let b = 0.05 / d0;
        let scheme = AcquisitionScheme::from_bvalues(
            &[b, b],
            &[[0.0, 0.0, 1.0], [0.6, 0.0, 0.8]],
            PulseTiming::pgse(1e-3, 0.02),
            &SchemeOptions::default(),
        )
        .expect("scheme");
        let deficits: Vec<Vec<f64>> = [5e-5, 1e-4, 2e-4]
            .iter()
            .map(|&size| {
                signal(&model, &scheme, &[0.0, 0.0, size, size])
                    .iter()
                    .map(|e| 1.0 + e.ln() / (b * d0))
                    .collect()
            })
            .collect();
        for k in 0..2 {
            for pair in deficits.windows(2) {
                let halving = pair[1][k] / pair[0][k];
                assert!(halving > 0.4 && halving < 0.6, "{deficits:?}");
            }
            assert!(
                deficits[2][k] > 0.0 && deficits[2][k] < 0.05,
                "{deficits:?}"
            );
        }
    }

    /// Long diffusion times: every mode but the uniform one has decayed, and CC3 is CC2.
    #[test]
    fn long_diffusion_time_gives_cc2() {
        let scheme = AcquisitionScheme::from_bvalues(
            &[0.0, 1e9, 3e9, 3e9],
            &[
                [0.0, 0.0, 1.0],
                [0.6, 0.0, 0.8],
                [0.0, 1.0, 0.0],
                [0.48, -0.6, 0.64],
            ],
            PulseTiming::pgse(1e-3, 0.5),
            &SchemeOptions::default(),
        )
        .expect("scheme");
        let p = [0.3, 0.2, 1e-6, 1.5e-6]; // Dτ/R² ≈ 3400, Dτ/(L/2)² ≈ 1500
        let cc3 = signal(
            &CC3CappedCylinderCallaghanApproximation::default(),
            &scheme,
            &p,
        );
        let mut cc2 = vec![0.0; 4];
        crate::CC2CappedCylinderStejskalTannerApproximation
            .signal(&scheme, &p, &mut cc2)
            .expect("signal");
        assert_eq!(cc3[0], 1.0);
        for (a, b) in cc3.iter().zip(&cc2) {
            assert!(rel(*a, *b, 1e-300) < 1e-12, "{a} vs {b}");
        }
    }

    /// n and −n give the same signal (the slab term depends on |q∥|).
    #[test]
    fn opposite_gradients_give_the_same_signal() {
        let g = [0.48, -0.6, 0.64];
        let scheme = AcquisitionScheme::from_bvalues(
            &[3e9, 3e9],
            &[g, g.map(|v| -v)],
            PulseTiming::pgse(0.01, 0.03),
            &SchemeOptions::default(),
        )
        .expect("scheme");
        let e = signal(&small(), &scheme, &[0.9, 2.2, 6e-6, 9e-6]);
        assert!(rel(e[0], e[1], 1e-300) < 1e-15 && e[0] < 0.99, "{e:?}");
    }

    #[test]
    fn spherical_mean_is_the_exact_integral() {
        check_quadrature_mean(&small(), &[0.7, -0.4, 8e-6, 1.2e-5], 1e-5);
    }

    #[test]
    fn dual_derivatives_equal_finite_differences() {
        check_dual_vs_finite_difference(&small(), &[0.8, -1.2, 5e-6, 9e-6]);
        check_dual_vs_finite_difference(&small(), &[2.0, 0.5, 1.5e-5, 3e-6]);
    }

    #[test]
    fn settings_are_validated() {
        assert!(CC3CappedCylinderCallaghanApproximation::new(0.0, 5, 5, 5).is_err());
        assert!(CC3CappedCylinderCallaghanApproximation::new(1e-9, 5, 5, 0).is_err());
        assert!(CC3CappedCylinderCallaghanApproximation::new(1e-9, 0, 5, 5).is_err());
        let d = CC3CappedCylinderCallaghanApproximation::default();
        assert_eq!(d.diffusion_intra(), 1.7e-9);
        assert_eq!(d.parameter_count(), 4);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
        #[test]
        fn attenuation_is_finite_and_in_unit_interval(
            theta in 0.0..=PI, phi in -PI..=PI, diameter in 1e-8..=2e-5, length in 1e-8..=2e-5
        ) {
            check_attenuation_range(&small(), &[theta, phi, diameter, length]);
        }
    }
}
