//! `Grid`: a voxel grid with its 4 × 4 voxel-to-world affine, world ↔ voxel maps and trilinear weights.

use crate::Error;
use dmipy::Scalar;

/// A 4 × 4 affine, row major; world (mm) = affine · (i, j, k, 1), as NIfTI's sform/qform.
pub type Affine = [[f64; 4]; 4];

/// A voxel grid: shape (first index fastest) and voxel-to-world affine of any orientation
/// (flipped, oblique, anisotropic voxels). Voxel centres are at integer indices; a point belongs
/// to the image when its voxel coordinates lie in [−½, n − ½] along every axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    shape: [usize; 3],
    affine: Affine,
    inverse: [[f64; 4]; 3],
    axes: [[f64; 3]; 3],
}

/// Determinant of the 3 × 3 part.
fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

impl Grid {
    /// A grid; errors when the affine's 3 × 3 part is singular (relative determinant below 1e-12
    /// of the product of its column norms) or not finite.
    #[allow(clippy::needless_range_loop)] // matrix indices read as the formula
    pub fn new(shape: [usize; 3], affine: Affine) -> Result<Self, Error> {
        let m: [[f64; 3]; 3] = std::array::from_fn(|r| std::array::from_fn(|c| affine[r][c]));
        let det = det3(&m);
        let norms: [f64; 3] =
            std::array::from_fn(|c| (0..3).map(|r| m[r][c] * m[r][c]).sum::<f64>().sqrt());
        let scale = norms.iter().product::<f64>();
        if !(det.is_finite() && scale > 0.0 && det.abs() > 1e-12 * scale) || shape.contains(&0) {
            return Err(Error::NonInvertibleAffine { determinant: det });
        }
        // Inverse by the adjugate: (M⁻¹)ᵢⱼ = cof(M)ⱼᵢ / det M.
        let cof = |r: usize, c: usize| {
            let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
            let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
            m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
        };
        let mut inverse = [[0.0; 4]; 3];
        for i in 0..3 {
            for j in 0..3 {
                inverse[i][j] = cof(j, i) / det;
            }
            inverse[i][3] = -(0..3).map(|j| inverse[i][j] * affine[j][3]).sum::<f64>();
        }
        let axes = std::array::from_fn(|r| std::array::from_fn(|c| m[r][c] / norms[c]));
        Ok(Self {
            shape,
            affine,
            inverse,
            axes,
        })
    }

    /// The shape.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// The voxel-to-world affine.
    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    /// Number of voxels.
    pub fn voxels(&self) -> usize {
        self.shape.iter().product()
    }

    /// Voxel coordinates of a world point (mm): the inverse affine applied.
    pub fn to_voxel<D: Scalar>(&self, p: &[D; 3]) -> [D; 3] {
        std::array::from_fn(|r| {
            p[0] * self.inverse[r][0]
                + p[1] * self.inverse[r][1]
                + p[2] * self.inverse[r][2]
                + self.inverse[r][3]
        })
    }

    /// World coordinates (mm) of voxel coordinates.
    pub fn to_world<D: Scalar>(&self, v: &[D; 3]) -> [D; 3] {
        let a = &self.affine;
        std::array::from_fn(|r| v[0] * a[r][0] + v[1] * a[r][1] + v[2] * a[r][2] + a[r][3])
    }

