//! NIfTI voxel datatypes: codes, sizes, and conversion of raw bytes to and from f64.

/// Byte order of a file's header and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Least significant byte first (what this crate writes).
    Little,
    /// Most significant byte first.
    Big,
}

/// A NIfTI voxel datatype this crate reads and writes (codes from `nifti1.h`, shared by NIfTI-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// `DT_UINT8` = 2.
    Uint8,
    /// `DT_INT8` = 256.
    Int8,
    /// `DT_INT16` = 4.
    Int16,
    /// `DT_UINT16` = 512.
    Uint16,
    /// `DT_INT32` = 8.
    Int32,
    /// `DT_UINT32` = 768.
    Uint32,
    /// `DT_INT64` = 1024.
    Int64,
    /// `DT_UINT64` = 1280.
    Uint64,
    /// `DT_FLOAT32` = 16.
    Float32,
    /// `DT_FLOAT64` = 64.
    Float64,
}

impl DataType {
    /// Every datatype this crate reads and writes.
    pub const ALL: [DataType; 10] = [
        DataType::Uint8,
        DataType::Int8,
        DataType::Int16,
        DataType::Uint16,
        DataType::Int32,
        DataType::Uint32,
        DataType::Int64,
        DataType::Uint64,
        DataType::Float32,
        DataType::Float64,
    ];

    /// The datatype of a NIfTI code, or `None` if unsupported (complex, RGB, float128, …).
    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            2 => Self::Uint8,
            256 => Self::Int8,
            4 => Self::Int16,
            512 => Self::Uint16,
            8 => Self::Int32,
            768 => Self::Uint32,
            1024 => Self::Int64,
            1280 => Self::Uint64,
            16 => Self::Float32,
            64 => Self::Float64,
            _ => return None,
        })
    }

    /// The NIfTI code.
    pub fn code(self) -> i16 {
        match self {
            Self::Uint8 => 2,
            Self::Int8 => 256,
            Self::Int16 => 4,
            Self::Uint16 => 512,
            Self::Int32 => 8,
            Self::Uint32 => 768,
            Self::Int64 => 1024,
            Self::Uint64 => 1280,
            Self::Float32 => 16,
            Self::Float64 => 64,
        }
    }

    /// Bytes per voxel.
    pub fn size(self) -> usize {
        match self {
            Self::Uint8 | Self::Int8 => 1,
            Self::Int16 | Self::Uint16 => 2,
            Self::Int32 | Self::Uint32 | Self::Float32 => 4,
            Self::Int64 | Self::Uint64 | Self::Float64 => 8,
        }
    }

    /// The lower-case name used in messages ("int16", "float32", …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Uint8 => "uint8",
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Uint16 => "uint16",
            Self::Int32 => "int32",
            Self::Uint32 => "uint32",
            Self::Int64 => "int64",
            Self::Uint64 => "uint64",
            Self::Float32 => "float32",
            Self::Float64 => "float64",
        }
    }

    /// Whether this is a floating-point type (stored values are not rounded on write).
    pub fn is_float(self) -> bool {
        matches!(self, Self::Float32 | Self::Float64)
    }

    /// The value of one voxel's raw bytes (`raw.len() == self.size()`).
    pub(crate) fn decode(self, raw: &[u8], order: ByteOrder) -> f64 {
        let mut b = [0u8; 8];
        let n = self.size();
        b[..n].copy_from_slice(&raw[..n]);
        if order == ByteOrder::Big {
            b[..n].reverse();
        }
        match self {
            Self::Uint8 => f64::from(b[0]),
            Self::Int8 => f64::from(b[0] as i8),
            Self::Int16 => f64::from(i16::from_le_bytes([b[0], b[1]])),
            Self::Uint16 => f64::from(u16::from_le_bytes([b[0], b[1]])),
            Self::Int32 => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Self::Uint32 => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Self::Float32 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            Self::Int64 => i64::from_le_bytes(b) as f64,
            Self::Uint64 => u64::from_le_bytes(b) as f64,
            Self::Float64 => f64::from_le_bytes(b),
        }
    }

    /// Append the little-endian bytes of a stored value. Integer types take `raw` rounded to
    /// the nearest integer; `None` when it is not finite or outside the type's range.
    pub(crate) fn encode(self, raw: f64, out: &mut Vec<u8>) -> Option<()> {
        if self.is_float() {
            match self {
                Self::Float32 => out.extend_from_slice(&(raw as f32).to_le_bytes()),
                _ => out.extend_from_slice(&raw.to_le_bytes()),
            }
            return Some(());
        }
        let r = raw.round();
        let (lo, hi) = self.range();
        // `hi` is 2^bits (exclusive) so that u64/i64 bounds are exact in f64.
        if !(r >= lo && r < hi) {
            return None;
        }
        match self {
            Self::Uint8 => out.push(r as u8),
            Self::Int8 => out.push((r as i8) as u8),
            Self::Int16 => out.extend_from_slice(&(r as i16).to_le_bytes()),
            Self::Uint16 => out.extend_from_slice(&(r as u16).to_le_bytes()),
            Self::Int32 => out.extend_from_slice(&(r as i32).to_le_bytes()),
            Self::Uint32 => out.extend_from_slice(&(r as u32).to_le_bytes()),
            Self::Int64 => out.extend_from_slice(&(r as i64).to_le_bytes()),
            _ => out.extend_from_slice(&(r as u64).to_le_bytes()),
        }
        Some(())
    }

    /// Integer range as `[lo, hi)` in f64 (floats: unbounded).
    fn range(self) -> (f64, f64) {
        let bits = (8 * self.size()) as i32;
        match self {
            Self::Uint8 | Self::Uint16 | Self::Uint32 | Self::Uint64 => (0.0, 2f64.powi(bits)),
            Self::Int8 | Self::Int16 | Self::Int32 | Self::Int64 => {
                (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1))
            }
            Self::Float32 | Self::Float64 => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

/// How a file's stored samples become values: the datatype, its byte order and the header's
/// `scl_slope`/`scl_inter`. The one place raw bytes turn into numbers, used by every reader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Decoder {
    datatype: DataType,
    order: ByteOrder,
    scaling: Option<(f64, f64)>,
}

