//! Every error of `dmipy_io::Error`, provoked with a bad file in a temporary directory; each
//! message must name the file.

use dmipy::{PulseTiming, SchemeOptions};
use dmipy_io::{
    BValueUnit, DataType, Error, NiftiHeader, NiftiImage, NiftiVersion, check_matches_scheme,
    encode_nifti, read_camino_scheme, read_dwi, read_dwi_masked, read_dwi_raw, read_fsl_scheme,
    read_json_scheme, read_mask, read_masked, read_nifti, read_raw_nifti, write_nifti,
};
use std::path::{Path, PathBuf};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }
    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// The message names the file (by its file name) and contains `part`.
fn says(err: &Error, path: &Path, part: &str) {
    let msg = err.to_string();
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(msg.contains(name.as_ref()), "{msg:?} does not name {name}");
    assert!(msg.contains(part), "{msg:?} does not say {part:?}");
}

fn fsl(bvals: &Path, bvecs: &Path) -> Result<dmipy::AcquisitionScheme, Error> {
    read_fsl_scheme(bvals, bvecs, PulseTiming::none(), &SchemeOptions::default())
}

fn valid_v1(shape: Vec<usize>) -> Vec<u8> {
    let n = shape.iter().product();
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Int16);
    encode_nifti(&NiftiImage::new(h, shape, vec![1.0; n]).unwrap(), false).unwrap()
}

#[test]
fn missing_files_are_read_errors() {
    let d = Dir::new();
    let missing = d.0.path().join("absent.nii.gz");
    let err = read_nifti(&missing).unwrap_err();
    assert!(matches!(err, Error::Read { .. }));
    says(&err, &missing, "cannot read");
    let bvecs = d.file("ok.bvec", "1 0 0\n");
    let err = fsl(&d.0.path().join("absent.bval"), &bvecs).unwrap_err();
    says(&err, Path::new("absent.bval"), "cannot read");
}

#[test]
fn empty_files_are_named() {
    let d = Dir::new();
    let nii = d.file("empty.nii", "");
    let err = read_nifti(&nii).unwrap_err();
    assert!(matches!(err, Error::EmptyFile { .. }));
    says(&err, &nii, "is empty");
    let bvals = d.file("empty.bval", " \n\n");
    let bvecs = d.file("ok.bvec", "1 0 0\n");
    says(&fsl(&bvals, &bvecs).unwrap_err(), &bvals, "is empty");
    let bvals = d.file("ok.bval", "1000\n");
    let bvecs = d.file("empty.bvec", "");
    says(&fsl(&bvals, &bvecs).unwrap_err(), &bvecs, "is empty");
    let cam = d.file("empty.scheme", "# only a comment\n");
    let err = read_camino_scheme(&cam, BValueUnit::SecondsPerSquareMeter, &Default::default());
    says(&err.unwrap_err(), &cam, "is empty");
    let json = d.file("empty.json", "\n");
    says(
        &read_json_scheme(&json, &Default::default()).unwrap_err(),
        &json,
        "is empty",
    );
}

#[test]
fn bad_numbers_give_line_and_column() {
    let d = Dir::new();
    let bvals = d.file("b.bval", "0 1000 1O00\n");
    let bvecs = d.file("b.bvec", "0 1 0\n0 0 1\n0 0 0\n");
    let err = fsl(&bvals, &bvecs).unwrap_err();
    assert!(
        matches!(&err, Error::BadNumber { line: 1, column: 8, token, .. } if token == "1O00"),
        "{err:?}"
    );
    says(&err, &bvals, "b.bval:1:8: \"1O00\" is not a finite number");
    let bvals = d.file("c.bval", "0 1000 1000\n");
    let bvecs = d.file("c.bvec", "0 1 0\n0 0 inf\n0 0 0\n");
    says(&fsl(&bvals, &bvecs).unwrap_err(), &bvecs, "c.bvec:2:5:");
    let cam = d.file("b.scheme", "VERSION: BVECTOR\n1 0 0 1e9\n0 1 0 x\n");
    let err = read_camino_scheme(&cam, BValueUnit::SecondsPerSquareMeter, &Default::default());
    says(&err.unwrap_err(), &cam, "b.scheme:3:7:");
}

