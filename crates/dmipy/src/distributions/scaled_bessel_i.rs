//! The exponentially scaled modified Bessel functions e^{-x} I_j(x) of integer order, generic over the scalar type.

use crate::Scalar;
use crate::special::dual_from_derivatives;

/// Orders beyond the highest asked for, one per derivative order a dual type may carry (≤ 3 in
/// num-dual) plus one.
const EXTRA: usize = 4;
/// Most orders one call fills (more entries of `out` are left untouched).
pub(crate) const MAX_ORDERS: usize = 64;

/// Writes $\tilde I_j(x) = e^{-x}I_j(x)$ for j = 0..`out.len()` at x ≥ 0 (f64), by Miller's backward
/// recurrence $I_{j-1} = (2j/x)I_j + I_{j+1}$ (DLMF 10.29.1) from an order far above x, normalised
/// by $\tilde I_0 + 2\sum_{j\ge1}\tilde I_j = 1$ (DLMF 10.35.1 at θ = 0) and rescaled on the way
/// so nothing overflows. x = 0 gives (1, 0, 0, …).
fn scaled_table(x: f64, out: &mut [f64]) {
    out.fill(0.0);
    if x <= 0.0 {
        if let Some(first) = out.first_mut() {
            *first = 1.0;
        }
        return;
    }
    let start = out.len() + (x + 12.0 * x.sqrt()) as usize + 40;
    let (mut above, mut current) = (0.0f64, 1e-280f64);
    let mut sum = 0.0;
    for j in (1..=start).rev() {
        let below = 2.0 * j as f64 / x * current + above;
        if j < out.len() {
            out[j] = current;
        }
        sum += 2.0 * current;
        above = current;
        current = below;
        if current > 1e250 {
            let scale = 1e-250;
            above *= scale;
            current *= scale;
            sum *= scale;
            out.iter_mut().for_each(|v| *v *= scale);
        }
    }
    out[0] = current;
    let norm = sum + current;
    out.iter_mut().for_each(|v| *v /= norm);
}

/// $\tilde I_j(x) = e^{-x}I_j(x)$ for every j = 0..`out.len()` (at most [`MAX_ORDERS`]) on any
/// scalar x ≥ 0.
///
/// Values from [`scaled_table`]; derivatives from $\tilde I_j' = -\tilde I_j + (\tilde I_{j-1} +
/// \tilde I_{j+1})/2$ (DLMF 10.29.1 with the product rule, $\tilde I_{-1} = \tilde I_1$), applied k
/// times for the k-th derivative; exact on every dual type via [`dual_from_derivatives`].
pub(crate) fn scaled_bessel_i<D: Scalar>(x: D, out: &mut [D]) {
    let orders = out.len().min(MAX_ORDERS);
    let mut derivatives = [[0.0; MAX_ORDERS + EXTRA]; EXTRA + 1];
    scaled_table(x.re(), &mut derivatives[0][..orders + EXTRA]);
    for k in 1..=D::NDERIV.min(EXTRA) {
        let (done, rest) = derivatives.split_at_mut(k);
        let f = &done[k - 1];
        for (j, d) in rest[0][..orders + EXTRA - k].iter_mut().enumerate() {
            let below = if j == 0 { f[1] } else { f[j - 1] };
            *d = -f[j] + 0.5 * (below + f[j + 1]);
        }
    }
    for (j, o) in out.iter_mut().take(orders).enumerate() {
        *o = dual_from_derivatives(x, |k| derivatives[k][j]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    #[test]
    fn matches_scipy_ive() {
        // scipy.special.ive(j, x), SciPy 1.13.1.
        for (x, j, want) in [
            (0.5, 0, 0.6450352704491501),
            (0.5, 3, 0.0016043415075654604),
            (7.0, 0, 0.15373774467288123),
            (7.0, 5, 0.024516390173996174),
            (32.0, 0, 0.0708041893112456),
            (32.0, 20, 0.0001508165918992224),
            (64.0, 40, 2.4700945092779077e-07),
        ] {
            let mut out = [0.0f64; 48];
            scaled_bessel_i(x, &mut out);
            let err = (out[j] - want).abs() / want;
            assert!(err < 1e-13, "ive({j}, {x}): {} vs {want}", out[j]);
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for x in [0.0f64, 0.3, 5.0, 40.0] {
            let mut d = [Dual64::from(0.0); 6];
            scaled_bessel_i(Dual64::from(x).derivative(), &mut d);
            let (mut up, mut down) = ([0.0; 6], [0.0; 6]);
            let h = 1e-5;
            scaled_bessel_i(x + h, &mut up);
            scaled_bessel_i((x - h).max(0.0), &mut down);
            let step = if x == 0.0 { h } else { 2.0 * h };
            for j in 0..6 {
                let fd = (up[j] - down[j]) / step;
                let tol = if x == 0.0 { 1e-4 } else { 1e-8 };
                assert!(
                    (d[j].eps - fd).abs() < tol,
                    "x {x} j {j}: {} vs {fd}",
                    d[j].eps
                );
            }
        }
    }
}
