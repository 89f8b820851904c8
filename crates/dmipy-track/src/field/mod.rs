//! Fields: what the tracker follows. Orientation fields (peaks, tensors, analytic) give an axis;
//! PMF fields (SH FODs) give amplitudes on a sphere.

mod analytic;
mod peaks;
mod sh;
mod sh_basis;
mod tensor;

pub use analytic::HelixField;
pub use peaks::PeaksField;
pub use sh::{ShField, hemisphere};
pub use sh_basis::{ShBasis, real_sh_basis, sh_order_of_count};
pub use tensor::TensorField;

use dmipy::Scalar;

/// The direction frame of vectors stored in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frame {
    /// Components along the world (scanner RAS) axes, as MRtrix stores peaks, tensors and SH.
    #[default]
    World,
    /// Components along the voxel axes (i, j, k) of the grid, as DIPY's pipelines produce them.
    Voxel,
}

/// A field of fibre axes (no sign): peaks, tensors, analytic fields.
pub trait OrientationField<D: Scalar>: Sync {
    /// The unit fibre axis at `point` (world mm) that continues `incoming` (unit, world): at each
    /// interpolation corner the axis closest to `incoming` is taken, sign-aligned with it, and
    /// corners whose closest axis is beyond `cos_min` (cosine of the angle limit) are skipped.
    /// `None` when no axis qualifies (the angle stop) or outside the field.
    fn axis(&self, point: &[D; 3], incoming: &[D; 3], cos_min: f64) -> Option<[D; 3]>;
    /// The axes at a seed point (world, unit), strongest first; empty when there is none.
    fn seed_axes(&self, point: &[f64; 3]) -> Vec<[f64; 3]>;
    /// Whether the point lies inside the field's image.
    fn contains(&self, point: &[D; 3]) -> bool;
}

/// A field of amplitudes on a fixed sphere of directions (FODs).
pub trait PmfField<D: Scalar>: Sync {
    /// The unit directions (world axes) the amplitudes are given on; antipodal directions are
    /// implied (the functions are symmetric).
    fn sphere(&self) -> &[[f64; 3]];
    /// The interpolated amplitudes at `point` (world mm), one per sphere direction; `false`
    /// outside the field.
    fn pmf(&self, point: &[D; 3], out: &mut [D]) -> bool;
    /// The interpolated amplitudes at `point` of the sphere directions `indices` only (into
    /// `out`, one per index) and an upper bound of the largest amplitude over the whole sphere;
    /// `None` outside the field. The default evaluates the whole sphere (its bound is exact).
    fn pmf_subset(&self, point: &[D; 3], indices: &[usize], out: &mut [D]) -> Option<f64> {
        subset_of_whole_sphere(self, point, indices, out)
    }
    /// Whether the point lies inside the field's image.
    fn contains(&self, point: &[D; 3]) -> bool;
}

/// [`PmfField::pmf_subset`] by evaluating the whole sphere: the amplitudes picked from it and
/// its exact maximum (≥ 0).
pub(crate) fn subset_of_whole_sphere<D: Scalar, P: PmfField<D> + ?Sized>(
    field: &P,
    point: &[D; 3],
    indices: &[usize],
    out: &mut [D],
) -> Option<f64> {
    let mut all = vec![D::zero(); field.sphere().len()];
    if !field.pmf(point, &mut all) {
        return None;
    }
    for (o, &i) in out.iter_mut().zip(indices) {
        *o = all[i];
    }
    Some(all.iter().map(|a| a.re()).fold(0.0, f64::max))
}

/// Dot product.
pub(crate) fn dot<D: Scalar>(a: &[D; 3], b: &[D; 3]) -> D {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The vector scaled to unit length, `None` for the zero vector.
pub(crate) fn normalised<D: Scalar>(v: &[D; 3]) -> Option<[D; 3]> {
    let n2 = dot(v, v);
    if !(n2.re().is_finite() && n2.re() > 0.0) {
        return None;
    }
    let n = n2.sqrt();
    Some([v[0] / n, v[1] / n, v[2] / n])
}
