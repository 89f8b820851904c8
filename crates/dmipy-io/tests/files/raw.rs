//! `RawNifti`: gathering masked voxels from the stored bytes gives exactly what the full f64
//! decode (`read_nifti` + `masked_signals`) gives, for every datatype, both byte orders, both
//! versions, gzip or not.

use dmipy_io::{
    ByteOrder, DataType, NiftiHeader, NiftiImage, NiftiVersion, RawNifti, encode_nifti,
    first_volume_positive, masked_signals, parse_raw_nifti, read_masked, read_nifti, read_nifti_as,
    read_raw_nifti, scatter, write_nifti,
};
use std::path::{Path, PathBuf};

const SHAPE: [usize; 4] = [3, 4, 2, 5];
const N: usize = 24;
const SLOPE: f64 = 0.5;
const INTER: f64 = -3.0;

/// The stored sample at file index `flat`: 7·flat mod 100, shifted by −50 for signed types
/// (so that some first-volume values are negative and fall outside the default mask).
fn stored(dt: DataType, flat: usize) -> f64 {
    let s = (flat * 7 % 100) as f64;
    let signed = dt.is_float()
        || matches!(
            dt,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64
        );
    if signed { s - 50.0 } else { s }
}

/// Voxels 0, 2, 3, 5, … (every voxel whose index is not 1 mod 3): 16 of 24.
fn mask() -> Vec<bool> {
    (0..N).map(|v| v % 3 != 1).collect()
}

/// Writes one scaled image of `dt`: `.nii`, `.nii.gz`, or a big-endian NIfTI-1 `.nii`.
fn write(dir: &Path, version: NiftiVersion, dt: DataType, form: &str) -> PathBuf {
    let mut h = NiftiHeader::new(version, dt);
    h.scl_slope = SLOPE;
    h.scl_inter = INTER;
    let values = (0..N * 5).map(|f| SLOPE * stored(dt, f) + INTER).collect();
    let image = NiftiImage::new(h, SHAPE.to_vec(), values).unwrap();
    let path = dir.join(format!("{version:?}_{}.{form}", dt.name()));
    if form == "be.nii" {
        let le = encode_nifti(&image, false).unwrap();
        std::fs::write(&path, super::big_endian_v1(&le, dt.size())).unwrap();
    } else {
        write_nifti(&path, &image).unwrap();
    }
    path
}

/// Every accessor of `raw` against the full decode of the same file, and `gather` against the
/// closed form `SLOPE · stored(t·N + v) + INTER`.
fn check_against_full_decode(raw: &RawNifti, path: &Path, dt: DataType) {
    let full = read_nifti(path).unwrap();
    let mask = mask();
    let gathered = raw.gather::<f64>(&mask).unwrap();
    assert_eq!(gathered, masked_signals(&full, &mask).unwrap(), "{path:?}");
    let voxels: Vec<usize> = (0..N).filter(|v| v % 3 != 1).collect();
    for (row, &v) in gathered.chunks(5).zip(&voxels) {
        for (t, &value) in row.iter().enumerate() {
            assert_eq!(
                value,
                SLOPE * stored(dt, t * N + v) + INTER,
                "{path:?} {v} {t}"
            );
        }
    }
    let full32 = read_nifti_as::<f32>(path).unwrap();
    let gathered32 = raw.gather::<f32>(&mask).unwrap();
    assert_eq!(gathered32, masked_signals(&full32, &mask).unwrap());
    assert_eq!(raw.decode::<f64>().unwrap(), full, "{path:?}");
    assert_eq!(raw.volume::<f64>(2).unwrap(), &full.data()[2 * N..3 * N]);
    assert_eq!(raw.volume::<f64>(5), None);
    assert_eq!(raw.value(37), Some(full.data()[37]));
    assert_eq!(raw.value(N * 5), None);
    let positive: Vec<bool> = full.data()[..N].iter().map(|&v| v > 0.0).collect();
    assert_eq!(first_volume_positive(raw), positive, "{path:?}");
    assert_eq!(raw.bytes().len(), N * 5 * dt.size());
    assert_eq!((raw.voxels_per_volume(), raw.volumes()), (N, 5));
    // One pass over the file gives the same rows, with the mask chosen from the first volume.
    let streamed = read_masked::<f64>(path, |shape, first| {
        assert_eq!(shape, SHAPE);
        assert_eq!(first.shape(), &SHAPE[..3]);
        Ok(mask.clone())
    })
    .unwrap();
    assert_eq!(streamed.data, gathered, "{path:?}");
    assert_eq!(
        (&streamed.header, streamed.shape.as_slice()),
        (raw.header(), raw.shape())
    );
    let default = read_masked::<f32>(path, |_, first| Ok(first_volume_positive(first))).unwrap();
    assert_eq!(default.mask, positive);
    assert_eq!(
        default.data,
        raw.gather::<f32>(&positive).unwrap(),
        "{path:?}"
    );
}

