//! `Mesh`: the inside and outside of a closed triangle surface, optionally tiled in a periodic voxel, with a uniform grid of triangles.

use super::mesh_file::{TriangleMesh, cross, sub};
use super::{Hit, Substrate, positive_length, valid_diffusivity};
use crate::Error;
use crate::error::invalid;
use crate::vector::{Vec3, dot, norm};

/// A triangle ready for segment tests: first vertex, two edges, outward unit normal.
#[derive(Debug, Clone, PartialEq)]
struct Triangle {
    a: Vec3,
    e1: Vec3,
    e2: Vec3,
    normal: Vec3,
}

/// Compartment 0 ("intra") is the inside of a closed surface, 1 ("extra") the outside.
///
/// Walls are found by segment–triangle intersection (Möller & Trumbore 1997, "Fast, minimum
/// storage ray-triangle intersection", J. Graphics Tools 2:21, doi:10.1080/10867651.1997.10487468)
/// among the triangles of the cells of a uniform grid over the mesh's bounding box that the
/// segment's box touches (about one triangle per cell). Written here rather than taken from a
/// geometry crate: it is thirty lines on `[f64; 3]`, where `parry3d` or `bvh` would bring nalgebra
/// and far more than a closed-surface walk needs. A hit counts only when the segment crosses the
/// surface out of the walker's compartment (leaving the inside, entering from the outside), so a
/// walker that has just been reflected off a triangle, or has just crossed it, never meets that
/// triangle again at t = 0. Inside or outside is decided by the parity of the crossings of a ray
/// along +x.
///
/// Periodic: with a voxel, positions are taken modulo the voxel and the surface is repeated in
/// every voxel (it must lie within one); walls of neighbouring copies are found through shifts of
/// the segment. Without one the surface stands alone in infinite outside space.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    triangles: Vec<Triangle>,
    lo: Vec3,
    hi: Vec3,
    cells: [usize; 3],
    cell: Vec3,
    grid: Vec<Vec<u32>>,
    voxel: Option<(Vec3, Vec3)>,
    diffusivity: [f64; 2],
    volume: f64,
    area: f64,
}

/// At most this many grid cells per axis (about one triangle per cell below that).
const MAX_CELLS_PER_AXIS: usize = 128;

