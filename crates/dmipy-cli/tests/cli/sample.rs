//! `dmipy sample` end to end on a tiny ball-and-stick volume: every map written, values near
//! the truth, a NaN voxel flagged, sample.json, and bad input refused before anything is written.

use super::{dmipy, fails, ok};
use dmipy::{MultiCompartmentModel, PulseTiming, SchemeOptions};
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-sample-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hcp(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dmipy/data")
        .join(file)
        .display()
        .to_string()
}

/// Public rows of the turnkey ball & stick (λ_iso, θ, φ, λ∥, f_ball, f_stick) of the three
/// sampled voxels; the fourth voxel holds a NaN.
const TRUTHS: [[f64; 6]; 3] = [
    [2.8e-9, 0.4, 1.0, 1.9e-9, 0.4, 0.6],
    [2.2e-9, 1.3, -2.0, 1.6e-9, 0.3, 0.7],
    [2.5e-9, 0.9, 0.3, 2.2e-9, 0.5, 0.5],
];

/// A 2 × 2 × 1 DWI on the HCP scheme, S0 = 1000, deterministic noise of SD ≈ 10 (SNR 100).
fn write_dwi(dir: &Path) -> PathBuf {
    let scheme = dmipy_io::read_fsl_scheme(
        hcp("bvals_hcp_wu_minn.txt"),
        hcp("bvecs_hcp_wu_minn.txt"),
        PulseTiming::pgse(0.0106, 0.0431),
        &SchemeOptions::default(),
    )
    .unwrap();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let n = 4;
    let mut data = vec![0.0; n * scheme.len()];
    let mut full = vec![0.0; m.full_len()];
    let mut s = vec![0.0; scheme.len()];
    let mut scratch = m.scratch(&scheme);
    for (v, row) in TRUTHS.iter().enumerate() {
        m.full_from_parameters(row, &mut full).unwrap();
        m.signal_with(&scheme, &full, &mut s, &mut scratch).unwrap();
        for (i, value) in s.iter().enumerate() {
            // A fixed pseudo-random sequence of SD ≈ 10 (√2 · sin has SD 1).
            let noise = 10.0 * 2f64.sqrt() * ((i * 7 + v * 13) as f64 * 1.618).sin();
            data[i * n + v] = 1000.0 * value + noise;
        }
    }
    for i in 0..scheme.len() {
        data[i * n + 3] = if i == 5 { f64::NAN } else { 1000.0 };
    }
    let header = NiftiHeader::new(NiftiVersion::One, DataType::Float64);
    let image = NiftiImage::new(header, vec![2, 2, 1, scheme.len()], data).unwrap();
    let path = dir.join("dwi.nii.gz");
    dmipy_io::write_nifti(&path, &image).unwrap();
    path
}

fn sample(dwi: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let (bvals, bvecs) = (hcp("bvals_hcp_wu_minn.txt"), hcp("bvecs_hcp_wu_minn.txt"));
    let mut args = vec![
        "sample",
        "-q",
        "--model",
        "ball_stick",
        "--dwi",
        dwi.to_str().unwrap(),
        "--bvals",
        &bvals,
        "--bvecs",
        &bvecs,
        "--out",
        out.to_str().unwrap(),
        "--chains",
        "2",
        "--warmup",
        "200",
        "--draws",
        "200",
    ];
    if !extra.iter().any(|a| a.starts_with("--sigma")) {
        args.extend(["--sigma", "0.01"]);
    }
    args.extend_from_slice(extra);
    dmipy(&args, "")
}

fn read(path: &Path) -> Vec<f64> {
    dmipy_io::read_nifti(path).unwrap().data().to_vec()
}

