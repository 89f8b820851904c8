//! `dmipy fit`: a noise-free ball-and-stick phantom recovered exactly, DTI on real data against
//! DIPY's NLLS fit, and every input error reported before any map is written.

use super::{data, dmipy, fails, ok};
use dmipy::{
    AcquisitionScheme, C1Stick, Compartment, G1Ball, PulseTiming, SchemeOptions, unit_vector,
};
use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fresh, empty scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-fit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The HCP WU-Minn scheme files bundled with the core crate (288 measurements, 3 shells).
fn hcp(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../dmipy/data")
        .join(file)
}

fn read(path: &Path) -> NiftiImage<f64> {
    dmipy_io::read_nifti(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `dmipy fit` with `args` and the given output folder.
fn fit(args: &[&str], out: &Path) -> std::process::Output {
    let mut all = vec!["fit", "-q", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    dmipy(&all, "")
}

/// Files in `dir`, or none if it does not exist.
fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

// ---------------------------------------------------------------------------------------------
// Synthetic phantom: ball + stick, noise-free, HCP scheme.

/// Ground truth of one phantom voxel.
struct Truth {
    stick_fraction: f64,
    theta: f64,
    phi: f64,
    lambda_par: f64,
    lambda_iso: f64,
    s0: f64,
}

/// Ten fitted voxels (fractions 0.3–0.8, orientations from near a pole to the equator, both
/// diffusivities varied), then a voxel with NaN in one volume and an all-zero voxel.
fn truths() -> Vec<Truth> {
    (0..10)
        .map(|k| {
            let k = k as f64;
            Truth {
                stick_fraction: 0.3 + 0.05 * k,
                theta: 0.05 + 0.16 * k,
                phi: -3.0 + 0.63 * k,
                lambda_par: 1.5e-9 + 0.08e-9 * k,
                lambda_iso: 2.0e-9 + 0.1e-9 * k,
                s0: 800.0 + 50.0 * k,
            }
        })
        .collect()
}

/// The grid 3 × 2 × 2: voxels 0–9 fitted, 10 has a NaN volume, 11 is zero (outside the mask).
const GRID: [usize; 3] = [3, 2, 2];
const NAN_VOXEL: usize = 10;

/// An affine that is not the identity (voxel sizes 2, 2.5, 3 mm, a flip and an offset).
const AFFINE: dmipy_io::Affine = [
    [-2.0, 0.0, 0.0, 30.0],
    [0.0, 2.5, 0.0, -12.5],
    [0.0, 0.0, 3.0, 7.0],
    [0.0, 0.0, 0.0, 1.0],
];

fn hcp_scheme() -> AcquisitionScheme {
    dmipy_io::read_fsl_scheme(
        hcp("bvals_hcp_wu_minn.txt"),
        hcp("bvecs_hcp_wu_minn.txt"),
        PulseTiming::pgse(0.0106, 0.0431),
        &SchemeOptions::default(),
    )
    .unwrap()
}

/// S0 · ((1 − f) ball + f stick) from the core compartments' own `signal`.
fn phantom_signal(scheme: &AcquisitionScheme, t: &Truth) -> Vec<f64> {
    let m = scheme.len();
    let (mut stick, mut ball) = (vec![0.0; m], vec![0.0; m]);
    C1Stick
        .signal(scheme, &[t.theta, t.phi, t.lambda_par], &mut stick)
        .unwrap();
    G1Ball.signal(scheme, &[t.lambda_iso], &mut ball).unwrap();
    stick
        .iter()
        .zip(&ball)
        .map(|(s, b)| t.s0 * ((1.0 - t.stick_fraction) * b + t.stick_fraction * s))
        .collect()
}

/// Writes the phantom DWI (float64, volume slowest) into `dir`; returns its path.
fn write_phantom(dir: &Path) -> PathBuf {
    let scheme = hcp_scheme();
    let m = scheme.len();
    let n: usize = GRID.iter().product();
    let mut data = vec![0.0; n * m];
    for (v, t) in truths().iter().enumerate() {
        for (i, s) in phantom_signal(&scheme, t).into_iter().enumerate() {
            data[i * n + v] = s;
        }
    }
    let first = phantom_signal(&scheme, &truths()[0]);
    for (i, s) in first.into_iter().enumerate() {
        data[i * n + NAN_VOXEL] = if i == 5 { f64::NAN } else { s };
    }
    let mut header = NiftiHeader::new(NiftiVersion::One, DataType::Float64);
    header.set_sform(&AFFINE, 1);
    assert!(header.set_qform(&AFFINE, 1));
    let mut shape = GRID.to_vec();
    shape.push(m);
    let image = NiftiImage::new(header, shape, data).unwrap();
    let path = dir.join("dwi.nii.gz");
    dmipy_io::write_nifti(&path, &image).unwrap();
    path
}

fn phantom_args(dwi: &Path) -> Vec<String> {
    vec![
        "--dwi".into(),
        dwi.display().to_string(),
        "--bvals".into(),
        hcp("bvals_hcp_wu_minn.txt").display().to_string(),
        "--bvecs".into(),
        hcp("bvecs_hcp_wu_minn.txt").display().to_string(),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Voxel `v` of volume `c` of a map.
fn at(image: &NiftiImage<f64>, v: usize, c: usize) -> f64 {
    image.data()[c * image.voxels_per_volume() + v]
}

#[test]
fn ball_stick_phantom_is_recovered_exactly() {
    let dir = scratch("phantom");
    let dwi = write_phantom(&dir);
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    ok(fit(&strs(&args), &out));
    let map = |name: &str| read(&out.join(format!("{name}.nii.gz")));
    let (f_ball, f_stick) = (map("partial_volume_0"), map("partial_volume_1"));
    let (par, iso) = (map("C1Stick_1_lambda_par"), map("G1Ball_1_lambda_iso"));
    let (mu, vector, s0) = (map("C1Stick_1_mu"), map("C1Stick_1_mu_vector"), map("S0"));
    // Noise-free data: every value to 1e-5 relative (maps are float32, 6e-8).
    for (v, t) in truths().iter().enumerate() {
        let checks = [
            (at(&f_stick, v, 0), t.stick_fraction),
            (at(&f_ball, v, 0), 1.0 - t.stick_fraction),
            (at(&par, v, 0), t.lambda_par),
            (at(&iso, v, 0), t.lambda_iso),
            (at(&s0, v, 0), t.s0),
        ];
        for (k, (got, want)) in checks.into_iter().enumerate() {
            assert!(
                rel(got, want) <= 1e-5,
                "voxel {v}, value {k}: {got} vs {want}"
            );
        }
        // Orientation as an axis: n and −n are the same stick.
        let truth = unit_vector(t.theta, t.phi);
        let from_mu = unit_vector(at(&mu, v, 0), at(&mu, v, 1));
        let written = [0, 1, 2].map(|c| at(&vector, v, c));
        let norm = written.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(
            (norm - 1.0).abs() <= 1e-6,
            "voxel {v}: |mu_vector| = {norm}"
        );
        for n in [from_mu, written] {
            let cross = [
                n[1] * truth[2] - n[2] * truth[1],
                n[2] * truth[0] - n[0] * truth[2],
                n[0] * truth[1] - n[1] * truth[0],
            ];
            let sin = cross.iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!(sin <= 1e-5, "voxel {v}: axis off by {sin} rad");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn amico_maps_are_the_cores_amico_fit_with_the_flags_settings() {
    // The front end owns no logic: its maps are the core's AMICO fit of the same voxels with the
    // grid and weights of the flags (maps are float32: 1e-6 relative).
    let dir = scratch("amico");
    let dwi = write_phantom(&dir);
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    args.extend(
        [
            "--solver",
            "amico",
            "--amico-grid",
            "6",
            "--lambda-1",
            "0,1e-3",
        ]
        .map(String::from),
    );
    ok(fit(&strs(&args), &out));
    let scheme = hcp_scheme();
    let model = dmipy::MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let data: Vec<f64> = truths()
        .iter()
        .flat_map(|t| phantom_signal(&scheme, t))
        .collect();
    let options = dmipy::AmicoOptions {
        grid_points: 6,
        lambda_1: vec![0.0, 1e-3],
        ..Default::default()
    };
    let core =
        dmipy::fit_model_amico(&model, &scheme, &data, &options, &Default::default()).unwrap();
    for (name, card) in &core.names {
        let (column, _) = core.parameter(name).unwrap();
        let map = read(&out.join(format!("{name}.nii.gz")));
        for v in 0..truths().len() {
            for c in 0..*card {
                let (got, want) = (
                    at(&map, v, c),
                    core.parameters[v * core.width() + column + c],
                );
                assert!(rel(got, want) <= 1e-6, "{name} voxel {v}: {got} vs {want}");
            }
        }
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(report["options"]["solver"], "amico");
    assert_eq!(report["options"]["amico"]["grid_points"], 6);
    // Settings AMICO does not have are refused before anything is read.
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dir.join("absent.nii.gz")));
    args.extend(["--solver", "amico", "--uncertainties"].map(String::from));
    let err = fails(fit(&strs(&args), &dir.join("refused")));
    assert!(
        err.contains("--uncertainties is not available with --solver amico"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn mix_recovers_the_phantom_and_records_its_settings() {
    let dir = scratch("mix");
    let dwi = write_phantom(&dir);
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    args.extend(["--solver", "mix", "--maxiter", "60"].map(String::from));
    ok(fit(&strs(&args), &out));
    let (f_stick, par) = (
        read(&out.join("partial_volume_1.nii.gz")),
        read(&out.join("C1Stick_1_lambda_par.nii.gz")),
    );
    // Noise-free: the refinement from MIX's start reaches the truth (maps are float32).
    for (v, t) in truths().iter().enumerate() {
        assert!(
            rel(at(&f_stick, v, 0), t.stick_fraction) <= 1e-5,
            "voxel {v}"
        );
        assert!(rel(at(&par, v, 0), t.lambda_par) <= 1e-5, "voxel {v}");
    }
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    assert_eq!(report["options"]["solver"], "mix");
    assert_eq!(report["options"]["mix"]["maxiter"], 60);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn phantom_outputs_keep_the_grid_and_flag_every_voxel() {
    let dir = scratch("flags");
    let dwi = write_phantom(&dir);
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    ok(fit(&strs(&args), &out));
    for file in files_in(&out).iter().filter(|f| f.ends_with(".nii.gz")) {
        let image = read(&out.join(file));
        assert_eq!(image.header().affine(), AFFINE, "{file}");
        assert_eq!(&image.shape()[..3], GRID, "{file}");
    }
    assert_eq!(read(&out.join("C1Stick_1_mu_vector.nii.gz")).shape()[3], 3);
    let flags = read(&out.join("flags.nii.gz"));
    let mut want = vec![1.0; 10];
    want.extend([3.0, 0.0]);
    assert_eq!(
        flags.data(),
        want,
        "1 converged, 3 NaN data, 0 outside mask"
    );
    // Not fitted voxels are NaN in parameter maps, 0 outside the mask.
    let par = read(&out.join("C1Stick_1_lambda_par.nii.gz"));
    assert!(par.data()[NAN_VOXEL].is_nan() && par.data()[11] == 0.0);

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fit.json")).unwrap()).unwrap();
    let voxels = &json["voxels"];
    assert_eq!(voxels["in_mask"], 11);
    assert_eq!(voxels["fitted"], 10);
    assert_eq!(voxels["converged"], 10);
    assert_eq!(voxels["skipped_non_finite_data"], 1);
    assert_eq!(voxels["skipped_non_positive_b0"], 0);
    assert_eq!(json["scheme"]["measurements"], 288);
    let codes = json["flag_codes"].as_array().unwrap();
    assert_eq!(codes[3]["code"], 3);
    assert!(codes[3]["meaning"].as_str().unwrap().contains("NaN"));
    let maps = json["maps"].as_array().unwrap();
    let listed: Vec<&str> = maps.iter().map(|m| m["file"].as_str().unwrap()).collect();
    for file in listed.iter() {
        assert!(out.join(file).is_file(), "{file} listed but not written");
    }
    let mean_f = maps
        .iter()
        .find(|m| m["file"] == "partial_volume_1.nii.gz")
        .unwrap()["mean_in_fitted_voxels"]
        .as_f64()
        .unwrap();
    let truth = truths().iter().map(|t| t.stick_fraction).sum::<f64>() / 10.0;
    assert!(rel(mean_f, truth) <= 1e-5, "{mean_f} vs {truth}");
    // No leftover temporary or probe files.
    assert!(
        files_in(&out).iter().all(|f| !f.starts_with('.')),
        "{:?}",
        files_in(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// Errors: each one reported before any map is written.

#[test]
fn dwi_with_the_wrong_number_of_volumes_is_refused() {
    let dir = scratch("volumes");
    let out = dir.join("maps");
    let args = [
        "--model",
        "dti",
        "--dwi",
        data("small_64D.nii.gz").to_str().unwrap(),
        "--bvals",
        hcp("bvals_hcp_wu_minn.txt").to_str().unwrap(),
        "--bvecs",
        hcp("bvecs_hcp_wu_minn.txt").to_str().unwrap(),
    ]
    .map(String::from);
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("65") && err.contains("288"), "{err}");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn mask_on_another_grid_is_refused() {
    let dir = scratch("mask");
    let dwi = write_phantom(&dir);
    let mask = NiftiImage::new(
        NiftiHeader::new(NiftiVersion::One, DataType::Float32),
        vec![2, 2, 2],
        vec![1.0f32; 8],
    )
    .unwrap();
    let mask_path = dir.join("mask.nii.gz");
    dmipy_io::write_nifti(&mask_path, &mask).unwrap();
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    args.extend(["--mask".into(), mask_path.display().to_string()]);
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("mask") && err.contains("[3, 2, 2]"), "{err}");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn restricted_model_without_pulse_timing_fails_before_reading_images() {
    let dir = scratch("timing");
    let out = dir.join("maps");
    // The DWI does not exist: the timing error must come first.
    let mut args = vec!["--model".to_string(), "activeax".into()];
    args.extend(phantom_args(&dir.join("absent.nii.gz")));
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("delta"), "{err}");
    assert!(!err.contains("absent.nii.gz"), "{err}");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn output_folder_under_a_regular_file_is_refused() {
    let dir = scratch("unwritable");
    let dwi = write_phantom(&dir);
    let blocker = dir.join("plain-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let out = blocker.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("cannot create the output folder"), "{err}");
    assert_eq!(std::fs::read(&blocker).unwrap(), b"not a folder");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_model_lists_the_turnkey_names() {
    let dir = scratch("unknown");
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "noddy".into()];
    args.extend(phantom_args(&dir.join("absent.nii.gz")));
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("'noddy'"), "{err}");
    for name in ["ball_stick", "noddi_watson", "dti", "activeax"] {
        assert!(err.contains(name), "{name} missing from: {err}");
    }
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn empty_mask_leaves_the_prepared_folder_empty() {
    let dir = scratch("empty-mask");
    let dwi = write_phantom(&dir);
    let mut header = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
    header.set_sform(&AFFINE, 1);
    let mask = NiftiImage::new(header, GRID.to_vec(), vec![0.0f32; 12]).unwrap();
    let mask_path = dir.join("mask.nii.gz");
    dmipy_io::write_nifti(&mask_path, &mask).unwrap();
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    args.extend(["--mask".into(), mask_path.display().to_string()]);
    let err = fails(fit(&strs(&args), &out));
    assert!(err.contains("no voxel"), "{err}");
    assert!(out.is_dir(), "the folder was prepared before the check");
    assert!(files_in(&out).is_empty(), "{:?}", files_in(&out));
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------------
// DTI on real data against DIPY.

/// DIPY's NLLS DTI fit of data/dipy/small_64D (scripts/reference/dipy_dti.py).
const DIPY_FIXTURE: &str = include_str!("../fixtures/dipy_dti_small64d.json");

struct DipyVoxel {
    index: [usize; 3],
    fa: f64,
    md: f64,
    eigenvalues: [f64; 3],
}

fn dipy_voxels() -> Vec<DipyVoxel> {
    let json: Value = serde_json::from_str(DIPY_FIXTURE).unwrap();
    let f = |v: &Value| v.as_f64().unwrap();
    json["voxels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| DipyVoxel {
            index: [0, 1, 2].map(|k| v["index"][k].as_u64().unwrap() as usize),
            fa: f(&v["fa"]),
            md: f(&v["md"]),
            eigenvalues: [0, 1, 2].map(|k| f(&v["eigenvalues"][k])),
        })
        .collect()
}

/// Fits `dti --s0 fitted` on small_64D with `extra` flags; returns the output folder.
fn fit_small64d_dti(name: &str, extra: &[&str]) -> PathBuf {
    let out = scratch(name).join("maps");
    let mut args: Vec<String> = ["--model", "dti", "--s0", "fitted"]
        .map(String::from)
        .to_vec();
    for (flag, file) in [
        ("--dwi", "small_64D.nii.gz"),
        ("--bvals", "small_64D.bval"),
        ("--bvecs", "small_64D.bvec"),
    ] {
        args.extend([flag.to_string(), data(file).display().to_string()]);
    }
    args.extend(extra.iter().map(|e| e.to_string()));
    ok(fit(&strs(&args), &out));
    out
}

/// Largest relative FA/MD/AD/RD difference from DIPY in one voxel.
fn worst_difference(out: &Path) -> impl Fn(&DipyVoxel) -> f64 {
    let maps = ["FA", "MD", "AD", "RD"].map(|m| read(&out.join(format!("Tensor_1_{m}.nii.gz"))));
    move |v: &DipyVoxel| {
        let e = v.eigenvalues;
        let want = [v.fa, v.md, e[0], 0.5 * (e[1] + e[2])];
        maps.iter()
            .zip(want)
            .map(|(map, w)| rel(map.get(&v.index).unwrap(), w))
            .fold(0.0, f64::max)
    }
}

/// With 8 starts every fixture voxel (755: b0 > 0, DIPY converged, eigenvalues inside our
/// bounds) reaches DIPY's minimum: measured FA within 2.1e-5, MD 1.6e-6, AD 8.3e-6, RD 4.8e-6
/// (relative).
#[test]
fn dti_fa_md_ad_rd_match_dipy_nlls_with_eight_starts() {
    let voxels = dipy_voxels();
    assert_eq!(voxels.len(), 755);
    let out = fit_small64d_dti("dipy8", &["--starts", "8"]);
    let worst = worst_difference(&out);
    for v in &voxels {
        let d = worst(v);
        assert!(d <= 1e-3, "voxel {:?}: {d:.2e} from DIPY", v.index);
    }
    // The six-entry tensor volume (DIPY's lower-triangular order) has DIPY's eigenvalues.
    let tensor = read(&out.join("Tensor_1_tensor.nii.gz"));
    assert_eq!(tensor.shape()[3], 6);
    for v in &voxels {
        let [x, y, z] = v.index;
        let d: [f64; 6] = std::array::from_fn(|k| tensor.get(&[x, y, z, k]).unwrap());
        let found = dmipy::symmetric_eigenvalues(&dmipy::tensor_from_lower_triangular(&d));
        for (f, e) in found.iter().zip(v.eigenvalues) {
            assert!(
                rel(*f, e) <= 1e-3,
                "voxel {:?}: {found:?} vs {:?}",
                v.index,
                v.eigenvalues
            );
        }
    }
    std::fs::remove_dir_all(out.parent().unwrap()).ok();
}

/// With one start (the default) too: ψ is an angle of period π, which the solver wraps instead of
/// stopping at a bound (when it was boxed into [0, π], 150 of these voxels stopped at the box).
#[test]
fn dti_single_start_matches_dipy_nlls() {
    let out = fit_small64d_dti("dipy1", &[]);
    let worst = worst_difference(&out);
    let voxels = dipy_voxels();
    let far: Vec<_> = voxels
        .iter()
        .filter(|v| worst(v) > 1e-3)
        .map(|v| v.index)
        .collect();
    assert!(
        far.is_empty(),
        "{} of {} voxels differ from DIPY by > 1e-3: {far:?}",
        far.len(),
        voxels.len()
    );
    std::fs::remove_dir_all(out.parent().unwrap()).ok();
}

#[test]
fn rician_noise_model_with_small_sigma_recovers_the_noise_free_truth() {
    let dir = scratch("rician");
    let dwi = write_phantom(&dir);
    let out = dir.join("maps");
    let mut args = vec!["--model".to_string(), "ball_stick".into()];
    args.extend(phantom_args(&dwi));
    args.extend([
        "--noise".into(),
        "rician".into(),
        "--sigma".into(),
        "1e-4".into(),
    ]);
    ok(fit(&strs(&args), &out));
    let f_stick = read(&out.join("partial_volume_1.nii.gz"));
    let par = read(&out.join("C1Stick_1_lambda_par.nii.gz"));
    // σ ≪ signal: the Rician optimum is the least-squares one, here the truth.
    for (v, t) in truths().iter().enumerate() {
        assert!(
            rel(at(&f_stick, v, 0), t.stick_fraction) <= 1e-4,
            "voxel {v}"
        );
        assert!(rel(at(&par, v, 0), t.lambda_par) <= 1e-4, "voxel {v}");
    }
    let json = std::fs::read_to_string(out.join("fit.json")).unwrap();
    assert!(
        json.contains("\"noise\": \"Rician\"") && json.contains("\"sigma\": 0.0001"),
        "{json}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
