//! `ShField`: SH-coefficient FODs on a grid, evaluated on a fixed hemisphere of directions.

use super::sh_basis::{ShBasis, real_sh_basis, sh_order_of_count};
use super::{Frame, PmfField, subset_of_whole_sphere};
use crate::{Error, Grid};
use dmipy::Scalar;
use rayon::prelude::*;

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
    sphere: Vec<[f64; 3]>,
    values: Values<D>,
}

/// What a voxel stores.
#[derive(Debug, Clone)]
enum Values<D> {
    /// Amplitudes on the sphere (voxel-major), when voxels × directions ≤ [`PRECOMPUTED_VALUES`]:
    /// a step interpolates 8 × |sphere| amplitudes instead of evaluating |sphere| × C products
    /// (DIPY's `sh_to_pmf=True`; the same linear map), with each voxel's largest amplitude.
    Amplitudes {
        amplitudes: Vec<D>,
        maxima: Vec<f64>,
    },
    /// C coefficients (voxel-major) and the |sphere| × C basis matrix, for larger fields.
    Coefficients {
        count: usize,
        coefficients: Vec<D>,
        matrix: Vec<f64>,
    },
}

/// Largest voxels × sphere directions for which amplitudes are precomputed (512 MiB of f64).
const PRECOMPUTED_VALUES: usize = 1 << 26;

/// out = matrix · c, the amplitudes on the sphere of one coefficient vector.
fn project<D: Scalar>(matrix: &[f64], c: &[D], out: &mut [D]) {
    for (o, row) in out.iter_mut().zip(matrix.chunks(c.len())) {
        *o = c
            .iter()
            .zip(row)
            .fold(D::zero(), |acc, (&x, &y)| acc + x * y);
    }
}

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
        Self::with_precompute_limit(
            grid,
            volume,
            count,
            basis,
            frame,
            sphere,
            PRECOMPUTED_VALUES,
        )
    }

    /// [`from_volume`](Self::from_volume) with amplitudes precomputed when voxels × directions
    /// ≤ `limit`.
    fn with_precompute_limit(
        grid: Grid,
        volume: &[D],
        count: usize,
        basis: ShBasis,
        frame: Frame,
        sphere: Vec<[f64; 3]>,
        limit: usize,
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
        let values = if n * ns <= limit {
            // Voxels are independent: projected in parallel, the same numbers on any thread count.
            let mut a = vec![D::zero(); n * ns];
            (a.par_chunks_mut(ns.max(1)))
                .zip(coefficients.par_chunks(count))
                .for_each(|(out, c)| project(&matrix, c, out));
            let maxima = (a.chunks(ns.max(1)))
                .map(|v| v.iter().map(|x| x.re()).fold(0.0, f64::max))
                .collect();
            Values::Amplitudes {
                amplitudes: a,
                maxima,
            }
        } else {
            Values::Coefficients {
                count,
                coefficients,
                matrix,
            }
        };
        Ok(Self {
            grid,
            sphere,
            values,
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
        match &self.values {
            Values::Amplitudes { amplitudes, .. } => {
                let ns = self.sphere.len();
                out.iter_mut().for_each(|o| *o = D::zero());
                for &(voxel, w) in &corners {
                    let at = &amplitudes[voxel * ns..(voxel + 1) * ns];
                    for (o, &a) in out.iter_mut().zip(at) {
                        *o += w * a;
                    }
                }
            }
            Values::Coefficients {
                count,
                coefficients,
                matrix,
            } => {
                let mut c = vec![D::zero(); *count];
                for &(voxel, w) in &corners {
                    for (x, &v) in c.iter_mut().zip(&coefficients[voxel * count..]) {
                        *x += w * v;
                    }
                }
                project(matrix, &c, out);
            }
        }
        true
    }

    /// With precomputed amplitudes: only the asked directions are interpolated, and the bound
    /// is Σₖ wₖ maxᵤ aₖ(u) over the 8 corners, which bounds maxᵤ Σₖ wₖ aₖ(u) because the
    /// trilinear weights are ≥ 0.
    fn pmf_subset(&self, point: &[D; 3], indices: &[usize], out: &mut [D]) -> Option<f64> {
        let Values::Amplitudes { amplitudes, maxima } = &self.values else {
            return subset_of_whole_sphere(self, point, indices, out);
        };
        let corners = self.grid.trilinear(point)?;
        let ns = self.sphere.len();
        out.iter_mut().for_each(|o| *o = D::zero());
        let mut bound = 0.0;
        for &(voxel, w) in &corners {
            let at = &amplitudes[voxel * ns..(voxel + 1) * ns];
            for (o, &i) in out.iter_mut().zip(indices) {
                *o += w * at[i];
            }
            bound += w.re() * maxima[voxel];
        }
        Some(bound)
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.grid.contains(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precomputed_amplitudes_equal_the_per_step_projection() {
        let identity = [
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let grid = Grid::new([3, 2, 2], identity).unwrap();
        let n = 12;
        let volume: Vec<f64> = (0..n * 15)
            .map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0)
            .collect();
        let build = |limit| {
            ShField::with_precompute_limit(
                grid.clone(),
                &volume,
                15,
                ShBasis::Descoteaux07,
                Frame::World,
                hemisphere(50),
                limit,
            )
            .unwrap()
        };
        let (pre, per_step) = (build(usize::MAX), build(0));
        assert!(matches!(pre.values, Values::Amplitudes { .. }));
        assert!(matches!(per_step.values, Values::Coefficients { .. }));
        let (mut a, mut b) = (vec![0.0; 50], vec![0.0; 50]);
        let point = [0.7, 0.4, 0.9];
        assert!(pre.pmf(&point, &mut a) && per_step.pmf(&point, &mut b));
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
        }
        assert!(a.iter().any(|x| x.abs() > 0.1));
    }
}
