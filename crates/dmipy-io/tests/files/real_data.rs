//! The DIPY sample files read as nibabel 5.4.2 reads them.
//!
//! Every expected number below was printed by `scripts/io/nibabel_reference.py` (nibabel 5.4.2,
//! venv /work/venvs/io) from the files in `data/dipy/`; none comes from this crate.

use super::{close, dipy_data};
use dmipy::{PulseTiming, SchemeOptions};
use dmipy_io::{DataType, NiftiVersion, read_dwi, read_fsl_scheme, read_nifti, read_nifti_as};

fn assert_affine(got: &dmipy_io::Affine, want: &[[f64; 4]; 3], rel: f64) {
    for r in 0..3 {
        for c in 0..4 {
            assert!(
                close(got[r][c], want[r][c], rel),
                "affine[{r}][{c}] = {} but nibabel says {}",
                got[r][c],
                want[r][c]
            );
        }
    }
    assert_eq!(got[3], [0.0, 0.0, 0.0, 1.0]);
}

#[test]
fn small_64d_matches_nibabel() {
    let img = read_nifti(dipy_data("small_64D.nii.gz")).unwrap();
    let h = img.header();
    assert_eq!(img.shape(), &[10, 10, 10, 65]);
    assert_eq!(h.version, NiftiVersion::One);
    assert_eq!(h.datatype, DataType::Int16);
    assert_eq!(h.voxel_sizes(), [2.0, 2.0, 2.0]);
    assert_eq!((h.qform_code, h.sform_code, h.xyzt_units), (1, 1, 0));
    assert_eq!(
        h.quatern,
        [-0.7017606496810913, 0.7017606496810913, 0.08678711950778961]
    );
    assert_eq!(h.qoffset, [20.0, 25.170543670654297, 12.320494651794434]);
    let sform = [
        [0.0, -2.0, 0.0, 20.0],
        [
            -1.939743995666504,
            0.0,
            -0.487230509519577,
            25.170543670654297,
        ],
        [
            -0.48723000288009644,
            0.0,
            1.9397438764572144,
            12.320494651794434,
        ],
    ];
    assert_affine(&img.affine(), &sform, 0.0);
    // nibabel's qform differs from ours only by the f32 rounding of a = √(1 − b² − c² − d²).
    let qform = [
        [
            -5.421314686060441e-08,
            -1.9999999999999512,
            4.383679007583316e-07,
            20.0,
        ],
        [
            -1.9397440755266677,
            -5.421314686060441e-08,
            -0.48722984458999485,
            25.170543670654297,
        ],
        [
            -0.48722984458999485,
            4.383679007583316e-07,
            1.9397440755266189,
            12.320494651794434,
        ],
    ];
    assert_affine(&h.qform_affine(), &qform, 1e-12);
    for (index, want) in [
        ([0, 0, 0, 0], 89.0),
        ([5, 5, 5, 0], 140.0),
        ([5, 5, 5, 10], 75.0),
        ([9, 9, 9, 64], 151.0),
        ([3, 7, 2, 33], 57.0),
    ] {
        assert_eq!(img.get(&index), Some(want), "voxel {index:?}");
    }
    assert_eq!(img.data().iter().sum::<f64>(), 5967027.0);
    assert_eq!(img.data()[..1000].iter().sum::<f64>(), 378474.0);
}

