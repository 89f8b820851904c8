//! Acquisition schemes: what was measured (b, direction, pulse timing, echo time) and what follows.

mod build;
mod conversions;
mod from_bvalues;
mod from_qvalues;
mod hcp;
mod scheme;
mod shell_mean;
mod shells;
mod timing;
mod validate;

pub use conversions::GYROMAGNETIC_RATIO;
pub(crate) use conversions::{q_from_b, tau};
pub use scheme::{AcquisitionScheme, SchemeOptions, Shell};
pub use timing::{PerMeasurement, PulseTiming};
