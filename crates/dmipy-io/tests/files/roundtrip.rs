//! Write → read round trips for NIfTI-1/-2, `.nii`/`.nii.gz` and every datatype.

use dmipy_io::{
    ByteOrder, DataType, NiftiHeader, NiftiImage, NiftiVersion, SpatialUnit, TimeUnit, read_nifti,
    read_nifti_as, write_nifti,
};

/// A header with every field set to a value exactly representable in f32.
fn rich_header(version: NiftiVersion, datatype: DataType) -> NiftiHeader {
    let mut h = NiftiHeader::new(version, datatype);
    h.pixdim = [-1.0, 1.25, 2.5, 3.0, 0.75, 1.0, 1.0, 1.0];
    h.xyzt_units = 2 | 16;
    h.qform_code = 1;
    h.sform_code = 4;
    h.quatern = [0.5, -0.25, 0.125];
    h.qoffset = [-90.5, 126.25, -72.0];
    h.srow = [
        [-1.25, 0.0, 0.5, 90.0],
        [0.0, 2.5, 0.0, -126.0],
        [0.25, 0.0, 3.0, -72.0],
    ];
    h.dim_info = 0b0011_1001;
    h.intent_code = 1007;
    h.intent_p = [1.5, 2.0, -3.0];
    h.intent_name = "vector".into();
    h.slice_start = 1;
    h.slice_end = 3;
    h.slice_code = 2;
    h.slice_duration = 0.0625;
    h.cal_min = -2.0;
    h.cal_max = 250.0;
    h.toffset = 0.5;
    h.descrip = "dmipy-io round trip".into();
    h.aux_file = "aux.txt".into();
    h
}

/// Values that every datatype holds exactly: 0..n wrapped into [0, 100).
fn ramp(n: usize) -> Vec<f64> {
    (0..n).map(|v| (v % 100) as f64).collect()
}

#[test]
fn every_version_compression_and_datatype_round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let shape = vec![3, 4, 2, 5];
    for version in [NiftiVersion::One, NiftiVersion::Two] {
        for dt in DataType::ALL {
            for ext in ["nii", "nii.gz"] {
                let header = rich_header(version, dt);
                let image = NiftiImage::new(header.clone(), shape.clone(), ramp(120)).unwrap();
                let path = dir.path().join(format!("{version:?}_{}.{ext}", dt.name()));
                write_nifti(&path, &image).unwrap();
                let back = read_nifti(&path).unwrap();
                assert_eq!(back.shape(), image.shape(), "{path:?}");
                assert_eq!(back.data(), image.data(), "{path:?}");
                assert_eq!(back.header(), &header, "{path:?}");
                assert_eq!(back.header().sform_affine(), header.sform_affine());
                assert_eq!(back.header().qform_affine(), header.qform_affine());
                assert_eq!(back.header().voxel_sizes(), [1.25, 2.5, 3.0]);
                assert_eq!(back.header().spatial_unit(), Some(SpatialUnit::Millimeter));
                assert_eq!(back.header().time_unit(), Some(TimeUnit::Millisecond));
            }
        }
    }
}

#[test]
fn gzip_is_detected_from_the_content_and_files_differ_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let image = NiftiImage::new(
        rich_header(NiftiVersion::One, DataType::Int16),
        vec![10, 10, 10],
        ramp(1000),
    )
    .unwrap();
    let (plain, packed) = (dir.path().join("a.nii"), dir.path().join("a.nii.gz"));
    write_nifti(&plain, &image).unwrap();
    write_nifti(&packed, &image).unwrap();
    let plain_len = std::fs::metadata(&plain).unwrap().len();
    assert_eq!(plain_len, 352 + 2 * 1000);
    assert!(std::fs::metadata(&packed).unwrap().len() < plain_len);
    let renamed = dir.path().join("gzipped-without-suffix.nii");
    std::fs::rename(&packed, &renamed).unwrap();
    assert_eq!(read_nifti(&renamed).unwrap().data(), image.data());
}

#[test]
fn nifti2_keeps_f64_precision_that_nifti1_rounds_to_f32() {
    let dir = tempfile::tempdir().unwrap();
    let tenth = 0.1f64;
    for (version, expect) in [
        (NiftiVersion::Two, tenth),
        (NiftiVersion::One, f64::from(tenth as f32)),
    ] {
        let mut h = NiftiHeader::new(version, DataType::Float64);
        h.srow[0][3] = tenth;
        h.pixdim[1] = tenth;
        h.quatern = [tenth, 0.0, 0.0];
        let image = NiftiImage::new(h, vec![2], vec![tenth, -tenth]).unwrap();
        let path = dir.path().join("p.nii");
        write_nifti(&path, &image).unwrap();
        let back = read_nifti(&path).unwrap();
        assert_eq!(back.header().srow[0][3], expect, "{version:?}");
        assert_eq!(back.header().pixdim[1], expect, "{version:?}");
        assert_eq!(back.header().quatern[0], expect, "{version:?}");
        assert_eq!(
            back.data(),
            &[tenth, -tenth],
            "float64 data is exact in both"
        );
    }
}