#[test]
fn small_101d_matches_nibabel() {
    // The brief expected float32; nibabel and this reader both find uint16 (code 512).
    let img = read_nifti_as::<f32>(dipy_data("small_101D.nii.gz")).unwrap();
    let h = img.header();
    assert_eq!(img.shape(), &[6, 10, 10, 102]);
    assert_eq!(h.datatype, DataType::Uint16);
    assert_eq!(h.voxel_sizes(), [2.5, 2.5, 2.5]);
    assert_eq!(
        h.quatern,
        [
            -6.750214652129216e-06,
            0.9999687671661377,
            -0.000872973061632365
        ]
    );
    let sform = [
        [-2.4996914863586426, 0.0, -0.039267539978027344, 162.0],
        [
            -6.749997555743903e-05,
            2.4999961853027344,
            0.004364463966339827,
            180.0,
        ],
        [
            -0.03926748409867287,
            -0.004365002270787954,
            2.499687671661377,
            90.0,
        ],
    ];
    assert_affine(&img.affine(), &sform, 0.0);
    let qform = [
        [
            -2.499691486948658,
            5.364256649247957e-07,
            -0.039274292815001284,
            162.0,
        ],
        [
            -6.803646390288931e-05,
            2.4999961893623412,
            0.004364463863060513,
            180.0,
        ],
        [
            -0.03927423388744577,
            -0.004364994099037135,
            2.4996876767666536,
            90.0,
        ],
    ];
    assert_affine(&h.qform_affine(), &qform, 1e-12);
    for (index, want) in [
        ([0, 0, 0, 0], 408.0),
        ([3, 5, 5, 50], 59.0),
        ([5, 9, 9, 101], 33.0),
        ([2, 4, 6, 7], 157.0),
    ] {
        assert_eq!(img.get(&index), Some(want), "voxel {index:?}");
    }
    let sum: f64 = img.data().iter().map(|&v| f64::from(v)).sum();
    assert_eq!(sum, 4809847.0);
    let first: f64 = img.data()[..600].iter().map(|&v| f64::from(v)).sum();
    assert_eq!(first, 171288.0);
}

#[test]
fn dwis_read_with_their_fsl_schemes() {
    for (stem, n) in [("small_64D", 65), ("small_101D", 102)] {
        let scheme = read_fsl_scheme(
            dipy_data(&format!("{stem}.bval")),
            dipy_data(&format!("{stem}.bvec")),
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        assert_eq!(scheme.len(), n, "{stem}");
        let dwi = read_dwi(dipy_data(&format!("{stem}.nii.gz")), &scheme).unwrap();
        assert_eq!(dwi.volumes(), n);
    }
}

#[test]
#[allow(clippy::excessive_precision)] // literals copied verbatim from the files
fn fsl_values_are_converted_to_si_once() {
    // small_64D.bval starts "0.000000000000000000e+00 9.928797843126392308e+02 ...", and its
    // bvec (N×3, "nan nan nan" for the b0) has "4.163478118279527636e-03
    // 9.999827048187632794e-01 -4.153975602799726656e-03" on its second line.
    let scheme = read_fsl_scheme(
        dipy_data("small_64D.bval"),
        dipy_data("small_64D.bvec"),
        PulseTiming::none(),
        &SchemeOptions::default(),
    )
    .unwrap();
    assert_eq!(scheme.bvalues()[0], 0.0);
    assert!(close(scheme.bvalues()[1], 9.928797843126392308e+08, 1e-15));
    assert_eq!(scheme.directions()[0], [0.0, 0.0, 0.0]);
    assert!(scheme.b0_mask()[0] && !scheme.b0_mask()[1]);
    let d = scheme.directions()[1];
    let want = [
        4.163478118279527636e-03,
        9.999827048187632794e-01,
        -4.153975602799726656e-03,
    ];
    for k in 0..3 {
        assert!(close(d[k], want[k], 1e-12), "{d:?}");
    }
    // small_101D.bvec is 3×N; its first column is (0.51103121042251, 0.50123381614685,
    // -0.69829213619232) and its first b-value 15 s/mm².
    let scheme = read_fsl_scheme(
        dipy_data("small_101D.bval"),
        dipy_data("small_101D.bvec"),
        PulseTiming::none(),
        &SchemeOptions::default(),
    )
    .unwrap();
    assert_eq!(scheme.bvalues()[0], 15e6);
    let d = scheme.directions()[0];
    let raw = [0.51103121042251, 0.50123381614685, -0.69829213619232f64];
    // The core renormalises directions within 1e-3 of unit length.
    let norm = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
    for k in 0..3 {
        assert!(close(d[k], raw[k] / norm, 1e-14), "{d:?}");
    }
}
