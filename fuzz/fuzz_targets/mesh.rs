//! Fuzz the PLY/STL mesh reader: any bytes must give a closed mesh or an error, never a panic.
#![no_main]

use dmipy_sim::parse_mesh;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(mesh) = parse_mesh(bytes, "fuzz.ply") {
        assert!(!mesh.triangles.is_empty());
        assert!(mesh.signed_volume() >= 0.0);
    }
});