#[test]
fn bvals_and_bvecs_counts_must_agree() {
    let d = Dir::new();
    let bvals = d.file("n.bval", "0 1000 1000\n");
    let bvecs = d.file("n.bvec", "0 1 0 0\n0 0 1 0\n0 0 0 1\n");
    let err = fsl(&bvals, &bvecs).unwrap_err();
    assert!(
        matches!(
            err,
            Error::CountMismatch {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{err:?}"
    );
    says(&err, &bvecs, "expected 3, found 4");
}

#[test]
fn malformed_tables_name_the_line() {
    let d = Dir::new();
    let bvals = d.file("t.bval", "0 1000\n");
    let ragged = d.file("ragged.bvec", "0 1\n0 0\n0\n");
    says(
        &fsl(&bvals, &ragged).unwrap_err(),
        &ragged,
        "ragged.bvec:3:",
    );
    let wide = d.file("wide.bvec", "0 1\n0 0\n");
    says(
        &fsl(&bvals, &wide).unwrap_err(),
        &wide,
        "3 rows or 3 columns",
    );
    let two_rows = d.file("two.bval", "0 1000\n0 1000\n");
    says(
        &fsl(&two_rows, &wide).unwrap_err(),
        &two_rows,
        "two.bval:1:",
    );
    let nan_dwi = d.file("nan.bvec", "nan 1\nnan 0\nnan 0\n");
    let bvals = d.file("u.bval", "1000 1000\n");
    says(
        &fsl(&bvals, &nan_dwi).unwrap_err(),
        &nan_dwi,
        "direction 0 is NaN",
    );
    for (name, text, part) in [
        (
            "noversion.scheme",
            "1 0 0 1e9\n",
            "noversion.scheme:1: expected a `VERSION",
        ),
        (
            "v9.scheme",
            "VERSION: 9\n1 0 0 1e9\n",
            "unsupported scheme version \"9\"",
        ),
        (
            "cols.scheme",
            "VERSION: BVECTOR\n1 0 0\n",
            "cols.scheme:2: 3 values",
        ),
        (
            "bare.scheme",
            "# c\nVERSION: STEJSKALTANNER\n",
            "bare.scheme:2: no measurements",
        ),
    ] {
        let path = d.file(name, text);
        let err = read_camino_scheme(
            &path,
            BValueUnit::SecondsPerSquareMeter,
            &Default::default(),
        );
        says(&err.unwrap_err(), &path, part);
    }
}

#[test]
fn json_errors_carry_the_parser_position() {
    let d = Dir::new();
    let broken = d.file("broken.json", "{\"bvalues_si\": [0, 1e9,]}");
    let err = read_json_scheme(&broken, &Default::default()).unwrap_err();
    assert!(matches!(err, Error::Json { .. }));
    says(&err, &broken, "line 1 column");
    let typo = d.file(
        "typo.json",
        r#"{"bvalues_si": [0], "gradient_directions": [[0,0,0]], "TE_s": 0.1}"#,
    );
    says(
        &read_json_scheme(&typo, &Default::default()).unwrap_err(),
        &typo,
        "unknown field `TE_s`",
    );
}

#[test]
fn garbage_and_two_file_headers_are_not_nifti() {
    let d = Dir::new();
    let garbage = d.file(
        "garbage.nii",
        b"this is not an image at all, just text\n".repeat(20),
    );
    let err = read_nifti(&garbage).unwrap_err();
    assert!(matches!(err, Error::NotNifti { .. }));
    says(&err, &garbage, "sizeof_hdr");
    let mut pair = valid_v1(vec![2, 2]);
    pair[344..348].copy_from_slice(b"ni1\0");
    let pair = d.file("pair.nii", pair);
    says(
        &read_nifti(&pair).unwrap_err(),
        &pair,
        "two-file (.hdr/.img)",
    );
    let mut magic = valid_v1(vec![2, 2]);
    magic[344..348].copy_from_slice(b"xyz\0");
    let magic = d.file("magic.nii", magic);
    says(&read_nifti(&magic).unwrap_err(), &magic, "magic");
}

#[test]
fn impossible_header_fields_are_refused() {
    let d = Dir::new();
    let set_i16 = |bytes: &mut Vec<u8>, off: usize, v: i16| {
        bytes[off..off + 2].copy_from_slice(&v.to_le_bytes());
    };
    let mut b = valid_v1(vec![2, 2]);
    set_i16(&mut b, 40, 0);
    let p = d.file("ndim.nii", &b);
    says(&read_nifti(&p).unwrap_err(), &p, "dim[0]: 0 dimensions");
    let mut b = valid_v1(vec![2, 2]);
    set_i16(&mut b, 44, -3);
    let p = d.file("negdim.nii", &b);
    says(&read_nifti(&p).unwrap_err(), &p, "dim[2]: -3");
    let mut b = valid_v1(vec![2, 2]);
    b[108..112].copy_from_slice(&100f32.to_le_bytes());
    let p = d.file("offset.nii", &b);
    says(&read_nifti(&p).unwrap_err(), &p, "vox_offset");
    // NIfTI-2 dims of 2^40 · 2^40 · 8 bytes overflow any address space.
    let h = NiftiHeader::new(NiftiVersion::Two, DataType::Float64);
    let mut b = encode_nifti(&NiftiImage::new(h, vec![1, 1], vec![0.0]).unwrap(), false).unwrap();
    b[24..32].copy_from_slice(&(1i64 << 40).to_le_bytes());
    b[32..40].copy_from_slice(&(1i64 << 40).to_le_bytes());
    let p = d.file("huge.nii", &b);
    let err = read_nifti(&p).unwrap_err();
    assert!(matches!(err, Error::BadHeader { .. }), "{err:?}");
    says(&err, &p, "more bytes than memory can address");
}

#[test]
fn truncated_files_say_what_is_missing() {
    let d = Dir::new();
    let whole = valid_v1(vec![4, 4, 4]);
    let p = d.file("short_header.nii", &whole[..200]);
    let err = read_nifti(&p).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Truncated {
                part: "header",
                expected: 348,
                found: 200,
                ..
            }
        ),
        "{err:?}"
    );
    let p = d.file("short_data.nii", &whole[..whole.len() - 3]);
    says(
        &read_nifti(&p).unwrap_err(),
        &p,
        "expected 128 bytes of voxel data, found 125",
    );
    // A 2^40-voxel header on a tiny file fails as truncated without allocating 8 TiB.
    let h = NiftiHeader::new(NiftiVersion::Two, DataType::Uint8);
    let mut b = encode_nifti(&NiftiImage::new(h, vec![1], vec![0.0]).unwrap(), false).unwrap();
    b[24..32].copy_from_slice(&(1i64 << 40).to_le_bytes());
    let p = d.file("liar.nii", &b);
    says(&read_nifti(&p).unwrap_err(), &p, "voxel data, found 1");
    let mut gz = std::fs::read(super::dipy_data("small_64D.nii.gz")).unwrap();
    gz.truncate(gz.len() / 2);
    let p = d.file("cut.nii.gz", &gz);
    says(&read_nifti(&p).unwrap_err(), &p, "cut.nii.gz");
}

