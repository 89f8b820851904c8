//! The error type of `dmipy-track`: each variant carries the offending data.

/// Everything that can be wrong with the inputs of a tracking run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The 3 × 3 part of the voxel-to-world affine is singular or not finite.
    #[error("the voxel-to-world affine is not invertible (determinant {determinant})")]
    NonInvertibleAffine {
        /// Determinant of its 3 × 3 part.
        determinant: f64,
    },
    /// A field's data length does not match its grid and per-voxel width.
    #[error("{what}: expected {expected} values, found {found}")]
    LengthMismatch {
        /// What was measured.
        what: String,
        /// Values required.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// The number of SH coefficients per voxel is not (L+1)(L+2)/2 for an even L ≤ 12.
    #[error(
        "{count} SH coefficients per voxel is not (L+1)(L+2)/2 for an even order L ≤ 12 (1, 6, 15, 28, 45, 66, 91)"
    )]
    BadShCount {
        /// The count found.
        count: usize,
    },
    /// A seed point lies outside the image.
    #[error("seed {index} at world ({:.3}, {:.3}, {:.3}) mm is outside the image", point[0], point[1], point[2])]
    SeedOutside {
        /// Index of the seed (from 0).
        index: usize,
        /// Its world coordinates (mm).
        point: [f64; 3],
    },
    /// A combination of choices that cannot work together.
    #[error("{0}")]
    BadChoice(&'static str),
    /// A setting is out of its range.
    #[error("invalid setting {name} = {value}: {reason}")]
    BadSetting {
        /// The setting's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What it must be.
        reason: &'static str,
    },
    /// Two grids that must be the same differ.
    #[error("{what} is on a different grid than the field (shape or affine differ)")]
    GridMismatch {
        /// The input on the wrong grid.
        what: String,
    },
}
