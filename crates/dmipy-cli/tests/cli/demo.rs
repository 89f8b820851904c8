//! `dmipy demo` runs with no input files and recovers its phantom's ground truth.

use super::{dmipy, ok};

#[test]
fn demo_fits_the_bundled_data_and_recovers_the_phantom() {
    let dir = std::env::temp_dir().join(format!("dmipy-demo-test-{}", std::process::id()));
    let out = ok(dmipy(
        &["demo", "--quiet", "--out", dir.to_str().unwrap()],
        "",
    ));
    assert!(out.contains("voxels: 1000 in mask, 1000 fitted"), "{out}");
    let errors: Vec<f64> = out
        .lines()
        .find(|l| l.starts_with("phantom truth vs written maps"))
        .expect("the phantom comparison is printed")
        .split("= ")
        .skip(1)
        .map(|s| s.split(',').next().unwrap().trim().parse().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{out}");
    // Noise-free data stored as float32: the fit recovers ODI and fraction to float32 precision.
    assert!(errors.iter().all(|&e| e < 1e-6), "{errors:?}");
    for file in [
        "dti/Tensor_1_lambda_1.nii.gz",
        "dti/fit.json",
        "noddi/SD1WatsonDistributed_1_SD1Watson_1_odi.png",
        "sample/draws.zarr/.zmetadata",
        "sample/draws.zarr/posterior/C1Stick_1_mu/.zarray",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    std::fs::remove_dir_all(&dir).ok();
}
