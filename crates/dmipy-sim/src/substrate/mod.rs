//! The seam between walker and geometry: the `Substrate` trait and the shapes that implement it.

mod cylinder;
mod ellipsoid;
mod free;
mod mesh;
mod mesh_file;
#[cfg(test)]
pub(crate) use mesh_file::tests as mesh_file_tests;
mod packing;
mod slab;
mod sphere;

pub use cylinder::Cylinder;
pub use ellipsoid::Ellipsoid;
pub use free::Free;
pub use mesh::Mesh;
pub use mesh_file::{TriangleMesh, parse_mesh};
pub use packing::CylinderPacking;
pub use slab::Slab;
pub use sphere::Sphere;

use crate::Error;
use crate::error::invalid;
use crate::vector::Vec3;

/// The first wall a segment meets: at `p + t u`, with the wall's unit `normal` (either side).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Distance along the unit direction to the wall (m), 0 ≤ t ≤ the segment's length.
    pub t: f64,
    /// Unit normal of the wall at the hit point.
    pub normal: Vec3,
    /// The compartment on the far side of the wall, if a walker may cross into it (permeability).
    pub beyond: Option<usize>,
}

/// A geometry as the walker sees it (STYLE §13): which compartment a point is in, and the first
/// wall along a segment with its normal. Nothing else about the shape is visible to the walk.
pub trait Substrate: Sync {
    /// Names of the compartments, indexed by the numbers [`compartment_of`](Self::compartment_of) returns.
    fn compartment_names(&self) -> &[&'static str];

    /// "Inside?": the compartment holding `p`, or `None` if `p` is in none a walker may start in.
    fn compartment_of(&self, p: Vec3) -> Option<usize>;

    /// The first wall hit by the segment from `p` (in `compartment`) along the unit direction `u`
    /// over a length `max_t` (m), or `None` if the segment stays clear. A walker just reflected
    /// sits on the wall; the hit it came from must not be returned again (t > 0 or the far root).
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, compartment: usize) -> Option<Hit>;

    /// Diffusivity in `compartment` (m²/s).
    fn diffusivity(&self, compartment: usize) -> f64;

    /// Maps three uniforms in [0, 1)³ to a point uniform in a region enclosing every compartment;
    /// a walker start keeps it if [`compartment_of`](Self::compartment_of) agrees (rejection). Along
    /// an unbounded direction in which the geometry is invariant the point has 0 (the signal of a
    /// refocused waveform, ∫G dt = 0, does not depend on a uniform translation).
    fn candidate(&self, u: Vec3) -> Vec3;
}

/// A substrate whose walk can be differentiated with respect to its size and diffusivity
/// ([`simulate_derivatives`](crate::simulate_derivatives)): one impermeable compartment with smooth
/// walls, and a geometry that scales with one length.
pub trait Differentiable: Substrate {
    /// The length that scales the geometry (m: slab width, radius), or `None` where nothing does
    /// (free diffusion).
    fn size(&self) -> Option<f64>;

    /// How the wall's unit normal at a hit turns as the hit point moves by `dh` along the wall:
    /// the shape operator (Weingarten map) applied to `dh`, 0 on a plane.
    fn normal_change(&self, dh: Vec3) -> Vec3;
}

/// Checks a length (radius, width…) is finite and > 0.
pub(crate) fn positive_length(field: &str, value: f64) -> Result<f64, Error> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            format!("must be finite and > 0 m, got {value}"),
        ))
    }
}

/// Checks a diffusivity is finite and > 0 and below 1e-7 m²/s (catches mm²/s and µm²/ms mix-ups).
pub(crate) fn valid_diffusivity(field: &str, value: f64) -> Result<f64, Error> {
    if value.is_finite() && value > 0.0 && value < 1e-7 {
        Ok(value)
    } else {
        Err(invalid(
            field,
            format!("must be in (0, 1e-7) m^2/s (water is ~2e-9), got {value}"),
        ))
    }
}

/// A non-zero direction scaled to unit length.
pub(crate) fn unit_direction(field: &str, v: Vec3) -> Result<Vec3, Error> {
    crate::vector::normalized(v).ok_or_else(|| {
        invalid(
            field,
            format!("must be a finite non-zero vector, got {v:?}"),
        )
    })
}

/// Every substrate this crate implements, for static dispatch in the walk (no virtual call per step).
#[derive(Debug, Clone, PartialEq)]
pub enum AnySubstrate {
    /// Free diffusion.
    Free(Free),
    /// Two parallel reflecting planes.
    Slab(Slab),
    /// Inside an infinite cylinder.
    Cylinder(Cylinder),
    /// Inside a sphere.
    Sphere(Sphere),
    /// Inside an ellipsoid.
    Ellipsoid(Ellipsoid),
    /// Packed parallel cylinders in a periodic voxel (intra and extra).
    CylinderPacking(CylinderPacking),
    /// The inside and outside of a closed triangle mesh, optionally in a periodic voxel.
    Mesh(Mesh),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnySubstrate::Free($s) => $e,
            AnySubstrate::Slab($s) => $e,
            AnySubstrate::Cylinder($s) => $e,
            AnySubstrate::Sphere($s) => $e,
            AnySubstrate::Ellipsoid($s) => $e,
            AnySubstrate::CylinderPacking($s) => $e,
            AnySubstrate::Mesh($s) => $e,
        }
    };
}

impl Substrate for AnySubstrate {
    fn compartment_names(&self) -> &[&'static str] {
        dispatch!(self, s => s.compartment_names())
    }
    fn compartment_of(&self, p: Vec3) -> Option<usize> {
        dispatch!(self, s => s.compartment_of(p))
    }
    #[inline]
    fn first_hit(&self, p: Vec3, u: Vec3, max_t: f64, compartment: usize) -> Option<Hit> {
        dispatch!(self, s => s.first_hit(p, u, max_t, compartment))
    }
    fn diffusivity(&self, compartment: usize) -> f64 {
        dispatch!(self, s => s.diffusivity(compartment))
    }
    fn candidate(&self, u: Vec3) -> Vec3 {
        dispatch!(self, s => s.candidate(u))
    }
}

/// The exit hit of a convex interior from the larger root `t_far` of its boundary quadratic.
/// A walker that rounding left a hair outside and moving out gets t_far < 0: it is reflected at
/// once (t = 0), which is what keeps walkers from leaking.
#[inline]
pub(crate) fn convex_exit(
    t_far: f64,
    max_t: f64,
    normal_at: impl FnOnce(f64) -> Vec3,
) -> Option<Hit> {
    let t = t_far.max(0.0);
    (t < max_t).then(|| Hit {
        t,
        normal: normal_at(t),
        beyond: None,
    })
}
