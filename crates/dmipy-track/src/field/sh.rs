//! `ShField`: SH-coefficient FODs on a grid, evaluated on a fixed hemisphere of directions.

use super::sh_basis::{ShBasis, real_sh_basis, sh_order_of_count};
use super::{Frame, PmfField};
use crate::{Error, Grid};
use dmipy::Scalar;

/// `n` nearly uniform unit directions on the upper hemisphere (z ≥ 0) by the Fibonacci lattice
/// (González 2010, Math. Geosci. 42:49, doi:10.1007/s11004-009-9257-x, eq. 2 restricted to
/// z = (i + ½)/n): z_i = (i + ½)/n, φ_i = 2πi/Φ² with Φ the golden ratio. Antipodes are implied.
pub fn hemisphere(n: usize) -> Vec<[f64; 3]> {
    let golden = (1.0 + 5f64.sqrt()) / 2.0;
    (0..n)
        .map(|i| {
            let z = (i as f64 + 0.5) / n as f64;
            let r = (1.0 - z * z).sqrt();
            let phi = 2.0 * std::f64::consts::PI * i as f64 / (golden * golden);
            [r * phi.cos(), r * phi.sin(), z]
        })
        .collect()
}

/// FODs as SH coefficients per voxel (any [`ShBasis`], even order ≤ 12). The amplitudes on the
/// sphere, f(u) = Σⱼ cⱼ Yⱼ(u), are computed from the trilinearly interpolated coefficients (equal
/// to interpolating the amplitudes, as DIPY's `SHCoeffPmfGen` does, since both are linear).
/// Sphere directions are world axes; for [`Frame::Voxel`] the basis is evaluated at the
/// direction expressed in voxel axes.
#[derive(Debug, Clone)]
pub struct ShField<D> {
    grid: Grid,
    count: usize,
    coefficients: Vec<D>,
    sphere: Vec<[f64; 3]>,
    matrix: Vec<f64>,
    /// Amplitudes on the sphere per voxel (voxel-major), when they fit in
    /// [`PRECOMPUTED_VALUES`]: then a step interpolates 8 × |sphere| amplitudes instead of
    /// evaluating |sphere| × C products (DIPY's `sh_to_pmf=True`; the same linear map).
    amplitudes: Option<Vec<D>>,
}

/// Largest voxels × sphere directions for which amplitudes are precomputed (512 MiB of f64).
const PRECOMPUTED_VALUES: usize = 1 << 26;

impl<D: Scalar> ShField<D> {
    /// A field from an X×Y×Z×C volume in file order (component slowest), on `sphere`
    /// (e.g. [`hemisphere`]`(362)`).
    pub fn from_volume(
        grid: Grid,
        volume: &[D],
        count: usize,
        basis: ShBasis,
        frame: Frame,
        sphere: Vec<[f64; 3]>,
    ) -> Result<Self, Error> {
        let order = sh_order_of_count(count)?;
        let n = grid.voxels();
        if volume.len() != n * count {
            return Err(Error::LengthMismatch {
                what: "SH volume values (voxels × coefficients)".into(),
                expected: n * count,
                found: volume.len(),
            });
        }
        let mut coefficients = vec![D::zero(); n * count];
        for v in 0..n {
            for c in 0..count {
                coefficients[v * count + c] = volume[v + n * c];
            }
        }
        let mut matrix = vec![0.0; sphere.len() * count];
        for (u, row) in sphere.iter().zip(matrix.chunks_mut(count)) {
            let d = match frame {
                Frame::World => *u,
                Frame::Voxel => grid.world_to_voxel_axes(u),
            };
            real_sh_basis(basis, order, &d, row)?;
        }
        let ns = sphere.len();
        let amplitudes = (n * ns <= PRECOMPUTED_VALUES).then(|| {
            let mut a = vec![D::zero(); n * ns];
            for (v, out) in a.chunks_mut(ns.max(1)).enumerate() {
                let c = &coefficients[v * count..(v + 1) * count];
                for (o, row) in out.iter_mut().zip(matrix.chunks(count)) {
                    *o = c
                        .iter()
                        .zip(row)
                        .fold(D::zero(), |acc, (&x, &y)| acc + x * y);
                }
            }
            a
        });
        Ok(Self {
            grid,
            count,
            coefficients,
            sphere,
            matrix,
            amplitudes,
        })
    }
}

impl<D: Scalar> PmfField<D> for ShField<D> {
    fn sphere(&self) -> &[[f64; 3]] {
        &self.sphere
    }

    fn pmf(&self, point: &[D; 3], out: &mut [D]) -> bool {
        let Some(corners) = self.grid.trilinear(point) else {
            return false;
        };
        if let Some(amplitudes) = &self.amplitudes {
            let ns = self.sphere.len();
            out.iter_mut().for_each(|o| *o = D::zero());
            for &(voxel, w) in &corners {
                for (o, &a) in out
                    .iter_mut()
                    .zip(&amplitudes[voxel * ns..(voxel + 1) * ns])
                {
                    *o += w * a;
                }
            }
            return true;
        }
        let mut c = vec![D::zero(); self.count];
        for &(voxel, w) in &corners {
            for (x, &v) in c.iter_mut().zip(&self.coefficients[voxel * self.count..]) {
                *x += w * v;
            }
        }
        for (o, row) in out.iter_mut().zip(self.matrix.chunks(self.count)) {
            *o = c
                .iter()
                .zip(row)
                .fold(D::zero(), |acc, (&a, &y)| acc + a * y);
        }
        true
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.grid.contains(point)
    }
}
