//! `NiftiHeader`: one header model for NIfTI-1 and NIfTI-2, with affine and unit accessors.

use super::affine::{Affine, affine_to_quaternion, quaternion_to_affine};
use super::datatype::{ByteOrder, DataType};

/// Which NIfTI format a header was read from or will be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NiftiVersion {
    /// NIfTI-1: 348-byte header, 16-bit dims, 32-bit floats.
    One,
    /// NIfTI-2: 540-byte header, 64-bit dims and floats.
    Two,
}

/// Unit of the spatial axes (bits 0–2 of `xyzt_units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialUnit {
    /// Code 0: not given.
    Unknown,
    /// Code 1: metre.
    Meter,
    /// Code 2: millimetre.
    Millimeter,
    /// Code 3: micrometre.
    Micron,
}

/// Unit of the time axis (bits 3–5 of `xyzt_units`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Code 0: not given.
    Unknown,
    /// Code 8: second.
    Second,
    /// Code 16: millisecond.
    Millisecond,
    /// Code 24: microsecond.
    Microsecond,
}

/// The header of a NIfTI-1 or NIfTI-2 image, minus what belongs to the data: the dimensions live
/// in [`NiftiImage::shape`](crate::NiftiImage::shape), `bitpix` follows from the datatype and
/// `vox_offset` is chosen on write. Floating-point fields are f64 (NIfTI-1 stores them as f32).
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiHeader {
    /// The format version.
    pub version: NiftiVersion,
    /// Byte order of the file this header was read from; files are always written little-endian.
    pub byte_order: ByteOrder,
    /// Datatype of the stored voxels.
    pub datatype: DataType,
    /// `pixdim[0]` is qfac (±1), `pixdim[1..=3]` the voxel sizes (in the spatial unit),
    /// `pixdim[4]` the repetition time (in the time unit).
    pub pixdim: [f64; 8],
    /// Data scaling: value = scl_slope · stored + scl_inter (applied on read when scl_slope ≠ 0).
    pub scl_slope: f64,
    /// See `scl_slope`.
    pub scl_inter: f64,
    /// Spatial and time units, packed as in the standard (`SpatialUnit` code | `TimeUnit` code).
    pub xyzt_units: i32,
    /// qform code (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template).
    pub qform_code: i32,
    /// sform code (same codes as `qform_code`).
    pub sform_code: i32,
    /// Quaternion parameters b, c, d of the qform rotation.
    pub quatern: [f64; 3],
    /// qoffset x, y, z (in the spatial unit).
    pub qoffset: [f64; 3],
    /// The first three rows of the sform affine.
    pub srow: [[f64; 4]; 3],
    /// Frequency, phase and slice encoding directions, packed in 2-bit fields.
    pub dim_info: u8,
    /// Intent code (0 none).
    pub intent_code: i32,
    /// Intent parameters p1, p2, p3.
    pub intent_p: [f64; 3],
    /// Intent name (at most 15 bytes are stored).
    pub intent_name: String,
    /// First slice index of the slice timing pattern.
    pub slice_start: i64,
    /// Last slice index of the slice timing pattern.
    pub slice_end: i64,
    /// Slice timing order code.
    pub slice_code: i32,
    /// Time to acquire one slice (time unit).
    pub slice_duration: f64,
    /// Display range maximum.
    pub cal_max: f64,
    /// Display range minimum.
    pub cal_min: f64,
    /// Time axis shift (time unit).
    pub toffset: f64,
    /// Free text (at most 79 bytes are stored).
    pub descrip: String,
    /// Auxiliary file name (at most 23 bytes are stored).
    pub aux_file: String,
}

impl NiftiHeader {
    /// A header for new data: unit voxels in mm, identity sform and qform (code 1, scanner),
    /// no scaling.
    pub fn new(version: NiftiVersion, datatype: DataType) -> Self {
        Self {
            version,
            byte_order: ByteOrder::Little,
            datatype,
            pixdim: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            scl_slope: 1.0,
            scl_inter: 0.0,
            xyzt_units: 2 | 8,
            qform_code: 1,
            sform_code: 1,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            dim_info: 0,
            intent_code: 0,
            intent_p: [0.0; 3],
            intent_name: String::new(),
            slice_start: 0,
            slice_end: 0,
            slice_code: 0,
            slice_duration: 0.0,
            cal_max: 0.0,
            cal_min: 0.0,
            toffset: 0.0,
            descrip: String::new(),
            aux_file: String::new(),
        }
    }

    /// The voxel sizes `pixdim[1..=3]`, in the spatial unit.
    pub fn voxel_sizes(&self) -> [f64; 3] {
        [self.pixdim[1], self.pixdim[2], self.pixdim[3]]
    }

    /// The spatial unit; `None` for a code outside the standard.
    pub fn spatial_unit(&self) -> Option<SpatialUnit> {
        match self.xyzt_units & 0x07 {
            0 => Some(SpatialUnit::Unknown),
            1 => Some(SpatialUnit::Meter),
            2 => Some(SpatialUnit::Millimeter),
            3 => Some(SpatialUnit::Micron),
            _ => None,
        }
    }

