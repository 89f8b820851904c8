//! Triangle meshes from PLY and STL files, checked closed and consistently oriented.
//!
//! Files are read by the `stl_io` crate (ASCII and binary STL, f32 coordinates) and `ply-rs-bw`
//! (ASCII and binary PLY; `vertex` elements with `x`, `y`, `z`, and `face` elements with a
//! `vertex_indices` or `vertex_index` list, polygons fanned into triangles). What is checked here:
//! finite coordinates, indices in range, no degenerate triangle, and that the surface is closed and
//! orientable: every edge is shared by exactly two triangles that traverse it in opposite
//! directions. Triangles are then oriented so that normals point outwards (positive volume).

use crate::Error;
use crate::error::invalid;
use crate::vector::Vec3;
use std::collections::HashMap;
use std::io::Cursor;

/// A closed, consistently oriented triangle surface (coordinates in the file's units).
#[derive(Debug, Clone, PartialEq)]
pub struct TriangleMesh {
    /// Vertex positions.
    pub vertices: Vec<Vec3>,
    /// Vertex indices of each triangle, counter-clockwise seen from outside.
    pub triangles: Vec<[u32; 3]>,
}

fn mesh_error(name: &str, reason: impl std::fmt::Display) -> Error {
    invalid("mesh", format!("{name}: {reason}"))
}

/// Parses PLY or STL bytes (by their content: `ply` magic, else STL); `name` labels errors.
pub fn parse_mesh(bytes: &[u8], name: &str) -> Result<TriangleMesh, Error> {
    let (vertices, faces) = if bytes.starts_with(b"ply") {
        parse_ply(bytes, name)?
    } else {
        // A binary STL's size is fixed by its triangle count; check it before the reader
        // allocates for a count read from untrusted bytes.
        if !bytes.starts_with(b"solid") && bytes.len() >= 84 {
            let n = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as usize;
            if bytes.len() != 84 + 50 * n {
                return Err(mesh_error(
                    name,
                    format!(
                        "binary STL of {n} triangles needs {} bytes, found {}",
                        84 + 50 * n,
                        bytes.len()
                    ),
                ));
            }
        }
        let mesh = stl_io::read_stl(&mut Cursor::new(bytes))
            .map_err(|e| mesh_error(name, format!("not a PLY or STL file ({e})")))?;
        let vertices = mesh.vertices.iter().map(|v| v.0.map(f64::from)).collect();
        let faces = mesh.faces.iter().map(|f| f.vertices.to_vec()).collect();
        (vertices, faces)
    };
    TriangleMesh::new(vertices, faces, name)
}

fn parse_ply(bytes: &[u8], name: &str) -> Result<(Vec<Vec3>, Vec<Vec<usize>>), Error> {
    use ply_rs_bw::parser::Parser;
    use ply_rs_bw::ply::{DefaultElement, Property};
    let ply = Parser::<DefaultElement>::new()
        .read_ply(&mut Cursor::new(bytes))
        .map_err(|e| mesh_error(name, format!("bad PLY ({e})")))?;
    let scalar = |p: Option<&Property>, what: &str| -> Result<f64, Error> {
        match p {
            Some(Property::Float(x)) => Ok(f64::from(*x)),
            Some(Property::Double(x)) => Ok(*x),
            Some(Property::Int(x)) => Ok(f64::from(*x)),
            Some(Property::Short(x)) => Ok(f64::from(*x)),
            _ => Err(mesh_error(name, format!("vertex without a numeric {what}"))),
        }
    };
    let vertices = ply
        .payload
        .get("vertex")
        .ok_or_else(|| mesh_error(name, "no vertex element"))?
        .iter()
        .map(|v| {
            Ok([
                scalar(v.get("x"), "x")?,
                scalar(v.get("y"), "y")?,
                scalar(v.get("z"), "z")?,
            ])
        })
        .collect::<Result<Vec<Vec3>, Error>>()?;
    let list = |p: Option<&Property>| -> Option<Vec<i64>> {
        Some(match p? {
            Property::ListUChar(l) => l.iter().map(|&i| i64::from(i)).collect(),
            Property::ListChar(l) => l.iter().map(|&i| i64::from(i)).collect(),
            Property::ListUShort(l) => l.iter().map(|&i| i64::from(i)).collect(),
            Property::ListShort(l) => l.iter().map(|&i| i64::from(i)).collect(),
            Property::ListUInt(l) => l.iter().map(|&i| i64::from(i)).collect(),
            Property::ListInt(l) => l.iter().map(|&i| i64::from(i)).collect(),
            _ => return None,
        })
    };
    let mut faces = Vec::new();
    for f in ply.payload.get("face").map(Vec::as_slice).unwrap_or(&[]) {
        let idx = list(f.get("vertex_indices"))
            .or_else(|| list(f.get("vertex_index")))
            .ok_or_else(|| mesh_error(name, "face without an integer vertex_indices list"))?;
        let idx: Vec<usize> = idx
            .into_iter()
            .map(|i| usize::try_from(i).map_err(|_| mesh_error(name, format!("vertex index {i}"))))
            .collect::<Result<_, _>>()?;
        if idx.len() < 3 {
            return Err(mesh_error(
                name,
                format!("a face with {} vertices", idx.len()),
            ));
        }
        // A convex polygon as a fan of triangles.
        for k in 1..idx.len() - 1 {
            faces.push(vec![idx[0], idx[k], idx[k + 1]]);
        }
    }
    Ok((vertices, faces))
}

