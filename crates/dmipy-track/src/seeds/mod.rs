//! Seeds: world-space start points from a mask or from a list of points.

mod mask;
mod points;

pub use mask::{MaskSeeds, Placement};
pub use points::PointSeeds;

use crate::Error;

/// A source of seed points (world mm).
pub trait SeedGenerator {
    /// All seeds, in a fixed order (the seed index of each streamline).
    fn seeds(&self) -> Result<Vec<[f64; 3]>, Error>;
}
