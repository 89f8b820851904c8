//! Byte layout of the NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers: decode and encode.
//!
//! Offsets follow `nifti1.h` (2004) and `nifti2.h` (2011) of the NIfTI Data Format Working Group.

use super::datatype::{ByteOrder, DataType};
use super::header::{NiftiHeader, NiftiVersion};
use crate::Error;
use std::path::Path;

/// Header size of NIfTI-1.
pub(crate) const SIZE_V1: usize = 348;
/// Header size of NIfTI-2.
pub(crate) const SIZE_V2: usize = 540;
/// Largest dimension NIfTI-1 can store (dims are i16).
const MAX_DIM_V1: usize = i16::MAX as usize;
const DIM_FIELDS: [&str; 8] = [
    "dim[0]", "dim[1]", "dim[2]", "dim[3]", "dim[4]", "dim[5]", "dim[6]", "dim[7]",
];

/// What the header says about the data: where it starts and how many voxels it holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub shape: Vec<usize>,
    pub n_voxels: usize,
    pub vox_offset: u64,
}

/// Reads fixed-offset fields of a header of known length.
struct Fields<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut b = [0u8; N];
        if let Some(s) = self.bytes.get(off..off + N) {
            b.copy_from_slice(s);
        }
        if self.order == ByteOrder::Big {
            b.reverse();
        }
        b
    }
    fn i16(&self, off: usize) -> i16 {
        i16::from_le_bytes(self.array(off))
    }
    fn i32(&self, off: usize) -> i32 {
        i32::from_le_bytes(self.array(off))
    }
    fn i64(&self, off: usize) -> i64 {
        i64::from_le_bytes(self.array(off))
    }
    fn f32(&self, off: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.array(off)))
    }
    fn f64(&self, off: usize) -> f64 {
        f64::from_le_bytes(self.array(off))
    }
    fn u8(&self, off: usize) -> u8 {
        self.bytes.get(off).copied().unwrap_or(0)
    }
    fn text(&self, off: usize, len: usize) -> String {
        let raw = self.bytes.get(off..off + len).unwrap_or(&[]);
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        String::from_utf8_lossy(&raw[..end]).into_owned()
    }
}

/// The version and byte order announced by the first four bytes (`sizeof_hdr`).
pub(crate) fn detect(first4: [u8; 4], path: &Path) -> Result<(NiftiVersion, ByteOrder), Error> {
    for (order, value) in [
        (ByteOrder::Little, i32::from_le_bytes(first4)),
        (ByteOrder::Big, i32::from_be_bytes(first4)),
    ] {
        match value {
            348 => return Ok((NiftiVersion::One, order)),
            540 => return Ok((NiftiVersion::Two, order)),
            _ => {}
        }
    }
    Err(Error::NotNifti {
        path: path.to_path_buf(),
        reason: format!(
            "sizeof_hdr is {} (expected 348 for NIfTI-1 or 540 for NIfTI-2)",
            i32::from_le_bytes(first4)
        ),
    })
}

/// Decode a complete header (`bytes.len()` ≥ the version's header size).
pub(crate) fn decode(
    bytes: &[u8],
    version: NiftiVersion,
    order: ByteOrder,
    path: &Path,
) -> Result<(NiftiHeader, Layout), Error> {
    let f = Fields { bytes, order };
    check_magic(&f, version, path)?;
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    let (v1, min_offset) = match version {
        NiftiVersion::One => (true, SIZE_V1 as u64),
        NiftiVersion::Two => (false, SIZE_V2 as u64),
    };
    let dims: Vec<i64> = (0..8)
        .map(|k| {
            if v1 {
                i64::from(f.i16(40 + 2 * k))
            } else {
                f.i64(16 + 8 * k)
            }
        })
        .collect();
    let code = i32::from(if v1 { f.i16(70) } else { f.i16(12) });
    let datatype = DataType::from_code(code).ok_or_else(|| Error::UnsupportedDatatype {
        path: path.to_path_buf(),
        code,
    })?;
    let vox_offset = if v1 {
        let v = f.f32(108);
        if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
            return Err(bad("vox_offset", format!("{v} is not a byte offset")));
        }
        v as u64
    } else {
        u64::try_from(f.i64(168)).unwrap_or(0)
    };
    if vox_offset < min_offset {
        return Err(bad(
            "vox_offset",
            format!("{vox_offset} lies inside the {min_offset}-byte header"),
        ));
    }
    let (shape, n_voxels) = shape_of(&dims, datatype, &bad)?;
    let header = if v1 {
        fields_v1(&f, datatype)
    } else {
        fields_v2(&f, datatype)
    };
    let layout = Layout {
        shape,
        n_voxels,
        vox_offset,
    };
    Ok((header, layout))
}

