//! Fuzz the JSON scheme parser on arbitrary text.
#![no_main]

use dmipy::SchemeOptions;
use dmipy_io::parse_json_scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(scheme) = parse_json_scheme(&text, "fuzz.json", &SchemeOptions::default()) {
        assert_eq!(scheme.bvalues().len(), scheme.directions().len());
    }
});