/// Every map is written; posterior means are within 5 posterior SDs (+1 % for the noise's
/// bias) of the truth; cone95 is a few degrees and the mean axis points at the truth; the NaN
/// voxel is flagged 2 and the others 1; sample.json records the options and counts.
#[test]
fn ball_stick_volume_is_sampled() {
    let dir = scratch("volume");
    let dwi = write_dwi(&dir);
    let out = dir.join("out");
    let text = ok(sample(&dwi, &out, &["--threads", "2"]));
    assert!(text.contains("sampled 3 of 4 voxels"), "{text}");
    for name in [
        "G1Ball_1_lambda_iso_mean",
        "G1Ball_1_lambda_iso_std",
        "G1Ball_1_lambda_iso_q05",
        "G1Ball_1_lambda_iso_q50",
        "G1Ball_1_lambda_iso_q95",
        "C1Stick_1_mu_mean_vector",
        "C1Stick_1_mu_cone95",
        "C1Stick_1_lambda_par_mean",
        "partial_volume_0_mean",
        "partial_volume_1_q95",
        "rhat",
        "ess_bulk",
        "ess_tail",
        "divergences",
        "flags",
        "sigma",
    ] {
        assert!(
            out.join(format!("{name}.nii.gz")).exists(),
            "{name} missing"
        );
    }
    let flags = read(&out.join("flags.nii.gz"));
    assert_eq!(flags, [1.0, 1.0, 1.0, 2.0]);
    for (file, column) in [
        ("G1Ball_1_lambda_iso", 0),
        ("C1Stick_1_lambda_par", 3),
        ("partial_volume_0", 4),
    ] {
        let mean = read(&out.join(format!("{file}_mean.nii.gz")));
        let sd = read(&out.join(format!("{file}_std.nii.gz")));
        let (q05, q95) = (
            read(&out.join(format!("{file}_q05.nii.gz"))),
            read(&out.join(format!("{file}_q95.nii.gz"))),
        );
        for (v, truth) in TRUTHS.iter().enumerate() {
            let t = truth[column];
            assert!(
                (mean[v] - t).abs() < 5.0 * sd[v] + 0.01 * t,
                "{file} voxel {v}: {} ± {} vs {t}",
                mean[v],
                sd[v]
            );
            assert!(q05[v] < mean[v] && mean[v] < q95[v]);
        }
    }
    let vectors = dmipy_io::read_nifti(out.join("C1Stick_1_mu_mean_vector.nii.gz")).unwrap();
    let cone = read(&out.join("C1Stick_1_mu_cone95.nii.gz"));
    for (v, truth) in TRUTHS.iter().enumerate() {
        let n = dmipy::unit_vector(truth[1], truth[2]);
        let a: Vec<f64> = (0..3).map(|c| vectors.data()[c * 4 + v]).collect();
        let angle = (a[0] * n[0] + a[1] * n[1] + a[2] * n[2])
            .abs()
            .min(1.0)
            .acos()
            .to_degrees();
        assert!(cone[v] > 0.1 && cone[v] < 15.0, "cone95 {}", cone[v]);
        // The truth is at most a few posterior spreads from the mean axis (the deterministic
        // noise biases it; a calibrated posterior puts it outside cone95 5 % of the time).
        assert!(
            angle < 2.0 * cone[v],
            "voxel {v}: axis {angle}° off, cone95 {}",
            cone[v]
        );
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sample.json")).unwrap()).unwrap();
    assert_eq!(report["options"]["chains"], 2);
    assert_eq!(report["options"]["seed"], 0);
    assert_eq!(report["voxels"]["sampled"], 3);
    assert_eq!(report["voxels"]["non_finite"], 1);
    assert_eq!(report["draws_file"], Value::Null);
    let out1 = dir.join("out1");
    let store = dir.join("draws.zarr");
    let store_arg = store.to_str().unwrap();
    ok(sample(
        &dwi,
        &out1,
        &["--threads", "1", "--save-draws", store_arg],
    ));
    // Same seed, one thread, sampled in draws-store blocks: the same numbers (bits; the NaN
    // voxel is NaN in both).
    let bits = |p: &Path| read(p).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    for name in ["C1Stick_1_lambda_par_mean", "C1Stick_1_mu_cone95", "rhat"] {
        let file = format!("{name}.nii.gz");
        assert_eq!(bits(&out.join(&file)), bits(&out1.join(&file)), "{name}");
    }
    // The store's draws (one chunk: chain × draw × voxel) average to the mean map.
    let chunk = std::fs::read(store.join("posterior/C1Stick_1_lambda_par/0.0.0")).unwrap();
    let draws: Vec<f64> = chunk
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(draws.len(), 2 * 200 * 4);
    let mean = read(&out.join("C1Stick_1_lambda_par_mean.nii.gz"));
    for v in 0..3 {
        let m = (0..400).map(|s| draws[s * 4 + v]).sum::<f64>() / 400.0;
        assert!(
            (m - mean[v]).abs() < 1e-6 * mean[v],
            "voxel {v}: {m} vs {}",
            mean[v]
        );
    }
    assert!(draws[3].is_nan(), "the flagged voxel has no draws");
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(store.join(".zmetadata")).unwrap()).unwrap();
    let attrs = &meta["metadata"]["posterior/C1Stick_1_lambda_par/.zattrs"];
    assert_eq!(
        attrs["_ARRAY_DIMENSIONS"],
        serde_json::json!(["chain", "draw", "voxel"])
    );
    assert_eq!(attrs["units"], "m^2/s");
    assert_eq!(meta["metadata"][".zattrs"]["options"]["draws"], 200);
    let j = std::fs::read(store.join("posterior/voxel_j/0")).unwrap();
    let j: Vec<i64> = j
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(
        j,
        [0, 0, 1, 1],
        "grid index j of the voxels of a 2 × 2 × 1 grid"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out1.join("sample.json")).unwrap()).unwrap();
    assert_eq!(report["draws_file"], store_arg);
    // An existing store is refused before sampling; nothing else is written.
    let out2 = dir.join("out2");
    let e = fails(sample(&dwi, &out2, &["--save-draws", store_arg]));
    assert!(e.contains("draws.zarr") && e.contains("exists"), "{e}");
    assert!(!out2.exists());
}

