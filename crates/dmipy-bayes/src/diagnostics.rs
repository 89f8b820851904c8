//! MCMC convergence diagnostics: rank-normalised split R-hat and bulk/tail effective sample sizes (Vehtari et al. 2021).
//!
//! All three follow Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021, "Rank-normalization,
//! folding, and localization: an improved R̂ for assessing convergence of MCMC", Bayesian
//! Analysis 16:667–718, doi:10.1214/20-BA1221, as ArviZ computes them (`az.rhat(method="rank")`,
//! `az.ess(method="bulk"|"tail")`; checked against ArviZ 0.23.4 on fixed draws, see
//! `tests/diagnostics.rs`):
//!
//! - split: each chain of n draws becomes two of ⌊n/2⌋ (first and last halves; the middle draw
//!   of an odd n is dropped);
//! - rank normalisation (their Eq. 14): $z = \Phi^{-1}((r - 3/8)/(S + 1/4))$ with r the average
//!   rank of a draw among all S draws;
//! - R-hat (their Eqs. 1–4 on z): $\hat R = \sqrt{(\tfrac{n-1}{n}W + B/n)/W}$, the larger of the
//!   bulk value and the value on folded draws $|x - \mathrm{median}(x)|$ (Eq. 15);
//! - ESS (their Eqs. 10–13, Geyer's initial monotone sequence): $S/\hat\tau$ with
//!   $\hat\tau = -1 + 2\sum_{t}\hat\rho_t$, $\hat\rho_t = 1 - (W - \overline{\gamma_t})/\widehat{\mathrm{var}}^+$;
//!   bulk on rank-normalised split chains, tail the smaller of the ESS of the indicators
//!   $I(x \le q_{0.05})$ and $I(x \le q_{0.95})$.

/// Draws of one scalar: `chains` chains of equal length, chain-major.
#[derive(Debug, Clone, Copy)]
pub struct Chains<'a> {
    values: &'a [f64],
    chains: usize,
}

impl<'a> Chains<'a> {
    /// `values` holds `chains` chains of `values.len() / chains` draws each, chain after chain.
    /// Returns `None` when the length is not a multiple of `chains` or `chains` is 0.
    pub fn new(values: &'a [f64], chains: usize) -> Option<Self> {
        (chains > 0 && values.len().is_multiple_of(chains)).then_some(Self { values, chains })
    }

    fn draws(&self) -> usize {
        self.values.len() / self.chains
    }

    fn chain(&self, c: usize) -> &'a [f64] {
        let n = self.draws();
        &self.values[c * n..(c + 1) * n]
    }

    /// The split chains (2 × chains of ⌊n/2⌋ draws), chain-major.
    fn split(&self) -> (Vec<f64>, usize) {
        let half = self.draws() / 2;
        let mut out = Vec::with_capacity(2 * half * self.chains);
        for c in 0..self.chains {
            let chain = self.chain(c);
            out.extend_from_slice(&chain[..half]);
            out.extend_from_slice(&chain[chain.len() - half..]);
        }
        (out, 2 * self.chains)
    }
}

/// Rank-normalised split R-hat, the larger of bulk and tail (folded) values. NaN with fewer than
/// two chains or four draws per chain, or for non-finite draws.
pub fn rhat(draws: Chains) -> f64 {
    if draws.chains < 2 || draws.draws() < 4 || draws.values.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let (split, m) = draws.split();
    let bulk = basic_rhat(&z_scale(&split), m);
    let median = quantile(&split, 0.5);
    let folded: Vec<f64> = split.iter().map(|v| (v - median).abs()).collect();
    let tail = basic_rhat(&z_scale(&folded), m);
    bulk.max(tail)
}

/// Bulk effective sample size: ESS of the rank-normalised split chains. NaN with fewer than four
/// draws per chain or non-finite draws.
pub fn ess_bulk(draws: Chains) -> f64 {
    if draws.draws() < 4 || draws.values.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let (split, m) = draws.split();
    ess(&z_scale(&split), m)
}

/// Tail effective sample size: the smaller ESS of the split indicators of the 5 % and 95 %
/// quantiles. NaN as [`ess_bulk`].
pub fn ess_tail(draws: Chains) -> f64 {
    if draws.draws() < 4 || draws.values.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let mut lowest = f64::INFINITY;
    for p in [0.05, 0.95] {
        let q = quantile(draws.values, p);
        let indicator: Vec<f64> = (draws.values.iter())
            .map(|&v| if v <= q { 1.0 } else { 0.0 })
            .collect();
        let (split, m) = Chains::new(&indicator, draws.chains)
            .expect("same shape")
            .split();
        lowest = lowest.min(ess(&split, m));
    }
    lowest
}

/// The p-quantile of `values` by linear interpolation between order statistics (Hyndman & Fan
/// 1996 type 7, NumPy's default): position p·(S − 1) in the sorted draws.
pub fn quantile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted_quantile(&sorted, p)
}

