//! Fuzz the Camino scheme parser: the first byte picks the BVECTOR b-value unit, the rest is text.
#![no_main]

use dmipy::SchemeOptions;
use dmipy_io::{BValueUnit, parse_camino_scheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some((&first, rest)) = bytes.split_first() else {
        return;
    };
    let unit = if first & 1 == 0 {
        BValueUnit::SecondsPerSquareMeter
    } else {
        BValueUnit::SecondsPerSquareMillimeter
    };
    let text = String::from_utf8_lossy(rest);
    if let Ok(scheme) = parse_camino_scheme(&text, "fuzz.scheme", unit, &SchemeOptions::default()) {
        assert!(scheme.bvalues().iter().all(|b| b.is_finite() && *b >= 0.0));
    }
});