    /// A direction given in voxel axes (i, j, k) expressed in world axes: the affine's columns
    /// normalised (rotation and flips, no voxel-size scaling) applied, then normalised. This is
    /// `--frame voxel`: on a grid with a flipped axis, reading voxel-axis vectors as world
    /// vectors would mirror the bundles.
    pub fn voxel_axes_to_world(&self, v: &[f64; 3]) -> [f64; 3] {
        let w: [f64; 3] = std::array::from_fn(|r| (0..3).map(|c| self.axes[r][c] * v[c]).sum());
        let n = (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]).sqrt();
        if n > 0.0 { w.map(|x| x / n) } else { w }
    }

    /// The inverse of [`Grid::voxel_axes_to_world`] on unit vectors (for orthogonal axes it is the
    /// transpose; for sheared axes the general inverse is used).
    pub fn world_to_voxel_axes(&self, w: &[f64; 3]) -> [f64; 3] {
        let m = self.axes;
        let det = det3(&m);
        let cof = |r: usize, c: usize| {
            let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
            let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
            m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
        };
        let v: [f64; 3] =
            std::array::from_fn(|i| (0..3).map(|j| cof(j, i) * w[j]).sum::<f64>() / det);
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if n > 0.0 { v.map(|x| x / n) } else { v }
    }

    /// Whether a world point lies inside the image (voxel coordinates in [−½, n − ½]).
    pub fn contains<D: Scalar>(&self, p: &[D; 3]) -> bool {
        self.inside(&self.to_voxel(p))
    }

    /// Whether voxel coordinates lie in [−½, n − ½] on every axis (NaN does not).
    fn inside<D: Scalar>(&self, v: &[D; 3]) -> bool {
        (0..3).all(|a| {
            let x = v[a].re();
            x >= -0.5 && x <= self.shape[a] as f64 - 0.5
        })
    }

    /// The nearest voxel (flat index, first index fastest) of a world point inside the image.
    pub fn nearest(&self, p: &[f64; 3]) -> Option<usize> {
        let v = self.to_voxel(p);
        if !self.inside(&v) {
            return None;
        }
        // round() half away from zero, written as truncation: the same voxel for x ≥ 0 (x − ⌊x⌋
        // is exact there), and x < 0 is 0 either way; round() is a libm call without SSE4.1.
        let idx: [usize; 3] = std::array::from_fn(|a| {
            let x = v[a].max(0.0);
            let i = x as usize;
            (i + usize::from(x - i as f64 >= 0.5)).min(self.shape[a] - 1)
        });
        Some(self.flat(idx))
    }

    /// Flat index of a voxel.
    pub fn flat(&self, idx: [usize; 3]) -> usize {
        idx[0] + self.shape[0] * (idx[1] + self.shape[1] * idx[2])
    }

    /// Trilinear interpolation weights at a world point: the 8 corner voxels (flat indices) and
    /// their weights, which sum to one. Coordinates are clamped to the outermost voxel centres
    /// (so the half-voxel border repeats the edge values, and carries no derivative there).
    /// `None` outside the image.
    pub fn trilinear<D: Scalar>(&self, p: &[D; 3]) -> Option<[(usize, D); 8]> {
        let v = self.to_voxel(p);
        if !self.inside(&v) {
            return None;
        }
        let mut base = [0usize; 3];
        let mut frac = [D::zero(); 3];
        for a in 0..3 {
            let n = self.shape[a];
            if n == 1 {
                continue;
            }
            let x = v[a].re();
            // Truncation is ⌊x⌋ for x ≥ 0 (x is finite and ≥ −½ here), without a libm floor().
            let i0 = (x.max(0.0) as usize).min(n - 2);
            base[a] = i0;
            let t = v[a] - i0 as f64;
            frac[a] = if t.re() < 0.0 {
                D::zero()
            } else if t.re() > 1.0 {
                D::one()
            } else {
                t
            };
        }
        let mut out = [(0usize, D::zero()); 8];
        for (c, slot) in out.iter_mut().enumerate() {
            let mut w = D::one();
            let mut idx = base;
            for a in 0..3 {
                let upper = (c >> a) & 1 == 1;
                if upper && self.shape[a] > 1 {
                    idx[a] += 1;
                    w *= frac[a];
                } else if upper {
                    w = D::zero();
                } else {
                    w *= D::one() - frac[a];
                }
            }
            *slot = (self.flat(idx), w);
        }
        Some(out)
    }

    /// A scalar map (one value per voxel) interpolated trilinearly at a world point.
    pub fn interpolate<D: Scalar>(&self, map: &[f64], p: &[D; 3]) -> Option<D> {
        let corners = self.trilinear(p)?;
        Some(
            corners
                .iter()
                .fold(D::zero(), |acc, &(i, w)| acc + w * map[i]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oblique() -> Affine {
        let (s, c) = 20f64.to_radians().sin_cos();
        [
            [-2.0 * c, 0.0, 3.0 * s, 10.0],
            [2.0 * s, 1.5, 3.0 * c, -20.0],
            [0.0, 0.0, 0.0, 5.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    }

    #[test]
    fn world_and_voxel_round_trip_on_an_oblique_flipped_grid() {
        let mut a = oblique();
        a[2][1] = 0.3;
        a[2][2] = -1.0;
        let g = Grid::new([4, 5, 6], a).unwrap();
        let v = [1.25, -0.3, 4.5];
        let w: [f64; 3] = g.to_world(&v);
        let back: [f64; 3] = g.to_voxel(&w);
        for k in 0..3 {
            assert!((back[k] - v[k]).abs() < 1e-13);
        }
        let d = [0.3, -0.4, 0.866];
        let back = g.voxel_axes_to_world(&g.world_to_voxel_axes(&d));
        let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        for k in 0..3 {
            assert!((back[k] - d[k] / n).abs() < 1e-13);
        }
    }

    #[test]
    fn singular_affine_is_refused() {
        let a = oblique(); // third row zero: singular
        assert!(matches!(
            Grid::new([2, 2, 2], a),
            Err(Error::NonInvertibleAffine { .. })
        ));
    }

    #[test]
    fn trilinear_reproduces_a_linear_map() {
        // A map linear in the indices, f = 1 + 2i − j + 0.5k, is reproduced exactly inside.
        let mut a = oblique();
        a[2][2] = 2.0;
        let g = Grid::new([3, 4, 5], a).unwrap();
        let map: Vec<f64> = (0..60)
            .map(|n| {
                let (i, j, k) = (n % 3, (n / 3) % 4, n / 12);
                1.0 + 2.0 * i as f64 - j as f64 + 0.5 * k as f64
            })
            .collect();
        let v = [1.3, 2.7, 0.4];
        let got: f64 = g.interpolate(&map, &g.to_world(&v)).unwrap();
        assert!((got - (1.0 + 2.6 - 2.7 + 0.2)).abs() < 1e-12);
        assert!(
            g.interpolate(&map, &g.to_world(&[-0.6, 0.0, 0.0]))
                .is_none()
        );
    }
}
