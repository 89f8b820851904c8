//! Fuzz the substrate JSON parser on arbitrary text; parsed substrates must answer the walker's questions sanely.
#![no_main]

use dmipy_sim::{Substrate, parse_substrate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(substrate) = parse_substrate(&text) {
        // The centre of the sampling region is inside every analytic shape, and a wall hit from
        // there lies within the segment and has a unit normal.
        let centre = substrate.candidate([0.5, 0.5, 0.5]);
        assert_eq!(substrate.compartment_of(centre), Some(0));
        assert!(substrate.diffusivity(0) > 0.0);
        if let Some(hit) = substrate.first_hit(centre, [0.6, 0.0, 0.8], 1.0, 0) {
            assert!((0.0..=1.0).contains(&hit.t));
            let n = hit.normal;
            assert!(((n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt() - 1.0).abs() < 1e-9);
        }
    }
});
