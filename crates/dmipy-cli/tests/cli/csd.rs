//! `dmipy fit --model csd`: a tiny single-fibre phantom, its FOD peaks on the fibres, and the files MRtrix and DIPY read.

use super::{dmipy, ok};
use dmipy::{AcquisitionScheme, C1Stick, Compartment, G2Zeppelin, PulseTiming, SchemeOptions};
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use std::path::PathBuf;

fn hcp(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dmipy/data")
        .join(file)
}

fn unit(theta: f64, phi: f64) -> [f64; 3] {
    [
        theta.sin() * phi.cos(),
        theta.sin() * phi.sin(),
        theta.cos(),
    ]
}

#[test]
fn csd_on_a_single_fibre_phantom_writes_peaks_on_the_fibres() {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-csd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let scheme: AcquisitionScheme = dmipy_io::read_fsl_scheme(
        hcp("bvals_hcp_wu_minn.txt"),
        hcp("bvecs_hcp_wu_minn.txt"),
        PulseTiming::pgse(0.0106, 0.0431),
        &SchemeOptions::default(),
    )
    .unwrap();
    // 3 × 2 × 2 voxels of 0.6 stick + 0.4 zeppelin, S0 = 500, each along its own direction.
    let (grid, m) = ([3usize, 2, 2], scheme.len());
    let n: usize = grid.iter().product();
    let truths: Vec<[f64; 2]> = (0..n)
        .map(|v| [0.2 + 0.12 * v as f64, -2.9 + 0.5 * v as f64])
        .collect();
    let mut data = vec![0.0; n * m];
    for (v, &[t, p]) in truths.iter().enumerate() {
        let (mut s, mut z) = (vec![0.0; m], vec![0.0; m]);
        C1Stick.signal(&scheme, &[t, p, 1.7e-9], &mut s).unwrap();
        G2Zeppelin
            .signal(&scheme, &[t, p, 1.7e-9, 0.6e-9], &mut z)
            .unwrap();
        for i in 0..m {
            data[i * n + v] = 500.0 * (0.6 * s[i] + 0.4 * z[i]);
        }
    }
    let mut header = NiftiHeader::new(NiftiVersion::One, DataType::Float64);
    header.set_sform(
        &[
            [2.0, 0.0, 0.0, 0.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ],
        1,
    );
    let mut shape = grid.to_vec();
    shape.push(m);
    let dwi = dir.join("dwi.nii.gz");
    dmipy_io::write_nifti(&dwi, &NiftiImage::new(header, shape, data).unwrap()).unwrap();
    let out = dir.join("maps");
    let text = ok(dmipy(
        &[
            "fit",
            "-q",
            "--model",
            "csd",
            "--dwi",
            dwi.to_str().unwrap(),
            "--bvals",
            hcp("bvals_hcp_wu_minn.txt").to_str().unwrap(),
            "--bvecs",
            hcp("bvecs_hcp_wu_minn.txt").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    ));
    assert!(text.contains("12 voxels"), "{text}");
    let read = |name: &str| -> NiftiImage<f64> { dmipy_io::read_nifti(out.join(name)).unwrap() };
    let fod = read("fod_sh.nii.gz");
    assert_eq!(fod.shape(), &[3, 2, 2, 45]);
    let peaks = read("peaks.nii.gz");
    assert_eq!(peaks.shape(), &[3, 2, 2, 9]);
    for (v, &[t, p]) in truths.iter().enumerate() {
        let d: Vec<f64> = (0..3).map(|a| peaks.data()[a * n + v]).collect();
        let norm = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let u = unit(t, p);
        let cos = (d[0] * u[0] + d[1] * u[1] + d[2] * u[2]).abs() / norm;
        // The response is estimated from these same voxels, so the peak is on the fibre up to
        // the float32 file and the positivity grid: 0.5°.
        assert!(
            cos.min(1.0).acos().to_degrees() < 0.5,
            "voxel {v}: {d:?} vs {u:?}"
        );
        // A single fibre has one peak: the second is NaN (MRtrix's layout).
        assert!(peaks.data()[3 * n + v].is_nan(), "voxel {v}");
        // The FOD's l = 0 coefficient (the same in both bases) integrates to the fibre fraction.
        let c00 = fod.data()[v];
        assert!(
            (c00 * 2.0 * std::f64::consts::PI.sqrt() - 1.0).abs() < 0.05,
            "voxel {v}: {c00}"
        );
    }
    let fraction = read("fraction_WM.nii.gz");
    assert!(
        (fraction.data()[0] - 1.0).abs() < 0.05,
        "{}",
        fraction.data()[0]
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("csd.json")).unwrap()).unwrap();
    assert_eq!(report["responses"][0]["name"], "WM");
}
