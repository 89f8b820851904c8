//! TrackVis `.trk` (version 2): a 1000-byte header, then per streamline a point count, float32 points in voxel-mm and properties.

use super::{Tractogram, TractogramReference};
use crate::affine::{apply_affine, axis_codes, invert_affine};
use crate::atomic::write_bytes_atomically;
use crate::{Affine, Error};
use std::path::Path;

const HEADER: usize = 1000;

fn voxel_sizes(a: &Affine) -> [f64; 3] {
    std::array::from_fn(|c| (0..3).map(|r| a[r][c] * a[r][c]).sum::<f64>().sqrt())
}

/// The bytes of a `.trk` file. Points are stored in TrackVis "voxmm" coordinates,
/// voxmm = (v + ½)·s with v the voxel coordinates of the world point and s the voxel sizes, and
/// the header's `vox_to_ras` = the reference affine and `voxel_order` = its axis codes, so that
/// nibabel (`nibabel.streamlines.trk`, which inverts exactly this) and DIPY read the same world
/// RAS mm points back. At most 10 properties with names ≤ 20 bytes.
#[allow(clippy::needless_range_loop)] // header matrix indices
pub fn encode_trk(
    tractogram: &Tractogram,
    reference: &TractogramReference,
    path: &Path,
) -> Result<Vec<u8>, Error> {
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    let inv = invert_affine(&reference.affine)
        .ok_or_else(|| bad("vox_to_ras", "affine not invertible".into()))?;
    if tractogram.properties.len() > 10 {
        return Err(bad(
            "n_properties",
            format!("{} > 10", tractogram.properties.len()),
        ));
    }
    let n = tractogram.streamlines.len();
    for (name, values) in &tractogram.properties {
        if name.len() > 20 || values.len() != n {
            return Err(bad(
                "property_name",
                format!("{name:?}: name ≤ 20 bytes and {n} values needed"),
            ));
        }
    }
    if reference.shape.iter().any(|&d| d > i16::MAX as usize) {
        return Err(bad("dim", format!("{:?} exceeds 32767", reference.shape)));
    }
    let sizes = voxel_sizes(&reference.affine);
    let mut h = vec![0u8; HEADER];
    h[..6].copy_from_slice(b"TRACK\0");
    for k in 0..3 {
        h[6 + 2 * k..8 + 2 * k].copy_from_slice(&(reference.shape[k] as i16).to_le_bytes());
        h[12 + 4 * k..16 + 4 * k].copy_from_slice(&(sizes[k] as f32).to_le_bytes());
    }
    h[238..240].copy_from_slice(&(tractogram.properties.len() as i16).to_le_bytes());
    for (i, (name, _)) in tractogram.properties.iter().enumerate() {
        h[240 + 20 * i..240 + 20 * i + name.len()].copy_from_slice(name.as_bytes());
    }
    for r in 0..4 {
        for c in 0..4 {
            let o = 440 + 4 * (4 * r + c);
            h[o..o + 4].copy_from_slice(&(reference.affine[r][c] as f32).to_le_bytes());
        }
    }
    h[948..951].copy_from_slice(&axis_codes(&reference.affine));
    h[988..992].copy_from_slice(&(n as i32).to_le_bytes());
    h[992..996].copy_from_slice(&2i32.to_le_bytes());
    h[996..1000].copy_from_slice(&(HEADER as i32).to_le_bytes());
    for (i, s) in tractogram.streamlines.iter().enumerate() {
        h.extend_from_slice(&(s.len() as i32).to_le_bytes());
        for p in s {
            let v = apply_affine(&inv, p.map(f64::from));
            for k in 0..3 {
                h.extend_from_slice(&(((v[k] + 0.5) * sizes[k]) as f32).to_le_bytes());
            }
        }
        for (_, values) in &tractogram.properties {
            h.extend_from_slice(&values[i].to_le_bytes());
        }
    }
    Ok(h)
}

/// Writes a `.trk` file through a temporary file renamed when complete.
pub fn write_trk(
    path: &Path,
    tractogram: &Tractogram,
    reference: &TractogramReference,
) -> Result<(), Error> {
    let bytes = encode_trk(tractogram, reference, path)?;
    write_bytes_atomically(path, &bytes)
}

/// Reads a `.trk` file, returning world RAS mm points and the reference it names.
pub fn read_trk(path: &Path) -> Result<(Tractogram, TractogramReference), Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_trk(&bytes, path)
}

