//! `dmipy track` end to end on a straight-bundle phantom stored with a flipped x axis.

use super::{dmipy, fails, ok};
use dmipy_io::{
    DataType, NiftiHeader, NiftiImage, NiftiVersion, read_tck, read_trk, read_trx, write_nifti,
};
use std::path::{Path, PathBuf};

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-track-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 10 × 3 × 3 voxels of 2 mm with the x axis flipped: voxel i is at world x = 20 − 2i.
fn header() -> NiftiHeader {
    let mut h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    h.srow = [
        [-2.0, 0.0, 0.0, 20.0],
        [0.0, 2.0, 0.0, -2.0],
        [0.0, 0.0, 2.0, -2.0],
    ];
    h.sform_code = 1;
    h
}

fn write(path: &Path, shape: Vec<usize>, data: Vec<f64>) {
    write_nifti(path, &NiftiImage::new(header(), shape, data).unwrap()).unwrap();
}

/// One peak per voxel along voxel axis i (world −x), in voxel axes.
fn phantom(dir: &Path) -> PathBuf {
    let n = 90;
    let mut data = vec![0.0; 3 * n];
    data[..n].fill(1.0);
    let p = dir.join("peaks.nii");
    write(&p, vec![10, 3, 3, 3], data);
    p
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn straight_bundle_spans_the_image_in_world_mm() {
    let dir = folder("straight");
    let peaks = phantom(&dir);
    let seeds = dir.join("seeds.txt");
    std::fs::write(&seeds, "# world mm\n10 0 0\n12.5 0.5 -0.5\n").unwrap();
    let out = dir.join("t.tck");
    let report = ok(dmipy(
        &[
            "track",
            "--peaks",
            &s(&peaks),
            "--frame",
            "voxel",
            "--seeds",
            &s(&seeds),
            "--step",
            "0.5",
            "--min-length",
            "0",
            "--quiet",
            "--out",
            &s(&out),
        ],
        "",
    ));
    assert!(report.contains("2 streamlines from 2 seeds"), "{report}");
    let t = read_tck(&out).unwrap();
    // The image spans world x ∈ [1, 21] mm (voxel −½ … 9½); steps of 0.5 mm from the seed at
    // x = 10 reach 1.0 and 21.0 exactly (18 and 22 steps), straight along x.
    let line = &t.streamlines[0];
    let xs: Vec<f32> = line.iter().map(|p| p[0]).collect();
    assert_eq!(line.len(), 41);
    assert!(
        (xs.iter().cloned().fold(f32::MAX, f32::min) - 1.0).abs() < 1e-5,
        "{xs:?}"
    );
    assert!((xs.iter().cloned().fold(f32::MIN, f32::max) - 21.0).abs() < 1e-5);
    assert!(line.iter().all(|p| p[1] == 0.0 && p[2] == 0.0));
    // The same run as .trk (nibabel-compatible voxmm) and .trx: the same world points back, and
    // the grid and per-streamline stop reasons both formats keep.
    for ext in ["trk", "trx"] {
        let file = dir.join(format!("t.{ext}"));
        ok(dmipy(
            &[
                "track",
                "--peaks",
                &s(&peaks),
                "--frame",
                "voxel",
                "--seeds",
                &s(&seeds),
                "--min-length",
                "0",
                "--quiet",
                "--out",
                &s(&file),
            ],
            "",
        ));
        let (back, reference) = if ext == "trk" {
            read_trk(&file).unwrap()
        } else {
            read_trx(&file).unwrap()
        };
        assert_eq!(reference.shape, [10, 3, 3]);
        assert_eq!(back.streamlines.len(), t.streamlines.len());
        for (a, b) in back
            .streamlines
            .iter()
            .flatten()
            .zip(t.streamlines.iter().flatten())
        {
            assert!((0..3).all(|k| (a[k] - b[k]).abs() < 1e-4), "{a:?} vs {b:?}");
        }
        let stops = &back
            .properties
            .iter()
            .find(|(n, _)| n == "stop_end")
            .unwrap()
            .1;
        assert_eq!(stops, &vec![3.0, 3.0], "both ends leave the image (code 3)");
    }
}

#[test]
fn bad_inputs_are_errors_naming_the_file_and_write_nothing() {
    let dir = folder("bad");
    let peaks = phantom(&dir);
    let seeds = dir.join("seeds.txt");
    std::fs::write(&seeds, "10 0 0\n40 0 0\n").unwrap();
    let out = dir.join("t.tck");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "track",
            "--peaks",
            peaks.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        fails(dmipy(&a, ""))
    };
    let err = run(&["--seeds", seeds.to_str().unwrap()]);
    assert!(
        err.contains("seeds.txt") && err.contains("seed 1") && err.contains("outside"),
        "{err}"
    );
    let err = run(&["--seeds", seeds.to_str().unwrap(), "--step", "0"]);
    assert!(err.contains("step"), "{err}");
    let mask = dir.join("mask.nii");
    write(&mask, vec![10, 3, 2], vec![1.0; 60]);
    let err = run(&["--seed-mask", mask.to_str().unwrap()]);
    assert!(
        err.contains("mask.nii") && err.contains("different grid"),
        "{err}"
    );
    let good = dir.join("good.txt");
    std::fs::write(&good, "10 0 0\n").unwrap();
    let fod = dir.join("fod.nii");
    write(&fod, vec![10, 3, 3, 7], vec![1.0; 630]);
    let err = fails(dmipy(
        &[
            "track",
            "--fod",
            fod.to_str().unwrap(),
            "--seeds",
            good.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    ));
    assert!(
        err.contains("fod.nii") && err.contains("7 SH coefficients"),
        "{err}"
    );
    assert!(!out.exists());
}
