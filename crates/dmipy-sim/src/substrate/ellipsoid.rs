//! The inside of a reflecting ellipsoid with any orientation.

use super::{Hit, Substrate, convex_exit, positive_length, valid_diffusivity};
use crate::Error;
use crate::error::invalid;
use crate::vector::{Vec3, add_scaled, dot, normalized, quadratic_roots};

/// The inside of the ellipsoid Σᵢ (x·eᵢ)²/aᵢ² ≤ 1 centred on the origin, with semi-axes aᵢ along
/// the orthonormal axes eᵢ. Compartment 0 ("intra"). The outward normal at a boundary point is
/// the normalised gradient Σᵢ (x·eᵢ)/aᵢ² eᵢ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ellipsoid {
    semi_axes: Vec3,
    axes: [Vec3; 3],
    diffusivity: f64,
}

impl Ellipsoid {
    /// An ellipsoid of semi-axes `semi_axes` (m) along the rows of `axes` (orthonormal within
    /// 1e-6), with `diffusivity` (m²/s).
    pub fn new(semi_axes: Vec3, axes: [Vec3; 3], diffusivity: f64) -> Result<Self, Error> {
        for (i, &a) in semi_axes.iter().enumerate() {
            positive_length(&format!("semi_axes[{i}]"), a)?;
        }
        for i in 0..3 {
            for j in 0..3 {
                let expected = if i == j { 1.0 } else { 0.0 };
                if (dot(axes[i], axes[j]) - expected).abs() > 1e-6 {
                    return Err(invalid(
                        "axes",
                        format!(
                            "rows must be orthonormal; axes[{i}]·axes[{j}] = {}",
                            dot(axes[i], axes[j])
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            semi_axes,
            axes,
            diffusivity: valid_diffusivity("diffusivity", diffusivity)?,
        })
    }

    /// Coordinates of `v` in the ellipsoid's frame, divided by the semi-axes.
    #[inline]
    fn scaled_local(&self, v: Vec3) -> Vec3 {
        [
            dot(v, self.axes[0]) / self.semi_axes[0],
            dot(v, self.axes[1]) / self.semi_axes[1],
            dot(v, self.axes[2]) / self.semi_axes[2],
        ]
    }
}

impl Substrate for Ellipsoid {
    fn compartment_names(&self) -> &[&'static str] {
        &["intra"]
    }
    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        let s = self.scaled_local(p);
        (dot(s, s) <= 1.0).then_some(0)
    }
    #[inline]
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, _c: usize) -> Option<Hit> {
        let (sp, su) = (self.scaled_local(p), self.scaled_local(u));
        let (_, t_far) = quadratic_roots(dot(su, su), dot(sp, su), dot(sp, sp) - 1.0)?;
        convex_exit(t_far, max_t, |t| {
            let s = add_scaled(sp, t, su);
            let g = (0..3).fold([0.0; 3], |g, i| {
                add_scaled(g, s[i] / self.semi_axes[i], self.axes[i])
            });
            normalized(g).unwrap_or(self.axes[0])
        })
    }
    fn diffusivity(&self, _c: usize) -> f64 {
        self.diffusivity
    }
    fn candidate(&self, u: Vec3) -> Vec3 {
        (0..3).fold([0.0; 3], |p, i| {
            add_scaled(p, (2.0 * u[i] - 1.0) * self.semi_axes[i], self.axes[i])
        })
    }
}
