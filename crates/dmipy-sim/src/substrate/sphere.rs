//! The inside of a reflecting sphere.

use super::{Differentiable, Hit, Substrate, convex_exit, positive_length, valid_diffusivity};
use crate::Error;
use crate::vector::{Vec3, add_scaled, dot, quadratic_roots, scale};

/// The inside of a sphere of radius R centred on the origin. Compartment 0 ("intra").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sphere {
    radius: f64,
    diffusivity: f64,
}

impl Sphere {
    /// A sphere of radius `radius` (m) with `diffusivity` (m²/s) inside.
    pub fn new(radius: f64, diffusivity: f64) -> Result<Self, Error> {
        Ok(Self {
            radius: positive_length("radius", radius)?,
            diffusivity: valid_diffusivity("diffusivity", diffusivity)?,
        })
    }

    /// Radius (m).
    pub fn radius(&self) -> f64 {
        self.radius
    }
}

impl Substrate for Sphere {
    fn compartment_names(&self) -> &[&'static str] {
        &["intra"]
    }
    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        (dot(p, p) <= self.radius * self.radius).then_some(0)
    }
    #[inline]
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, _c: usize) -> Option<Hit> {
        let (r2, p2) = (self.radius * self.radius, dot(p, p));
        let end = add_scaled(p, max_t, u);
        if dot(end, end) < r2 && p2 <= r2 {
            return None; // both ends inside the ball: so is the segment (most steps; no sqrt)
        }
        let (_, t_far) = quadratic_roots(1.0, dot(p, u), p2 - r2)?;
        convex_exit(t_far, max_t, |t| {
            scale(1.0 / self.radius, add_scaled(p, t, u))
        })
    }
    fn diffusivity(&self, _c: usize) -> f64 {
        self.diffusivity
    }
    fn candidate(&self, u: Vec3) -> Vec3 {
        let r = self.radius;
        [
            (2.0 * u[0] - 1.0) * r,
            (2.0 * u[1] - 1.0) * r,
            (2.0 * u[2] - 1.0) * r,
        ]
    }
}

impl Differentiable for Sphere {
    fn size(&self) -> Option<f64> {
        Some(self.radius)
    }
    /// The normal is h/R, so it turns by dh/R (dh is along the wall).
    fn normal_change(&self, dh: Vec3) -> Vec3 {
        scale(1.0 / self.radius, dh)
    }
}
