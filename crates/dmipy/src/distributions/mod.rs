//! Distributions of compartment parameters: sizes (Gamma) and the models integrated over them.

mod gamma;
mod size_distribution;

pub use gamma::{DD1Gamma, VolumeWeighting};
pub use size_distribution::{DD1GammaDistributed, SizeDistributable};
