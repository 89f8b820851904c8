//! Affine helpers: apply a voxel-to-world affine, invert it, and name its axis directions (RAS codes).

use crate::Affine;

/// world = A · (v, 1) for a 4 × 4 affine `a`.
pub fn apply_affine(a: &Affine, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|r| a[r][0] * v[0] + a[r][1] * v[1] + a[r][2] * v[2] + a[r][3])
}

/// The inverse of an affine whose last row is (0, 0, 0, 1), by the adjugate of its 3 × 3 part;
/// `None` when that part is singular (|det| ≤ 1e-12 × the product of its column norms) or not
/// finite.
#[allow(clippy::needless_range_loop)] // matrix indices read as the formula
pub fn invert_affine(a: &Affine) -> Option<Affine> {
    let m = |r: usize, c: usize| a[r][c];
    let cof = |r: usize, c: usize| {
        let (r1, r2, c1, c2) = ((r + 1) % 3, (r + 2) % 3, (c + 1) % 3, (c + 2) % 3);
        m(r1, c1) * m(r2, c2) - m(r1, c2) * m(r2, c1)
    };
    let det: f64 = (0..3).map(|c| m(0, c) * cof(0, c)).sum();
    let scale: f64 = (0..3)
        .map(|c| (0..3).map(|r| m(r, c).powi(2)).sum::<f64>().sqrt())
        .product();
    if !(det.is_finite() && det.abs() > 1e-12 * scale) {
        return None;
    }
    let mut inv = crate::IDENTITY;
    for i in 0..3 {
        for j in 0..3 {
            inv[i][j] = cof(j, i) / det;
        }
        inv[i][3] = -(0..3).map(|j| inv[i][j] * a[j][3]).sum::<f64>();
    }
    Some(inv)
}

/// The world direction each voxel axis points to most, as nibabel's `aff2axcodes` names it:
/// for column c the world axis with the largest |A[r][c]| and its sign, `R`/`L`, `A`/`P`, `S`/`I`.
pub fn axis_codes(a: &Affine) -> [u8; 3] {
    std::array::from_fn(|c| {
        let r = (0..3)
            .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
            .unwrap_or(c);
        let pos = a[r][c] >= 0.0;
        [[b'R', b'L'], [b'A', b'P'], [b'S', b'I']][r][usize::from(!pos)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_codes_of_a_flipped_oblique_affine() {
        let a = [
            [-2.0, 0.1, 0.0, 90.0],
            [0.0, 0.0, 2.5, -126.0],
            [0.2, -2.0, 0.0, 72.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let inv = invert_affine(&a).unwrap();
        let v = [3.0, -1.5, 7.25];
        let back = apply_affine(&inv, apply_affine(&a, v));
        for k in 0..3 {
            assert!((back[k] - v[k]).abs() < 1e-12);
        }
        assert_eq!(&axis_codes(&a), b"LIA");
        let mut singular = a;
        singular[2] = [0.0, 0.0, 0.0, 1.0];
        singular[1][2] = 0.0;
        assert!(invert_affine(&singular).is_none());
    }
}
