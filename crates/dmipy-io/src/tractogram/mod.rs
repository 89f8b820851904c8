//! Tractograms: streamlines in world (RAS mm) coordinates, read and written as MRtrix `.tck`, TrackVis `.trk` and TRX `.trx`.
//!
//! Why our own code rather than the `trk-io` crate (0.32, which reads and writes `.trk`
//! correctly): it pulls `nalgebra` and `ndarray` into this crate, which otherwise avoids them
//! (see the NIfTI module), and covers `.trk` only; both formats are a fixed header plus float32
//! triples, about 300 lines together, round-trip tested here. TRX needs a zip container, which
//! comes from the `zip` crate.

mod tck;
mod trk;
mod trx;

pub use tck::{encode_tck, parse_tck, read_tck, write_tck};
pub use trk::{encode_trk, parse_trk, read_trk, write_trk};
pub use trx::{encode_trx, parse_trx, read_trx, write_trx};

/// Streamlines (world RAS mm, float32 as the formats store them) with optional per-streamline
/// scalars (`.trk` properties, `.trx` dps; `.tck` has no place for them and ignores them).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tractogram {
    /// Each streamline's points.
    pub streamlines: Vec<Vec<[f32; 3]>>,
    /// Named per-streamline values, one per streamline each (at most 10, names ≤ 20 bytes in
    /// `.trk`).
    pub properties: Vec<(String, Vec<f32>)>,
}

/// The image a tractogram refers to (`.trk` and `.trx` store it): grid shape and voxel-to-world
/// (RAS mm) affine.
#[derive(Debug, Clone, PartialEq)]
pub struct TractogramReference {
    /// Grid shape.
    pub shape: [usize; 3],
    /// Voxel-to-world affine (the NIfTI sform/qform of the reference image).
    pub affine: crate::Affine,
}
