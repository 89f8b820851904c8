//! The NIfTI qform: quaternion parameters ↔ rotation matrix, voxel sizes and the qfac sign.

/// A 4 × 4 affine, row major: `affine[r][c]`; world (mm) = affine · (i, j, k, 1).
pub type Affine = [[f64; 4]; 4];

/// The identity affine.
pub const IDENTITY: Affine = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

/// The qform affine ("method 2" of the NIfTI-1 standard, `nifti1.h`, 2004):
///
/// $$\begin{pmatrix}x\\y\\z\end{pmatrix} = R \begin{pmatrix}p_1 i\\ p_2 j\\ q\,p_3 k\end{pmatrix} +
///   \begin{pmatrix}o_x\\o_y\\o_z\end{pmatrix},\qquad
/// R = \begin{pmatrix}
///  a^2+b^2-c^2-d^2 & 2(bc-ad) & 2(bd+ac)\\
///  2(bc+ad) & a^2+c^2-b^2-d^2 & 2(cd-ab)\\
///  2(bd-ac) & 2(cd+ab) & a^2+d^2-b^2-c^2\end{pmatrix}$$
///
/// with a = √(1 − b² − c² − d²) (the unit quaternion's real part), p = `pixdim[1..=3]` (mm),
/// q = qfac = `pixdim[0]` (±1; anything else counts as +1) and o the qoffset (mm). When
/// b² + c² + d² > 1 (rounding in a stored file) the vector part is renormalised and a = 0, and a
/// non-positive voxel size counts as 1, both as the reference library `nifti1_io.c` does.
pub fn quaternion_to_affine(quatern: [f64; 3], qoffset: [f64; 3], pixdim: &[f64; 8]) -> Affine {
    let [mut b, mut c, mut d] = quatern;
    let norm2 = b * b + c * c + d * d;
    let a = if 1.0 - norm2 < 1e-7 {
        let s = if norm2 > 0.0 {
            norm2.sqrt().recip()
        } else {
            0.0
        };
        b *= s;
        c *= s;
        d *= s;
        0.0
    } else {
        (1.0 - norm2).sqrt()
    };
    let size = |p: f64| if p > 0.0 { p } else { 1.0 };
    let qfac = if pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let scale = [size(pixdim[1]), size(pixdim[2]), qfac * size(pixdim[3])];
    let r = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - b * b - c * c,
        ],
    ];
    let mut out = IDENTITY;
    for row in 0..3 {
        for col in 0..3 {
            out[row][col] = r[row][col] * scale[col];
        }
        out[row][3] = qoffset[row];
    }
    out
}

/// The qform parameters of an affine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Qform {
    /// Quaternion parameters b, c, d.
    pub quatern: [f64; 3],
    /// Translation (the affine's last column).
    pub qoffset: [f64; 3],
    /// Column norms of the 3 × 3 part (`pixdim[1..=3]`).
    pub voxel_sizes: [f64; 3],
    /// ±1 (`pixdim[0]`).
    pub qfac: f64,
}

