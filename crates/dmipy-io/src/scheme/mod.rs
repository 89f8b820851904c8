//! Acquisition-scheme files: FSL bvals/bvecs, Camino scheme files and JSON schemes.

pub(crate) mod camino;
pub(crate) mod fsl;
pub(crate) mod json;
pub(crate) mod text;

pub use camino::{BValueUnit, parse_camino_scheme, read_camino_scheme};
pub use fsl::{parse_bvals, parse_bvecs, parse_fsl_scheme, read_fsl_scheme};
pub use json::{parse_json_scheme, read_json_scheme};
