//! Integration tests of dmipy-io on files: round trips, the DIPY sample data, and bad files.

mod errors;
mod nibabel_files;
mod raw;
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

/// A little-endian NIfTI-1 file (as `encode_nifti` writes it: 352-byte header) turned big-endian:
/// every numeric header field and every `sample_size`-byte sample swapped (layout of `nifti1.h`).
pub fn big_endian_v1(le: &[u8], sample_size: usize) -> Vec<u8> {
    let mut out = le.to_vec();
    let mut swap = |off: usize, width: usize, count: usize| {
        for k in 0..count {
            out[off + k * width..off + (k + 1) * width].reverse();
        }
    };
    swap(0, 4, 1); // sizeof_hdr
    swap(32, 4, 1); // extents
    swap(36, 2, 1); // session_error
    swap(40, 2, 8); // dim
    swap(56, 4, 3); // intent_p1..3
    swap(68, 2, 4); // intent_code, datatype, bitpix, slice_start
    swap(76, 4, 11); // pixdim[8], vox_offset, scl_slope, scl_inter
    swap(120, 2, 1); // slice_end
    swap(124, 4, 6); // cal_max, cal_min, slice_duration, toffset, glmax, glmin
    swap(252, 2, 2); // qform_code, sform_code
    swap(256, 4, 18); // quatern, qoffset, srow
    swap(352, sample_size, (le.len() - 352) / sample_size); // data
    out
}
