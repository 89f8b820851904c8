//! MRtrix `.tck`: a text header ending in `END`, then float32 triples; NaN triples separate streamlines, an Inf triple ends the file.

use super::Tractogram;
use crate::Error;
use crate::atomic::write_bytes_atomically;
use std::path::Path;

/// The bytes of a `.tck` file (MRtrix3 "tracks" format, `Float32LE`, world scanner coordinates
/// in mm, as <https://mrtrix.readthedocs.io/en/latest/getting_started/image_data.html#tracks-file-format-tck>
/// describes). Properties are not stored.
pub fn encode_tck(tractogram: &Tractogram) -> Vec<u8> {
    let count = tractogram.streamlines.len();
    let head = |offset: usize| {
        format!(
            "mrtrix tracks\ncount: {count}\ntotal_count: {count}\ndatatype: Float32LE\nfile: . {offset}\nEND\n"
        )
    };
    // The offset is written in the header it locates: iterate until its digit count is stable.
    let mut offset = head(0).len();
    while head(offset).len() != offset {
        offset = head(offset).len();
    }
    let mut out = head(offset).into_bytes();
    let push = |p: [f32; 3], out: &mut Vec<u8>| {
        for x in p {
            out.extend_from_slice(&x.to_le_bytes());
        }
    };
    for s in &tractogram.streamlines {
        for &p in s {
            push(p, &mut out);
        }
        push([f32::NAN; 3], &mut out);
    }
    push([f32::INFINITY; 3], &mut out);
    out
}

/// Writes a `.tck` file through a temporary file renamed when complete.
pub fn write_tck(path: &Path, tractogram: &Tractogram) -> Result<(), Error> {
    let bytes = encode_tck(tractogram);
    write_bytes_atomically(path, &bytes)
}

/// Reads a `.tck` file.
pub fn read_tck(path: &Path) -> Result<Tractogram, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_tck(&bytes, path)
}

/// Parses `.tck` bytes (`Float32LE/BE`, `Float64LE/BE`); `path` labels errors.
pub fn parse_tck(bytes: &[u8], path: impl AsRef<Path>) -> Result<Tractogram, Error> {
    let path = path.as_ref();
    let bad = |line: usize, reason: String| Error::BadLine {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let end = bytes
        .windows(4)
        .position(|w| w == b"END\n")
        .ok_or_else(|| bad(0, "no END line in the header".into()))?;
    let header = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = header.lines();
    if lines.next().map(str::trim) != Some("mrtrix tracks") {
        return Err(bad(1, "first line is not `mrtrix tracks`".into()));
    }
    let (mut datatype, mut offset) = (None, None);
    for (n, line) in lines.enumerate() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "datatype" => datatype = Some(value.trim().to_string()),
            "file" => {
                let v = value.trim();
                let o = v
                    .strip_prefix('.')
                    .and_then(|r| r.trim().parse::<usize>().ok())
                    .ok_or_else(|| bad(n + 2, format!("file entry {v:?} is not `. OFFSET`")))?;
                offset = Some(o);
            }
            _ => {}
        }
    }
    let datatype = datatype.ok_or_else(|| bad(0, "no datatype entry".into()))?;
    let offset = offset.ok_or_else(|| bad(0, "no file entry".into()))?;
    let (width, little) = match datatype.as_str() {
        "Float32LE" => (4, true),
        "Float32BE" => (4, false),
        "Float64LE" => (8, true),
        "Float64BE" => (8, false),
        other => return Err(bad(0, format!("unsupported datatype {other:?}"))),
    };
    if offset < end + 4 || offset > bytes.len() {
        return Err(bad(
            0,
            format!(
                "data offset {offset} outside the file ({} bytes)",
                bytes.len()
            ),
        ));
    }
    let value = |b: &[u8]| -> f32 {
        match (width, little) {
            (4, true) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            (4, false) => f32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            (_, true) => f64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8])) as f32,
            (_, false) => f64::from_be_bytes(b[..8].try_into().unwrap_or([0; 8])) as f32,
        }
    };
    let mut out = Tractogram::default();
    let mut current = Vec::new();
    for triple in bytes[offset..].chunks_exact(3 * width) {
        let p = [
            value(&triple[..width]),
            value(&triple[width..2 * width]),
            value(&triple[2 * width..]),
        ];
        if p.iter().any(|x| x.is_infinite()) {
            break;
        }
        if p.iter().any(|x| x.is_nan()) {
            out.streamlines.push(std::mem::take(&mut current));
        } else {
            current.push(p);
        }
    }
    if !current.is_empty() {
        out.streamlines.push(current);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let t = Tractogram {
            streamlines: vec![
                vec![[1.0, 2.0, 3.0], [4.0, 5.5, -6.0]],
                vec![[0.25, 0.0, 1e3]],
            ],
            properties: Vec::new(),
        };
        let bytes = encode_tck(&t);
        let text = String::from_utf8_lossy(&bytes);
        let offset: usize = text
            .split("file: . ")
            .nth(1)
            .unwrap()
            .split('\n')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(&bytes[offset - 4..offset], b"END\n");
        // 3 points + 2 separators + terminator, 12 bytes each.
        assert_eq!(bytes.len() - offset, 6 * 12);
        assert_eq!(parse_tck(&bytes, "t.tck").unwrap(), t);
        assert!(parse_tck(b"mrtrix tracks\nEND\n", "x.tck").is_err());
        assert!(parse_tck(b"garbage", "x.tck").is_err());
    }
}
