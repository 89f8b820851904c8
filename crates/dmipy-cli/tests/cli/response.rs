//! `dmipy response`: MRtrix3 response files from a noise-free single-fibre phantom, equal to the core's Tournier 2013 response in MRtrix's convention.

use super::{dmipy, fails, ok};
use dmipy::{
    AcquisitionScheme, Compartment, G2Zeppelin, PulseTiming, SchemeOptions,
    TournierResponseOptions, tournier_2013,
};
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

const S0: f64 = 500.0;
const VOXELS: usize = 60;

fn hcp(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dmipy/data")
        .join(file)
}

fn scheme() -> AcquisitionScheme {
    dmipy_io::read_fsl_scheme(
        hcp("bvals_hcp_wu_minn.txt"),
        hcp("bvecs_hcp_wu_minn.txt"),
        PulseTiming::none(),
        &SchemeOptions::default(),
    )
    .unwrap()
}

/// S0 × a zeppelin (1.7e-9, 0.3e-9 m²/s) along a different axis in each voxel, voxel-major.
fn phantom(scheme: &AcquisitionScheme) -> Vec<f64> {
    let mut data = Vec::new();
    for v in 0..VOXELS {
        let (theta, phi) = (0.1 + 2.9 * v as f64 / VOXELS as f64, 0.7 * v as f64);
        let mut e = vec![0.0; scheme.len()];
        G2Zeppelin
            .signal(scheme, &[theta, phi, 1.7e-9, 0.3e-9], &mut e)
            .unwrap();
        data.extend(e.iter().map(|x| S0 * x));
    }
    data
}

fn write_dwi(dir: &Path, scheme: &AcquisitionScheme, data: &[f64]) -> PathBuf {
    let m = scheme.len();
    let mut volumes = vec![0.0; data.len()];
    for v in 0..VOXELS {
        for i in 0..m {
            volumes[i * VOXELS + v] = data[v * m + i];
        }
    }
    let image = NiftiImage::new(
        NiftiHeader::new(NiftiVersion::One, DataType::Float64),
        vec![VOXELS, 1, 1, m],
        volumes,
    )
    .unwrap();
    let path = dir.join("dwi.nii.gz");
    dmipy_io::write_nifti(&path, &image).unwrap();
    path
}

#[test]
fn tournier_response_files_follow_mrtrix_conventions() {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-response-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let scheme = scheme();
    let data = phantom(&scheme);
    let dwi = write_dwi(&dir, &scheme, &data);
    let out = dir.join("out");
    let (bvals, bvecs) = (hcp("bvals_hcp_wu_minn.txt"), hcp("bvecs_hcp_wu_minn.txt"));
    let args = [
        "response",
        "--dwi",
        dwi.to_str().unwrap(),
        "--bvals",
        bvals.to_str().unwrap(),
        "--bvecs",
        bvecs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    ok(dmipy(&args, ""));
    let text = std::fs::read_to_string(out.join("wm.txt")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# Shells: 0,1000,2000,3000"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split_whitespace().map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    // MRtrix's convention, S(θ) = Σ c_l Y_l0(θ) with orthonormal Y_l0: the b0 row is
    // c_0 = √(4π)·S0 (noise-free b0s are exactly S0) and nothing else.
    assert!(
        (rows[0][0] - (4.0 * PI).sqrt() * S0).abs() < 1e-6 * S0,
        "{:?}",
        rows[0]
    );
    assert!(rows[0][1..].iter().all(|c| c.abs() < 1e-9 * S0));
    // Every row is the core's response (same voxels, same selection) in that convention:
    // c_l = S0 λ_l √((2l+1)/4π), printed to 7 digits.
    let core = tournier_2013(
        &scheme,
        &data,
        &TournierResponseOptions {
            voxels: VOXELS.div_ceil(3),
            ..Default::default()
        },
    )
    .unwrap();
    for (row, lambda) in rows.iter().zip(&core.rotational_harmonics) {
        for (j, (&c, &l)) in row.iter().zip(lambda).enumerate() {
            let want = core.s0 * l * ((4 * j + 1) as f64 / (4.0 * PI)).sqrt();
            assert!(
                (c - want).abs() <= 1e-6 * want.abs().max(1e-3 * S0),
                "{c} vs {want}"
            );
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("response.json")).unwrap()).unwrap();
    assert_eq!(json["algorithm"], "tournier");
    // A DWI that does not exist is named in the error.
    let empty = dir.join("empty.nii.gz");
    let mut args = args.to_vec();
    args[2] = empty.to_str().unwrap();
    let err = fails(dmipy(&args, ""));
    assert!(err.contains("empty.nii.gz"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
