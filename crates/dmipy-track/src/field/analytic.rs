//! `HelixField`: an analytic field whose integral curves are helices (circles for zero pitch, lines for zero radius).

use super::{OrientationField, dot, normalised};
use dmipy::Scalar;

/// The unit field $\mathbf v(\mathbf p) = (-y, x, b)/\sqrt{x^2+y^2+b^2}$ about the z axis through
/// the origin (world mm). Its integral curves are helices $x = r\cos t$, $y = r\sin t$, $z = b\,t$
/// of radius r = √(x² + y²) and pitch 2πb, traversed at arc-length rate
/// ds/dt = √(r² + b²): after an arc length s the exact point is at t = s/√(r² + b²). With
/// b = 0 these are circles of radius r; far from the axis (r ≫ b) locally nearly uniform.
/// Used to test integrators against known curves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HelixField {
    /// b (mm): the z advance per radian.
    pub pitch_per_radian: f64,
}

impl HelixField {
    /// The exact point at arc length `s` (mm) from `start` (world mm), moving with the field.
    pub fn exact(&self, start: &[f64; 3], s: f64) -> [f64; 3] {
        let b = self.pitch_per_radian;
        let r = start[0].hypot(start[1]);
        let t0 = start[1].atan2(start[0]);
        let t = s / (r * r + b * b).sqrt();
        [r * (t0 + t).cos(), r * (t0 + t).sin(), start[2] + b * t]
    }
}

impl<D: Scalar> OrientationField<D> for HelixField {
    fn axis(&self, point: &[D; 3], incoming: &[D; 3], cos_min: f64) -> Option<[D; 3]> {
        let v = normalised(&[-point[1], point[0], D::from(self.pitch_per_radian)])?;
        let c = dot(&v, incoming);
        if c.re().abs() < cos_min {
            return None;
        }
        let s = if c.re() < 0.0 { -1.0 } else { 1.0 };
        Some(v.map(|x| x * s))
    }

    fn seed_axes(&self, point: &[f64; 3]) -> Vec<[f64; 3]> {
        normalised(&[-point[1], point[0], self.pitch_per_radian])
            .into_iter()
            .collect()
    }

    fn contains(&self, _point: &[D; 3]) -> bool {
        true
    }
}
