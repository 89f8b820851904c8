//! `Rk2`: the second-order midpoint Runge–Kutta step.

use super::{DirectionFn, Integrator, advance};
use dmipy::Scalar;

/// The explicit midpoint rule $k_1 = v(p)$, $k_2 = v(p + \tfrac h2 k_1)$, $p_{n+1} = p + h k_2$
/// (Hairer, Nørsett & Wanner 1993, §II.1, eq. 1.7; doi:10.1007/978-3-540-78862-1); global
/// error O(h²).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rk2;

impl Integrator for Rk2 {
    fn step<D: Scalar>(
        &self,
        point: &[D; 3],
        incoming: &[D; 3],
        h: f64,
        direction: &mut DirectionFn<'_, D>,
    ) -> Option<([D; 3], [D; 3])> {
        let k1 = direction(point, incoming)?;
        let k2 = direction(&advance(point, &k1, 0.5 * h), &k1)?;
        Some((advance(point, &k2, h), k2))
    }
}