impl TriangleMesh {
    /// Checks and orients a mesh: finite vertices, indices in range, no zero-area triangle,
    /// closed and orientable, normals outwards.
    pub fn new(vertices: Vec<Vec3>, faces: Vec<Vec<usize>>, name: &str) -> Result<Self, Error> {
        if faces.is_empty() {
            return Err(mesh_error(name, "no triangles"));
        }
        if vertices.len() > u32::MAX as usize {
            return Err(mesh_error(name, "more than 2³² vertices"));
        }
        if let Some(v) = vertices.iter().find(|v| v.iter().any(|x| !x.is_finite())) {
            return Err(mesh_error(name, format!("vertex {v:?} is not finite")));
        }
        let mut triangles = Vec::with_capacity(faces.len());
        for (k, f) in faces.iter().enumerate() {
            let [a, b, c] = f[..] else {
                return Err(mesh_error(name, format!("face {k} is not a triangle")));
            };
            if [a, b, c].iter().any(|&i| i >= vertices.len()) {
                return Err(mesh_error(
                    name,
                    format!("face {k} names a vertex beyond the {}", vertices.len()),
                ));
            }
            triangles.push([a as u32, b as u32, c as u32]);
        }
        let mut mesh = Self {
            vertices,
            triangles,
        };
        for (k, t) in mesh.triangles.iter().enumerate() {
            let n = mesh.area_normal(t);
            if n.iter().all(|&x| x == 0.0) {
                return Err(mesh_error(name, format!("face {k} has zero area")));
            }
        }
        // Each directed edge must appear once and its reverse once: closed and orientable.
        let mut edges: HashMap<(u32, u32), u32> = HashMap::new();
        for t in &mesh.triangles {
            for (a, b) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
                *edges.entry((a, b)).or_default() += 1;
            }
        }
        for (&(a, b), &n) in &edges {
            if n != 1 || edges.get(&(b, a)) != Some(&1) {
                return Err(mesh_error(
                    name,
                    format!(
                        "not a closed, consistently oriented surface: edge ({a}, {b}) is used {n} time(s) \
                         in this direction and {} in the other (each edge must join exactly two triangles \
                         with opposite windings)",
                        edges.get(&(b, a)).copied().unwrap_or(0)
                    ),
                ));
            }
        }
        let volume = mesh.signed_volume();
        if !(volume.abs() > 0.0 && volume.is_finite()) {
            return Err(mesh_error(
                name,
                format!("the surface encloses no volume ({volume:e})"),
            ));
        }
        if volume < 0.0 {
            for t in &mut mesh.triangles {
                t.swap(1, 2);
            }
        }
        Ok(mesh)
    }

    /// (b − a) × (c − a): twice the area times the unit normal.
    pub(crate) fn area_normal(&self, t: &[u32; 3]) -> Vec3 {
        let [a, b, c] = t.map(|i| self.vertices[i as usize]);
        let (e1, e2) = (sub(b, a), sub(c, a));
        cross(e1, e2)
    }

    /// The enclosed volume (divergence theorem, Σ a·(b × c)/6), positive for outward normals.
    pub fn signed_volume(&self) -> f64 {
        self.triangles
            .iter()
            .map(|t| {
                let [a, b, c] = t.map(|i| self.vertices[i as usize]);
                crate::vector::dot(a, cross(b, c)) / 6.0
            })
            .sum()
    }

    /// The surface area.
    pub fn area(&self) -> f64 {
        self.triangles
            .iter()
            .map(|t| 0.5 * crate::vector::norm(self.area_normal(t)))
            .sum()
    }

    /// Lower and upper corners of the bounding box.
    pub fn bounds(&self) -> (Vec3, Vec3) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for v in &self.vertices {
            for k in 0..3 {
                lo[k] = lo[k].min(v[k]);
                hi[k] = hi[k].max(v[k]);
            }
        }
        (lo, hi)
    }
}

