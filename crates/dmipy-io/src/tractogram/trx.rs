//! TRX (tee-ar-ex): a zip archive, or a directory, of raw little-endian arrays beside a `header.json`.
//!
//! Layout (the TRX specification, <https://github.com/tee-ar-ex/trx-spec>, as trx-python 0.6
//! reads and writes it):
//! - `header.json`: `DIMENSIONS` (grid shape), `VOXEL_TO_RASMM` (4×4, row-major),
//!   `NB_VERTICES`, `NB_STREAMLINES`;
//! - `positions.3.<dtype>`: NB_VERTICES × 3 world RAS mm points (`float16|32|64`);
//! - `offsets.<dtype>`: the first point of each streamline (`uint32|uint64`), followed by a last
//!   entry NB_VERTICES (NB_STREAMLINES + 1 entries, what trx-python ≥ 0.3 writes and requires;
//!   files with NB_STREAMLINES entries, the older convention, are read too);
//! - `dps/<name>.<dtype>`: per-streamline values, here the tractogram's properties (`float32`).
//!
//! Written as a zip with stored (uncompressed) members, as trx-python writes them and needs
//! them to memory-map the arrays; deflated members are read too. The zip container comes from the
//! `zip` crate (with only its flate2 backend); the arrays are simple enough to decode here.

use super::{Tractogram, TractogramReference};
use crate::Error;
use crate::affine::invert_affine;
use crate::atomic::write_bytes_atomically;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;

/// The bytes of a `.trx` zip archive holding `tractogram` on `reference`'s grid.
pub fn encode_trx(
    tractogram: &Tractogram,
    reference: &TractogramReference,
    path: &Path,
) -> Result<Vec<u8>, Error> {
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    if invert_affine(&reference.affine).is_none() {
        return Err(bad("VOXEL_TO_RASMM", "affine not invertible".into()));
    }
    if reference.shape.iter().any(|&d| d > u16::MAX as usize) {
        return Err(bad(
            "DIMENSIONS",
            format!("{:?} exceeds 65535", reference.shape),
        ));
    }
    let n = tractogram.streamlines.len();
    let n_vertices: usize = tractogram.streamlines.iter().map(Vec::len).sum();
    for (name, values) in &tractogram.properties {
        if values.len() != n || !valid_member_name(name) {
            return Err(bad(
                "dps",
                format!("{name:?}: a plain file name and {n} values needed"),
            ));
        }
    }
    let header = serde_json::json!({
        "DIMENSIONS": reference.shape,
        "VOXEL_TO_RASMM": reference.affine,
        "NB_VERTICES": n_vertices,
        "NB_STREAMLINES": n,
    });
    let mut positions = Vec::with_capacity(12 * n_vertices);
    for p in tractogram.streamlines.iter().flatten().flatten() {
        positions.extend_from_slice(&p.to_le_bytes());
    }
    let mut offsets = Vec::with_capacity(8 * (n + 1));
    let mut start = 0u64;
    for s in &tractogram.streamlines {
        offsets.extend_from_slice(&start.to_le_bytes());
        start += s.len() as u64;
    }
    offsets.extend_from_slice(&start.to_le_bytes());
    let mut members: Vec<(String, Vec<u8>)> = vec![
        ("header.json".into(), header.to_string().into_bytes()),
        ("positions.3.float32".into(), positions),
        ("offsets.uint64".into(), offsets),
    ];
    for (name, values) in &tractogram.properties {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        members.push((format!("dps/{name}.float32"), bytes));
    }
    let zip_err = |e: zip::result::ZipError| bad("zip", e.to_string());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(members.iter().any(|(_, b)| b.len() > u32::MAX as usize));
    for (name, bytes) in &members {
        zip.start_file(name.as_str(), options).map_err(zip_err)?;
        zip.write_all(bytes).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// A dps name becomes a member file name: no separators, no dots (the dots carry the dtype).
fn valid_member_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Writes a `.trx` zip archive through a temporary file renamed when complete.
pub fn write_trx(
    path: &Path,
    tractogram: &Tractogram,
    reference: &TractogramReference,
) -> Result<(), Error> {
    let bytes = encode_trx(tractogram, reference, path)?;
    write_bytes_atomically(path, &bytes)
}

/// Reads a TRX tractogram, a zip archive or a directory, with the reference it names.
/// Per-streamline values with one value each (`dps/<name>.<dtype>`, any numeric dtype) become
/// properties; per-vertex data, groups and per-group data are not read.
pub fn read_trx(path: &Path) -> Result<(Tractogram, TractogramReference), Error> {
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        let mut members = BTreeMap::new();
        collect_directory(path, "", &mut members).map_err(read_err)?;
        return decode_members(&members, path);
    }
    let bytes = std::fs::read(path).map_err(read_err)?;
    parse_trx(&bytes, path)
}

fn collect_directory(
    dir: &Path,
    prefix: &str,
    members: &mut BTreeMap<String, Vec<u8>>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        // Depth 3 covers dpg/<group>/<name>; anything deeper is not TRX.
        if entry.file_type()?.is_dir() && prefix.matches('/').count() < 2 {
            collect_directory(&entry.path(), &format!("{name}/"), members)?;
        } else if entry.file_type()?.is_file() {
            members.insert(name, std::fs::read(entry.path())?);
        }
    }
    Ok(())
}

