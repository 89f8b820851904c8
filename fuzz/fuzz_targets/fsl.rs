//! Fuzz the FSL bvals/bvecs parser: the input is the bvals text, a NUL byte, then the bvecs text.
#![no_main]

use dmipy::{PulseTiming, SchemeOptions};
use dmipy_io::parse_fsl_scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let split = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let bvals = String::from_utf8_lossy(&bytes[..split]);
    let bvecs = String::from_utf8_lossy(bytes.get(split + 1..).unwrap_or(&[]));
    for timing in [PulseTiming::none(), PulseTiming::pgse(0.01, 0.03)] {
        if let Ok(scheme) =
            parse_fsl_scheme(&bvals, "bvals", &bvecs, "bvecs", timing, &SchemeOptions::default())
        {
            assert_eq!(scheme.bvalues().len(), scheme.directions().len());
        }
    }
});
