//! Orientations on a tangent chart of the sphere: steps by the exponential map, no pole problem.
//!
//! The model sees an orientation as Dmipy's `mu = [θ, φ]`, but the solver never steps in θ and φ:
//! near the poles φ is degenerate (a step in φ moves the axis by sinθ·Δφ), which stalls or
//! misdirects a solver that works in (θ, φ). Instead, at the current axis
//! $\mathbf n(\theta, \varphi)$ the solver uses local coordinates (a, b) in radians along the
//! orthonormal tangent basis
//! $\mathbf e_1 = \partial\mathbf n/\partial\theta = (\cos\theta\cos\varphi, \cos\theta\sin\varphi, -\sin\theta)$,
//! $\mathbf e_2 = (\partial\mathbf n/\partial\varphi)/\sin\theta = (-\sin\varphi, \cos\varphi, 0)$,
//! so that the Jacobian columns are $\partial S/\partial a = \partial S/\partial\theta$ and
//! $\partial S/\partial b = (\partial S/\partial\varphi)/\sin\theta$, and a step (a, b) moves the
//! axis along the great circle $\mathbf n' = \cos r\,\mathbf n + \frac{\sin r}{r}(a\mathbf e_1 +
//! b\mathbf e_2)$, $r = \sqrt{a^2 + b^2}$ (the exponential map of the sphere; Absil, Mahony &
//! Sepulchre 2008, *Optimization Algorithms on Matrix Manifolds*, Princeton, Example 5.4.1).
//! The chart is re-centred at every iterate; θ, φ are read back with atan2, which wraps them to
//! θ ∈ [0, π], φ ∈ (−π, π] by construction. Axes within [`POLE_GUARD`] of a pole are moved to
//! that distance, because at the pole itself ∂S/∂φ = 0 carries no information about e₂.

use crate::unit_vector;
use std::f64::consts::PI;

/// Smallest distance (rad) kept from the poles θ = 0 and θ = π (see the module documentation):
/// far below any angular accuracy that matters, far above the underflow of sinθ.
pub(crate) const POLE_GUARD: f64 = 1e-10;

/// Moves θ into [POLE_GUARD, π − POLE_GUARD].
pub(crate) fn off_pole(theta: f64) -> f64 {
    theta.clamp(POLE_GUARD, PI - POLE_GUARD)
}

/// Wraps any (θ, φ) to the same axis with θ ∈ [0, π] and φ ∈ (−π, π], kept off the poles.
pub(crate) fn normalise(theta: f64, phi: f64) -> (f64, f64) {
    let n = unit_vector(theta, phi);
    from_unit(&n)
}

/// (θ, φ) of a vector (need not be unit), with θ kept off the poles by [`off_pole`].
pub(crate) fn from_unit(n: &[f64; 3]) -> (f64, f64) {
    let rho = n[0].hypot(n[1]);
    let theta = off_pole(rho.atan2(n[2]));
    let phi = if rho > 0.0 { n[1].atan2(n[0]) } else { 0.0 };
    // atan2 returns −π for (−0, negative x); the half-open range (−π, π] wants +π.
    let phi = if phi <= -PI { PI } else { phi };
    (theta, phi)
}

/// The axis reached from (θ, φ) by the tangent step (a, b) (rad), along a great circle.
pub(crate) fn exp_step(theta: f64, phi: f64, a: f64, b: f64) -> (f64, f64) {
    let (st, ct) = theta.sin_cos();
    let (sp, cp) = phi.sin_cos();
    let n = [st * cp, st * sp, ct];
    let e1 = [ct * cp, ct * sp, -st];
    let e2 = [-sp, cp, 0.0];
    let r = a.hypot(b);
    // sin(r)/r → 1 as r → 0; below 1e-8 the series error is under 1e-17.
    let (c, s) = if r < 1e-8 {
        (1.0 - 0.5 * r * r, 1.0)
    } else {
        (r.cos(), r.sin() / r)
    };
    let m: [f64; 3] = std::array::from_fn(|i| c * n[i] + s * (a * e1[i] + b * e2[i]));
    from_unit(&m)
}

/// Angle (rad) between the axes of two orientations, treating ±n as the same axis: in [0, π/2].
pub fn axis_angle(theta1: f64, phi1: f64, theta2: f64, phi2: f64) -> f64 {
    let (u, v) = (unit_vector(theta1, phi1), unit_vector(theta2, phi2));
    let d = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]).abs();
    let c = [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ];
    // atan2(|u×v|, |u·v|) stays accurate for tiny angles, where acos does not.
    (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt().atan2(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_moves_the_axis_by_its_length() {
        for &(theta, phi) in &[(0.3, 1.0), (1.5, -2.0), (POLE_GUARD, 0.4), (3.0, 3.1)] {
            for &(a, b) in &[(0.1, 0.0), (0.0, 0.2), (-0.3, 0.4), (1e-9, -2e-9)] {
                let (t2, p2) = exp_step(theta, phi, a, b);
                let angle = {
                    let (u, v) = (unit_vector(theta, phi), unit_vector(t2, p2));
                    let d: f64 = (0..3).map(|i| u[i] * v[i]).sum();
                    let c = [
                        u[1] * v[2] - u[2] * v[1],
                        u[2] * v[0] - u[0] * v[2],
                        u[0] * v[1] - u[1] * v[0],
                    ];
                    (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt().atan2(d)
                };
                let r = f64::hypot(a, b);
                assert!((angle - r).abs() <= 1e-9 * r + 1e-15, "{angle} vs {r}");
                assert!((0.0..=PI).contains(&t2) && p2 > -PI && p2 <= PI);
            }
        }
    }

    #[test]
    fn step_along_e1_changes_theta_only() {
        let (t, p) = exp_step(0.7, 0.4, 0.2, 0.0);
        assert!((t - 0.9).abs() < 1e-15 && (p - 0.4).abs() < 1e-15);
    }

    #[test]
    fn crossing_the_pole_flips_phi() {
        // From θ = 0.1 towards the pole by 0.3 rad ends 0.2 rad past it, on the far side (φ + π).
        let (t, p) = exp_step(0.1, 0.5, -0.3, 0.0);
        assert!((t - 0.2).abs() < 1e-14, "{t}");
        assert!((p - (0.5 - PI)).abs() < 1e-14, "{p}");
    }

    #[test]
    fn normalise_wraps_to_the_canonical_range() {
        let (t, p) = normalise(-0.5, 0.0);
        assert!((t - 0.5).abs() < 1e-15 && (p - PI).abs() < 1e-15, "{t} {p}");
        let (t, p) = normalise(0.5, 2.0 * PI + 0.25);
        assert!((t - 0.5).abs() < 1e-15 && (p - 0.25).abs() < 1e-14);
    }

    #[test]
    fn axis_angle_treats_antipodes_as_one_axis() {
        assert!(axis_angle(0.4, 1.0, PI - 0.4, 1.0 - PI) < 1e-15);
        assert!((axis_angle(0.0, 0.0, 1e-7, 0.0) - 1e-7).abs() < 1e-20);
    }
}