/// Parses the bytes of a `.trx` zip archive; `path` labels errors.
pub fn parse_trx(
    bytes: &[u8],
    path: impl AsRef<Path>,
) -> Result<(Tractogram, TractogramReference), Error> {
    let path = path.as_ref();
    let bad = |reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field: "zip",
        reason,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut members = BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| bad(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().map_err(|e| bad(e.to_string()))?;
        let name = name.trim_start_matches("./").to_string();
        // A member can never decompress to more than the archive could describe honestly:
        // cap it at its declared size so that a forged size cannot exhaust memory.
        let declared = file.size();
        let mut data = Vec::with_capacity(declared.min(bytes.len() as u64 * 4) as usize);
        (&mut file)
            .take(declared)
            .read_to_end(&mut data)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        members.insert(name, data);
    }
    decode_members(&members, path)
}

/// Splits `positions.3.float32` into ("positions", 3, "float32"); `name.float32` has width 1.
fn split_member(name: &str) -> Option<(&str, usize, &str)> {
    let (stem, dtype) = name.rsplit_once('.')?;
    match stem.rsplit_once('.') {
        Some((base, dim)) if dim.bytes().all(|b| b.is_ascii_digit()) => {
            Some((base, dim.parse().ok()?, dtype))
        }
        _ => Some((stem, 1, dtype)),
    }
}

/// Little-endian numbers of a TRX dtype, widened to f64 (exact for every dtype TRX positions,
/// offsets and scalars use, up to 2^53).
fn decode_numbers(bytes: &[u8], dtype: &str) -> Option<Vec<f64>> {
    fn chunks<const N: usize>(b: &[u8], f: impl Fn([u8; N]) -> f64) -> Option<Vec<f64>> {
        b.len().is_multiple_of(N).then(|| {
            b.chunks_exact(N)
                .map(|c| f(c.try_into().unwrap_or([0; N])))
                .collect()
        })
    }
    match dtype {
        "float16" => chunks(bytes, |c| f64::from(half::f16::from_le_bytes(c))),
        "float32" => chunks(bytes, |c| f64::from(f32::from_le_bytes(c))),
        "float64" => chunks(bytes, f64::from_le_bytes),
        "uint8" => chunks(bytes, |c: [u8; 1]| f64::from(c[0])),
        "uint16" => chunks(bytes, |c| f64::from(u16::from_le_bytes(c))),
        "uint32" => chunks(bytes, |c| f64::from(u32::from_le_bytes(c))),
        "uint64" => chunks(bytes, |c| u64::from_le_bytes(c) as f64),
        "int8" => chunks(bytes, |c: [u8; 1]| f64::from(c[0] as i8)),
        "int16" => chunks(bytes, |c| f64::from(i16::from_le_bytes(c))),
        "int32" => chunks(bytes, |c| f64::from(i32::from_le_bytes(c))),
        "int64" => chunks(bytes, |c| i64::from_le_bytes(c) as f64),
        _ => None,
    }
}

