//! Reading NIfTI images from files or bytes, gzip-compressed or not, streaming the voxel data.

use super::codec::{self, Layout, SIZE_V1, SIZE_V2};
use super::datatype::Decoder;
use super::header::{NiftiHeader, NiftiVersion};
use super::image::{NiftiImage, Sample};
use crate::Error;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Bytes decoded per step; a multiple of every datatype size.
const CHUNK: usize = 1 << 16;
/// Voxels reserved up front at most; the vector grows as data actually arrives, so a header
/// that declares more data than the file holds cannot make us allocate it.
const MAX_RESERVE: usize = 1 << 22;

/// Read a `.nii` or `.nii.gz` file (NIfTI-1 or NIfTI-2, either byte order) into f64 values
/// with `scl_slope`/`scl_inter` applied. Compression is detected from the content, not the name.
pub fn read_nifti(path: impl AsRef<Path>) -> Result<NiftiImage<f64>, Error> {
    read_nifti_as(path)
}

/// As [`read_nifti`], into `f32` or `f64` values (scaling is applied in f64, then rounded).
pub fn read_nifti_as<T: Sample>(path: impl AsRef<Path>) -> Result<NiftiImage<T>, Error> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_from(file, path)
}

/// Parse a whole NIfTI file held in memory (gzip detected from the content); `name` labels errors.
pub fn parse_nifti<T: Sample>(
    bytes: &[u8],
    name: impl AsRef<Path>,
) -> Result<NiftiImage<T>, Error> {
    read_from(bytes, name.as_ref())
}

fn read_from<T: Sample, R: Read>(reader: R, path: &Path) -> Result<NiftiImage<T>, Error> {
    let mut stream = open_stream(reader, path)?;
    let data = read_data(&mut stream.reader, &stream.header, &stream.layout, path)?;
    NiftiImage::new(stream.header, stream.layout.shape, data)
}

/// A NIfTI stream positioned at its first voxel: the reader (gunzipping if the content is
/// gzip), the decoded header and the data layout.
pub(crate) struct Stream<'a> {
    pub reader: Box<dyn Read + 'a>,
    pub header: NiftiHeader,
    pub layout: Layout,
    pub gzip: bool,
}

/// Detect compression from the content, read the header and skip to `vox_offset`.
pub(crate) fn open_stream<'a, R: Read + 'a>(reader: R, path: &Path) -> Result<Stream<'a>, Error> {
    let io_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut buffered = BufReader::new(reader);
    let gzip = buffered
        .fill_buf()
        .map_err(io_err)?
        .starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn Read + 'a> = if gzip {
        Box::new(MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let (header, layout) = read_header(&mut reader, path)?;
    Ok(Stream {
        reader,
        header,
        layout,
        gzip,
    })
}

/// The voxel data's raw bytes, exactly as stored (file byte order, unscaled); an error if the
/// file holds fewer than the header declares.
pub(crate) fn read_raw_data(
    stream: &mut Stream,
    file_len: Option<u64>,
    path: &Path,
) -> Result<Vec<u8>, Error> {
    let total = (stream.layout.n_voxels * stream.header.datatype.size()) as u64;
    let data = read_raw_bytes(stream, total, file_len, path)?;
    if (data.len() as u64) < total {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            part: "voxel data",
            expected: total,
            found: data.len() as u64,
        });
    }
    Ok(data)
}

/// Up to `count` bytes from the stream (fewer only at its end). `file_len`, the size of an
/// uncompressed file, lets the buffer be reserved once at its final size; otherwise it grows
/// as data arrives, so a header that declares more than the file holds cannot make us
/// allocate it.
pub(crate) fn read_raw_bytes(
    stream: &mut Stream,
    count: u64,
    file_len: Option<u64>,
    path: &Path,
) -> Result<Vec<u8>, Error> {
    let present = match file_len {
        Some(len) if !stream.gzip => len.saturating_sub(stream.layout.vox_offset),
        _ => (MAX_RESERVE * 8) as u64,
    };
    let mut data = Vec::with_capacity(count.min(present) as usize);
    (&mut stream.reader)
        .take(count)
        .read_to_end(&mut data)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(data)
}

/// Read and decode the header, then skip any extensions up to `vox_offset`.
fn read_header(reader: &mut dyn Read, path: &Path) -> Result<(NiftiHeader, Layout), Error> {
    let mut bytes = vec![0u8; SIZE_V2];
    let got = read_up_to(reader, &mut bytes[..4], path)?;
    if got == 0 {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let truncated = |expected: usize, found: usize| Error::Truncated {
        path: path.to_path_buf(),
        part: "header",
        expected: expected as u64,
        found: found as u64,
    };
    if got < 4 {
        return Err(truncated(SIZE_V1, got));
    }
    let (version, order) = codec::detect([bytes[0], bytes[1], bytes[2], bytes[3]], path)?;
    let size = match version {
        NiftiVersion::One => SIZE_V1,
        NiftiVersion::Two => SIZE_V2,
    };
    let got = 4 + read_up_to(reader, &mut bytes[4..size], path)?;
    if got < size {
        return Err(truncated(size, got));
    }
    let (header, layout) = codec::decode(&bytes[..size], version, order, path)?;
    let skip = layout.vox_offset - size as u64;
    let skipped =
        std::io::copy(&mut reader.take(skip), &mut std::io::sink()).map_err(|source| {
            Error::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
    if skipped < skip {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            part: "header extensions (up to vox_offset)",
            expected: layout.vox_offset,
            found: size as u64 + skipped,
        });
    }
    Ok((header, layout))
}

/// Decode `layout.n_voxels` values chunk by chunk, applying the header's scaling.
fn read_data<T: Sample>(
    reader: &mut dyn Read,
    header: &NiftiHeader,
    layout: &Layout,
    path: &Path,
) -> Result<Vec<T>, Error> {
    let decoder = Decoder::of(header);
    let size = decoder.size();
    let total = layout.n_voxels * size;
    let mut data = Vec::with_capacity(layout.n_voxels.min(MAX_RESERVE));
    let mut chunk = vec![0u8; CHUNK];
    let mut done = 0usize;
    while done < total {
        let want = (total - done).min(CHUNK);
        let got = read_up_to(reader, &mut chunk[..want], path)?;
        if got < want {
            return Err(Error::Truncated {
                path: path.to_path_buf(),
                part: "voxel data",
                expected: total as u64,
                found: (done + got) as u64,
            });
        }
        data.extend(
            chunk[..want]
                .chunks_exact(size)
                .map(|raw| T::from_f64(decoder.value(raw))),
        );
        done += want;
    }
    Ok(data)
}

/// Fill `buf` as far as the stream allows; the count is short only at end of stream.
pub(crate) fn read_up_to(
    reader: &mut dyn Read,
    buf: &mut [u8],
    path: &Path,
) -> Result<usize, Error> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
    Ok(filled)
}