/// The qform parameters of an affine.
///
/// The voxel sizes are the column norms of the 3 × 3 part; if the normalised matrix has a negative
/// determinant its third column is negated and qfac = −1. The quaternion of the rotation R follows
/// Shepperd's method (Shepperd 1978, J. Guidance and Control 1(3):223, doi:10.2514/3.55767):
/// a = ½√(1 + tr R), b = (R₃₂ − R₂₃)/(4a), c = (R₁₃ − R₃₁)/(4a), d = (R₂₁ − R₁₂)/(4a), switching to
/// the largest diagonal term when 1 + tr R is small, and a ≥ 0 by sign choice. A shear or a
/// singular matrix has no exact qform: the result is that of the column-normalised matrix, and the
/// sform must carry the exact affine. Returns `None` when a column is zero or not finite.
pub fn affine_to_quaternion(affine: &Affine) -> Option<Qform> {
    let mut r = [[0.0; 3]; 3];
    let mut sizes = [0.0; 3];
    for col in 0..3 {
        let n = (0..3)
            .map(|row| affine[row][col].powi(2))
            .sum::<f64>()
            .sqrt();
        if !(n.is_finite() && n > 0.0) {
            return None;
        }
        sizes[col] = n;
        for row in 0..3 {
            r[row][col] = affine[row][col] / n;
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 {
        for row in r.iter_mut() {
            row[2] = -row[2];
        }
        -1.0
    } else {
        1.0
    };
    let [a, b, c, d] = rotation_to_quaternion(&r);
    let (b, c, d) = if a < 0.0 { (-b, -c, -d) } else { (b, c, d) };
    let qoffset = [affine[0][3], affine[1][3], affine[2][3]];
    Some(Qform {
        quatern: [b, c, d],
        qoffset,
        voxel_sizes: sizes,
        qfac,
    })
}

/// Unit quaternion [a, b, c, d] of a rotation matrix (Shepperd's method, see above).
fn rotation_to_quaternion(r: &[[f64; 3]; 3]) -> [f64; 4] {
    let trace1 = 1.0 + r[0][0] + r[1][1] + r[2][2];
    if trace1 > 0.5 {
        let a = 0.5 * trace1.sqrt();
        let f = 0.25 / a;
        return [
            a,
            f * (r[2][1] - r[1][2]),
            f * (r[0][2] - r[2][0]),
            f * (r[1][0] - r[0][1]),
        ];
    }
    let xx = 1.0 + r[0][0] - r[1][1] - r[2][2];
    let yy = 1.0 + r[1][1] - r[0][0] - r[2][2];
    let zz = 1.0 + r[2][2] - r[0][0] - r[1][1];
    if xx >= yy && xx >= zz {
        let b = 0.5 * xx.max(0.0).sqrt();
        let f = 0.25 / b;
        [
            f * (r[2][1] - r[1][2]),
            b,
            f * (r[0][1] + r[1][0]),
            f * (r[0][2] + r[2][0]),
        ]
    } else if yy >= zz {
        let c = 0.5 * yy.max(0.0).sqrt();
        let f = 0.25 / c;
        [
            f * (r[0][2] - r[2][0]),
            f * (r[0][1] + r[1][0]),
            c,
            f * (r[1][2] + r[2][1]),
        ]
    } else {
        let d = 0.5 * zz.max(0.0).sqrt();
        let f = 0.25 / d;
        [
            f * (r[1][0] - r[0][1]),
            f * (r[0][2] + r[2][0]),
            f * (r[1][2] + r[2][1]),
            d,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &Affine, b: &Affine, tol: f64) -> bool {
        (0..4).all(|r| (0..4).all(|c| (a[r][c] - b[r][c]).abs() <= tol * (1.0 + b[r][c].abs())))
    }

    #[test]
    fn identity_quaternion_is_a_scaling() {
        let pixdim = [1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0];
        let a = quaternion_to_affine([0.0; 3], [5.0, 6.0, 7.0], &pixdim);
        let want = [
            [2.0, 0.0, 0.0, 5.0],
            [0.0, 3.0, 0.0, 6.0],
            [0.0, 0.0, 4.0, 7.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        assert!(close(&a, &want, 1e-15));
    }

    #[test]
    fn half_turn_about_z_is_quaternion_d_one() {
        // R = diag(-1, -1, 1) is a 180° turn about z: quaternion (0, 0, 0, 1).
        let affine = [
            [-2.0, 0.0, 0.0, 90.0],
            [0.0, -2.0, 0.0, 126.0],
            [0.0, 0.0, 2.0, -72.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let Qform {
            quatern: q,
            qoffset: off,
            voxel_sizes: sizes,
            qfac,
        } = affine_to_quaternion(&affine).unwrap();
        assert_eq!(q, [0.0, 0.0, 1.0]);
        assert_eq!(off, [90.0, 126.0, -72.0]);
        assert_eq!(sizes, [2.0, 2.0, 2.0]);
        assert_eq!(qfac, 1.0);
    }

    #[test]
    fn radiological_flip_gives_qfac_minus_one_and_round_trips() {
        // 30° about x, with the third axis flipped and anisotropic voxels.
        let (s, c) = (30f64.to_radians().sin(), 30f64.to_radians().cos());
        let affine = [
            [1.5, 0.0, 0.0, -10.0],
            [0.0, 2.0 * c, 3.0 * s, 20.0],
            [0.0, 2.0 * s, -3.0 * c, 30.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let Qform {
            quatern: q,
            qoffset: off,
            voxel_sizes: sizes,
            qfac,
        } = affine_to_quaternion(&affine).unwrap();
        assert_eq!(qfac, -1.0);
        let pixdim = [qfac, sizes[0], sizes[1], sizes[2], 0.0, 0.0, 0.0, 0.0];
        assert!(close(
            &quaternion_to_affine(q, off, &pixdim),
            &affine,
            1e-14
        ));
    }

    #[test]
    fn near_half_turns_use_the_other_branches() {
        for axis in 0..3 {
            let mut affine = IDENTITY;
            for (k, row) in affine.iter_mut().enumerate().take(3) {
                if k != axis {
                    row[k] = -1.0;
                }
            }
            let Qform {
                quatern: q,
                qoffset: off,
                voxel_sizes: sizes,
                qfac,
            } = affine_to_quaternion(&affine).unwrap();
            let mut want = [0.0; 3];
            want[axis] = 1.0;
            assert_eq!(q, want, "axis {axis}");
            let pixdim = [qfac, sizes[0], sizes[1], sizes[2], 0.0, 0.0, 0.0, 0.0];
            assert!(close(
                &quaternion_to_affine(q, off, &pixdim),
                &affine,
                1e-15
            ));
        }
    }

    #[test]
    fn zero_column_has_no_qform() {
        let mut affine = IDENTITY;
        affine[1][1] = 0.0;
        assert!(affine_to_quaternion(&affine).is_none());
    }
}