/// [`quantile`] of already sorted values.
pub fn sorted_quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = p.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// $\sqrt{(B/W + n - 1)/n}$ with B = n·var(chain means) and W the mean within-chain variance
/// (both with n − 1 denominators), for `m` chains chain-major.
fn basic_rhat(values: &[f64], m: usize) -> f64 {
    let n = values.len() / m;
    let means: Vec<f64> = values.chunks_exact(n).map(mean).collect();
    let within = (values.chunks_exact(n).zip(&means))
        .map(|(c, &mu)| c.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (n - 1) as f64)
        .sum::<f64>()
        / m as f64;
    let between = n as f64 * sample_variance(&means);
    ((between / within + n as f64 - 1.0) / n as f64).sqrt()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Variance with denominator len − 1.
fn sample_variance(values: &[f64]) -> f64 {
    let mu = mean(values);
    values.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

/// Rank normalisation: $\Phi^{-1}((r - 3/8)/(S + 1/4))$ with average ranks r (ties share the
/// mean of their ranks; Blom 1958's offset 3/8).
fn z_scale(values: &[f64]) -> Vec<f64> {
    let s = values.len();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut z = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i;
        while j + 1 < s && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let p = (rank - 0.375) / (s as f64 + 0.25);
        let value = inverse_normal_cdf(p);
        order[i..=j].iter().for_each(|&k| z[k] = value);
        i = j + 1;
    }
    z
}

/// The effective sample size of `m` chains (chain-major) by Geyer's initial monotone sequence
/// on the autocorrelations averaged over chains (Vehtari et al. 2021, Eqs. 10–13). The
/// autocovariance of each chain at lag t is $\frac1n\sum_{i<n-t} d_i d_{i+t}$ (d the centred
/// draws), computed directly and only up to the lag where the sequence stops.
fn ess(values: &[f64], m: usize) -> f64 {
    let s = values.len();
    let n = s / m;
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if hi - lo < 1e-15 {
        return s as f64;
    }
    let centred: Vec<Vec<f64>> = (values.chunks_exact(n))
        .map(|c| {
            let mu = mean(c);
            c.iter().map(|v| v - mu).collect()
        })
        .collect();
    let means: Vec<f64> = values.chunks_exact(n).map(mean).collect();
    // Mean over chains of the lag-t autocovariance.
    let acov = |t: usize| -> f64 {
        (centred.iter())
            .map(|d| {
                d[..n - t]
                    .iter()
                    .zip(&d[t..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / n as f64
            })
            .sum::<f64>()
            / m as f64
    };
    let nf = n as f64;
    let mean_var = acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += sample_variance(&means);
    }
    let rho_at = |t: usize| 1.0 - (mean_var - acov(t)) / var_plus;
    let mut rho = vec![0.0; n];
    rho[0] = 1.0;
    let (mut even, mut odd) = (1.0, rho_at(1));
    rho[1] = odd;
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho_at(t + 1);
        odd = rho_at(t + 2);
        if even + odd >= 0.0 {
            rho[t + 1] = even;
            rho[t + 2] = odd;
        }
        t += 2;
    }
    let max_t = t - 1; // one past the last lag kept by the positive sequence (t − 2 + 1)
    if even > 0.0 {
        rho[max_t] = even;
    }
    // Monotone: each pair sum at most the previous one.
    let mut t = 1;
    while t + 2 < max_t {
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t] {
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0;
            rho[t + 2] = rho[t + 1];
        }
        t += 2;
    }
    let tau = -1.0
        + 2.0 * rho[..max_t].iter().sum::<f64>()
        + rho[max_t..(max_t + 1).min(n)].iter().sum::<f64>();
    let tau = tau.max(1.0 / (s as f64).log10());
    if rho.iter().any(|r| r.is_nan()) {
        return f64::NAN;
    }
    s as f64 / tau
}

/// $\Phi^{-1}(p)$ for p in (0, 1): Acklam's rational approximation (relative error 1.15e-9,
/// P. J. Acklam 2003, "An algorithm for computing the inverse normal cumulative distribution
/// function") refined by one Halley step on $\Phi(x) = \tfrac12\mathrm{erfc}(-x/\sqrt2)$, which
/// brings it to double precision.
pub fn inverse_normal_cdf(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return if p == 0.0 {
            f64::NEG_INFINITY
        } else if p == 1.0 {
            f64::INFINITY
        } else {
            f64::NAN
        };
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley: e = Φ(x) − p, u = e·√(2π)·exp(x²/2), x ← x − u/(1 + x·u/2).
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Φ⁻¹ at known points: Φ⁻¹(0.975) = 1.959963984540054 (to 16 digits, e.g. SciPy's ndtri),
    /// Φ⁻¹(1e-4) = −3.719016485455709, and the symmetry Φ⁻¹(1 − p) = −Φ⁻¹(p).
    #[test]
    fn inverse_normal_cdf_known_values() {
        let cases = [
            (0.975, 1.959963984540054),
            (1e-4, -3.719016485455709),
            (0.5, 0.0),
        ];
        for (p, want) in cases {
            let got = inverse_normal_cdf(p);
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "{p}: {got}"
            );
        }
        assert!((inverse_normal_cdf(0.3) + inverse_normal_cdf(0.7)).abs() < 1e-15);
    }

    /// Type-7 quantiles of 1..=5: the median is 3, q(0.1) = 1.4.
    #[test]
    fn quantile_interpolates() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert!((quantile(&v, 0.1) - 1.4).abs() < 1e-15);
    }

    /// Constant draws: ESS is the number of draws (ArviZ's convention), R-hat undefined for one
    /// chain.
    #[test]
    fn degenerate_draws() {
        let v = [2.0; 40];
        assert_eq!(ess_bulk(Chains::new(&v, 4).unwrap()), 40.0);
        assert!(rhat(Chains::new(&v, 1).unwrap()).is_nan());
        assert!(Chains::new(&v, 3).is_none());
    }
}
