//! Small files written by nibabel 5.4.2 in both byte orders, both versions and six datatypes.
//!
//! Made by `scripts/io/nibabel_reference.py --fixtures crates/dmipy-io/tests/data/nibabel`:
//! shape (3, 4, 2, 2), stored value i + 3j + 12k + 24t at (i, j, k, t), sform (code 2) and
//! qform (code 1) both the affine below, zooms (2, 1.5, 2.5, 0.75), units mm and s. The script
//! printed nibabel's quaternion d: 0.7071067690849304 (NIfTI-1, f32) and 0.7071067811865475
//! (NIfTI-2); the other numbers are the script's inputs.

use super::close;
use dmipy_io::{ByteOrder, DataType, NiftiVersion, SpatialUnit, TimeUnit, read_nifti};
use std::path::PathBuf;

const AFFINE: [[f64; 4]; 3] = [
    [0.0, -1.5, 0.0, 30.0],
    [2.0, 0.0, 0.0, -40.0],
    [0.0, 0.0, 2.5, 12.5],
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nibabel")
        .join(name)
}

#[test]
fn nibabel_files_read_with_their_values_affines_and_types() {
    use ByteOrder::{Big, Little};
    use DataType::*;
    use NiftiVersion::{One, Two};
    let cases = [
        ("v1_be_int16_scaled.nii", One, Big, Int16, 0.5, 3.0),
        ("v1_le_int8.nii.gz", One, Little, Int8, 1.0, 0.0),
        ("v2_be_float64.nii", Two, Big, Float64, 1.0, 0.0),
        ("v2_le_uint8.nii.gz", Two, Little, Uint8, 1.0, 0.0),
        ("v2_be_int64.nii", Two, Big, Int64, 1.0, 0.0),
        ("v1_be_uint32.nii", One, Big, Uint32, 1.0, 0.0),
    ];
    for (name, version, order, datatype, slope, inter) in cases {
        let img = read_nifti(fixture(name)).unwrap();
        let h = img.header();
        assert_eq!(
            (h.version, h.byte_order, h.datatype),
            (version, order, datatype),
            "{name}"
        );
        assert_eq!(img.shape(), &[3, 4, 2, 2], "{name}");
        for (flat, &v) in img.data().iter().enumerate() {
            assert_eq!(v, slope * flat as f64 + inter, "{name} voxel {flat}");
        }
        assert_eq!(img.get(&[2, 1, 1, 1]), Some(slope * 41.0 + inter));
        assert_eq!((h.sform_code, h.qform_code), (2, 1), "{name}");
        assert_eq!(&img.affine()[..3], &AFFINE, "{name}");
        let d = if version == One {
            0.7071067690849304
        } else {
            0.7071067811865475
        };
        assert_eq!(h.quatern, [0.0, 0.0, d], "{name}");
        let rel = if version == One { 1e-7 } else { 1e-15 };
        let q = h.qform_affine();
        for r in 0..3 {
            for c in 0..4 {
                assert!(close(q[r][c], AFFINE[r][c], rel), "{name} qform {q:?}");
            }
        }
        assert_eq!(h.voxel_sizes(), [2.0, 1.5, 2.5], "{name}");
        assert_eq!(h.pixdim[4], 0.75, "{name}");
        assert_eq!(h.spatial_unit(), Some(SpatialUnit::Millimeter));
        assert_eq!(h.time_unit(), Some(TimeUnit::Second));
    }
}
