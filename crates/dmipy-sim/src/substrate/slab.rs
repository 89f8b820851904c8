//! Two parallel reflecting planes (a slab) of any normal, walkers between them.

use super::{Differentiable, Hit, Substrate, positive_length, unit_direction, valid_diffusivity};
use crate::Error;
use crate::vector::{Vec3, dot, scale};

/// The region |x·n| ≤ w/2 between two reflecting planes of unit normal n, a distance w apart,
/// centred on the origin. Compartment 0 ("intra") is between the planes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slab {
    half_width: f64,
    normal: Vec3,
    diffusivity: f64,
}

impl Slab {
    /// A slab of width `width` (m) across `normal` (any non-zero vector) with `diffusivity` (m²/s).
    pub fn new(width: f64, normal: Vec3, diffusivity: f64) -> Result<Self, Error> {
        Ok(Self {
            half_width: positive_length("width", width)? / 2.0,
            normal: unit_direction("normal", normal)?,
            diffusivity: valid_diffusivity("diffusivity", diffusivity)?,
        })
    }

    /// Distance between the planes (m).
    pub fn width(&self) -> f64 {
        2.0 * self.half_width
    }
}

impl Substrate for Slab {
    fn compartment_names(&self) -> &[&'static str] {
        &["intra"]
    }
    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        (dot(p, self.normal).abs() <= self.half_width).then_some(0)
    }
    #[inline]
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, _c: usize) -> Option<Hit> {
        let un = dot(u, self.normal);
        if un == 0.0 {
            return None;
        }
        // Heading to the plane at +w/2 (normal +n) or −w/2 (normal −n); t < 0 means already past it.
        let side = un.signum();
        let t = ((side * self.half_width - dot(p, self.normal)) / un).max(0.0);
        (t < max_t).then(|| Hit {
            t,
            normal: scale(side, self.normal),
            beyond: None,
        })
    }
    fn diffusivity(&self, _c: usize) -> f64 {
        self.diffusivity
    }
    fn candidate(&self, u: Vec3) -> Vec3 {
        // Only the position across the planes matters (translation invariance along them).
        scale((2.0 * u[0] - 1.0) * self.half_width, self.normal)
    }
}

impl Differentiable for Slab {
    fn size(&self) -> Option<f64> {
        Some(self.width())
    }
    fn normal_change(&self, _dh: Vec3) -> Vec3 {
        [0.0; 3] // planes
    }
}
