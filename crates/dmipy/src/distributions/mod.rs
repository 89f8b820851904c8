//! Distributions of compartment parameters: orientations (Watson, Bingham) with the exact dispersion
//! of axially symmetric kernels, and sizes (Gamma) with the models integrated over them.

mod bingham;
mod dispersed;
mod dispersion;
mod gamma;
#[cfg(test)]
mod reference_tests;
mod scaled_bessel_i;
mod sd3_spherical_harmonics;
mod size_distribution;
#[cfg(test)]
pub(crate) mod test_support;
mod watson;

pub use bingham::{BinghamCoefficients, SD2Bingham};
pub use dispersed::{BinghamDispersed, WatsonDispersed};
pub use dispersion::{DispersionCoefficients, MAX_KAPPA, MAX_ORDER, disperse_add};
pub use gamma::{DD1Gamma, VolumeWeighting};
pub(crate) use sd3_spherical_harmonics::rotational_harmonics;
pub use sd3_spherical_harmonics::{SD3Dispersed, SD3SphericalHarmonics};
pub use size_distribution::{DD1GammaDistributed, SizeDistributable};
pub use watson::{
    SD1Watson, WatsonCoefficients, kappa_to_odi, odi_to_kappa, watson_scaled_normaliser,
};
