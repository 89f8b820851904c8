//! Integrators: one step of the streamline ODE dp/ds = v(p) with step h (mm).

mod euler;
mod rk2;
mod rk4;

pub use euler::Euler;
pub use rk2::Rk2;
pub use rk4::Rk4;

use dmipy::Scalar;

/// The direction function an integrator evaluates: unit direction at a point given the previous
/// direction (for sign alignment and the angle limit), `None` to stop.
pub type DirectionFn<'a, D> = dyn FnMut(&[D; 3], &[D; 3]) -> Option<[D; 3]> + 'a;

/// One integration step.
pub trait Integrator: Sync {
    /// From `point` arriving along `incoming`, a step of length `h` (mm): the new point and the
    /// direction to arrive with. `None` when the direction function stops at any stage.
    fn step<D: Scalar>(
        &self,
        point: &[D; 3],
        incoming: &[D; 3],
        h: f64,
        direction: &mut DirectionFn<'_, D>,
    ) -> Option<([D; 3], [D; 3])>;
}

/// p + h·k.
pub(crate) fn advance<D: Scalar>(p: &[D; 3], k: &[D; 3], h: f64) -> [D; 3] {
    [p[0] + k[0] * h, p[1] + k[1] * h, p[2] + k[2] * h]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{HelixField, OrientationField};

    /// Endpoint error after arc length `length` on a circle (b = 0) or helix of radius 10 mm.
    fn error<I: Integrator>(integrator: &I, b: f64, steps: usize, length: f64) -> f64 {
        let field = HelixField {
            pitch_per_radian: b,
        };
        let start = [10.0, 0.0, 0.0];
        let mut p = start;
        let mut d = OrientationField::<f64>::seed_axes(&field, &start)[0];
        let h = length / steps as f64;
        let mut f = |q: &[f64; 3], inc: &[f64; 3]| field.axis(q, inc, 0.0);
        for _ in 0..steps {
            (p, d) = integrator.step(&p, &d, h, &mut f).unwrap();
        }
        let want = field.exact(&start, length);
        (0..3).map(|k| (p[k] - want[k]).powi(2)).sum::<f64>().sqrt()
    }

    /// log₂ of the error ratio when the step halves: the observed order of convergence.
    fn order<I: Integrator>(integrator: &I, b: f64, steps: usize) -> f64 {
        let length = 10.0; // 1 rad of a circle of radius 10 mm
        (error(integrator, b, steps, length) / error(integrator, b, 2 * steps, length)).log2()
    }

    #[test]
    fn orders_of_convergence_on_circles_and_helices() {
        // Global errors O(h), O(h²), O(h⁴): halving h divides them by 2, 4, 16. The circle's
        // curvature radius (10 mm) is ≥ 5 steps, in the asymptotic range.
        for b in [0.0, 3.0] {
            let (e, r2, r4) = (order(&Euler, b, 16), order(&Rk2, b, 16), order(&Rk4, b, 8));
            assert!((e - 1.0).abs() < 0.1, "Euler order {e} (b = {b})");
            assert!((r2 - 2.0).abs() < 0.15, "RK2 order {r2} (b = {b})");
            assert!((r4 - 4.0).abs() < 0.25, "RK4 order {r4} (b = {b})");
        }
        // RK4 with 1 mm steps stays within 1e-6 mm after a quarter circle.
        assert!(error(&Rk4, 0.0, 16, 5.0 * std::f64::consts::PI) < 1e-5);
    }

    #[test]
    fn uniform_field_is_exact_for_every_integrator() {
        // Far from the axis the helix field is not uniform; use a line: b ≫ r is nearly straight,
        // so test with r = 0 exactly, where v = (0, 0, 1).
        let field = HelixField {
            pitch_per_radian: 1.0,
        };
        let mut f = |q: &[f64; 3], inc: &[f64; 3]| field.axis(q, inc, 0.0);
        for _ in 0..3 {
            let (p, _) = Rk4
                .step(&[0.0, 0.0, 2.0], &[0.0, 0.0, 1.0], 0.5, &mut f)
                .unwrap();
            assert_eq!(p, [0.0, 0.0, 2.5]);
            let (p, _) = Euler
                .step(&[0.0, 0.0, 2.0], &[0.0, 0.0, 1.0], 0.5, &mut f)
                .unwrap();
            assert_eq!(p, [0.0, 0.0, 2.5]);
        }
    }
}
