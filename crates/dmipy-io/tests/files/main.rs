//! Integration tests of dmipy-io on files: round trips, the DIPY sample data, and bad files.

mod errors;
mod nibabel_files;
mod real_data;
mod roundtrip;
mod tractogram_files;

use std::path::PathBuf;

/// The bundled DIPY sample data (`data/dipy/` at the repository root).
pub fn dipy_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/dipy")
        .join(name)
}

/// |a − b| ≤ rel·max(|a|, |b|), with a floor of `rel` for values at zero.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}