    /// The time unit; `None` for a code outside the standard.
    pub fn time_unit(&self) -> Option<TimeUnit> {
        match self.xyzt_units & 0x38 {
            0 => Some(TimeUnit::Unknown),
            8 => Some(TimeUnit::Second),
            16 => Some(TimeUnit::Millisecond),
            24 => Some(TimeUnit::Microsecond),
            _ => None,
        }
    }

    /// The sform affine (method 3 of the standard), whatever the sform code.
    pub fn sform_affine(&self) -> Affine {
        let mut a = super::affine::IDENTITY;
        a[..3].copy_from_slice(&self.srow);
        a
    }

    /// The qform affine (method 2) from the quaternion, qoffset, voxel sizes and qfac.
    pub fn qform_affine(&self) -> Affine {
        quaternion_to_affine(self.quatern, self.qoffset, &self.pixdim)
    }

    /// The voxel-to-world affine readers should use: the sform if `sform_code > 0`, else the
    /// qform if `qform_code > 0`, else the voxel-size scaling of method 1 (ANALYZE 7.5).
    pub fn affine(&self) -> Affine {
        if self.sform_code > 0 {
            self.sform_affine()
        } else if self.qform_code > 0 {
            self.qform_affine()
        } else {
            let mut a = super::affine::IDENTITY;
            for (k, row) in a.iter_mut().enumerate().take(3) {
                row[k] = self.pixdim[k + 1];
            }
            a
        }
    }

    /// Set the sform rows from an affine and its code.
    pub fn set_sform(&mut self, affine: &Affine, code: i32) {
        self.srow.copy_from_slice(&affine[..3]);
        self.sform_code = code;
    }

    /// Set the qform (quaternion, qoffset, voxel sizes `pixdim[1..=3]` and qfac `pixdim[0]`)
    /// from an affine and its code. Returns `false`, changing nothing, when a column of the
    /// affine is zero or not finite. Shears are lost (see
    /// [`affine_to_quaternion`](crate::affine_to_quaternion)); the sform keeps them.
    pub fn set_qform(&mut self, affine: &Affine, code: i32) -> bool {
        let Some(q) = affine_to_quaternion(affine) else {
            return false;
        };
        self.quatern = q.quatern;
        self.qoffset = q.qoffset;
        self.pixdim[0] = q.qfac;
        self.pixdim[1..4].copy_from_slice(&q.voxel_sizes);
        self.qform_code = code;
        true
    }

    /// Whether stored values are scaled on read (scl_slope finite and non-zero, and not the
    /// identity 1·x + 0).
    pub(crate) fn scaling(&self) -> Option<(f64, f64)> {
        let (s, i) = (self.scl_slope, self.scl_inter);
        let i = if i.is_finite() { i } else { 0.0 };
        (s.is_finite() && s != 0.0 && (s != 1.0 || i != 0.0)).then_some((s, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_decode_from_the_packed_field() {
        let mut h = NiftiHeader::new(NiftiVersion::One, DataType::Float32);
        assert_eq!(h.spatial_unit(), Some(SpatialUnit::Millimeter));
        assert_eq!(h.time_unit(), Some(TimeUnit::Second));
        h.xyzt_units = 3 | 16;
        assert_eq!(h.spatial_unit(), Some(SpatialUnit::Micron));
        assert_eq!(h.time_unit(), Some(TimeUnit::Millisecond));
        h.xyzt_units = 5;
        assert_eq!(h.spatial_unit(), None);
    }

    #[test]
    fn affine_prefers_sform_then_qform_then_pixdim() {
        let mut h = NiftiHeader::new(NiftiVersion::Two, DataType::Float64);
        h.pixdim[1..4].copy_from_slice(&[2.0, 3.0, 4.0]);
        h.srow[0][3] = 7.0;
        h.qoffset = [-1.0, -2.0, -3.0];
        assert_eq!(h.affine()[0][3], 7.0);
        h.sform_code = 0;
        assert_eq!(h.affine()[0][3], -1.0);
        assert_eq!(h.affine()[1][1], 3.0);
        h.qform_code = 0;
        assert_eq!(h.affine()[0][3], 0.0);
        assert_eq!(h.affine()[2][2], 4.0);
    }

    #[test]
    fn scaling_is_ignored_when_slope_is_zero_or_not_finite() {
        let mut h = NiftiHeader::new(NiftiVersion::One, DataType::Int16);
        assert_eq!(h.scaling(), None);
        h.scl_slope = 0.0;
        h.scl_inter = 5.0;
        assert_eq!(h.scaling(), None);
        h.scl_slope = f64::NAN;
        assert_eq!(h.scaling(), None);
        h.scl_slope = 2.0;
        assert_eq!(h.scaling(), Some((2.0, 5.0)));
        h.scl_inter = f64::NAN;
        assert_eq!(h.scaling(), Some((2.0, 0.0)));
    }
}
