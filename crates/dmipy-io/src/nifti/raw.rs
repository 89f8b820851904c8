//! `RawNifti`: an image kept as its stored bytes, decoded only where asked (a voxel, a volume,
//! the masked voxels).
//!
//! A whole-brain DWI (145 × 174 × 145 × 288 int16, 2.1 GB) decodes to 8.4 GB of f64; the fit
//! needs only the voxels of its mask. [`RawNifti`] holds the samples as the file stores them
//! (after gunzip), 1–8 bytes each, and [`RawNifti::gather`] converts just the masked voxels,
//! voxel-major, with `scl_slope`/`scl_inter` applied — the same conversion as
//! [`read_nifti`](super::read_nifti), so both give identical numbers.

use super::datatype::Decoder;
use super::header::NiftiHeader;
use super::image::{NiftiImage, Sample};
use super::read::{self, Stream};
use crate::Error;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Masked voxels converted per step of [`RawNifti::gather`]: their output rows (`BLOCK ×
/// volumes` values) stay in cache while each volume's samples are read in file order.
const BLOCK: usize = 512;

/// A NIfTI image whose voxel data stay in the file's datatype and byte order until read.
///
/// Values come out scaled (`stored · scl_slope + scl_inter`, as with
/// [`read_nifti`](super::read_nifti)); indices follow the file (first index fastest, volume
/// slowest): voxel `v` of volume `t` is sample `t · voxels_per_volume + v`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawNifti {
    header: NiftiHeader,
    shape: Vec<usize>,
    bytes: Vec<u8>,
    path: PathBuf,
}

/// Read a `.nii` or `.nii.gz` file keeping its samples undecoded (gzip detected from the
/// content). Memory: the file's uncompressed data size, not 8 bytes per sample.
pub fn read_raw_nifti(path: impl AsRef<Path>) -> Result<RawNifti, Error> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let len = file.metadata().ok().map(|m| m.len());
    from_stream(file, len, path)
}

/// As [`read_raw_nifti`], from a whole file held in memory; `name` labels errors.
pub fn parse_raw_nifti(bytes: &[u8], name: impl AsRef<Path>) -> Result<RawNifti, Error> {
    from_stream(bytes, Some(bytes.len() as u64), name.as_ref())
}

fn from_stream<R: Read>(reader: R, len: Option<u64>, path: &Path) -> Result<RawNifti, Error> {
    let mut stream: Stream = read::open_stream(reader, path)?;
    let bytes = read::read_raw_data(&mut stream, len, path)?;
    Ok(RawNifti {
        header: stream.header,
        shape: stream.layout.shape,
        bytes,
        path: path.to_path_buf(),
    })
}

impl RawNifti {
    /// An image from parts the caller has checked (`bytes` holds exactly the samples of `shape`).
    pub(crate) fn from_parts(
        header: NiftiHeader,
        shape: Vec<usize>,
        bytes: Vec<u8>,
        path: &Path,
    ) -> Self {
        Self {
            header,
            shape,
            bytes,
            path: path.to_path_buf(),
        }
    }

    /// The stored samples, taking them.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The header (datatype, byte order and scaling describe [`bytes`](Self::bytes)).
    pub fn header(&self) -> &NiftiHeader {
        &self.header
    }

    /// The dimensions, first index fastest.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The file this image was read from (or the label given to [`parse_raw_nifti`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored samples: `header().datatype.size()` bytes each, in the header's byte order,
    /// unscaled.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Number of voxels in one volume (product of the first three dimensions).
    pub fn voxels_per_volume(&self) -> usize {
        self.shape.iter().take(3).product()
    }

    /// Number of volumes: the product of the dimensions after the third (1 for a 3-D image).
    pub fn volumes(&self) -> usize {
        self.shape.iter().skip(3).product()
    }

    /// The scaled value of sample `index` (file order), or `None` past the end.
    pub fn value(&self, index: usize) -> Option<f64> {
        let decoder = Decoder::of(&self.header);
        let size = decoder.size();
        let start = index.checked_mul(size)?;
        let raw = self.bytes.get(start..start.checked_add(size)?)?;
        Some(decoder.value(raw))
    }

    /// The scaled values of volume `t` (one per voxel of the grid), or `None` past the last.
    pub fn volume<T: Sample>(&self, t: usize) -> Option<Vec<T>> {
        let decoder = Decoder::of(&self.header);
        let size = decoder.size();
        let n = self.voxels_per_volume();
        let raw = self.bytes.get(t * n * size..(t + 1) * n * size)?;
        Some(
            raw.chunks_exact(size)
                .map(|s| T::from_f64(decoder.value(s)))
                .collect(),
        )
    }

    /// For each voxel of the grid, whether `keep` holds for its value in volume `t`: e.g. the
    /// default fitting mask, `mask_where(0, |v| v.is_finite() && v > 0.0)`. Decodes only that
    /// volume; all `false` past the last volume.
    pub fn mask_where(&self, t: usize, keep: impl Fn(f64) -> bool) -> Vec<bool> {
        let decoder = Decoder::of(&self.header);
        let size = decoder.size();
        let n = self.voxels_per_volume();
        match self.bytes.get(t * n * size..(t + 1) * n * size) {
            Some(raw) => raw
                .chunks_exact(size)
                .map(|s| keep(decoder.value(s)))
                .collect(),
            None => vec![false; n],
        }
    }

    /// The values of the voxels where `mask` is true, voxel-major: row `k` (of `volumes()`
    /// values) is the `k`-th masked voxel in file order. `mask` has one entry per voxel of the
    /// grid; only the masked samples are converted.
    pub fn gather<T: Sample>(&self, mask: &[bool]) -> Result<Vec<T>, Error> {
        let n = self.voxels_per_volume();
        if mask.len() != n {
            return Err(Error::MaskMismatch {
                path: self.path.clone(),
                mask: mask.len(),
                grid: self.shape.iter().take(3).copied().collect(),
            });
        }
        let decoder = Decoder::of(&self.header);
        let size = decoder.size();
        let volumes = self.volumes();
        let voxels: Vec<usize> = crate::volume::masked_indices(mask).collect();
        let mut out = Vec::with_capacity(voxels.len() * volumes);
        for block in voxels.chunks(BLOCK) {
            let base = out.len();
            out.resize(base + block.len() * volumes, T::from_f64(0.0));
            let rows = &mut out[base..];
            for t in 0..volumes {
                let volume = &self.bytes[t * n * size..(t + 1) * n * size];
                for (row, &v) in rows.chunks_exact_mut(volumes).zip(block) {
                    row[t] = T::from_f64(decoder.value(&volume[v * size..(v + 1) * size]));
                }
            }
        }
        Ok(out)
    }

    /// Every value decoded: the [`NiftiImage`] that [`read_nifti_as`](super::read_nifti_as)
    /// would have returned (8 bytes per sample for f64 — for small images).
    pub fn decode<T: Sample>(&self) -> Result<NiftiImage<T>, Error> {
        let decoder = Decoder::of(&self.header);
        let data = self
            .bytes
            .chunks_exact(decoder.size())
            .map(|s| T::from_f64(decoder.value(s)))
            .collect();
        NiftiImage::new(self.header.clone(), self.shape.clone(), data)
    }

    /// Header and shape, dropping the samples: what a map on this image's grid needs (see
    /// [`NiftiImage::on_grid`]).
    pub fn into_grid(self) -> (NiftiHeader, Vec<usize>) {
        (self.header, self.shape)
    }
}
