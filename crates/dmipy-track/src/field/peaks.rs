//! `PeaksField`: K fibre directions per voxel (an X×Y×Z×3K peaks volume) on a grid.

use super::{Frame, OrientationField, dot, normalised};
use crate::{Error, Grid};
use dmipy::Scalar;

/// K peaks per voxel, stored as 3K values per voxel (x₁ y₁ z₁ x₂ …, MRtrix's `sh2peaks` layout);
/// a peak's length is its weight and a zero vector means "no peak". Directions are kept in world
/// axes (converted once from voxel axes for [`Frame::Voxel`]).
///
/// Interpolation (after DIPY's `PeaksAndMetricsDirectionGetter` and MRtrix's `FACT` with
/// trilinear weights): at each of the 8 corners the peak closest to the incoming direction is
/// chosen (on the real part), its sign flipped to agree with the incoming direction; the chosen
/// unit axes are averaged with the trilinear weights and normalised. Signs are never interpolated.
/// The choice is made on the real part, so dual derivatives flow through the weights and the
/// chosen peaks' components, not through the choice.
#[derive(Debug, Clone)]
pub struct PeaksField<D> {
    grid: Grid,
    peaks: usize,
    data: Vec<D>,
}

impl<D: Scalar> PeaksField<D> {
    /// A field from voxel values in file order (first index fastest, then the 3K components as the
    /// slowest axis, as a NIfTI X×Y×Z×3K volume stores them).
    pub fn from_volume(
        grid: Grid,
        volume: &[D],
        components: usize,
        frame: Frame,
    ) -> Result<Self, Error> {
        if components == 0 || !components.is_multiple_of(3) {
            return Err(Error::LengthMismatch {
                what: "peaks volume 4th dimension (3 per peak)".into(),
                expected: 3 * components.div_ceil(3).max(1),
                found: components,
            });
        }
        let n = grid.voxels();
        if volume.len() != n * components {
            return Err(Error::LengthMismatch {
                what: "peaks volume values (voxels × 3K)".into(),
                expected: n * components,
                found: volume.len(),
            });
        }
        let mut data = vec![D::zero(); n * components];
        for v in 0..n {
            for c in 0..components {
                data[v * components + c] = volume[v + n * c];
            }
            if frame == Frame::Voxel {
                for k in 0..components / 3 {
                    let p = &mut data[v * components + 3 * k..v * components + 3 * k + 3];
                    let w = grid.voxel_axes_to_world(&[p[0].re(), p[1].re(), p[2].re()]);
                    let len = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
                    if len.re() > 0.0 {
                        for (x, y) in p.iter_mut().zip(w) {
                            *x = len * y;
                        }
                    }
                }
            }
        }
        Ok(Self {
            grid,
            peaks: components / 3,
            data,
        })
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    fn peak(&self, voxel: usize, k: usize) -> [D; 3] {
        let o = (voxel * self.peaks + k) * 3;
        [self.data[o], self.data[o + 1], self.data[o + 2]]
    }

    /// The peak of a voxel closest to `incoming`, unit and sign-aligned, with its |cosine|.
    fn closest(&self, voxel: usize, incoming: &[D; 3]) -> Option<([D; 3], f64)> {
        let mut best: Option<([D; 3], f64)> = None;
        for k in 0..self.peaks {
            let Some(u) = normalised(&self.peak(voxel, k)) else {
                continue;
            };
            let c = dot(&u, incoming);
            if best.as_ref().is_none_or(|b| c.re().abs() > b.1) {
                let s = if c.re() < 0.0 { -1.0 } else { 1.0 };
                best = Some((u.map(|x| x * s), c.re().abs()));
            }
        }
        best
    }
}

impl<D: Scalar> OrientationField<D> for PeaksField<D> {
    fn axis(&self, point: &[D; 3], incoming: &[D; 3], cos_min: f64) -> Option<[D; 3]> {
        let corners = self.grid.trilinear(point)?;
        let mut sum = [D::zero(); 3];
        for &(voxel, w) in &corners {
            if w.re() == 0.0 {
                continue;
            }
            if let Some((u, c)) = self.closest(voxel, incoming)
                && c >= cos_min
            {
                for a in 0..3 {
                    sum[a] += w * u[a];
                }
            }
        }
        normalised(&sum)
    }

    fn seed_axes(&self, point: &[f64; 3]) -> Vec<[f64; 3]> {
        let Some(voxel) = self.grid.nearest(point) else {
            return Vec::new();
        };
        let mut axes: Vec<([f64; 3], f64)> = (0..self.peaks)
            .filter_map(|k| {
                let p = self.peak(voxel, k).map(|x| x.re());
                let len = dot(&p, &p).sqrt();
                (len > 0.0).then(|| (p.map(|x| x / len), len))
            })
            .collect();
        axes.sort_by(|a, b| b.1.total_cmp(&a.1));
        axes.into_iter().map(|(u, _)| u).collect()
    }

    fn contains(&self, point: &[D; 3]) -> bool {
        self.grid.contains(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Affine;

    const FLIP_X: Affine = [
        [-2.0, 0.0, 0.0, 10.0],
        [0.0, 2.0, 0.0, 0.0],
        [0.0, 0.0, 2.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ];

    #[test]
    fn closest_peak_is_chosen_and_sign_aligned() {
        // One voxel, two peaks: x (weight 2) and y (weight 1); coming along −y picks −y.
        let g = Grid::new([1, 1, 1], FLIP_X).unwrap();
        let vol = [2.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let f = PeaksField::from_volume(g.clone(), &vol, 6, Frame::World).unwrap();
        let p = [10.0, 0.0, 0.0];
        assert_eq!(f.axis(&p, &[0.0, -1.0, 0.0], 0.5), Some([0.0, -1.0, 0.0]));
        assert_eq!(f.seed_axes(&p), vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
        // Coming along z: both peaks are 90° away, beyond a 60° limit.
        assert_eq!(f.axis(&p, &[0.0, 0.0, 1.0], 0.5), None);
        // In voxel axes the first peak (+i) points to world −x on this flipped grid.
        let f = PeaksField::from_volume(g, &vol, 6, Frame::Voxel).unwrap();
        assert_eq!(f.seed_axes(&p)[0], [-1.0, 0.0, 0.0]);
    }
}
