//! The inside of an infinite reflecting cylinder of any axis.

use super::{
    Differentiable, Hit, Substrate, convex_exit, positive_length, unit_direction, valid_diffusivity,
};
use crate::Error;
use crate::vector::{Vec3, add_scaled, dot, quadratic_roots, scale};

/// The inside of an infinite circular cylinder of radius R through the origin along the unit
/// axis a: |x − (x·a)a| ≤ R. Compartment 0 ("intra").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cylinder {
    radius: f64,
    axis: Vec3,
    /// Two unit vectors completing `axis` to an orthonormal basis (for initial positions).
    across: [Vec3; 2],
    diffusivity: f64,
}

impl Cylinder {
    /// A cylinder of radius `radius` (m) along `axis` (any non-zero vector), `diffusivity` (m²/s).
    pub fn new(radius: f64, axis: Vec3, diffusivity: f64) -> Result<Self, Error> {
        let axis = unit_direction("axis", axis)?;
        Ok(Self {
            radius: positive_length("radius", radius)?,
            axis,
            across: orthonormal_complement(axis),
            diffusivity: valid_diffusivity("diffusivity", diffusivity)?,
        })
    }

    /// Radius (m).
    pub fn radius(&self) -> f64 {
        self.radius
    }

    /// The component of `v` perpendicular to the axis.
    #[inline]
    fn perpendicular(&self, v: Vec3) -> Vec3 {
        add_scaled(v, -dot(v, self.axis), self.axis)
    }
}

/// Two unit vectors orthogonal to the unit vector `a` and to each other.
pub(crate) fn orthonormal_complement(a: Vec3) -> [Vec3; 2] {
    // Start from the coordinate axis least aligned with a.
    let k = (0..3)
        .min_by(|&i, &j| a[i].abs().total_cmp(&a[j].abs()))
        .unwrap_or(0);
    let mut e = [0.0; 3];
    e[k] = 1.0;
    let e1 = crate::vector::normalized(add_scaled(e, -dot(e, a), a)).unwrap_or([1.0, 0.0, 0.0]);
    let e2 = [
        a[1] * e1[2] - a[2] * e1[1],
        a[2] * e1[0] - a[0] * e1[2],
        a[0] * e1[1] - a[1] * e1[0],
    ];
    [e1, e2]
}

impl Substrate for Cylinder {
    fn compartment_names(&self) -> &[&'static str] {
        &["intra"]
    }
    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        let q = self.perpendicular(p);
        (dot(q, q) <= self.radius * self.radius).then_some(0)
    }
    #[inline]
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, _c: usize) -> Option<Hit> {
        let (pp, up) = (self.perpendicular(p), self.perpendicular(u));
        let a = dot(up, up);
        if a == 0.0 {
            return None; // moving along the axis
        }
        let (r2, pp2) = (self.radius * self.radius, dot(pp, pp));
        let end = add_scaled(pp, max_t, up);
        if dot(end, end) < r2 && pp2 <= r2 {
            return None; // both ends inside the disk: so is the segment (most steps; no sqrt)
        }
        // |p⊥ + t u⊥|² = R²; from inside the exit is the larger root.
        let (_, t_far) = quadratic_roots(a, dot(pp, up), pp2 - r2)?;
        convex_exit(t_far, max_t, |t| {
            scale(1.0 / self.radius, add_scaled(pp, t, up))
        })
    }
    fn diffusivity(&self, _c: usize) -> f64 {
        self.diffusivity
    }
    fn candidate(&self, u: Vec3) -> Vec3 {
        let r = self.radius;
        add_scaled(
            scale((2.0 * u[0] - 1.0) * r, self.across[0]),
            (2.0 * u[1] - 1.0) * r,
            self.across[1],
        )
    }
}

impl Differentiable for Cylinder {
    fn size(&self) -> Option<f64> {
        Some(self.radius)
    }
    /// On the circle of radius R the normal is h⊥/R, so it turns by dh⊥/R (dh is along the wall).
    fn normal_change(&self, dh: Vec3) -> Vec3 {
        scale(1.0 / self.radius, self.perpendicular(dh))
    }
}
