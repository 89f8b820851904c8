//! Posterior summaries of draws: scalar mean/SD/quantiles, and orientation axes (mean axis from the mean dyadic tensor, cone95, sign-aligned diagnostics).
//!
//! Orientation draws are axes (n and −n give the same signal). Their summary follows the
//! dyadic-tensor convention of bedpostx (Behrens et al. 2003, Magn. Reson. Med. 50:1077,
//! doi:10.1002/mrm.10609; Jones 2003, Magn. Reson. Med. 49:7, doi:10.1002/mrm.10331): the mean
//! axis is the principal eigenvector of $T = \frac1S\sum_s n_s n_s^\top$, and `cone95` is the
//! 95th percentile of the angles between the draws and that axis, in degrees — the spread of the
//! posterior, not a confidence cone of the mean. Convergence diagnostics of an orientation are
//! computed on the draws sign-aligned to the mean axis, through their two coordinates in the
//! plane perpendicular to it (never on raw θ, φ, which jump at the seam and the poles).

use crate::diagnostics::{Chains, ess_bulk, ess_tail, rhat, sorted_quantile};

/// Diagnostics of one scalar quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarDiagnostics {
    /// Rank-normalised split R-hat.
    pub rhat: f64,
    /// Bulk ESS.
    pub ess_bulk: f64,
    /// Tail ESS.
    pub ess_tail: f64,
}

impl ScalarDiagnostics {
    /// The three diagnostics of `values` (`chains` chains, chain-major).
    pub fn of(values: &[f64], chains: usize) -> Self {
        let Some(c) = Chains::new(values, chains) else {
            return Self::nan();
        };
        Self {
            rhat: rhat(c),
            ess_bulk: ess_bulk(c),
            ess_tail: ess_tail(c),
        }
    }

    /// All NaN.
    pub fn nan() -> Self {
        Self {
            rhat: f64::NAN,
            ess_bulk: f64::NAN,
            ess_tail: f64::NAN,
        }
    }
}

/// Mean, SD (denominator S − 1) and the requested quantiles (type 7) of the draws.
pub fn scalar_summary(values: &[f64], quantiles: &[f64]) -> (f64, f64, Vec<f64>) {
    let s = values.len() as f64;
    let mean = values.iter().sum::<f64>() / s;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (s - 1.0).max(1.0)).sqrt();
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (
        mean,
        sd,
        quantiles
            .iter()
            .map(|&p| sorted_quantile(&sorted, p))
            .collect(),
    )
}

/// The name of the p-quantile's outputs (the `P_qNN` maps of `dmipy sample`, the `P_qNN`
/// arrays of Python's `model.sample`): `q` and the percentage, two digits when whole (`q05`,
/// `q50`, `q95`, `q100`), else as written to six decimals (`q2.5`).
pub fn quantile_name(p: f64) -> String {
    let percent = p * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("q{:02}", percent.round() as i64)
    } else {
        format!("q{}", (percent * 1e6).round() / 1e6)
    }
}

/// The summary of the draws of one orientation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrientationSummary {
    /// The mean axis (unit vector, z ≥ 0 hemisphere).
    pub mean_vector: [f64; 3],
    /// 95th percentile of the angles (degrees) between the draws and the mean axis.
    pub cone95: f64,
    /// Diagnostics of the sign-aligned draws: the worst (largest R-hat, smallest ESS) of their
    /// two coordinates perpendicular to the mean axis.
    pub diagnostics: ScalarDiagnostics,
}

/// The unit vector of (θ, φ).
pub fn unit_vector(theta: f64, phi: f64) -> [f64; 3] {
    [
        theta.sin() * phi.cos(),
        theta.sin() * phi.sin(),
        theta.cos(),
    ]
}

/// Summarises orientation draws given as unit vectors (`chains` chains, chain-major).
pub fn orientation_summary(draws: &[[f64; 3]], chains: usize) -> OrientationSummary {
    let s = draws.len() as f64;
    let mut t = [[0.0; 3]; 3];
    for n in draws {
        for i in 0..3 {
            for j in 0..3 {
                t[i][j] += n[i] * n[j] / s;
            }
        }
    }
    let Some(mut axis) = dmipy::principal_eigenvector(&t) else {
        return OrientationSummary {
            mean_vector: [f64::NAN; 3],
            cone95: f64::NAN,
            diagnostics: ScalarDiagnostics::nan(),
        };
    };
    if axis[2] < 0.0 {
        axis = axis.map(|c| -c);
    }
    let dot = |a: &[f64; 3], b: &[f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let mut angles: Vec<f64> = (draws.iter())
        .map(|n| dot(n, &axis).abs().min(1.0).acos().to_degrees())
        .collect();
    angles.sort_by(f64::total_cmp);
    // Two unit vectors perpendicular to the axis.
    let helper = if axis[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let cross = |a: &[f64; 3], b: &[f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let e1 = {
        let c = cross(&axis, &helper);
        let n = dot(&c, &c).sqrt();
        c.map(|v| v / n)
    };
    let e2 = cross(&axis, &e1);
    let mut worst = ScalarDiagnostics {
        rhat: f64::NEG_INFINITY,
        ess_bulk: f64::INFINITY,
        ess_tail: f64::INFINITY,
    };
    for e in [e1, e2] {
        let coordinate: Vec<f64> = (draws.iter())
            .map(|n| dot(n, &axis).signum() * dot(n, &e))
            .collect();
        let d = ScalarDiagnostics::of(&coordinate, chains);
        worst.rhat = worst.rhat.max(d.rhat);
        worst.ess_bulk = worst.ess_bulk.min(d.ess_bulk);
        worst.ess_tail = worst.ess_tail.min(d.ess_tail);
    }
    OrientationSummary {
        mean_vector: axis,
        cone95: sorted_quantile(&angles, 0.95),
        diagnostics: worst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws at a fixed angle α from the z axis, half of them flipped: the mean axis is ±z
    /// (reported as +z) and every angle, hence cone95, is α.
    #[test]
    fn axes_are_sign_aligned() {
        let alpha = 10f64.to_radians();
        let draws: Vec<[f64; 3]> = (0..40)
            .map(|i| {
                let phi = i as f64 * std::f64::consts::TAU / 40.0;
                let n = unit_vector(alpha, phi);
                if i % 2 == 0 { n } else { n.map(|c| -c) }
            })
            .collect();
        let s = orientation_summary(&draws, 2);
        assert!(
            (s.mean_vector[2] - 1.0).abs() < 1e-12,
            "{:?}",
            s.mean_vector
        );
        assert!((s.cone95 - 10.0).abs() < 1e-9, "{}", s.cone95);
    }

    #[test]
    fn quantiles_are_named_by_percentage() {
        assert_eq!(quantile_name(0.05), "q05");
        assert_eq!(quantile_name(0.5), "q50");
        assert_eq!(quantile_name(0.95), "q95");
        assert_eq!(quantile_name(0.025), "q2.5");
        assert_eq!(quantile_name(1.0), "q100");
        assert_eq!(quantile_name(0.0), "q00");
    }

    #[test]
    fn scalar_summary_of_known_draws() {
        let (mean, sd, q) = scalar_summary(&[1.0, 2.0, 3.0, 4.0], &[0.5, 0.0]);
        assert_eq!(mean, 2.5);
        assert!((sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(q, [2.5, 1.0]);
    }
}
