//! `Euler`: the first-order step p + h·v(p).

use super::{DirectionFn, Integrator, advance};
use dmipy::Scalar;

/// The explicit Euler step $p_{n+1} = p_n + h\,v(p_n)$ (Hairer, Nørsett & Wanner 1993, *Solving
/// Ordinary Differential Equations I*, §II.1, eq. 1.1; doi:10.1007/978-3-540-78862-1); global
/// error O(h). With a peaks field this is DIPY's EuDX / MRtrix's FACT stepping.
#[derive(Debug, Clone, Copy, Default)]
pub struct Euler;

impl Integrator for Euler {
    fn step<D: Scalar>(
        &self,
        point: &[D; 3],
        incoming: &[D; 3],
        h: f64,
        direction: &mut DirectionFn<'_, D>,
    ) -> Option<([D; 3], [D; 3])> {
        let k = direction(point, incoming)?;
        Some((advance(point, &k, h), k))
    }
}