#[test]
fn gather_equals_the_full_decode_for_every_datatype_byte_order_and_version() {
    let dir = tempfile::tempdir().unwrap();
    for dt in DataType::ALL {
        for (version, form, order) in [
            (NiftiVersion::One, "nii", ByteOrder::Little),
            (NiftiVersion::One, "be.nii", ByteOrder::Big),
            (NiftiVersion::One, "nii.gz", ByteOrder::Little),
            (NiftiVersion::Two, "nii", ByteOrder::Little),
            (NiftiVersion::Two, "nii.gz", ByteOrder::Little),
        ] {
            let path = write(dir.path(), version, dt, form);
            let raw = read_raw_nifti(&path).unwrap();
            assert_eq!(raw.header().byte_order, order, "{path:?}");
            assert_eq!(raw.header().datatype, dt);
            assert_eq!(raw.path(), path.as_path());
            check_against_full_decode(&raw, &path, dt);
            let in_memory = parse_raw_nifti(&std::fs::read(&path).unwrap(), &path).unwrap();
            assert_eq!(in_memory, raw);
        }
    }
}

#[test]
fn nibabel_files_gather_their_known_values() {
    // Stored value i + 3j + 12k + 24t = the file index (see nibabel_files.rs), grid 3 × 4 × 2.
    let cases = [
        ("v1_be_int16_scaled.nii", 0.5, 3.0),
        ("v1_le_int8.nii.gz", 1.0, 0.0),
        ("v2_be_float64.nii", 1.0, 0.0),
        ("v2_le_uint8.nii.gz", 1.0, 0.0),
        ("v2_be_int64.nii", 1.0, 0.0),
        ("v1_be_uint32.nii", 1.0, 0.0),
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/nibabel");
    let mut mask = vec![false; 24];
    mask[5] = true;
    mask[23] = true;
    for (name, slope, inter) in cases {
        let raw = read_raw_nifti(dir.join(name)).unwrap();
        let rows = raw.gather::<f64>(&mask).unwrap();
        let expect = [5.0, 29.0, 23.0, 47.0].map(|s| slope * s + inter);
        assert_eq!(rows, expect, "{name}");
        let full = read_nifti(dir.join(name)).unwrap();
        assert_eq!(rows, masked_signals(&full, &mask).unwrap(), "{name}");
    }
}

#[test]
fn scatter_puts_gathered_rows_back_where_the_full_image_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), NiftiVersion::Two, DataType::Int16, "nii.gz");
    let raw = read_raw_nifti(&path).unwrap();
    let mask = mask();
    let back = scatter(&raw.gather::<f64>(&mask).unwrap(), 5, &mask, f64::NAN).unwrap();
    let full = read_nifti(&path).unwrap();
    for (flat, (&b, &f)) in back.iter().zip(full.data()).enumerate() {
        if mask[flat % N] {
            assert_eq!(b, f, "index {flat}");
        } else {
            assert!(b.is_nan(), "index {flat} outside the mask");
        }
    }
    let (header, shape) = raw.into_grid();
    let map = NiftiImage::<f32>::on_grid(&header, &shape, vec![3, 4, 2], vec![1.0; N]).unwrap();
    assert_eq!(map.header().datatype, DataType::Float32);
    assert_eq!(map.header().scl_slope, 1.0);
    assert_eq!(map.affine(), header.affine());
}
