//! Orientation distributions (Watson, Bingham) and the exact dispersion of axially symmetric kernels.

mod bingham;
mod dispersed;
mod dispersion;
#[cfg(test)]
mod reference_tests;
mod scaled_bessel_i;
#[cfg(test)]
pub(crate) mod test_support;
mod watson;

pub use bingham::{BinghamCoefficients, SD2Bingham};
pub use dispersed::{BinghamDispersed, WatsonDispersed};
pub use dispersion::{DispersionCoefficients, MAX_KAPPA, MAX_ORDER, disperse_add};
pub use watson::{
    SD1Watson, WatsonCoefficients, kappa_to_odi, odi_to_kappa, watson_scaled_normaliser,
};
