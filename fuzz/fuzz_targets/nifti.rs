//! Fuzz the NIfTI reader on arbitrary bytes; whatever parses must encode and parse back alike.
#![no_main]

use dmipy_io::{NiftiImage, encode_nifti, parse_nifti};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(image) = parse_nifti::<f64>(bytes, "fuzz-input") else {
        return;
    };
    // Re-encoding may refuse values that no longer fit the datatype after scaling; it must not panic.
    if let Ok(encoded) = encode_nifti(&image, false) {
        let again: NiftiImage<f64> = parse_nifti(&encoded, "re-encoded").expect("re-encoded image parses");
        assert_eq!(again.shape(), image.shape());
    }
});
