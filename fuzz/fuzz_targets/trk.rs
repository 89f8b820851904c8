//! Fuzz the TrackVis `.trk` parser: any bytes must give a tractogram or an error, never a panic.
#![no_main]

use dmipy_io::parse_trk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok((t, _)) = parse_trk(bytes, "fuzz.trk") {
        for (_, values) in &t.properties {
            assert_eq!(values.len(), t.streamlines.len());
        }
    }
});