impl Mesh {
    /// The surface `mesh` with coordinates multiplied by `scale` (to metres), in an optional
    /// periodic voxel (lower corner, size; m) that must contain it, with diffusivities
    /// [inside, outside] (m²/s).
    pub fn new(
        mesh: &TriangleMesh,
        scale: f64,
        voxel: Option<(Vec3, Vec3)>,
        diffusivity: [f64; 2],
    ) -> Result<Self, Error> {
        let scale = positive_length("scale", scale)?;
        let diffusivity = [
            valid_diffusivity("diffusivity", diffusivity[0])?,
            valid_diffusivity("diffusivity_extra", diffusivity[1])?,
        ];
        let at = |i: u32| mesh.vertices[i as usize].map(|x| x * scale);
        let triangles: Vec<Triangle> = mesh
            .triangles
            .iter()
            .map(|t| {
                let a = at(t[0]);
                let (e1, e2) = (sub(at(t[1]), a), sub(at(t[2]), a));
                let n = cross(e1, e2);
                let l = norm(n);
                Triangle {
                    a,
                    e1,
                    e2,
                    normal: n.map(|x| x / l),
                }
            })
            .collect();
        let (lo, hi) = mesh.bounds();
        let (lo, hi) = (lo.map(|x| x * scale), hi.map(|x| x * scale));
        if let Some((origin, size)) = voxel {
            for k in 0..3 {
                positive_length("voxel size", size[k])?;
                if !(origin[k].is_finite() && lo[k] >= origin[k] && hi[k] <= origin[k] + size[k]) {
                    return Err(invalid(
                        "voxel",
                        format!(
                            "the mesh spans [{:e}, {:e}] m on axis {k}, outside the voxel [{:e}, {:e}] m",
                            lo[k],
                            hi[k],
                            origin[k],
                            origin[k] + size[k]
                        ),
                    ));
                }
            }
        }
        let extent = sub(hi, lo);
        let n_axis = (triangles.len() as f64).cbrt().ceil() as usize;
        let longest = extent.iter().cloned().fold(0.0, f64::max);
        let cells: [usize; 3] = std::array::from_fn(|k| {
            ((n_axis as f64 * extent[k] / longest).ceil() as usize).clamp(1, MAX_CELLS_PER_AXIS)
        });
        let cell: Vec3 =
            std::array::from_fn(|k| (extent[k] / cells[k] as f64).max(f64::MIN_POSITIVE));
        let mut substrate = Self {
            triangles,
            lo,
            hi,
            cells,
            cell,
            grid: vec![Vec::new(); cells[0] * cells[1] * cells[2]],
            voxel,
            diffusivity,
            volume: mesh.signed_volume() * scale.powi(3),
            area: mesh.area() * scale * scale,
        };
        for (i, t) in substrate.triangles.iter().enumerate() {
            let v = [t.a, add(t.a, t.e1), add(t.a, t.e2)];
            let tlo: Vec3 =
                std::array::from_fn(|k| v.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min));
            let thi: Vec3 =
                std::array::from_fn(|k| v.iter().map(|p| p[k]).fold(f64::NEG_INFINITY, f64::max));
            let r = substrate.cell_range(tlo, thi);
            for z in r[2].clone() {
                for y in r[1].clone() {
                    for x in r[0].clone() {
                        let c = substrate.cell_index(x, y, z);
                        substrate.grid[c].push(i as u32);
                    }
                }
            }
        }
        Ok(substrate)
    }

    /// Volume enclosed (m³).
    pub fn volume(&self) -> f64 {
        self.volume
    }

    /// Surface area (m²).
    pub fn area(&self) -> f64 {
        self.area
    }

    fn cell_index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.cells[0] * (y + self.cells[1] * z)
    }

    /// Cells (per axis) overlapping the box [lo, hi], clamped to the grid (faces on the upper
    /// bound of the mesh's box belong to the last cell).
    fn cell_range(&self, lo: Vec3, hi: Vec3) -> [std::ops::Range<usize>; 3] {
        std::array::from_fn(|k| {
            let last = self.cells[k] as f64 - 1.0;
            let f = |x: f64| ((x - self.lo[k]) / self.cell[k]).floor().clamp(0.0, last) as usize;
            f(lo[k])..f(hi[k]) + 1
        })
    }

    /// Position in the base voxel.
    fn local(&self, p: Vec3) -> Vec3 {
        match self.voxel {
            Some((o, s)) => std::array::from_fn(|k| o[k] + (p[k] - o[k]).rem_euclid(s[k])),
            None => p,
        }
    }

    /// Distance along `u` to triangle `t` from `q` (Möller–Trumbore), if hit within (t_min, t_max).
    fn intersect(
        t: &Triangle,
        q: Vec3,
        u: Vec3,
        t_min: f64,
        t_max: f64,
        slack: f64,
    ) -> Option<f64> {
        let h = cross(u, t.e2);
        let det = dot(t.e1, h);
        if det.abs() < 1e-300 {
            return None;
        }
        let s = sub(q, t.a);
        let b1 = dot(s, h) / det;
        if !(-slack..=1.0 + slack).contains(&b1) {
            return None;
        }
        let qv = cross(s, t.e1);
        let b2 = dot(u, qv) / det;
        if b2 < -slack || b1 + b2 > 1.0 + slack {
            return None;
        }
        let d = dot(t.e2, qv) / det;
        (d > t_min && d < t_max).then_some(d)
    }

    /// Updates `best` with the nearest crossing out of `compartment` along the segment from `q`.
    fn nearest(
        &self,
        q: Vec3,
        u: Vec3,
        max_t: f64,
        compartment: usize,
        best: &mut Option<(f64, Vec3)>,
    ) {
        let end = crate::vector::add_scaled(q, max_t, u);
        let lo: Vec3 = std::array::from_fn(|k| q[k].min(end[k]));
        let hi: Vec3 = std::array::from_fn(|k| q[k].max(end[k]));
        if (0..3).any(|k| hi[k] < self.lo[k] || lo[k] > self.hi[k]) {
            return;
        }
        // A walker reflected at the exact hit point may sit a rounding error past the plane.
        let t_min = -1e-12 * norm(sub(self.hi, self.lo));
        let r = self.cell_range(lo, hi);
        for z in r[2].clone() {
            for y in r[1].clone() {
                for x in r[0].clone() {
                    for &i in &self.grid[self.cell_index(x, y, z)] {
                        let t = &self.triangles[i as usize];
                        let c = dot(u, t.normal);
                        // Leaving the inside (c > 0) or entering from the outside (c < 0).
                        if (compartment == 0) != (c > 0.0) || c == 0.0 {
                            continue;
                        }
                        let limit = best.map_or(max_t, |b| b.0);
                        if let Some(d) = Self::intersect(t, q, u, t_min, limit, 1e-12) {
                            *best = Some((d.max(0.0), t.normal));
                        }
                    }
                }
            }
        }
    }
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

