//! The b ↔ q ↔ |G| relations of a pulsed-gradient spin echo, written as Dmipy 1.x writes them.
//!
//! With τ = Δ − δ/3 (s), γ the gyromagnetic ratio (rad s⁻¹ T⁻¹), |G| (T/m), q (m⁻¹) and b (s/m²):
//! $b = \gamma^2 G^2 \delta^2 (\Delta - \delta/3)$ (Stejskal & Tanner 1965,
//! doi:10.1063/1.1695690, eq. 7) and $q = \gamma \delta G / (2\pi)$ (Callaghan 1991, *Principles of
//! NMR Microscopy*, §6.2), hence $b = (2\pi q)^2 \tau$. Each function evaluates its expression in the
//! same order as `dmipy/core/gradient_conversions.py` of Dmipy 1.0.5, so results agree to the last bit.

/// Gyromagnetic ratio of the proton, γ = 267.513e6 rad s⁻¹ T⁻¹, the value Dmipy 1.x uses
/// (`dmipy/core/constants.py`, `water_gyromagnetic_ratio`).
pub const GYROMAGNETIC_RATIO: f64 = 267.513e6;

const TWO_PI: f64 = 2.0 * std::f64::consts::PI;

/// τ = Δ − δ/3 (s) from δ and Δ (s).
pub(crate) fn tau(delta: f64, big_delta: f64) -> f64 {
    big_delta - delta / 3.0
}

/// q = √(b/τ)/(2π) (m⁻¹) from b (s/m²), δ and Δ (s).
pub(crate) fn q_from_b(b: f64, delta: f64, big_delta: f64) -> f64 {
    (b / tau(delta, big_delta)).sqrt() / TWO_PI
}

/// b = (2πq)²τ (s/m²) from q (m⁻¹), δ and Δ (s).
pub(crate) fn b_from_q(q: f64, delta: f64, big_delta: f64) -> f64 {
    (q * TWO_PI).powi(2) * tau(delta, big_delta)
}

/// q = |G|δγ/(2π) (m⁻¹) from |G| (T/m) and δ (s).
pub(crate) fn q_from_g(g: f64, delta: f64) -> f64 {
    g * delta * GYROMAGNETIC_RATIO / TWO_PI
}

/// |G| = 2πq/(δγ) (T/m) from q (m⁻¹) and δ (s); 0 when q = 0 (whatever δ).
pub(crate) fn g_from_q(q: f64, delta: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    q * TWO_PI / (delta * GYROMAGNETIC_RATIO)
}

/// b = (|G|γδ)²τ (s/m²) from |G| (T/m), δ and Δ (s).
pub(crate) fn b_from_g(g: f64, delta: f64, big_delta: f64) -> f64 {
    (g * GYROMAGNETIC_RATIO * delta).powi(2) * tau(delta, big_delta)
}

/// |G| = √(b/τ)/(γδ) (T/m) from b (s/m²), δ and Δ (s); 0 when b = 0 (whatever δ).
pub(crate) fn g_from_b(b: f64, delta: f64, big_delta: f64) -> f64 {
    if b == 0.0 {
        return 0.0;
    }
    (b / tau(delta, big_delta)).sqrt() / (GYROMAGNETIC_RATIO * delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn hcp_b1000_matches_dmipy() {
        // Dmipy 1.0.5: s = wu_minn_hcp_acquisition_scheme(); repr(s.qvalues[1]),
        // repr(s.gradient_strengths[1]), repr(s.tau[1]) for b = 1e9 s/m², δ = 0.0106 s, Δ = 0.0431 s.
        let (d, bd) = (0.0106, 0.0431);
        assert_eq!(tau(d, bd), 0.03956666666666667);
        assert!(rel(q_from_b(1e9, d, bd), 25302.03193384027) < 1e-15);
        assert!(rel(g_from_b(1e9, d, bd), 0.056064055602762064) < 1e-15);
    }

    #[test]
    fn round_trips_are_exact() {
        let (d, bd) = (0.0106, 0.0431);
        for &b in &[1e6, 1e9, 3e9, 2.7e10] {
            assert!(rel(b_from_q(q_from_b(b, d, bd), d, bd), b) < 1e-12);
            assert!(rel(b_from_g(g_from_b(b, d, bd), d, bd), b) < 1e-12);
            let q = q_from_b(b, d, bd);
            assert!(rel(q_from_g(g_from_q(q, d), d), q) < 1e-12);
        }
    }

    #[test]
    fn stejskal_tanner_by_hand() {
        // |G| = 0.04 T/m, δ = 0.01 s, Δ = 0.03 s: b = (0.04 · 267.513e6 · 0.01)² · (0.03 − 0.01/3)
        let b = 107005.2_f64.powi(2) * (0.08 / 3.0);
        assert!(rel(b_from_g(0.04, 0.01, 0.03), b) < 1e-14);
        // q = γδG/(2π)
        assert!(
            rel(
                q_from_g(0.04, 0.01),
                107005.2 / (2.0 * std::f64::consts::PI)
            ) < 1e-14
        );
        assert_eq!(g_from_b(0.0, 0.0, 0.03), 0.0);
        assert_eq!(g_from_q(0.0, 0.0), 0.0);
    }
}
