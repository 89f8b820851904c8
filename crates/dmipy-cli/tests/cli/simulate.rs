//! `dmipy simulate`: free diffusion against exp(−bD) through the JSON and NIfTI outputs, the NIfTI
//! read back by `dmipy fit`, and substrate errors that name the field.

use super::{dmipy, fails, ok};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dmipy-cli-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const BVALUES: [f64; 5] = [0.0, 0.5e9, 1e9, 2e9, 3e9];

fn scheme_file(dir: &Path) -> String {
    let scheme = serde_json::json!({
        "bvalues_si": BVALUES,
        "gradient_directions": [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0.6, 0.8, 0]],
        "delta": 0.01,
        "Delta": 0.03,
    });
    write(dir, "scheme.json", &scheme.to_string())
}

#[test]
fn free_diffusion_signal_is_exp_minus_bd_in_json_and_nifti() {
    let dir = scratch("free");
    let substrate = write(
        &dir,
        "free.json",
        r#"{"kind": "free", "diffusivity": 2e-9}"#,
    );
    let scheme = scheme_file(&dir);
    let (out, nii) = (dir.join("sim.json"), dir.join("sim.nii.gz"));
    let args = [
        "simulate",
        "-q",
        "--substrate",
        &substrate,
        "--scheme",
        &scheme,
        "--walkers",
        "20000",
        "--steps",
        "100",
        "--seed",
        "3",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--nifti",
        nii.to_str().unwrap(),
    ];
    ok(dmipy(&args, ""));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["seed"], 3);
    assert_eq!(v["walkers"], 20000);
    let signal: Vec<f64> = serde_json::from_value(v["signal"].clone()).unwrap();
    let se: Vec<f64> = serde_json::from_value(v["std_error"].clone()).unwrap();
    let free: Vec<f64> =
        serde_json::from_value(v["signal_by_compartment"]["free"]["signal"].clone()).unwrap();
    assert_eq!(signal, free, "one compartment: total = compartment");
    // 3.5 SE per point: false-failure rate 4.7e-4 per point, < 0.2 % over the 4 non-b0 points.
    for ((s, e), b) in signal.iter().zip(&se).zip(BVALUES) {
        let want = (-b * 2e-9).exp();
        assert!((s - want).abs() <= 3.5 * e, "b = {b}: {s} ± {e} vs {want}");
    }
    let image = dmipy_io::read_nifti(&nii).unwrap();
    assert_eq!(image.shape(), &[1, 1, 1, 5]);
    assert_eq!(image.data(), &signal[..]);
    // `dmipy fit` reads the volume: a ball fit recovers D within the MC error (a few 1e-3).
    let maps = dir.join("maps");
    let fit = [
        "fit",
        "-q",
        "--model",
        "G1Ball",
        "--dwi",
        nii.to_str().unwrap(),
        "--scheme",
        &scheme,
        "--out",
        maps.to_str().unwrap(),
    ];
    ok(dmipy(&fit, ""));
    let d = dmipy_io::read_nifti(maps.join("G1Ball_1_lambda_iso.nii.gz"))
        .unwrap()
        .data()[0];
    assert!((d / 2e-9 - 1.0).abs() < 0.02, "fitted D = {d}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn same_seed_gives_the_same_json_on_one_and_two_threads() {
    let dir = scratch("threads");
    let substrate = write(
        &dir,
        "cyl.json",
        r#"{"kind": "cylinder", "radius": 3e-6, "axis": [1, 1, 0], "diffusivity": 2e-9}"#,
    );
    let scheme = scheme_file(&dir);
    let run = |threads: &str| {
        let args = [
            "simulate",
            "-q",
            "--substrate",
            &substrate,
            "--scheme",
            &scheme,
            "--walkers",
            "700",
            "--dt",
            "1e-4",
            "--threads",
            threads,
        ];
        let v: Value = serde_json::from_str(&ok(dmipy(&args, ""))).unwrap();
        v
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a["signal"], b["signal"]);
    assert_eq!(a["steps"], 400, "steps = ceil((Δ + δ)/dt)");
    let extra = fails(dmipy(
        &[
            "simulate",
            "-q",
            "--substrate",
            &substrate,
            "--scheme",
            &scheme,
            "--start",
            "extra",
        ],
        "",
    ));
    assert!(extra.contains("compartment `extra`"), "{extra}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn packing_walkers_start_in_the_compartment_asked_for() {
    // 40 cylinders of r = 1 µm at fraction 0.5; `--start intra` puts every walker inside.
    let dir = scratch("packing");
    let substrate = write(
        &dir,
        "pack.json",
        r#"{"kind": "cylinder_packing", "fraction": 0.5, "count": 40, "radius_shape": 1e6, "radius_scale": 1e-12, "diffusivity": 2e-9}"#,
    );
    let scheme = scheme_file(&dir);
    let run = |start: &str| {
        let args = [
            "simulate",
            "-q",
            "--substrate",
            &substrate,
            "--scheme",
            &scheme,
            "--walkers",
            "1000",
            "--steps",
            "50",
            "--start",
            start,
        ];
        serde_json::from_str::<Value>(&ok(dmipy(&args, ""))).unwrap()
    };
    let intra = run("intra");
    assert_eq!(intra["signal_by_compartment"]["intra"]["walkers"], 1000);
    assert_eq!(intra["signal_by_compartment"]["extra"]["walkers"], 0);
    // Uniform over the voxel: the intra count is Binomial(1000, 0.5), SD 15.8; 5 SD bounds it
    // (false-failure rate 6e-7).
    let all = run("everywhere");
    let n_intra = all["signal_by_compartment"]["intra"]["walkers"]
        .as_f64()
        .unwrap();
    assert!((n_intra - 500.0).abs() < 5.0 * 250f64.sqrt(), "{n_intra}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_mesh_substrate_is_read_beside_its_json_in_micrometres() {
    // A 2 µm cube (ASCII PLY in µm, scale 1e-6) in a periodic 4 µm voxel: 1/8 of the volume.
    let dir = scratch("mesh");
    let mut ply = String::from(
        "ply\nformat ascii 1.0\nelement vertex 8\nproperty float x\nproperty float y\n\
         property float z\nelement face 6\nproperty list uchar int vertex_indices\nend_header\n",
    );
    for k in 0..8 {
        ply += &format!(
            "{} {} {}\n",
            2 * (k & 1),
            2 * ((k >> 1) & 1),
            2 * ((k >> 2) & 1)
        );
    }
    for q in [
        "0 2 3 1", "4 5 7 6", "0 1 5 4", "2 6 7 3", "0 4 6 2", "1 3 7 5",
    ] {
        ply += &format!("4 {q}\n");
    }
    write(&dir, "cube.ply", &ply);
    let substrate = write(
        &dir,
        "mesh.json",
        r#"{"kind": "mesh", "file": "cube.ply", "scale": 1e-6, "diffusivity": 2e-9,
            "voxel": {"origin": [-1e-6, -1e-6, -1e-6], "size": [4e-6, 4e-6, 4e-6]}}"#,
    );
    let scheme = scheme_file(&dir);
    let args = [
        "simulate",
        "-q",
        "--substrate",
        &substrate,
        "--scheme",
        &scheme,
        "--walkers",
        "2000",
        "--steps",
        "20",
        "--start",
        "everywhere",
    ];
    let v: Value = serde_json::from_str(&ok(dmipy(&args, ""))).unwrap();
    // Binomial(2000, 1/8): SD 14.8; 5 SD (false-failure rate 6e-7).
    let n_intra = v["signal_by_compartment"]["intra"]["walkers"]
        .as_f64()
        .unwrap();
    assert!((n_intra - 250.0).abs() < 5.0 * 14.8, "{n_intra}");
    // A mesh file that is not a closed surface: the error names it.
    write(&dir, "cube.ply", &ply.replace("4 1 3 7 5\n", "3 1 3 7\n"));
    let err = fails(dmipy(&args, ""));
    assert!(err.contains("cube.ply") && err.contains("closed"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn derivatives_of_free_diffusion_are_minus_b_times_the_signal() {
    let dir = scratch("derivatives");
    let substrate = write(
        &dir,
        "free.json",
        r#"{"kind": "free", "diffusivity": 2e-9}"#,
    );
    let scheme = scheme_file(&dir);
    let out = dir.join("sim.json");
    let args = [
        "simulate",
        "-q",
        "--substrate",
        &substrate,
        "--scheme",
        &scheme,
        "--walkers",
        "20000",
        "--steps",
        "100",
        "--seed",
        "4",
        "--derivatives",
        "--out",
        out.to_str().unwrap(),
    ];
    ok(dmipy(&args, ""));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(v["d_signal_d_size"].is_null(), "free diffusion has no size");
    let d: Vec<f64> = serde_json::from_value(v["d_signal_d_diffusivity"].clone()).unwrap();
    let se: Vec<f64> =
        serde_json::from_value(v["d_signal_d_diffusivity_std_error"].clone()).unwrap();
    // ∂/∂D e^{−bD} = −b e^{−bD}; 3.5 SE per point (false-failure rate < 0.2 % over 4 points).
    for ((g, e), b) in d.iter().zip(&se).zip(BVALUES) {
        let want = -b * (-b * 2e-9).exp();
        assert!((g - want).abs() <= 3.5 * e, "b = {b}: {g} ± {e} vs {want}");
    }
    // A packing has no exact derivative: refused, naming the file.
    let packing = write(
        &dir,
        "packing.json",
        r#"{"kind": "cylinder_packing", "radii": [1e-6, 1.5e-6], "fraction": 0.3, "diffusivity": 2e-9}"#,
    );
    let err = fails(dmipy(
        &[
            "simulate",
            "-q",
            "--substrate",
            &packing,
            "--scheme",
            &scheme,
            "--derivatives",
        ],
        "",
    ));
    assert!(
        err.contains("packing.json") && err.contains("derivatives"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn substrate_errors_name_the_file_and_field() {
    let dir = scratch("errors");
    let scheme = scheme_file(&dir);
    for (text, field) in [
        (r#"{"kind": "torus", "diffusivity": 2e-9}"#, "`kind`"),
        (
            r#"{"kind": "sphere", "radius": -1e-6, "diffusivity": 2e-9}"#,
            "`radius`",
        ),
        (r#"{"kind": "cylinder", "radius": 1e-6}"#, "diffusivity"),
    ] {
        let substrate = write(&dir, "bad.json", text);
        let err = fails(dmipy(
            &[
                "simulate",
                "-q",
                "--substrate",
                &substrate,
                "--scheme",
                &scheme,
            ],
            "",
        ));
        assert!(
            err.contains(field) && err.contains("bad.json"),
            "{text}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