impl Substrate for Mesh {
    fn compartment_names(&self) -> &[&'static str] {
        &["intra", "extra"]
    }

    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        let q = self.local(p);
        if (0..3).any(|k| q[k] < self.lo[k] || q[k] > self.hi[k]) {
            return Some(1);
        }
        // Parity of the crossings of a ray from q. Nearly +x, but tilted by irrational slopes so
        // that it does not run exactly through the edges of axis-aligned faces (the diagonal of a
        // cube's face through its centre, say), where one crossing could count twice or not at all.
        const RAY: Vec3 = [1.0, 1.414_213_562e-4, 1.732_050_808e-4];
        let reach = self.hi[0] - q[0];
        let far = [self.hi[0], q[1] + RAY[1] * reach, q[2] + RAY[2] * reach];
        let lo: Vec3 = std::array::from_fn(|k| q[k].min(far[k]));
        let hi: Vec3 = std::array::from_fn(|k| q[k].max(far[k]));
        let r = self.cell_range(lo, hi);
        let mut seen: Vec<u32> = Vec::new();
        for z in r[2].clone() {
            for y in r[1].clone() {
                for x in r[0].clone() {
                    seen.extend(&self.grid[self.cell_index(x, y, z)]);
                }
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let crossings = seen
            .iter()
            .filter(|&&i| {
                let t = &self.triangles[i as usize];
                Self::intersect(t, q, RAY, 0.0, f64::INFINITY, 0.0).is_some()
            })
            .count();
        Some(if crossings % 2 == 1 { 0 } else { 1 })
    }

    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, compartment: usize) -> Option<Hit> {
        let q = self.local(p);
        let mut best = None;
        match self.voxel {
            None => self.nearest(q, u, max_t, compartment, &mut best),
            Some((_, s)) => {
                // The segment against this voxel's copy and those of its neighbours it may reach.
                for dz in -1..=1 {
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            let shift = [dx as f64 * s[0], dy as f64 * s[1], dz as f64 * s[2]];
                            self.nearest(sub(q, shift), u, max_t, compartment, &mut best);
                        }
                    }
                }
            }
        }
        best.map(|(t, normal)| Hit {
            t,
            normal,
            beyond: Some(1 - compartment.min(1)),
        })
    }

    fn diffusivity(&self, compartment: usize) -> f64 {
        self.diffusivity[compartment.min(1)]
    }

    fn candidate(&self, u: Vec3) -> Vec3 {
        let (o, s) = self.voxel.unwrap_or((self.lo, sub(self.hi, self.lo)));
        std::array::from_fn(|k| o[k] + u[k] * s[k])
    }
}