fn check_magic(f: &Fields, version: NiftiVersion, path: &Path) -> Result<(), Error> {
    let (off, single, pair) = match version {
        NiftiVersion::One => (344, b"n+1\0", b"ni1\0"),
        NiftiVersion::Two => (4, b"n+2\0", b"ni2\0"),
    };
    let magic = f.bytes.get(off..off + 4).unwrap_or(&[]);
    if magic == single {
        return Ok(());
    }
    let reason = if magic == pair {
        "it is the header of a two-file (.hdr/.img) pair, which is not supported".to_string()
    } else {
        format!("magic is {magic:?}, expected {single:?}")
    };
    Err(Error::NotNifti {
        path: path.to_path_buf(),
        reason,
    })
}

/// The shape `dim[1..=dim[0]]` and voxel count, refusing sizes whose byte count overflows.
fn shape_of(
    dims: &[i64],
    datatype: DataType,
    bad: &dyn Fn(&'static str, String) -> Error,
) -> Result<(Vec<usize>, usize), Error> {
    let ndim = dims.first().copied().unwrap_or(0);
    if !(1..=7).contains(&ndim) {
        return Err(bad("dim[0]", format!("{ndim} dimensions (must be 1 to 7)")));
    }
    let mut shape = Vec::with_capacity(ndim as usize);
    let mut bytes = datatype.size();
    for (&d, &field) in dims.iter().zip(&DIM_FIELDS).skip(1).take(ndim as usize) {
        let size = usize::try_from(d)
            .ok()
            .filter(|&s| s >= 1)
            .ok_or_else(|| bad(field, format!("{d} (must be at least 1)")))?;
        bytes = bytes.checked_mul(size).ok_or_else(|| {
            bad(
                field,
                "the dimensions multiply to more bytes than memory can address".into(),
            )
        })?;
        shape.push(size);
    }
    Ok((shape, bytes / datatype.size()))
}

fn fields_v1(f: &Fields, datatype: DataType) -> NiftiHeader {
    let mut h = NiftiHeader::new(NiftiVersion::One, datatype);
    h.byte_order = f.order;
    h.dim_info = f.u8(39);
    h.intent_p = [f.f32(56), f.f32(60), f.f32(64)];
    h.intent_code = i32::from(f.i16(68));
    h.slice_start = i64::from(f.i16(74));
    for k in 0..8 {
        h.pixdim[k] = f.f32(76 + 4 * k);
    }
    h.scl_slope = f.f32(112);
    h.scl_inter = f.f32(116);
    h.slice_end = i64::from(f.i16(120));
    h.slice_code = i32::from(f.u8(122));
    h.xyzt_units = i32::from(f.u8(123));
    h.cal_max = f.f32(124);
    h.cal_min = f.f32(128);
    h.slice_duration = f.f32(132);
    h.toffset = f.f32(136);
    h.descrip = f.text(148, 80);
    h.aux_file = f.text(228, 24);
    h.qform_code = i32::from(f.i16(252));
    h.sform_code = i32::from(f.i16(254));
    h.quatern = [f.f32(256), f.f32(260), f.f32(264)];
    h.qoffset = [f.f32(268), f.f32(272), f.f32(276)];
    for (r, row) in h.srow.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = f.f32(280 + 16 * r + 4 * c);
        }
    }
    h.intent_name = f.text(328, 16);
    h
}

