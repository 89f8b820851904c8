//! The error type of `dmipy-io`: every failure names the file and the problem.

use std::path::PathBuf;

/// Everything that can go wrong while reading or writing a file. Each variant names the file
/// (or the label given to an in-memory parser) and carries the offending data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file (or its temporary sibling) could not be written or renamed into place.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file holds no data at all (or only whitespace and comments).
    #[error("{} is empty", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// A token in a text file is not a finite number.
    #[error("{}:{line}:{column}: {token:?} is not a finite number", path.display())]
    BadNumber {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: usize,
        /// Column (character) number, from 1.
        column: usize,
        /// The token found.
        token: String,
    },
    /// A text file has the wrong layout at some line (wrong column count, missing header, …).
    #[error("{}:{line}: {reason}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// Line number, from 1 (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Two inputs that must agree in their number of entries do not.
    #[error("{}: {what}: expected {expected}, found {found}", path.display())]
    CountMismatch {
        /// The file whose count is wrong.
        path: PathBuf,
        /// What was counted, e.g. "gradient directions (one per b-value)".
        what: String,
        /// The count required.
        expected: usize,
        /// The count found.
        found: usize,
    },
    /// A JSON scheme file is not valid JSON or does not have the expected fields.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        source: serde_json::Error,
    },
    /// The file is not a single-file NIfTI-1 or NIfTI-2 image.
    #[error("{} is not a NIfTI-1/NIfTI-2 single-file image: {reason}", path.display())]
    NotNifti {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A NIfTI header field holds a value that cannot describe an image.
    #[error("{}: invalid NIfTI header field {field}: {reason}", path.display())]
    BadHeader {
        /// The file.
        path: PathBuf,
        /// The header field, e.g. `dim[2]`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The file ends before the header or the data it declares.
    #[error("{} is truncated: expected {expected} bytes of {part}, found {found}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// "header" or "voxel data".
        part: &'static str,
        /// Bytes required.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The NIfTI datatype code is not one this crate reads or writes.
    #[error(
        "{}: unsupported NIfTI datatype code {code} (supported: uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64)",
        path.display()
    )]
    UnsupportedDatatype {
        /// The file.
        path: PathBuf,
        /// The datatype code found.
        code: i32,
    },
    /// A value cannot be stored in the datatype chosen for writing.
    #[error(
        "{}: value {value} at voxel index {index} does not fit datatype {datatype} (after scl_slope/scl_inter)",
        path.display()
    )]
    ValueOutOfRange {
        /// The file being written.
        path: PathBuf,
        /// Index of the value in the data array.
        index: usize,
        /// The value.
        value: f64,
        /// The datatype's name.
        datatype: &'static str,
    },
    /// An image's data and shape (or its grid and a reference grid) disagree.
    #[error("image shape mismatch: {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// What was compared.
        what: String,
        /// The required shape or length.
        expected: Vec<usize>,
        /// The shape or length given.
        found: Vec<usize>,
    },
    /// A mask image is not on the grid of the image it selects voxels of.
    #[error(
        "mask {} has shape {shape:?}, but the image's grid is {grid:?}",
        path.display()
    )]
    MaskGrid {
        /// The mask file.
        path: PathBuf,
        /// The mask's shape.
        shape: Vec<usize>,
        /// The first three dimensions of the image.
        grid: Vec<usize>,
    },
    /// A voxel mask (one entry per voxel of a grid) has the wrong length for an image.
    #[error(
        "{}: a mask of {mask} voxels does not fit the image's grid {grid:?}",
        path.display()
    )]
    MaskMismatch {
        /// The image file.
        path: PathBuf,
        /// The mask's number of entries.
        mask: usize,
        /// The first three dimensions of the image.
        grid: Vec<usize>,
    },
    /// A diffusion-weighted image's volumes do not match the acquisition scheme.
    #[error(
        "{}: the image has {volumes} volumes (4th dimension, shape {shape:?}) but the acquisition scheme has {measurements} measurements",
        path.display()
    )]
    SchemeMismatch {
        /// The image file.
        path: PathBuf,
        /// The image shape.
        shape: Vec<usize>,
        /// Its number of volumes.
        volumes: usize,
        /// The scheme's number of measurements.
        measurements: usize,
    },
    /// The numbers read are well formed but do not make a valid acquisition scheme.
    #[error("{}: {source}", path.display())]
    Scheme {
        /// The file the offending values came from.
        path: PathBuf,
        /// The core's error.
        source: dmipy::Error,
    },
}

impl Error {
    pub(crate) fn scheme(path: impl Into<PathBuf>) -> impl FnOnce(dmipy::Error) -> Self {
        let path = path.into();
        move |source| Self::Scheme { path, source }
    }
}
