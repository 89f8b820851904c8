//! Zarr v2 directory stores, written uncompressed, with consolidated metadata: what xarray
//! (`xr.open_zarr`) and ArviZ (`az.from_zarr`) open directly.
//!
//! The format is Zarr's storage specification version 2
//! (<https://zarr-specs.readthedocs.io/en/latest/v2/v2.0.html>): a group is a folder with
//! `.zgroup` (`{"zarr_format": 2}`) and `.zattrs`; an array is a folder with `.zarray` (shape,
//! chunks, dtype, `compressor: null`, fill value, C order) and its chunks, one file per chunk
//! named by its grid index joined with `.` (`0.3.0`), each holding the whole chunk (edge chunks
//! padded: NaN for floats, zero bytes otherwise) as raw little-endian values in C order. xarray names an array's
//! dimensions by the attribute `_ARRAY_DIMENSIONS`. `.zmetadata` at the root repeats every
//! metadata document (Zarr's consolidated metadata), so a reader lists the store in one read.
//!
//! Written here rather than with the `zarrs` crate: the store is a handful of JSON documents and
//! raw chunks, while `zarrs` brings codecs, async storage and dozens of crates that sampling
//! never uses.
//!
//! The store is built in a hidden temporary folder next to the target and renamed into place by
//! [`ZarrWriter::finish`]; dropped unfinished (an error, a cancellation), the folder is removed
//! and the target never appears.

use crate::Error;
use crate::atomic::staging_place;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The element type of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZarrType {
    /// 64-bit float (`<f8`), fill NaN.
    F64,
    /// 64-bit signed integer (`<i8`), padded with 0.
    I64,
    /// Boolean (`|b1`, one byte), padded with false.
    Bool,
}

impl ZarrType {
    fn dtype(self) -> &'static str {
        match self {
            ZarrType::F64 => "<f8",
            ZarrType::I64 => "<i8",
            ZarrType::Bool => "|b1",
        }
    }

    /// The fill value recorded in `.zarray`. Integers and booleans record none (`null`):
    /// xarray reads a recorded fill value as "missing" and would turn every 0 of an integer
    /// coordinate into NaN. Padding bytes are zero either way.
    fn fill_value(self) -> Value {
        match self {
            ZarrType::F64 => json!("NaN"),
            ZarrType::I64 | ZarrType::Bool => Value::Null,
        }
    }
}

/// The values of one chunk, in C order over the chunk's part inside the array.
#[derive(Debug, Clone, Copy)]
pub enum ChunkValues<'a> {
    /// For a [`ZarrType::F64`] array.
    F64(&'a [f64]),
    /// For a [`ZarrType::I64`] array.
    I64(&'a [i64]),
    /// For a [`ZarrType::Bool`] array.
    Bool(&'a [bool]),
}

impl ChunkValues<'_> {
    fn len(&self) -> usize {
        match self {
            ChunkValues::F64(v) => v.len(),
            ChunkValues::I64(v) => v.len(),
            ChunkValues::Bool(v) => v.len(),
        }
    }

    fn kind(&self) -> ZarrType {
        match self {
            ChunkValues::F64(_) => ZarrType::F64,
            ChunkValues::I64(_) => ZarrType::I64,
            ChunkValues::Bool(_) => ZarrType::Bool,
        }
    }

    /// Little-endian bytes of element `i`, appended to `out`.
    fn push_bytes(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            ChunkValues::F64(v) => out.extend_from_slice(&v[i].to_le_bytes()),
            ChunkValues::I64(v) => out.extend_from_slice(&v[i].to_le_bytes()),
            ChunkValues::Bool(v) => out.push(u8::from(v[i])),
        }
    }
}

/// An array's description: element type, shape, chunk shape, dimension names and attributes.
#[derive(Debug, Clone)]
pub struct ZarrArray {
    /// Element type.
    pub kind: ZarrType,
    /// Shape.
    pub shape: Vec<usize>,
    /// Chunk shape (same length as `shape`, each ≥ 1).
    pub chunks: Vec<usize>,
    /// Dimension names (xarray's `_ARRAY_DIMENSIONS`), one per axis.
    pub dims: Vec<String>,
    /// Further attributes (units, descriptions, `coordinates`).
    pub attrs: Map<String, Value>,
}

/// A Zarr v2 store being written; see the module documentation.
#[derive(Debug)]
pub struct ZarrWriter {
    target: PathBuf,
    staging: tempfile::TempDir,
    /// Every metadata document written, by its key (for `.zmetadata`).
    metadata: Map<String, Value>,
    /// The arrays declared, by path.
    arrays: Vec<(String, ZarrArray)>,
}

