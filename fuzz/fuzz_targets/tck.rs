//! Fuzz the MRtrix `.tck` parser: any bytes; a parsed file must re-encode and parse to itself.
#![no_main]

use dmipy_io::{encode_tck, parse_tck};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(t) = parse_tck(bytes, "fuzz.tck") {
        assert!(t.streamlines.iter().flatten().flatten().all(|x| x.is_finite()));
        let again = parse_tck(&encode_tck(&t), "again.tck").expect("re-encoded file parses");
        assert_eq!(again, t);
    }
});
