//! `Rk4`: the classical fourth-order Runge–Kutta step.

use super::{DirectionFn, Integrator, advance};
use crate::field::normalised;
use dmipy::Scalar;

/// The classical Runge–Kutta method (Hairer, Nørsett & Wanner 1993, §II.1, eq. 1.8;
/// doi:10.1007/978-3-540-78862-1): $k_1 = v(p)$, $k_2 = v(p + \tfrac h2 k_1)$,
/// $k_3 = v(p + \tfrac h2 k_2)$, $k_4 = v(p + h k_3)$,
/// $p_{n+1} = p + \tfrac h6(k_1 + 2k_2 + 2k_3 + k_4)$; global error O(h⁴). Each stage is
/// sign-aligned with the previous one, so the axis field acts as a vector field. The outgoing
/// direction is the normalised weighted mean of the stages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rk4;

impl Integrator for Rk4 {
    fn step<D: Scalar>(
        &self,
        point: &[D; 3],
        incoming: &[D; 3],
        h: f64,
        direction: &mut DirectionFn<'_, D>,
    ) -> Option<([D; 3], [D; 3])> {
        let k1 = direction(point, incoming)?;
        let k2 = direction(&advance(point, &k1, 0.5 * h), &k1)?;
        let k3 = direction(&advance(point, &k2, 0.5 * h), &k2)?;
        let k4 = direction(&advance(point, &k3, h), &k3)?;
        let k: [D; 3] = std::array::from_fn(|a| (k1[a] + k2[a] * 2.0 + k3[a] * 2.0 + k4[a]) / 6.0);
        let out = normalised(&k)?;
        Some((advance(point, &k, h), out))
    }
}
