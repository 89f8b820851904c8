//! Acquisition schemes: what was measured (b, direction, pulse timing, echo time) and what follows.

mod from_bvalues;
mod scheme;
mod shells;

pub use scheme::{
    AcquisitionScheme, GYROMAGNETIC_RATIO, PerMeasurement, PulseTiming, SchemeOptions, Shell,
};