#[test]
fn unsupported_datatypes_are_named_by_code() {
    let d = Dir::new();
    let mut b = valid_v1(vec![2]);
    b[70..72].copy_from_slice(&32i16.to_le_bytes()); // complex64
    let p = d.file("complex.nii", &b);
    let err = read_nifti(&p).unwrap_err();
    assert!(matches!(err, Error::UnsupportedDatatype { code: 32, .. }));
    says(&err, &p, "unsupported NIfTI datatype code 32");
}

#[test]
fn values_that_do_not_fit_are_refused_on_write() {
    let d = Dir::new();
    let p = d.0.path().join("overflow.nii");
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Int8);
    let img = NiftiImage::new(h, vec![3], vec![1.0, -128.0, 128.0]).unwrap();
    let err = write_nifti(&p, &img).unwrap_err();
    assert!(
        matches!(err, Error::ValueOutOfRange { index: 2, .. }),
        "{err:?}"
    );
    says(
        &err,
        &p,
        "value 128 at voxel index 2 does not fit datatype int8",
    );
    assert!(!p.exists());
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    let img = NiftiImage::new(h, vec![40000], vec![0.0; 40000]).unwrap();
    let err = write_nifti(d.0.path().join("long.nii"), &img).unwrap_err();
    says(&err, Path::new("long.nii"), "write NIfTI-2");
}

