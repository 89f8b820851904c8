//! `TensorField`: diffusion tensors (6 per voxel), followed along their principal eigenvector.

use super::{Frame, OrientationField, dot};
use crate::{Error, Grid};
use dmipy::{Scalar, principal_eigenvector, tensor_from_lower_triangular};

/// Six tensor components per voxel in DIPY's lower-triangular order
/// `[Dxx, Dxy, Dyy, Dxz, Dyz, Dzz]`; the components are interpolated trilinearly and the
/// principal eigenvector of the interpolated tensor ([`principal_eigenvector`], exact for duals)
/// is the axis, sign-aligned with the incoming direction (Basser et al. 2000,
/// doi:10.1002/1522-2594(200010)44:4<625::AID-MRM17>3.0.CO;2-O). For [`Frame::Voxel`] each
/// tensor is rotated once into world axes, D_w = R D Rᵀ with R the affine's normalised columns.
#[derive(Debug, Clone)]
pub struct TensorField<D> {
    grid: Grid,
    data: Vec<[D; 6]>,
}

impl<D: Scalar> TensorField<D> {
    /// A field from an X×Y×Z×6 volume in file order (first index fastest, component slowest).
    pub fn from_volume(grid: Grid, volume: &[D], frame: Frame) -> Result<Self, Error> {
        let n = grid.voxels();
        if volume.len() != 6 * n {
            return Err(Error::LengthMismatch {
                what: "tensor volume values (voxels × 6)".into(),
                expected: 6 * n,
                found: volume.len(),
            });
        }
        let r: [[f64; 3]; 3] = std::array::from_fn(|c| {
            let mut e = [0.0; 3];
            e[c] = 1.0;
            grid.voxel_axes_to_world(&e)
        }); // r[c] = world image of voxel axis c
        let data = (0..n)
            .map(|v| {
                let d: [D; 6] = std::array::from_fn(|c| volume[v + n * c]);
                if frame == Frame::World {
                    return d;
                }
                let t = tensor_from_lower_triangular(&d);
                let mut w = [[D::zero(); 3]; 3];
                for (i, row) in w.iter_mut().enumerate() {
                    for (j, x) in row.iter_mut().enumerate() {
                        for a in 0..3 {
                            for b in 0..3 {
                                *x += t[a][b] * (r[a][i] * r[b][j]);
                            }
                        }
                    }
                }
                [w[0][0], w[0][1], w[1][1], w[0][2], w[1][2], w[2][2]]
            })
            .collect();
        Ok(Self { grid, data })
    }

    fn tensor_at(&self, point: &[D; 3]) -> Option<[D; 6]> {
        let corners = self.grid.trilinear(point)?;
        let mut t = [D::zero(); 6];
        for &(voxel, w) in &corners {
            for (x, &d) in t.iter_mut().zip(&self.data[voxel]) {
                *x += w * d;
            }
        }
        Some(t)
    }
}

impl<D: Scalar> OrientationField<D> for TensorField<D> {
    fn axis(&self, point: &[D; 3], incoming: &[D; 3], cos_min: f64) -> Option<[D; 3]> {
        let t = self.tensor_at(point)?;
        let e = principal_eigenvector(&tensor_from_lower_triangular(&t))?;
        let c = dot(&e, incoming);
        if c.re().abs() < cos_min {
            return None;
        }
        let s = if c.re() < 0.0 { -1.0 } else { 1.0 };
        Some(e.map(|x| x * s))
    }

    fn seed_axes(&self, point: &[f64; 3]) -> Vec<[f64; 3]> {
        let Some(voxel) = self.grid.nearest(point) else {
            return Vec::new();
        };
        let d = self.data[voxel].map(|x| x.re());
        principal_eigenvector(&tensor_from_lower_triangular(&d))
            .into_iter()
            .collect()
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.grid.contains(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_axis_of_a_voxel_frame_tensor_on_a_flipped_grid() {
        // Tensor elongated along voxel axis j (Dyy largest); the grid maps j to world −z.
        let affine = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, -1.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let g = Grid::new([1, 1, 1], affine).unwrap();
        let vol = [0.3e-9, 0.0, 1.7e-9, 0.0, 0.0, 0.3e-9];
        let f = TensorField::from_volume(g.clone(), &vol, Frame::Voxel).unwrap();
        let a: [f64; 3] = f.axis(&[0.0; 3], &[0.0, 0.0, 1.0], 0.9).unwrap();
        assert!((a[2] - 1.0).abs() < 1e-12, "{a:?}");
        let f = TensorField::from_volume(g, &vol, Frame::World).unwrap();
        let a = f.seed_axes(&[0.0; 3])[0];
        assert!((a[1].abs() - 1.0).abs() < 1e-12, "{a:?}");
    }
}
