//! `.trk`, `.tck` and `.trx` files written by nibabel and trx-python read back to their world RAS mm points.
//!
//! Made by `scripts/reference/tracking_nibabel_dipy.py`: three streamlines with known world
//! points (in `points.json`, 15 significant digits) saved by `nibabel.streamlines.save` on a
//! 10 × 12 × 8 grid with a flipped, 20°-oblique affine (also in `points.json`); and by
//! `scripts/reference/trx_interop.py`: the same streamlines saved by trx-python 0.6 as a zip with
//! float16 positions and as a directory with float64 positions, each with a per-streamline
//! `n_points`.

use dmipy_io::{TractogramReference, read_tck, read_trk, read_trx};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tractogram")
        .join(name)
}

fn reference() -> (Vec<Vec<[f64; 3]>>, serde_json::Value) {
    let text = std::fs::read_to_string(fixture("points.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lines = v["streamlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l.as_array()
                .unwrap()
                .iter()
                .map(|p| std::array::from_fn(|k| p[k].as_f64().unwrap()))
                .collect()
        })
        .collect();
    (lines, v)
}

/// .trk stores the affine in float32: 1e-6.
fn assert_reference(reference: &TractogramReference, v: &serde_json::Value) {
    assert_eq!(reference.shape, [10, 12, 8]);
    for r in 0..4 {
        for c in 0..4 {
            let a = v["affine"][r][c].as_f64().unwrap();
            assert!((reference.affine[r][c] - a).abs() < 1e-6);
        }
    }
}

/// float32 storage (and, for .trk, the voxmm round trip): 1e-4 mm.
fn assert_points(got: &[Vec<[f32; 3]>], want: &[Vec<[f64; 3]>]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len());
        for (p, q) in g.iter().zip(w) {
            assert!(
                (0..3).all(|k| (f64::from(p[k]) - q[k]).abs() < 1e-4),
                "{p:?} vs {q:?}"
            );
        }
    }
}

#[test]
fn nibabel_trk_and_tck_give_the_world_points() {
    let (want, v) = reference();
    let (trk, reference) = read_trk(&fixture("nibabel.trk")).unwrap();
    assert_points(&trk.streamlines, &want);
    assert_reference(&reference, &v);
    assert_points(
        &read_tck(&fixture("nibabel.tck")).unwrap().streamlines,
        &want,
    );
}

/// The fixture's points are exactly representable in float16 (multiples of 0.5 below 64), so
/// the float16 archive must give them to float32 precision as well.
#[test]
fn trx_python_zip_and_directory_give_the_world_points() {
    let (want, v) = reference();
    for name in ["trx_python_f16.trx", "trx_python_f64"] {
        let (trx, reference) = read_trx(&fixture(name)).unwrap();
        assert_points(&trx.streamlines, &want);
        assert_reference(&reference, &v);
        assert_eq!(
            trx.properties,
            vec![("n_points".to_string(), vec![3.0, 1.0, 2.0])],
            "{name}"
        );
    }
}
