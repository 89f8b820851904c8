//! `NiftiImage`: a header, a shape and voxel values in file (x-fastest) order.

use super::datatype::DataType;
use super::header::NiftiHeader;
use crate::Error;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type voxel values are read into: `f64` (default) or `f32`.
pub trait Sample:
    Copy + Send + Sync + PartialEq + std::fmt::Debug + sealed::Sealed + 'static
{
    /// The NIfTI datatype that stores this type without loss.
    const DATATYPE: DataType;
    /// Convert from f64 (rounding to nearest for f32).
    fn from_f64(v: f64) -> Self;
    /// Convert to f64 (exact).
    fn to_f64(self) -> f64;
}

impl Sample for f64 {
    const DATATYPE: DataType = DataType::Float64;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Sample for f32 {
    const DATATYPE: DataType = DataType::Float32;
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// An image: header, shape and voxel values with `scl_slope`/`scl_inter` already applied, in the
/// order of the file (first index fastest, "Fortran" order): the value at `(i, j, k, t)` is
/// `data[i + nx·(j + ny·(k + nz·t))]`.
///
/// The fields are private so that `data.len()` always equals the product of `shape`.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiImage<T: Sample = f64> {
    header: NiftiHeader,
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Sample> NiftiImage<T> {
    /// An image from its parts; the shape must have 1 to 7 non-zero dimensions whose product is
    /// `data.len()`.
    pub fn new(header: NiftiHeader, shape: Vec<usize>, data: Vec<T>) -> Result<Self, Error> {
        let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if !(1..=7).contains(&shape.len()) || shape.contains(&0) || count != Some(data.len()) {
            return Err(Error::ShapeMismatch {
                what: "number of values for the shape (1 to 7 non-zero dimensions)".into(),
                expected: shape,
                found: vec![data.len()],
            });
        }
        Ok(Self {
            header,
            shape,
            data,
        })
    }

    /// A new image on the grid of `reference` — same version, affine (sform and qform with their
    /// codes), voxel sizes, units and slice information — holding `data` of `shape`, stored as
    /// `T`'s datatype without scaling. The first three dimensions of `shape` must equal those of
    /// the reference (a parameter map of a DWI: `[nx, ny, nz]` or `[nx, ny, nz, k]`).
    pub fn like<U: Sample>(
        reference: &NiftiImage<U>,
        shape: Vec<usize>,
        data: Vec<T>,
    ) -> Result<Self, Error> {
        Self::on_grid(&reference.header, &reference.shape, shape, data)
    }

    /// As [`like`](Self::like), from the reference's header and shape alone (e.g. those of a
    /// [`RawNifti`](super::RawNifti) whose samples are already dropped).
    pub fn on_grid(
        reference: &NiftiHeader,
        reference_shape: &[usize],
        shape: Vec<usize>,
        data: Vec<T>,
    ) -> Result<Self, Error> {
        let grid = |s: &[usize]| -> Vec<usize> { s.iter().copied().take(3).collect() };
        let (want, got) = (grid(reference_shape), grid(&shape));
        if want != got || shape.len() < want.len() {
            return Err(Error::ShapeMismatch {
                what: "spatial grid of the new image against its reference".into(),
                expected: want,
                found: got,
            });
        }
        let mut header = reference.clone();
        header.datatype = T::DATATYPE;
        header.scl_slope = 1.0;
        header.scl_inter = 0.0;
        header.cal_min = 0.0;
        header.cal_max = 0.0;
        header.intent_code = 0;
        header.intent_p = [0.0; 3];
        header.intent_name.clear();
        for p in header.pixdim.iter_mut().skip(shape.len().max(3) + 1) {
            *p = 1.0;
        }
        Self::new(header, shape, data)
    }

    /// The header.
    pub fn header(&self) -> &NiftiHeader {
        &self.header
    }

    /// The header, to change the affine, datatype, scaling or text fields before writing.
    pub fn header_mut(&mut self) -> &mut NiftiHeader {
        &mut self.header
    }

    /// The dimensions, first index fastest.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The voxel values, first index fastest.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The voxel values, mutable (the shape cannot change).
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Header, shape and values.
    pub fn into_parts(self) -> (NiftiHeader, Vec<usize>, Vec<T>) {
        (self.header, self.shape, self.data)
    }

    /// The voxel-to-world affine (see [`NiftiHeader::affine`]).
    pub fn affine(&self) -> super::affine::Affine {
        self.header.affine()
    }

    /// Number of voxels in one volume (product of the first three dimensions).
    pub fn voxels_per_volume(&self) -> usize {
        self.shape.iter().take(3).product()
    }

    /// Number of volumes: the product of the dimensions after the third (1 for a 3-D image).
    pub fn volumes(&self) -> usize {
        self.shape.iter().skip(3).product()
    }

    /// The value at a multi-index (one entry per dimension), or `None` when out of bounds.
    pub fn get(&self, index: &[usize]) -> Option<T> {
        if index.len() != self.shape.len() {
            return None;
        }
        let mut flat = 0;
        for (&i, &n) in index.iter().zip(&self.shape).rev() {
            if i >= n {
                return None;
            }
            flat = flat * n + i;
        }
        self.data.get(flat).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nifti::header::NiftiVersion;

    fn image(shape: Vec<usize>) -> NiftiImage<f64> {
        let n = shape.iter().product();
        let data = (0..n).map(|v| v as f64).collect();
        NiftiImage::new(
            NiftiHeader::new(NiftiVersion::One, DataType::Int16),
            shape,
            data,
        )
        .unwrap()
    }

    #[test]
    fn get_uses_first_index_fastest() {
        let img = image(vec![2, 3, 4]);
        // (1, 2, 3) → 1 + 2·(2 + 3·3) = 23.
        assert_eq!(img.get(&[1, 2, 3]), Some(23.0));
        assert_eq!(img.get(&[2, 0, 0]), None);
        assert_eq!(img.get(&[0, 0]), None);
        assert_eq!(img.volumes(), 1);
        assert_eq!(img.voxels_per_volume(), 24);
    }

    #[test]
    fn new_refuses_wrong_lengths_and_empty_shapes() {
        let h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
        assert!(NiftiImage::new(h.clone(), vec![2, 2], vec![0.0f32; 3]).is_err());
        assert!(NiftiImage::new(h.clone(), vec![], vec![0.0f32; 1]).is_err());
        assert!(NiftiImage::new(h.clone(), vec![0, 2], Vec::<f32>::new()).is_err());
        let huge = vec![usize::MAX, 2];
        assert!(NiftiImage::new(h, huge, vec![0.0f32; 2]).is_err());
    }

    #[test]
    fn like_keeps_the_grid_and_resets_scaling() {
        let mut reference = image(vec![2, 3, 4, 5]);
        reference.header_mut().scl_slope = 3.0;
        reference.header_mut().srow[0][3] = -12.5;
        reference.header_mut().pixdim[4] = 2.2;
        let map = NiftiImage::<f32>::like(&reference, vec![2, 3, 4], vec![1.0; 24]).unwrap();
        assert_eq!(map.header().datatype, DataType::Float32);
        assert_eq!(map.header().scl_slope, 1.0);
        assert_eq!(map.affine(), reference.affine());
        assert_eq!(map.header().pixdim[4], 1.0);
        let vector_map = NiftiImage::<f64>::like(&reference, vec![2, 3, 4, 2], vec![0.0; 48]);
        assert_eq!(vector_map.unwrap().header().pixdim[4], 2.2);
        let err = NiftiImage::<f32>::like(&reference, vec![3, 2, 4], vec![1.0; 24]).unwrap_err();
        assert!(err.to_string().contains("spatial grid"), "{err}");
    }
}