pub(crate) fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An axis-aligned cube [0, s]³ as 12 triangles, outward (ASCII PLY with quads).
    pub(crate) fn cube_ply(s: f64) -> String {
        let mut t = String::from(
            "ply\nformat ascii 1.0\nelement vertex 8\nproperty float x\nproperty float y\nproperty float z\n\
             element face 6\nproperty list uchar int vertex_indices\nend_header\n",
        );
        for k in 0..8 {
            let v = [(k & 1) as f64, ((k >> 1) & 1) as f64, ((k >> 2) & 1) as f64];
            t += &format!("{} {} {}\n", v[0] * s, v[1] * s, v[2] * s);
        }
        // Quads wound counter-clockwise from outside.
        for q in [
            [0, 2, 3, 1],
            [4, 5, 7, 6],
            [0, 1, 5, 4],
            [2, 6, 7, 3],
            [0, 4, 6, 2],
            [1, 3, 7, 5],
        ] {
            t += &format!("4 {} {} {} {}\n", q[0], q[1], q[2], q[3]);
        }
        t
    }

    #[test]
    fn a_cube_from_ply_is_closed_with_its_volume_and_area() {
        let m = parse_mesh(cube_ply(2.0).as_bytes(), "cube.ply").unwrap();
        assert_eq!(m.triangles.len(), 12);
        assert!((m.signed_volume() - 8.0).abs() < 1e-12);
        assert!((m.area() - 24.0).abs() < 1e-12);
    }

    #[test]
    fn inward_windings_are_flipped_outwards() {
        let text = cube_ply(1.0).replace("4 0 2 3 1\n", "4 1 3 2 0\n");
        // One face reversed: no longer consistently oriented.
        let e = parse_mesh(text.as_bytes(), "bad.ply")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad.ply") && e.contains("consistently oriented"),
            "{e}"
        );
        // All faces reversed: consistent, inward; flipped to positive volume.
        let mut all = cube_ply(1.0);
        for (a, b) in [
            ("4 0 2 3 1", "4 1 3 2 0"),
            ("4 4 5 7 6", "4 6 7 5 4"),
            ("4 0 1 5 4", "4 4 5 1 0"),
            ("4 2 6 7 3", "4 3 7 6 2"),
            ("4 0 4 6 2", "4 2 6 4 0"),
            ("4 1 3 7 5", "4 5 7 3 1"),
        ] {
            all = all.replace(a, b);
        }
        let m = parse_mesh(all.as_bytes(), "inward.ply").unwrap();
        assert!((m.signed_volume() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn binary_stl_of_a_cube_reads_and_open_meshes_are_refused() {
        let cube = parse_mesh(cube_ply(1.0).as_bytes(), "c.ply").unwrap();
        let mut stl = vec![0u8; 80];
        stl.extend_from_slice(&(cube.triangles.len() as u32).to_le_bytes());
        for t in &cube.triangles {
            stl.extend_from_slice(&[0u8; 12]);
            for &i in t {
                for x in cube.vertices[i as usize] {
                    stl.extend_from_slice(&(x as f32).to_le_bytes());
                }
            }
            stl.extend_from_slice(&[0u8; 2]);
        }
        let back = parse_mesh(&stl, "cube.stl").unwrap();
        assert!((back.signed_volume() - 1.0).abs() < 1e-6);
        // Drop the last triangle: an open surface.
        stl.truncate(stl.len() - 50);
        stl[80..84].copy_from_slice(&11u32.to_le_bytes());
        let e = parse_mesh(&stl, "open.stl").unwrap_err().to_string();
        assert!(e.contains("open.stl") && e.contains("closed"), "{e}");
        assert!(parse_mesh(b"ply\ngarbage", "x.ply").is_err());
        assert!(parse_mesh(b"solid x\nfacet", "x.stl").is_err());
    }
}