impl Decoder {
    /// The decoder of a header's data.
    pub(crate) fn of(header: &super::header::NiftiHeader) -> Self {
        Self {
            datatype: header.datatype,
            order: header.byte_order,
            scaling: header.scaling(),
        }
    }

    /// Bytes per sample.
    pub(crate) fn size(&self) -> usize {
        self.datatype.size()
    }

    /// The value of one sample's raw bytes, scaled: `stored · scl_slope + scl_inter`.
    pub(crate) fn value(&self, raw: &[u8]) -> f64 {
        let v = self.datatype.decode(raw, self.order);
        match self.scaling {
            Some((slope, inter)) => v * slope + inter,
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_rejected() {
        for dt in DataType::ALL {
            assert_eq!(DataType::from_code(i32::from(dt.code())), Some(dt));
        }
        for code in [0, 1, 32, 128, 1536, 1792, 2048, 2304, -4] {
            assert_eq!(DataType::from_code(code), None, "code {code}");
        }
    }

    #[test]
    fn extremes_encode_and_decode_in_both_byte_orders() {
        let cases: [(DataType, f64, f64); 8] = [
            (DataType::Uint8, 0.0, 255.0),
            (DataType::Int8, -128.0, 127.0),
            (DataType::Int16, -32768.0, 32767.0),
            (DataType::Uint16, 0.0, 65535.0),
            (DataType::Int32, -2147483648.0, 2147483647.0),
            (DataType::Uint32, 0.0, 4294967295.0),
            (
                DataType::Int64,
                -(2f64.powi(63)),
                2f64.powi(63) - 1024.0, // largest f64 below 2^63
            ),
            (DataType::Uint64, 0.0, 2f64.powi(64) - 2048.0),
        ];
        for (dt, lo, hi) in cases {
            for v in [lo, hi] {
                let mut le = Vec::new();
                dt.encode(v, &mut le).unwrap();
                assert_eq!(dt.decode(&le, ByteOrder::Little), v, "{dt:?}");
                let be: Vec<u8> = le.iter().rev().copied().collect();
                assert_eq!(dt.decode(&be, ByteOrder::Big), v, "{dt:?}");
            }
        }
    }

    #[test]
    fn out_of_range_and_nan_are_refused_for_integers_only() {
        let mut buf = Vec::new();
        assert!(DataType::Uint8.encode(256.0, &mut buf).is_none());
        assert!(DataType::Uint8.encode(-0.6, &mut buf).is_none());
        assert!(DataType::Int16.encode(32767.6, &mut buf).is_none());
        assert!(DataType::Int64.encode(2f64.powi(63), &mut buf).is_none());
        assert!(DataType::Int32.encode(f64::NAN, &mut buf).is_none());
        assert!(buf.is_empty());
        assert!(DataType::Float32.encode(f64::NAN, &mut buf).is_some());
        assert!(DataType::Uint8.encode(-0.4, &mut buf).is_some());
        assert_eq!(buf.len(), 5);
    }

    #[test]
    fn known_bit_patterns_decode() {
        // 1.5f32 = 0x3FC00000; -2 as int16 = 0xFFFE.
        assert_eq!(
            DataType::Float32.decode(&[0x3F, 0xC0, 0, 0], ByteOrder::Big),
            1.5
        );
        assert_eq!(
            DataType::Int16.decode(&[0xFE, 0xFF], ByteOrder::Little),
            -2.0
        );
        assert_eq!(DataType::Int8.decode(&[0x80], ByteOrder::Big), -128.0);
    }
}