#[test]
fn scaled_integers_store_the_inverse_and_read_back_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = NiftiHeader::new(NiftiVersion::One, DataType::Uint8);
    h.scl_slope = 0.5;
    h.scl_inter = -10.0;
    // Stored bytes are (v + 10) / 0.5: 0, 1, 20, 255.
    let values = vec![-10.0, -9.5, 0.0, 117.5];
    let image = NiftiImage::new(h, vec![4], values.clone()).unwrap();
    let path = dir.path().join("scaled.nii");
    write_nifti(&path, &image).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[352..], &[0, 1, 20, 255]);
    assert_eq!(read_nifti(&path).unwrap().data(), values.as_slice());
}

#[test]
fn big_endian_files_read_like_little_endian_ones() {
    // Build a big-endian NIfTI-1 by hand: swap every header field and the int16 data.
    let dir = tempfile::tempdir().unwrap();
    let mut h = NiftiHeader::new(NiftiVersion::One, DataType::Int16);
    h.srow[1] = [0.0, 2.0, 0.0, -5.5];
    let image = NiftiImage::new(h, vec![2, 2], vec![1.0, -2.0, 300.0, -32768.0]).unwrap();
    let little = dmipy_io::encode_nifti(&image, false).unwrap();
    let big = super::big_endian_v1(&little, 2);
    let path = dir.path().join("big.nii");
    std::fs::write(&path, &big).unwrap();
    let back = read_nifti(&path).unwrap();
    assert_eq!(back.header().byte_order, ByteOrder::Big);
    assert_eq!(back.data(), image.data());
    assert_eq!(back.header().srow[1], [0.0, 2.0, 0.0, -5.5]);
}

#[test]
fn f32_reading_rounds_once_from_the_scaled_f64_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = NiftiHeader::new(NiftiVersion::Two, DataType::Int32);
    h.scl_slope = 0.1;
    let image = NiftiImage::new(h, vec![3], vec![0.1 * 7.0, 0.1 * 123456789.0, 0.0]).unwrap();
    let path = dir.path().join("f32.nii");
    write_nifti(&path, &image).unwrap();
    let back = read_nifti_as::<f32>(&path).unwrap();
    assert_eq!(back.data(), &[0.7f32, 12345678.9f32, 0.0]);
}

#[test]
fn like_writes_a_map_on_the_grid_of_a_dwi() {
    let dir = tempfile::tempdir().unwrap();
    let dwi_path = super::dipy_data("small_64D.nii.gz");
    let dwi = read_nifti(&dwi_path).unwrap();
    let values: Vec<f32> = (0..1000).map(|v| v as f32 * 1e-3).collect();
    let map = NiftiImage::like(&dwi, vec![10, 10, 10], values.clone()).unwrap();
    let path = dir.path().join("fa.nii.gz");
    write_nifti(&path, &map).unwrap();
    let back = read_nifti_as::<f32>(&path).unwrap();
    assert_eq!(back.data(), values.as_slice());
    assert_eq!(back.header().datatype, DataType::Float32);
    assert_eq!(back.affine(), dwi.affine());
    assert_eq!(back.header().qform_affine(), dwi.header().qform_affine());
    assert_eq!(back.header().voxel_sizes(), dwi.header().voxel_sizes());
}

#[test]
fn writing_replaces_a_file_atomically_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.nii");
    let h = NiftiHeader::new(NiftiVersion::One, DataType::Uint8);
    let first = NiftiImage::new(h.clone(), vec![2], vec![1.0, 2.0]).unwrap();
    write_nifti(&path, &first).unwrap();
    // A failing write (300 does not fit uint8) must leave the old file intact.
    let bad = NiftiImage::new(h, vec![2], vec![3.0, 300.0]).unwrap();
    assert!(write_nifti(&path, &bad).is_err());
    assert_eq!(read_nifti(&path).unwrap().data(), &[1.0, 2.0]);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("map.nii")]);
    #[cfg(unix)]
    {
        // Like `File::create`: readable by others unless the umask says otherwise.
        use std::os::unix::fs::PermissionsExt;
        let reference = dir.path().join("reference");
        std::fs::File::create(&reference).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&path), mode(&reference));
    }
}