/// Parses little-endian version-2 `.trk` bytes whose `voxel_order` agrees with `vox_to_ras`
/// (as TrackVis, nibabel and DIPY write them); `path` labels errors.
#[allow(clippy::needless_range_loop)] // header matrix indices
pub fn parse_trk(
    bytes: &[u8],
    path: impl AsRef<Path>,
) -> Result<(Tractogram, TractogramReference), Error> {
    let path = path.as_ref();
    let bad = |field: &'static str, reason: String| Error::BadHeader {
        path: path.to_path_buf(),
        field,
        reason,
    };
    if bytes.len() < HEADER {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            part: "header",
            expected: HEADER as u64,
            found: bytes.len() as u64,
        });
    }
    if &bytes[..5] != b"TRACK"
        || i32::from_le_bytes([bytes[996], bytes[997], bytes[998], bytes[999]]) != 1000
    {
        return Err(bad(
            "id_string",
            "not a little-endian TrackVis .trk file (magic TRACK, hdr_size 1000)".into(),
        ));
    }
    let i16_at = |o: usize| i16::from_le_bytes([bytes[o], bytes[o + 1]]);
    let f32_at = |b: &[u8], o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let shape: [usize; 3] = std::array::from_fn(|k| i16_at(6 + 2 * k).max(0) as usize);
    let n_scalars = i16_at(36).max(0) as usize;
    let n_props = i16_at(238).max(0) as usize;
    let mut affine = crate::IDENTITY;
    for r in 0..4 {
        for c in 0..4 {
            affine[r][c] = f64::from(f32_at(bytes, 440 + 4 * (4 * r + c)));
        }
    }
    if invert_affine(&affine).is_none() {
        return Err(bad("vox_to_ras", "affine is zero or not invertible".into()));
    }
    if bytes[948..951] != axis_codes(&affine) {
        return Err(bad(
            "voxel_order",
            format!(
                "{:?} does not match the axis codes of vox_to_ras; reorientation is not supported",
                String::from_utf8_lossy(&bytes[948..951])
            ),
        ));
    }
    let sizes: [f64; 3] = std::array::from_fn(|k| f64::from(f32_at(bytes, 12 + 4 * k)));
    if sizes.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(bad("voxel_size", format!("{sizes:?} must be positive")));
    }
    let mut props: Vec<(String, Vec<f32>)> = (0..n_props.min(10))
        .map(|i| {
            let raw = &bytes[240 + 20 * i..260 + 20 * i];
            let end = raw.iter().position(|&b| b == 0).unwrap_or(20);
            (
                String::from_utf8_lossy(&raw[..end]).into_owned(),
                Vec::new(),
            )
        })
        .collect();
    if n_props > 10 {
        return Err(bad("n_properties", format!("{n_props} > 10")));
    }
    let mut out = Tractogram::default();
    let mut o = HEADER;
    let truncated = |o: usize| Error::Truncated {
        path: path.to_path_buf(),
        part: "streamline data",
        expected: o as u64,
        found: bytes.len() as u64,
    };
    while o < bytes.len() {
        let count = bytes.get(o..o + 4).ok_or_else(|| truncated(o + 4))?;
        let count = i32::from_le_bytes([count[0], count[1], count[2], count[3]]);
        let count =
            usize::try_from(count).map_err(|_| bad("n_points", format!("{count} at byte {o}")))?;
        o += 4;
        let width = 3 + n_scalars;
        let need = count
            .checked_mul(4 * width)
            .and_then(|b| b.checked_add(4 * n_props))
            .ok_or_else(|| truncated(usize::MAX))?;
        let body = bytes
            .get(o..o.saturating_add(need))
            .ok_or_else(|| truncated(o.saturating_add(need)))?;
        let line = (0..count)
            .map(|i| {
                let v: [f64; 3] = std::array::from_fn(|k| {
                    f64::from(f32_at(body, 4 * (width * i + k))) / sizes[k] - 0.5
                });
                apply_affine(&affine, v).map(|x| x as f32)
            })
            .collect();
        for (j, (_, values)) in props.iter_mut().enumerate() {
            values.push(f32_at(body, 4 * (width * count + j)));
        }
        out.streamlines.push(line);
        o += need;
    }
    out.properties = props;
    Ok((out, TractogramReference { shape, affine }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_on_a_flipped_grid_and_known_voxmm() {
        // x flipped, 2 mm voxels: world (10, 0, 0) is voxel (0, 0, 0) → voxmm (1, 1, 1).
        let affine = [
            [-2.0, 0.0, 0.0, 10.0],
            [0.0, 2.0, 0.0, 0.0],
            [0.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let reference = TractogramReference {
            shape: [5, 6, 7],
            affine,
        };
        let t = Tractogram {
            streamlines: vec![
                vec![[10.0, 0.0, 0.0], [8.0, 2.5, 1.0]],
                vec![[4.0, 4.0, 4.0]],
            ],
            properties: vec![("stop_reason".into(), vec![1.0, 4.0])],
        };
        let bytes = encode_trk(&t, &reference, Path::new("t.trk")).unwrap();
        assert_eq!(&bytes[948..951], b"LAS");
        assert_eq!(
            f32::from_le_bytes(bytes[1004..1008].try_into().unwrap()),
            1.0
        );
        let (back, r) = parse_trk(&bytes, "t.trk").unwrap();
        assert_eq!(r, reference);
        assert_eq!(back.properties, t.properties);
        for (a, b) in back
            .streamlines
            .iter()
            .flatten()
            .zip(t.streamlines.iter().flatten())
        {
            for k in 0..3 {
                assert!((a[k] - b[k]).abs() < 1e-5, "{a:?} vs {b:?}");
            }
        }
        assert!(parse_trk(&bytes[..1010], "t.trk").is_err());
        assert!(parse_trk(b"TRACK", "t.trk").is_err());
    }
}