fn fields_v2(f: &Fields, datatype: DataType) -> NiftiHeader {
    let mut h = NiftiHeader::new(NiftiVersion::Two, datatype);
    h.byte_order = f.order;
    h.intent_p = [f.f64(80), f.f64(88), f.f64(96)];
    for k in 0..8 {
        h.pixdim[k] = f.f64(104 + 8 * k);
    }
    h.scl_slope = f.f64(176);
    h.scl_inter = f.f64(184);
    h.cal_max = f.f64(192);
    h.cal_min = f.f64(200);
    h.slice_duration = f.f64(208);
    h.toffset = f.f64(216);
    h.slice_start = f.i64(224);
    h.slice_end = f.i64(232);
    h.descrip = f.text(240, 80);
    h.aux_file = f.text(320, 24);
    h.qform_code = f.i32(344);
    h.sform_code = f.i32(348);
    h.quatern = [f.f64(352), f.f64(360), f.f64(368)];
    h.qoffset = [f.f64(376), f.f64(384), f.f64(392)];
    for (r, row) in h.srow.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = f.f64(400 + 32 * r + 8 * c);
        }
    }
    h.slice_code = f.i32(496);
    h.xyzt_units = f.i32(500);
    h.intent_code = f.i32(504);
    h.intent_name = f.text(508, 16);
    h.dim_info = f.u8(524);
    h
}

/// Little-endian header plus the 4-byte empty extension flag; the data starts right after.
pub(crate) fn encode(h: &NiftiHeader, shape: &[usize], path: &Path) -> Result<Vec<u8>, Error> {
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    if !(1..=7).contains(&shape.len()) || shape.contains(&0) {
        return Err(bad(
            "dim",
            format!("shape {shape:?} must have 1 to 7 dimensions, each at least 1"),
        ));
    }
    let mut dims = [1i64; 8];
    dims[0] = shape.len() as i64;
    for (d, &s) in dims[1..].iter_mut().zip(shape) {
        *d = i64::try_from(s).map_err(|_| bad("dim", format!("{s} is too large")))?;
    }
    match h.version {
        NiftiVersion::One => {
            if let Some(&big) = shape.iter().find(|&&s| s > MAX_DIM_V1) {
                return Err(bad(
                    "dim",
                    format!("{big} exceeds NIfTI-1's limit of {MAX_DIM_V1}; write NIfTI-2"),
                ));
            }
            Ok(encode_v1(h, &dims))
        }
        NiftiVersion::Two => Ok(encode_v2(h, &dims)),
    }
}

/// Writes fields at fixed offsets into a zeroed buffer.
struct Out(Vec<u8>);

