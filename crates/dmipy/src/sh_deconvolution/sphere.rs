//! Geodesic spheres (subdivided icosahedra) with their edges: positivity grids and peak search.

use crate::Error;
use std::collections::HashMap;

/// Unit vertices of a subdivided icosahedron and the edges between neighbours: the dense sphere
/// on which the FOD is constrained to be non-negative and on which peaks are sought (DIPY's
/// `Sphere` with `edges`, built here instead of shipped as a table).
///
/// Subdivision s has $10\cdot4^s + 2$ vertices (s = 3: 642, mean neighbour angle ≈ 8.3°;
/// s = 4: 2562, ≈ 4.2°), symmetric under x → −x. Each edge is split at its midpoint,
/// projected to the sphere (Baumgardner & Frederickson 1985, SIAM J. Numer. Anal. 22:1107,
/// doi:10.1137/0722066).
#[derive(Debug, Clone, PartialEq)]
pub struct GeodesicSphere {
    vertices: Vec<[f64; 3]>,
    edges: Vec<[usize; 2]>,
    faces: Vec<[usize; 3]>,
}

impl GeodesicSphere {
    /// The icosahedron subdivided `subdivisions` times (at most 6). Errors beyond that.
    pub fn new(subdivisions: usize) -> Result<Self, Error> {
        if subdivisions > 6 {
            return Err(Error::InvalidArgument {
                what: "sphere subdivisions".into(),
                reason: format!("at most 6 (40962 vertices), got {subdivisions}"),
            });
        }
        let t = (1.0 + 5f64.sqrt()) / 2.0;
        let mut vertices: Vec<[f64; 3]> = [
            [-1.0, t, 0.0],
            [1.0, t, 0.0],
            [-1.0, -t, 0.0],
            [1.0, -t, 0.0],
            [0.0, -1.0, t],
            [0.0, 1.0, t],
            [0.0, -1.0, -t],
            [0.0, 1.0, -t],
            [t, 0.0, -1.0],
            [t, 0.0, 1.0],
            [-t, 0.0, -1.0],
            [-t, 0.0, 1.0],
        ]
        .iter()
        .map(normalised)
        .collect();
        let mut faces: Vec<[usize; 3]> = vec![
            [0, 11, 5],
            [0, 5, 1],
            [0, 1, 7],
            [0, 7, 10],
            [0, 10, 11],
            [1, 5, 9],
            [5, 11, 4],
            [11, 10, 2],
            [10, 7, 6],
            [7, 1, 8],
            [3, 9, 4],
            [3, 4, 2],
            [3, 2, 6],
            [3, 6, 8],
            [3, 8, 9],
            [4, 9, 5],
            [2, 4, 11],
            [6, 2, 10],
            [8, 6, 7],
            [9, 8, 1],
        ];
        for _ in 0..subdivisions {
            let mut midpoint: HashMap<(usize, usize), usize> = HashMap::new();
            let mut split = |a: usize, b: usize, vertices: &mut Vec<[f64; 3]>| {
                let key = (a.min(b), a.max(b));
                *midpoint.entry(key).or_insert_with(|| {
                    let (p, q) = (vertices[a], vertices[b]);
                    vertices.push(normalised(&[p[0] + q[0], p[1] + q[1], p[2] + q[2]]));
                    vertices.len() - 1
                })
            };
            let mut next = Vec::with_capacity(faces.len() * 4);
            for &[a, b, c] in &faces {
                let ab = split(a, b, &mut vertices);
                let bc = split(b, c, &mut vertices);
                let ca = split(c, a, &mut vertices);
                next.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
            }
            faces = next;
        }
        let mut edges: Vec<[usize; 2]> = faces
            .iter()
            .flat_map(|&[a, b, c]| [[a, b], [b, c], [c, a]])
            .map(|[a, b]| [a.min(b), a.max(b)])
            .collect();
        edges.sort_unstable();
        edges.dedup();
        Ok(Self {
            vertices,
            edges,
            faces,
        })
    }

    /// The unit vertices.
    pub fn vertices(&self) -> &[[f64; 3]] {
        &self.vertices
    }

    /// Neighbour pairs (i < j).
    pub fn edges(&self) -> &[[usize; 2]] {
        &self.edges
    }

    /// The triangles (vertex indices, all wound the same way): a closed polyhedron.
    pub fn faces(&self) -> &[[usize; 3]] {
        &self.faces
    }

    /// One vertex of each antipodal pair (z > 0, or z = 0 and y > 0, or z = y = 0 and x > 0):
    /// enough to constrain an even function on the whole sphere.
    pub fn hemisphere(&self) -> Vec<[f64; 3]> {
        self.vertices
            .iter()
            .copied()
            .filter(|v| {
                let eps = 1e-12;
                v[2] > eps
                    || (v[2].abs() <= eps && (v[1] > eps || (v[1].abs() <= eps && v[0] > 0.0)))
            })
            .collect()
    }
}

fn normalised(v: &[f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

/// (θ, φ) of a unit vector: θ the polar angle from z, φ the azimuth from x (rad).
pub(crate) fn polar_angles(n: &[f64; 3]) -> (f64, f64) {
    let rho = (n[0] * n[0] + n[1] * n[1]).sqrt();
    (rho.atan2(n[2]), n[1].atan2(n[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_subdivision_formula_and_euler() {
        for s in 0..=4 {
            let sphere = GeodesicSphere::new(s).unwrap();
            let v = sphere.vertices().len();
            assert_eq!(v, 10 * 4usize.pow(s as u32) + 2);
            // Euler: V − E + F = 2 with F = 20·4^s, so E = V + F − 2.
            assert_eq!(sphere.edges().len(), v + 20 * 4usize.pow(s as u32) - 2);
            assert_eq!(sphere.hemisphere().len(), v / 2);
            for p in sphere.vertices() {
                assert!((p[0] * p[0] + p[1] * p[1] + p[2] * p[2] - 1.0).abs() < 1e-14);
            }
        }
        assert!(GeodesicSphere::new(7).is_err());
    }
}