/// `--sigma sample` samples σ: `sigma_mean` is near the noise level of the data (SD 10 at S0
/// 1000, so 0.01: the residual posterior's mean, within its spread of 0.01/√(2·283) ≈ 4 %, and the
/// deterministic noise's own deviation from an SD of exactly 10), and sample.json says so.
#[test]
fn sigma_can_be_sampled() {
    let dir = scratch("sigma");
    let dwi = write_dwi(&dir);
    let out = dir.join("out");
    ok(sample(&dwi, &out, &["--sigma", "sample"]));
    let sigma = read(&out.join("sigma_mean.nii.gz"));
    for v in sigma.iter().take(3) {
        assert!((v / 0.01 - 1.0).abs() < 0.1, "σ {v}");
    }
    assert!(out.join("sigma_q95.nii.gz").exists());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sample.json")).unwrap()).unwrap();
    let said = report["options"]["sigma"].as_str().unwrap();
    assert!(said.starts_with("sampled, log-uniform"), "{said}");
}

/// Bad options and priors are refused before any image is read; nothing is written.
#[test]
fn bad_input_writes_nothing() {
    let dir = scratch("bad");
    let dwi = write_dwi(&dir);
    let out = dir.join("out");
    let e = fails(sample(&dwi, &out, &["--chains", "0"]));
    assert!(e.contains("chains"), "{e}");
    let e = fails(sample(&dwi, &out, &["--draws", "0"]));
    assert!(e.contains("draws"), "{e}");
    let e = fails(sample(&dwi, &out, &["--sigma=-1"]));
    assert!(e.contains("sigma"), "{e}");
    let e = fails(sample(&dwi, &out, &["--sigma", "some"]));
    assert!(e.contains("neither a number nor `sample`"), "{e}");
    let priors = dir.join("priors.json");
    std::fs::write(&priors, r#"{"C1Stick_1_lambda_par": {"beta": {"a": 1}}}"#).unwrap();
    let e = fails(sample(&dwi, &out, &["--priors", priors.to_str().unwrap()]));
    assert!(
        e.contains("unknown prior \"beta\"") && e.contains("priors.json"),
        "{e}"
    );
    std::fs::write(
        &priors,
        r#"{"C1Stick_1_lambda_par": {"normal": {"mean": 9e-9, "sd": 1e-10}}}"#,
    )
    .unwrap();
    let e = fails(sample(&dwi, &out, &["--priors", priors.to_str().unwrap()]));
    assert!(e.contains("outside the bounds"), "{e}");
    assert!(!out.exists(), "no output folder for refused input");
}
