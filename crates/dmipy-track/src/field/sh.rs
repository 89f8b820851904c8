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
    /// C coefficients (voxel-major) and the C × |sphere| basis matrix, for larger fields.
    Coefficients {
        count: usize,
        coefficients: Vec<D>,
        matrix: Vec<f64>,
    },
}

/// Largest voxels × sphere directions for which amplitudes are precomputed (512 MiB of f64).
const PRECOMPUTED_VALUES: usize = 1 << 26;

/// out = Bᵀc, the amplitudes on the sphere of one coefficient vector, from the C × |sphere| matrix
/// `basis` (row j: basis function j at every direction). Coefficient outermost, so the inner
/// loop runs over independent directions and vectorises; each amplitude still sums its terms in
/// coefficient order from zero, as a dot product per direction would.
fn project<D: Scalar>(basis: &[f64], c: &[D], out: &mut [D]) {
    out.fill(D::zero());
    for (&x, row) in c.iter().zip(basis.chunks(out.len().max(1))) {
        for (o, &y) in out.iter_mut().zip(row) {
            *o += x * y;
        }
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
        let ns = sphere.len();
        let mut matrix = vec![0.0; count * ns];
        let mut row = vec![0.0; count];
        for (i, u) in sphere.iter().enumerate() {
            let d = match frame {
                Frame::World => *u,
                Frame::Voxel => grid.world_to_voxel_axes(u),
            };
            real_sh_basis(basis, order, &d, &mut row)?;
            for (j, &y) in row.iter().enumerate() {
                matrix[j * ns + i] = y;
            }
        }
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

/// out[k] = Σ_c w_c a_c[i_k]: the amplitudes of the sphere directions `directions` interpolated
/// over the 8 corners.
/// Direction outermost, so that each sum stays in registers over the corners (in corner order:
/// the same sums as one pass per corner) instead of being stored and reloaded per corner.
fn interpolate<D: Scalar>(
    amplitudes: &[D],
    ns: usize,
    corners: &[(usize, D); 8],
    directions: impl IntoIterator<Item = usize>,
    out: &mut [D],
) {
    let rows = corners.map(|(voxel, _)| &amplitudes[voxel * ns..][..ns]);
    for (o, i) in out.iter_mut().zip(directions) {
        // One check instead of the 8 the compiler keeps (it does not see that the rows have one
        // length): they were 40 % of this loop's instructions, and this is the step's hot loop.
        assert!(i < ns, "sphere direction {i} of {ns}");
        *o = (rows.iter().zip(corners)).fold(D::zero(), |acc, (row, &(_, w))| {
            // SAFETY: every row has length ns (sliced above) and i < ns (asserted).
            acc + w * unsafe { *row.get_unchecked(i) }
        });
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
                let all = 0..self.sphere.len();
                interpolate(amplitudes, self.sphere.len(), &corners, all, out)
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
        let directions = indices.iter().copied();
        interpolate(amplitudes, self.sphere.len(), &corners, directions, out);
        Some((corners.iter()).fold(0.0, |acc, &(voxel, w)| acc + w.re() * maxima[voxel]))
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