#[test]
fn unwritable_places_are_write_errors() {
    let d = Dir::new();
    let p = d.0.path().join("no/such/dir/map.nii");
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    let img = NiftiImage::new(h, vec![1], vec![0.0]).unwrap();
    let err = write_nifti(&p, &img).unwrap_err();
    assert!(matches!(err, Error::Write { .. }));
    says(&err, &p, "cannot write");
}

#[test]
fn grids_and_volumes_must_match() {
    let d = Dir::new();
    let dwi = d.file("dwi.nii", valid_v1(vec![2, 2, 2, 3]));
    let bvals = d.file("g.bval", "0 1000\n");
    let bvecs = d.file("g.bvec", "0 1\n0 0\n0 0\n");
    let scheme = fsl(&bvals, &bvecs).unwrap();
    let err = read_dwi(&dwi, &scheme).unwrap_err();
    assert!(matches!(
        err,
        Error::SchemeMismatch {
            volumes: 3,
            measurements: 2,
            ..
        }
    ));
    says(&err, &dwi, "has 3 volumes");
    let img3d = read_nifti(d.file("vol.nii", valid_v1(vec![2, 2, 2]))).unwrap();
    assert!(check_matches_scheme(&img3d, &scheme, "vol.nii").is_err());
    let img = read_nifti(&dwi).unwrap();
    let err = NiftiImage::<f32>::like(&img, vec![2, 2], vec![0.0; 4]).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
}

#[test]
fn core_scheme_errors_are_wrapped_with_the_file() {
    let d = Dir::new();
    let bvals = d.file("ok.bval", "0 1000\n");
    let bvecs = d.file("long.bvec", "0 2\n0 0\n0 0\n");
    let err = fsl(&bvals, &bvecs).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Scheme {
                source: dmipy::Error::NonUnitDirection { index: 1, .. },
                ..
            }
        ),
        "{err:?}"
    );
    says(&err, &bvecs, "gradient direction 1 has norm 2");
    let neg = d.file("neg.bval", "0 -1000\n");
    let unit = d.file("unit.bvec", "0 1\n0 0\n0 0\n");
    says(&fsl(&neg, &unit).unwrap_err(), &neg, "negative");
    let json = d.file(
        "len.json",
        r#"{"bvalues_si": [0, 1e9], "gradient_directions": [[0,0,0]]}"#,
    );
    says(
        &read_json_scheme(&json, &Default::default()).unwrap_err(),
        &json,
        "expected 2 entries",
    );
}

#[test]
fn raw_reads_and_masks_name_the_file() {
    let d = Dir::new();
    let whole = valid_v1(vec![4, 4, 4]);
    let p = d.file("short_raw.nii", &whole[..whole.len() - 3]);
    let err = read_raw_nifti(&p).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err:?}");
    says(&err, &p, "expected 128 bytes of voxel data, found 125");
    // A 2^40-voxel header on a tiny file: truncated, without reserving 1 TiB.
    let h = NiftiHeader::new(NiftiVersion::Two, DataType::Uint8);
    let mut b = encode_nifti(&NiftiImage::new(h, vec![1], vec![0.0]).unwrap(), false).unwrap();
    b[24..32].copy_from_slice(&(1i64 << 40).to_le_bytes());
    let p = d.file("raw_liar.nii", &b);
    says(&read_raw_nifti(&p).unwrap_err(), &p, "voxel data, found 1");
    let missing = d.0.path().join("absent_raw.nii");
    says(
        &read_raw_nifti(&missing).unwrap_err(),
        &missing,
        "cannot read",
    );

    let dwi = d.file("raw_dwi.nii", valid_v1(vec![2, 2, 2, 3]));
    let raw = read_raw_nifti(&dwi).unwrap();
    let err = raw.gather::<f64>(&[true; 7]).unwrap_err();
    assert!(
        matches!(err, Error::MaskMismatch { mask: 7, .. }),
        "{err:?}"
    );
    says(
        &err,
        &dwi,
        "a mask of 7 voxels does not fit the image's grid [2, 2, 2]",
    );
    let mask = d.file("small_mask.nii", valid_v1(vec![2, 2, 1]));
    let err = read_mask(&mask, &[2, 2, 2]).unwrap_err();
    assert!(matches!(err, Error::MaskGrid { .. }), "{err:?}");
    says(
        &err,
        &mask,
        "has shape [2, 2, 1], but the image's grid is [2, 2, 2]",
    );
    let bvals = d.file("raw.bval", "0 1000\n");
    let bvecs = d.file("raw.bvec", "0 1\n0 0\n0 0\n");
    let scheme = fsl(&bvals, &bvecs).unwrap();
    let err = read_dwi_raw(&dwi, &scheme).unwrap_err();
    assert!(
        matches!(err, Error::SchemeMismatch { volumes: 3, .. }),
        "{err:?}"
    );
    says(&err, &dwi, "has 3 volumes");
}

