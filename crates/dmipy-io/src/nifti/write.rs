//! Writing NIfTI images: encoding to bytes and atomic writes through a temporary sibling file.

use super::codec;
use super::image::{NiftiImage, Sample};
use crate::Error;
use crate::atomic::write_atomically;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;

/// Values encoded per write call.
const CHUNK: usize = 1 << 14;

/// Write an image to `path` as the header's version (NIfTI-1 or -2) and datatype, little-endian,
/// gzip-compressed when the name ends in `.gz`. Stored values are
/// `(value − scl_inter) / scl_slope` when the header scales, rounded for integer datatypes; a
/// value that does not fit the datatype is an error. Header extensions are not written.
///
/// The file is written to a temporary file in the same directory and renamed over `path` only
/// once complete, so a failure never leaves a partial image under the final name.
pub fn write_nifti<T: Sample>(path: impl AsRef<Path>, image: &NiftiImage<T>) -> Result<(), Error> {
    let path = path.as_ref();
    let gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    write_atomically(path, |out| encode_to(out, image, gzip, path))
}

/// The bytes of a NIfTI file holding `image` (gzip-compressed if asked).
pub fn encode_nifti<T: Sample>(image: &NiftiImage<T>, gzip: bool) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    encode_to(&mut out, image, gzip, Path::new("<memory>"))?;
    Ok(out)
}

fn encode_to<T: Sample>(
    out: &mut dyn Write,
    image: &NiftiImage<T>,
    gzip: bool,
    path: &Path,
) -> Result<(), Error> {
    let io_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if gzip {
        let mut encoder = GzEncoder::new(out, Compression::new(6));
        encode_plain(&mut encoder, image, path)?;
        encoder.try_finish().map_err(io_err)
    } else {
        encode_plain(out, image, path)
    }
}

fn encode_plain<T: Sample>(
    out: &mut dyn Write,
    image: &NiftiImage<T>,
    path: &Path,
) -> Result<(), Error> {
    let io_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let header = image.header();
    out.write_all(&codec::encode(header, image.shape(), path)?)
        .map_err(io_err)?;
    let dt = header.datatype;
    let scaling = header.scaling();
    let mut buf = Vec::with_capacity(CHUNK * dt.size());
    for (c, chunk) in image.data().chunks(CHUNK).enumerate() {
        buf.clear();
        for (k, &v) in chunk.iter().enumerate() {
            let v = v.to_f64();
            let raw = match scaling {
                Some((slope, inter)) => (v - inter) / slope,
                None => v,
            };
            dt.encode(raw, &mut buf)
                .ok_or_else(|| Error::ValueOutOfRange {
                    path: path.to_path_buf(),
                    index: c * CHUNK + k,
                    value: v,
                    datatype: dt.name(),
                })?;
        }
        out.write_all(&buf).map_err(io_err)?;
    }
    Ok(())
}