impl ZarrWriter {
    /// Starts a store that [`finish`](Self::finish) will put at `path`, whose root group has the
    /// attributes `attrs`; its parent folder is created if missing. Refused if `path` exists
    /// (nothing is overwritten).
    pub fn create(path: &Path, attrs: Map<String, Value>) -> Result<Self, Error> {
        let write_err = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        if path.exists() {
            return Err(write_err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "it already exists (remove it or choose another name)",
            )));
        }
        let (dir, prefix) = staging_place(path);
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".part")
            .tempdir_in(dir)
            .map_err(write_err)?;
        let mut writer = ZarrWriter {
            target: path.to_path_buf(),
            staging,
            metadata: Map::new(),
            arrays: Vec::new(),
        };
        writer.group("", attrs)?;
        Ok(writer)
    }

    /// Adds the group `name` (a `/`-separated path; `""` is the root) with attributes `attrs`.
    pub fn group(&mut self, name: &str, attrs: Map<String, Value>) -> Result<(), Error> {
        self.document(name, ".zgroup", json!({"zarr_format": 2}))?;
        self.document(name, ".zattrs", Value::Object(attrs))
    }

    /// Declares the array `name` (a path inside a group, e.g. `posterior/mu`); its chunks are
    /// then written with [`write_chunk`](Self::write_chunk). Float chunks never written read as
    /// NaN; integer and boolean arrays have no fill value, so write all their chunks.
    pub fn array(&mut self, name: &str, array: ZarrArray) -> Result<(), Error> {
        let rank = array.shape.len();
        if array.chunks.len() != rank || array.dims.len() != rank || array.chunks.contains(&0) {
            return Err(self.invalid(format!(
                "array {name}: shape, chunks and dimension names must have one positive entry per axis"
            )));
        }
        let zarray = json!({
            "zarr_format": 2,
            "shape": array.shape,
            "chunks": array.chunks,
            "dtype": array.kind.dtype(),
            "compressor": null,
            "fill_value": array.kind.fill_value(),
            "order": "C",
            "filters": null,
            "dimension_separator": ".",
        });
        self.document(name, ".zarray", zarray)?;
        let mut attrs = array.attrs.clone();
        attrs.insert("_ARRAY_DIMENSIONS".into(), json!(array.dims));
        self.document(name, ".zattrs", Value::Object(attrs))?;
        self.arrays.push((name.to_string(), array));
        Ok(())
    }

    /// Writes chunk `index` (its position in the chunk grid) of array `name`. `values` are the
    /// chunk's elements that lie inside the array, in C order over that part; an edge chunk is
    /// padded to the full chunk shape (NaN for floats, zero bytes otherwise).
    pub fn write_chunk(
        &self,
        name: &str,
        index: &[usize],
        values: ChunkValues,
    ) -> Result<(), Error> {
        let Some((_, array)) = self.arrays.iter().find(|(n, _)| n == name) else {
            return Err(self.invalid(format!("array {name} was not declared")));
        };
        if values.kind() != array.kind || index.len() != array.shape.len() {
            return Err(self.invalid(format!(
                "chunk {index:?} of array {name}: wrong element type or rank"
            )));
        }
        // The part of the chunk inside the array.
        let mut inside = Vec::with_capacity(index.len());
        for ((&i, &c), &s) in index.iter().zip(&array.chunks).zip(&array.shape) {
            let start = i * c;
            if start >= s {
                return Err(self.invalid(format!(
                    "chunk {index:?} of array {name} lies outside its shape {:?}",
                    array.shape
                )));
            }
            inside.push(c.min(s - start));
        }
        if values.len() != inside.iter().product::<usize>() {
            return Err(self.invalid(format!(
                "chunk {index:?} of array {name}: {} values for a part of shape {inside:?}",
                values.len()
            )));
        }
        let width = match array.kind {
            ZarrType::Bool => 1,
            _ => 8,
        };
        let full: usize = array.chunks.iter().product();
        let mut bytes = Vec::with_capacity(full * width);
        let fill: Vec<u8> = match array.kind {
            ZarrType::F64 => f64::NAN.to_le_bytes().to_vec(),
            ZarrType::I64 => 0i64.to_le_bytes().to_vec(),
            ZarrType::Bool => vec![0],
        };
        // Walk the full chunk in C order; elements outside the array get the fill value.
        let rank = inside.len();
        let mut at = vec![0usize; rank];
        let mut next = 0;
        for _ in 0..full {
            if at.iter().zip(&inside).all(|(a, n)| a < n) {
                values.push_bytes(next, &mut bytes);
                next += 1;
            } else {
                bytes.extend_from_slice(&fill);
            }
            for axis in (0..rank).rev() {
                at[axis] += 1;
                if at[axis] < array.chunks[axis] {
                    break;
                }
                at[axis] = 0;
            }
        }
        let key: Vec<String> = index.iter().map(usize::to_string).collect();
        self.put(&format!("{name}/{}", key.join(".")), &bytes)
    }

    /// Writes `.zmetadata` and renames the finished store to its target.
    pub fn finish(self) -> Result<(), Error> {
        let consolidated = json!({
            "zarr_consolidated_format": 1,
            "metadata": Value::Object(self.metadata.clone()),
        });
        self.put(".zmetadata", &to_bytes(&consolidated))?;
        let staging = self.staging.keep();
        std::fs::rename(&staging, &self.target).map_err(|source| {
            let _ = std::fs::remove_dir_all(&staging);
            Error::Write {
                path: self.target.clone(),
                source,
            }
        })
    }

    fn document(&mut self, node: &str, file: &str, value: Value) -> Result<(), Error> {
        let key = if node.is_empty() {
            file.to_string()
        } else {
            format!("{node}/{file}")
        };
        self.put(&key, &to_bytes(&value))?;
        self.metadata.insert(key, value);
        Ok(())
    }

    /// Writes `bytes` at `key` (a `/`-separated path) inside the staging folder.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.staging.path().join(key);
        let write_err = |source| Error::Write {
            path: self.target.join(key),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        std::fs::write(&path, bytes).map_err(write_err)
    }

    fn invalid(&self, reason: String) -> Error {
        Error::Write {
            path: self.target.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, reason),
        }
    }
}

