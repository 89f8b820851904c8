//! `dmipy info` on the bundled DIPY data; expected shells computed independently (see each test).

use super::{data, dmipy, fails, ok};

fn path(name: &str) -> String {
    data(name).display().to_string()
}

#[test]
fn small_64d_has_one_b0_and_one_shell_at_the_mean_b() {
    // numpy: b = np.loadtxt('small_64D.bval'); (b <= 10).sum() == 1; b[b > 10].mean() == 994.1926…
    let report = ok(dmipy(
        &[
            "info",
            "--dwi",
            &path("small_64D.nii.gz"),
            "--bvals",
            &path("small_64D.bval"),
            "--bvecs",
            &path("small_64D.bvec"),
        ],
        "",
    ));
    assert!(
        report.contains("measurements: 65 (1 b0, 64 diffusion-weighted)"),
        "{report}"
    );
    assert!(report.contains("shells: 2"), "{report}");
    assert!(report.contains("994.2      64"), "{report}");
    assert!(report.contains("shape: 10 x 10 x 10 x 65"), "{report}");
    assert!(
        report.contains("voxel size: 2.000 x 2.000 x 2.000"),
        "{report}"
    );
}

#[test]
fn small_101d_shells_match_dmipy() {
    // Dmipy 1.0.5, acquisition_scheme_from_bvalues(bvals * 1e6, bvecs, 0.0106, 0.0431,
    // b0_threshold=20e6): 14 shells, b = 15, 316.67, …, 4000.42 s/mm², counts 1, 3, 6, 4, 3, 12,
    // 12, 6, 15, 12, 12, 2, 2, 12.
    let report = ok(dmipy(
        &[
            "info",
            "--dwi",
            &path("small_101D.nii.gz"),
            "--bvals",
            &path("small_101D.bval"),
            "--bvecs",
            &path("small_101D.bvec"),
            "--delta",
            "0.0106",
            "--Delta",
            "0.0431",
            "--b0-threshold",
            "20",
        ],
        "",
    ));
    assert!(report.contains("shells: 14"), "{report}");
    let counts: Vec<usize> = report
        .lines()
        .filter(|l| l.contains("10.60       43.10"))
        .map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(counts, [1, 3, 6, 4, 3, 12, 12, 6, 15, 12, 12, 2, 2, 12]);
    assert!(
        report.contains("316.7") && report.contains("4000.4"),
        "{report}"
    );
    assert!(report.contains("shape: 6 x 10 x 10 x 102"), "{report}");
}

#[test]
fn dwi_that_does_not_match_the_scheme_is_an_error_naming_the_file() {
    let err = fails(dmipy(
        &[
            "info",
            "--dwi",
            &path("small_101D.nii.gz"),
            "--bvals",
            &path("small_64D.bval"),
            "--bvecs",
            &path("small_64D.bvec"),
        ],
        "",
    ));
    assert!(err.contains("small_101D.nii.gz"), "{err}");
    assert!(err.contains("102") && err.contains("65"), "{err}");
}

#[test]
fn missing_scheme_is_a_clear_error() {
    let err = fails(dmipy(&["info"], ""));
    assert!(err.contains("give --bvals and --bvecs"), "{err}");
}

#[test]
fn missing_file_is_named_once_with_the_reason() {
    let err = fails(dmipy(
        &["info", "--bvals", "nope.bval", "--bvecs", "nope.bvec"],
        "",
    ));
    assert!(err.contains("cannot read nope.bval"), "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}
