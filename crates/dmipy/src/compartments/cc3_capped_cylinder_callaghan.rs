//! `CC3CappedCylinderCallaghanApproximation`: a cylinder of finite length, Callaghan's eigenmode sums across and along its axis.

use super::c2_cylinder_stejskal_tanner::CylinderParameters;
use super::c3_cylinder_callaghan::C3CylinderCallaghanApproximation;
use super::cc2_capped_cylinder_stejskal_tanner::{CAPPED_CYLINDER_PARAMETERS, capped_cylinder};
use super::p3_plane_callaghan::P3PlaneCallaghanApproximation;
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

    /// The CC3 kernel, shared by [`Compartment::signal`] and [`AxiallySymmetric::axial_signal`]:
    /// E⊥ × E∥ (see the type's docs) with `cosine` = n·μ (either sign) and `perpendicular2` =
    /// |n|² − (n·μ)²; q in m⁻¹, τ in s, `length` in m, `rate` = D/R² (s⁻¹).
    fn attenuation<D: Scalar>(
        &self,
        cylinder: &CylinderParameters<D>,
        (length, rate): (D, D),
        (q, tau): (f64, f64),
        (cosine, perpendicular2): (D, D),
    ) -> D {
        let y = cylinder.perpendicular_argument(q, perpendicular2);
        let across = self.cylinder.perpendicular(y, rate * tau);
        across * self.plane.slab_attenuation(cosine.abs(), length, q, tau)
    }
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
        for (i, o) in out.iter_mut().enumerate() {
            let split = cylinder.project(&scheme.directions()[i]);
            *o = self.attenuation(&cylinder, sizes, (q[i], tau[i]), split);
        }
        Ok(())
    }
}

impl AxiallySymmetric for CC3CappedCylinderCallaghanApproximation {
    /// The CC3 kernel for a unit gradient at cosine `cosine` to the axis, with the pulse's
    /// q = √(b/τ)/(2π) and τ = Δ − δ/3. Errors without δ and Δ.
    fn axial_signal<D: Scalar>(&self, pulse: &Pulse, cosine: D, params: &[D]) -> Result<D, Error> {
        self.check_axial_params(params)?;
        let timing = (
            pulse.require_qvalue(self.name())?,
            pulse.require_tau(self.name())?,
        );
        let cylinder = capped_cylinder(params);
        let sizes = (params[3], self.cylinder.decay_rate(cylinder.radius));
        let split = CylinderParameters::project_cosine(cosine);
        Ok(self.attenuation(&cylinder, sizes, timing, split))
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