fn to_bytes(value: &Value) -> Vec<u8> {
    // Serialising a Value cannot fail.
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_json(path: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn a_store_holds_its_metadata_and_padded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draws.zarr");
        let mut attrs = Map::new();
        attrs.insert("note".into(), json!("root"));
        let mut w = ZarrWriter::create(&path, attrs).unwrap();
        w.group("posterior", Map::new()).unwrap();
        let array = ZarrArray {
            kind: ZarrType::F64,
            shape: vec![2, 3],
            chunks: vec![2, 2],
            dims: vec!["chain".into(), "voxel".into()],
            attrs: Map::new(),
        };
        w.array("posterior/x", array).unwrap();
        // Chunk (0, 1) covers columns 2..4, of which only column 2 is inside the array.
        w.write_chunk(
            "posterior/x",
            &[0, 0],
            ChunkValues::F64(&[1.0, 2.0, 4.0, 5.0]),
        )
        .unwrap();
        w.write_chunk("posterior/x", &[0, 1], ChunkValues::F64(&[3.0, 6.0]))
            .unwrap();
        assert!(!path.exists(), "the target appears only when finished");
        w.finish().unwrap();

        let zarray = read_json(&path.join("posterior/x/.zarray"));
        assert_eq!(zarray["shape"], json!([2, 3]));
        assert_eq!(zarray["dtype"], json!("<f8"));
        assert_eq!(zarray["fill_value"], json!("NaN"));
        let zattrs = read_json(&path.join("posterior/x/.zattrs"));
        assert_eq!(zattrs["_ARRAY_DIMENSIONS"], json!(["chain", "voxel"]));
        let edge = std::fs::read(path.join("posterior/x/0.1")).unwrap();
        let values: Vec<f64> = edge
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(values[0], 3.0);
        assert!(values[1].is_nan());
        assert_eq!(values[2], 6.0);
        assert!(values[3].is_nan());
        let meta = read_json(&path.join(".zmetadata"));
        assert_eq!(meta["metadata"][".zattrs"]["note"], json!("root"));
        assert_eq!(meta["metadata"]["posterior/x/.zarray"], zarray);
        assert_eq!(
            meta["metadata"]["posterior/.zgroup"]["zarr_format"],
            json!(2)
        );
    }

    #[test]
    fn existing_targets_bad_chunks_and_unfinished_stores_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("taken.zarr");
        std::fs::create_dir(&taken).unwrap();
        let e = ZarrWriter::create(&taken, Map::new()).unwrap_err();
        assert!(e.to_string().contains("taken.zarr") && e.to_string().contains("exists"));

        let path = dir.path().join("d.zarr");
        let mut w = ZarrWriter::create(&path, Map::new()).unwrap();
        let array = ZarrArray {
            kind: ZarrType::Bool,
            shape: vec![3],
            chunks: vec![2],
            dims: vec!["voxel".into()],
            attrs: Map::new(),
        };
        w.array("flags", array).unwrap();
        let wrong_len = w.write_chunk("flags", &[0], ChunkValues::Bool(&[true]));
        assert!(wrong_len.unwrap_err().to_string().contains("1 values"));
        let outside = w.write_chunk("flags", &[2], ChunkValues::Bool(&[true]));
        assert!(outside.unwrap_err().to_string().contains("outside"));
        let wrong_type = w.write_chunk("flags", &[0], ChunkValues::F64(&[1.0, 2.0]));
        assert!(wrong_type.is_err());
        drop(w);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the pre-existing folder remains");
    }
}
