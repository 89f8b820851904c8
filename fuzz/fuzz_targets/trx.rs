//! Fuzz the TRX zip parser: any bytes must give a tractogram or an error, never a panic.
#![no_main]

use dmipy_io::parse_trx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok((t, _)) = parse_trx(bytes, "fuzz.trx") {
        for (_, values) in &t.properties {
            assert_eq!(values.len(), t.streamlines.len());
        }
    }
});