fn decode_members(
    members: &BTreeMap<String, Vec<u8>>,
    path: &Path,
) -> Result<(Tractogram, TractogramReference), Error> {
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    let header = members
        .get("header.json")
        .ok_or_else(|| bad("header.json", "missing".into()))?;
    let header: serde_json::Value =
        serde_json::from_slice(header).map_err(|e| bad("header.json", format!("not JSON: {e}")))?;
    let count = |key: &'static str| {
        header[key]
            .as_u64()
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| bad(key, format!("{} is not a count", header[key])))
    };
    let (n_vertices, n_streamlines) = (count("NB_VERTICES")?, count("NB_STREAMLINES")?);
    let dims: Vec<usize> = header["DIMENSIONS"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as usize)
                .collect()
        })
        .unwrap_or_default();
    let shape: [usize; 3] = dims.try_into().map_err(|_| {
        bad(
            "DIMENSIONS",
            format!("{} is not 3 counts", header["DIMENSIONS"]),
        )
    })?;
    let rows: Vec<f64> = match header["VOXEL_TO_RASMM"].as_array() {
        Some(rows) => rows
            .iter()
            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_f64())
            .collect(),
        None => Vec::new(),
    };
    if rows.len() != 16 || rows.iter().any(|v| !v.is_finite()) {
        return Err(bad(
            "VOXEL_TO_RASMM",
            format!("{} is not a finite 4×4 matrix", header["VOXEL_TO_RASMM"]),
        ));
    }
    let affine: crate::Affine = std::array::from_fn(|r| std::array::from_fn(|c| rows[4 * r + c]));
    if invert_affine(&affine).is_none() {
        return Err(bad("VOXEL_TO_RASMM", "affine not invertible".into()));
    }
    let reference = TractogramReference { shape, affine };
    let mut tractogram = Tractogram::default();
    if n_streamlines == 0 {
        return Ok((tractogram, reference));
    }
    let array = |base: &str, field: &'static str| {
        let (name, dim, dtype) = members
            .keys()
            .filter(|k| !k.contains('/'))
            .filter_map(|k| split_member(k).map(|(b, d, t)| (k, b, d, t)))
            .find(|(_, b, _, _)| *b == base)
            .map(|(k, _, d, t)| (k, d, t))
            .ok_or_else(|| bad(field, "missing".into()))?;
        let values = decode_numbers(&members[name], dtype)
            .ok_or_else(|| bad(field, format!("{name}: unknown dtype or ragged size")))?;
        Ok::<_, Error>((dim, values))
    };
    let (dim, positions) = array("positions", "positions")?;
    if dim != 3 || positions.len() != 3 * n_vertices {
        return Err(bad(
            "positions",
            format!(
                "{} values of width {dim}, expected {n_vertices} points of 3",
                positions.len()
            ),
        ));
    }
    let (_, mut offsets) = array("offsets", "offsets")?;
    if offsets.len() == n_streamlines {
        offsets.push(n_vertices as f64);
    }
    let monotone = offsets.windows(2).all(|w| w[0] <= w[1]);
    if offsets.len() != n_streamlines + 1
        || offsets[0] != 0.0
        || offsets[n_streamlines] != n_vertices as f64
        || !monotone
    {
        return Err(bad(
            "offsets",
            format!(
                "{} offsets: need {n_streamlines} (+1) non-decreasing entries from 0 to {n_vertices}",
                offsets.len()
            ),
        ));
    }
    tractogram.streamlines = offsets
        .windows(2)
        .map(|w| {
            (w[0] as usize..w[1] as usize)
                .map(|i| std::array::from_fn(|k| positions[3 * i + k] as f32))
                .collect()
        })
        .collect();
    for (key, bytes) in members {
        let Some(member) = key.strip_prefix("dps/") else {
            continue;
        };
        let Some((name, 1, dtype)) = split_member(member) else {
            continue;
        };
        let values = decode_numbers(bytes, dtype)
            .filter(|v| v.len() == n_streamlines)
            .ok_or_else(|| {
                bad(
                    "dps",
                    format!("{key}: expected {n_streamlines} values of a numeric dtype"),
                )
            })?;
        let values = values.into_iter().map(|v| v as f32).collect();
        tractogram.properties.push((name.to_string(), values));
    }
    Ok((tractogram, reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Tractogram, TractogramReference) {
        let t = Tractogram {
            streamlines: vec![
                vec![[10.0, 0.0, 0.0], [8.0, 2.5, 1.0]],
                vec![],
                vec![[4.0, 4.0, 4.0]],
            ],
            properties: vec![("stop_reason".into(), vec![1.0, 2.0, 4.0])],
        };
        let reference = TractogramReference {
            shape: [5, 6, 7],
            affine: [
                [-2.0, 0.0, 0.0, 10.0],
                [0.0, 2.0, 0.0, 0.0],
                [0.0, 0.0, 2.0, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ],
        };
        (t, reference)
    }

    #[test]
    fn zip_round_trip_keeps_points_properties_and_reference() {
        let (t, reference) = sample();
        let bytes = encode_trx(&t, &reference, Path::new("t.trx")).unwrap();
        let (back, r) = parse_trx(&bytes, "t.trx").unwrap();
        assert_eq!(back, t);
        assert_eq!(r, reference);
    }

    #[test]
    fn member_names_split_into_base_width_and_dtype() {
        assert_eq!(
            split_member("positions.3.float16"),
            Some(("positions", 3, "float16"))
        );
        assert_eq!(
            split_member("offsets.uint32"),
            Some(("offsets", 1, "uint32"))
        );
        assert_eq!(split_member("noext"), None);
    }

    #[test]
    fn half_precision_positions_decode_exactly() {
        // 1.5 = 0x3E00, -2 = 0xC000, 0.25 = 0x3400 in IEEE binary16.
        let bytes = [0x00, 0x3E, 0x00, 0xC0, 0x00, 0x34];
        assert_eq!(
            decode_numbers(&bytes, "float16").unwrap(),
            vec![1.5, -2.0, 0.25]
        );
    }

    #[test]
    fn legacy_offsets_without_the_last_entry_are_read() {
        let (t, reference) = sample();
        let bytes = encode_trx(&t, &reference, Path::new("t.trx")).unwrap();
        let mut members = BTreeMap::new();
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            members.insert(f.name().unwrap().to_string(), data);
        }
        let offsets = members.get_mut("offsets.uint64").unwrap();
        offsets.truncate(offsets.len() - 8);
        let (back, _) = decode_members(&members, Path::new("t.trx")).unwrap();
        assert_eq!(back.streamlines, t.streamlines);
    }

    #[test]
    fn broken_archives_are_named_errors() {
        let (t, reference) = sample();
        let bytes = encode_trx(&t, &reference, Path::new("t.trx")).unwrap();
        assert!(parse_trx(&bytes[..bytes.len() / 2], "t.trx").is_err());
        assert!(parse_trx(b"PK\x03\x04garbage", "t.trx").is_err());
        let mut bad_props = t.clone();
        bad_props.properties[0].0 = "../escape".into();
        assert!(encode_trx(&bad_props, &reference, Path::new("t.trx")).is_err());
        let mut members = BTreeMap::new();
        members.insert(
            "header.json".to_string(),
            br#"{"DIMENSIONS":[1,1,1],"VOXEL_TO_RASMM":[[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]],"NB_VERTICES":2,"NB_STREAMLINES":1}"#.to_vec(),
        );
        members.insert("positions.3.float32".into(), vec![0; 24]);
        members.insert(
            "offsets.uint32".into(),
            [0u32, 3].iter().flat_map(|v| v.to_le_bytes()).collect(),
        );
        let e = decode_members(&members, Path::new("x.trx")).unwrap_err();
        assert!(
            e.to_string().contains("x.trx") && e.to_string().contains("offsets"),
            "{e}"
        );
    }
}