impl Out {
    fn put(&mut self, off: usize, bytes: &[u8]) {
        if let Some(dst) = self.0.get_mut(off..off + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
    fn text(&mut self, off: usize, len: usize, s: &str) {
        let mut end = s.len().min(len - 1);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.put(off, &s.as_bytes()[..end]);
    }
}

fn clamp_i16(v: i64) -> [u8; 2] {
    (v.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16).to_le_bytes()
}

fn f32b(v: f64) -> [u8; 4] {
    (v as f32).to_le_bytes()
}

fn encode_v1(h: &NiftiHeader, dims: &[i64; 8]) -> Vec<u8> {
    let mut o = Out(vec![0u8; SIZE_V1 + 4]);
    o.put(0, &(SIZE_V1 as i32).to_le_bytes());
    o.put(38, b"r");
    o.put(39, &[h.dim_info]);
    for (k, &d) in dims.iter().enumerate() {
        o.put(40 + 2 * k, &clamp_i16(d));
    }
    for (k, &p) in h.intent_p.iter().enumerate() {
        o.put(56 + 4 * k, &f32b(p));
    }
    o.put(68, &clamp_i16(i64::from(h.intent_code)));
    o.put(70, &h.datatype.code().to_le_bytes());
    o.put(72, &((8 * h.datatype.size()) as i16).to_le_bytes());
    o.put(74, &clamp_i16(h.slice_start));
    for (k, &p) in h.pixdim.iter().enumerate() {
        o.put(76 + 4 * k, &f32b(p));
    }
    o.put(108, &f32b((SIZE_V1 + 4) as f64));
    o.put(112, &f32b(h.scl_slope));
    o.put(116, &f32b(h.scl_inter));
    o.put(120, &clamp_i16(h.slice_end));
    o.put(122, &[h.slice_code.clamp(0, 255) as u8]);
    o.put(123, &[h.xyzt_units.clamp(0, 255) as u8]);
    let tail = [h.cal_max, h.cal_min, h.slice_duration, h.toffset];
    for (k, &v) in tail.iter().enumerate() {
        o.put(124 + 4 * k, &f32b(v));
    }
    o.text(148, 80, &h.descrip);
    o.text(228, 24, &h.aux_file);
    o.put(252, &clamp_i16(i64::from(h.qform_code)));
    o.put(254, &clamp_i16(i64::from(h.sform_code)));
    let q = [h.quatern, h.qoffset].concat();
    for (k, &v) in q.iter().enumerate() {
        o.put(256 + 4 * k, &f32b(v));
    }
    for (r, row) in h.srow.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            o.put(280 + 16 * r + 4 * c, &f32b(v));
        }
    }
    o.text(328, 16, &h.intent_name);
    o.put(344, b"n+1\0");
    o.0
}

fn encode_v2(h: &NiftiHeader, dims: &[i64; 8]) -> Vec<u8> {
    let mut o = Out(vec![0u8; SIZE_V2 + 4]);
    o.put(0, &(SIZE_V2 as i32).to_le_bytes());
    o.put(4, b"n+2\0\r\n\x1a\n");
    o.put(12, &h.datatype.code().to_le_bytes());
    o.put(14, &((8 * h.datatype.size()) as i16).to_le_bytes());
    for (k, &d) in dims.iter().enumerate() {
        o.put(16 + 8 * k, &d.to_le_bytes());
    }
    for (k, &p) in h.intent_p.iter().enumerate() {
        o.put(80 + 8 * k, &p.to_le_bytes());
    }
    for (k, &p) in h.pixdim.iter().enumerate() {
        o.put(104 + 8 * k, &p.to_le_bytes());
    }
    o.put(168, &((SIZE_V2 + 4) as i64).to_le_bytes());
    let floats = [
        h.scl_slope,
        h.scl_inter,
        h.cal_max,
        h.cal_min,
        h.slice_duration,
        h.toffset,
    ];
    for (k, &v) in floats.iter().enumerate() {
        o.put(176 + 8 * k, &v.to_le_bytes());
    }
    o.put(224, &h.slice_start.to_le_bytes());
    o.put(232, &h.slice_end.to_le_bytes());
    o.text(240, 80, &h.descrip);
    o.text(320, 24, &h.aux_file);
    o.put(344, &h.qform_code.to_le_bytes());
    o.put(348, &h.sform_code.to_le_bytes());
    let q = [h.quatern, h.qoffset].concat();
    for (k, &v) in q.iter().enumerate() {
        o.put(352 + 8 * k, &v.to_le_bytes());
    }
    for (r, row) in h.srow.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            o.put(400 + 32 * r + 8 * c, &v.to_le_bytes());
        }
    }
    o.put(496, &h.slice_code.to_le_bytes());
    o.put(500, &h.xyzt_units.to_le_bytes());
    o.put(504, &h.intent_code.to_le_bytes());
    o.text(508, 16, &h.intent_name);
    o.put(524, &[h.dim_info]);
    o.0
}
