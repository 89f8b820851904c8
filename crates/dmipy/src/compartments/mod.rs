//! Compartment models: one file per model, each a stateless description with one generic signal function.

mod axially_symmetric;
mod c1_stick;
mod c2_cylinder_stejskal_tanner;
mod c3_cylinder_callaghan;
mod c4_cylinder_gaussian_phase;
mod cc2_capped_cylinder_stejskal_tanner;
mod cc3_capped_cylinder_callaghan;
mod g1_ball;
mod g2_zeppelin;
mod g3_temporal_zeppelin;
mod ivim;
mod p2_plane_stejskal_tanner;
mod p3_plane_callaghan;
mod parameter;
#[cfg(test)]
pub(crate) mod reference_fixtures;
mod registry;
mod s1_dot;
mod s2_sphere_stejskal_tanner;
mod s3_sphere_callaghan;
mod s4_sphere_gaussian_phase;
mod spherical_mean;
mod tensor;
#[cfg(test)]
pub(crate) mod test_support;

pub use axially_symmetric::{AxiallySymmetric, Pulse};
pub use c1_stick::C1Stick;
pub use c2_cylinder_stejskal_tanner::C2CylinderStejskalTannerApproximation;
pub use c3_cylinder_callaghan::C3CylinderCallaghanApproximation;
pub use c4_cylinder_gaussian_phase::C4CylinderGaussianPhaseApproximation;
pub use cc2_capped_cylinder_stejskal_tanner::CC2CappedCylinderStejskalTannerApproximation;
pub use cc3_capped_cylinder_callaghan::CC3CappedCylinderCallaghanApproximation;
pub use g1_ball::G1Ball;
pub use g2_zeppelin::G2Zeppelin;
pub use g3_temporal_zeppelin::G3TemporalZeppelin;
pub use ivim::Ivim;
pub use p2_plane_stejskal_tanner::P2PlaneStejskalTannerApproximation;
pub use p3_plane_callaghan::P3PlaneCallaghanApproximation;
pub use parameter::{ParameterKind, ParameterSpec};
pub use registry::AnyCompartment;
pub use s1_dot::S1Dot;
pub use s2_sphere_stejskal_tanner::S2SphereStejskalTannerApproximation;
pub use s3_sphere_callaghan::S3SphereCallaghanApproximation;
pub use s4_sphere_gaussian_phase::S4SphereGaussianPhaseApproximation;
pub use spherical_mean::{
    DEFAULT_HALF_NODES, HalfRangeGaussLegendre, SphericalMean, axial_gaussian_mean,
    axial_model_mean, axially_symmetric_gaussian_mean, axially_symmetric_mean,
};
pub use tensor::Tensor;

use crate::{AcquisitionScheme, Error, Scalar};

/// A compartment model of Dmipy 1.x: a table of parameters and one signal function.
///
/// Parameters are passed at call time as one flat slice in the order of [`parameters`](Self::parameters),
/// each taking [`ParameterSpec::cardinality`] values (e.g. `mu = [θ, φ]` takes two), all in SI units.
/// Settings that Dmipy keeps as constructor arguments (e.g. the number of Bessel roots) are fields of
/// the implementing struct, not parameters.
pub trait Compartment: Send + Sync {
    /// The Dmipy 1.x class name, e.g. `"C1Stick"`.
    fn name(&self) -> &'static str;

    /// The parameter table, in the order the parameter slice follows.
    fn parameters(&self) -> &'static [ParameterSpec];

    /// Writes the signal attenuation of every measurement of `scheme` into `out` (length `scheme.len()`).
    ///
    /// Errors when the scheme lacks a field the model needs or `params` has the wrong length.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error>;

    /// Number of scalar values in the parameter slice.
    fn parameter_count(&self) -> usize {
        self.parameters()
            .iter()
            .map(ParameterSpec::cardinality)
            .sum()
    }

    /// Checks the lengths of `params` and `out` against the model and scheme.
    fn check_call<D>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &[D],
    ) -> Result<(), Error> {
        if params.len() != self.parameter_count() {
            return Err(Error::ParameterCount {
                model: self.name().into(),
                expected: self.parameter_count(),
                found: params.len(),
            });
        }
        if out.len() != scheme.len() {
            return Err(Error::LengthMismatch {
                what: format!("{} output buffer", self.name()),
                expected: scheme.len(),
                found: out.len(),
            });
        }
        Ok(())
    }
}