#[test]
fn a_mask_file_selects_its_non_zero_voxels() {
    let d = Dir::new();
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    let values = vec![0.0, 1.0, -2.0, 0.0, f64::NAN, 0.0];
    let img = NiftiImage::new(h, vec![3, 2, 1], values).unwrap();
    let p = d.0.path().join("m.nii.gz");
    write_nifti(&p, &img).unwrap();
    let mask = read_mask(&p, &[3, 2, 1, 9]).unwrap();
    assert_eq!(mask, [false, true, true, false, true, false]);
}

#[test]
fn streamed_masked_reads_name_the_file() {
    let d = Dir::new();
    // 2 × 2 × 2 × 3 int16: 16 bytes per volume, 48 in all; cut inside the third volume.
    let whole = valid_v1(vec![2, 2, 2, 3]);
    let p = d.file("cut_masked.nii", &whole[..whole.len() - 5]);
    let err = read_masked::<f64>(&p, |_, _| Ok(vec![true; 8])).unwrap_err();
    says(&err, &p, "expected 48 bytes of voxel data, found 43");
    let p = d.file("cut_first.nii", &whole[..352 + 10]);
    let err = read_masked::<f64>(&p, |_, _| Ok(vec![true; 8])).unwrap_err();
    says(&err, &p, "expected 48 bytes of voxel data, found 10");
    let dwi = d.file("masked_dwi.nii", &whole);
    let err = read_masked::<f64>(&dwi, |_, _| Ok(vec![true; 5])).unwrap_err();
    assert!(
        matches!(err, Error::MaskMismatch { mask: 5, .. }),
        "{err:?}"
    );
    says(&err, &dwi, "a mask of 5 voxels");
    let bvals = d.file("m.bval", "0 1000\n");
    let bvecs = d.file("m.bvec", "0 1\n0 0\n0 0\n");
    let scheme = fsl(&bvals, &bvecs).unwrap();
    let err = read_dwi_masked(&dwi, &scheme, None).unwrap_err();
    assert!(
        matches!(err, Error::SchemeMismatch { volumes: 3, .. }),
        "{err:?}"
    );
    says(&err, &dwi, "has 3 volumes");
    let bvals = d.file("m3.bval", "0 1000 2000\n");
    let bvecs = d.file("m3.bvec", "0 1 0\n0 0 1\n0 0 0\n");
    let scheme = fsl(&bvals, &bvecs).unwrap();
    let mask = d.file("masked_mask.nii", valid_v1(vec![2, 2, 3]));
    let err = read_dwi_masked(&dwi, &scheme, Some(&mask)).unwrap_err();
    says(
        &err,
        &mask,
        "has shape [2, 2, 3], but the image's grid is [2, 2, 2]",
    );
    // valid_v1 fills every sample with 1: all 8 voxels, 3 volumes of ones.
    let all = read_dwi_masked(&dwi, &scheme, None).unwrap();
    assert_eq!((all.mask, all.data), (vec![true; 8], vec![1.0; 24]));
}
