//! Gradient waveforms G(t) on a time grid: shared temporal profiles times per-measurement vectors.

use crate::Error;
use crate::error::invalid_arg;
use crate::vector::{Vec3, add_scaled, dot, scale};
use dmipy::{AcquisitionScheme, GYROMAGNETIC_RATIO};
use std::f64::consts::PI;

/// The effective gradients of all measurements on one grid of `steps` intervals of `dt` seconds.
///
/// Measurement m has G_m(t) = Σ_j f_{p_j}(t) g_j: dimensionless temporal profiles f_p (one value
/// per interval, the average of f over it, so f is piecewise constant) shared by many
/// measurements, times gradient vectors g_j (T/m). The effective gradient is the one seen by the
/// spins (signs after refocusing pulses already applied), so a spin echo needs ∫G dt = 0.
///
/// Cost model of the simulation: per walker and step, one multiply-add of the position into a
/// 3-vector per distinct profile (P of them); per walker at the end, one 3-vector dot product per
/// term of each measurement (M of them). Total W·(N·(c_wall + 3P) + 3M) flops for W walkers and
/// N steps, so a scheme of 100 directions on one PGSE timing costs one profile per step, not 100.
#[derive(Debug, Clone, PartialEq)]
pub struct Waveforms {
    dt: f64,
    steps: usize,
    profiles: Vec<Vec<f64>>,
    terms: Vec<Vec<(usize, Vec3)>>,
    nominal_bvalues: Option<Vec<f64>>,
}

/// The gradient shapes built from a scheme's timing (the constructors below), as a value, for
/// front ends that let users choose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaveformShape {
    /// Rectangular PGSE ([`Waveforms::pgse`]).
    Pgse,
    /// Trapezoidal PGSE with a ramp time in s ([`Waveforms::pgse_trapezoidal`]).
    Trapezoid {
        /// Ramp time (s).
        ramp: f64,
    },
    /// Cosine OGSE with whole periods per lobe ([`Waveforms::ogse_cosine`]).
    OgseCosine {
        /// Periods per lobe.
        periods: u32,
    },
}

impl Waveforms {
    /// The waveforms of `shape` on `scheme` in `steps` steps.
    pub fn for_scheme(
        shape: WaveformShape,
        scheme: &AcquisitionScheme,
        steps: usize,
    ) -> Result<Self, Error> {
        match shape {
            WaveformShape::Pgse => Self::pgse(scheme, steps),
            WaveformShape::Trapezoid { ramp } => Self::pgse_trapezoidal(scheme, steps, ramp),
            WaveformShape::OgseCosine { periods } => Self::ogse_cosine(scheme, steps, periods),
        }
    }

    /// The number of steps of about `dt` seconds (rounded up to cover the longest waveform).
    pub fn steps_for_dt(
        shape: WaveformShape,
        scheme: &AcquisitionScheme,
        dt: f64,
    ) -> Result<usize, Error> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(invalid_arg(
                "dt",
                format!("must be finite and > 0 s, got {dt}"),
            ));
        }
        let duration = Self::for_scheme(shape, scheme, 1)?.dt();
        Ok((duration / dt).ceil().max(1.0) as usize)
    }

    /// Waveforms from profiles (each `steps` values, dimensionless) and per-measurement terms
    /// (profile index, gradient vector in T/m). Errors on a bad dt, a profile of the wrong length
    /// or a term pointing at no profile.
    pub fn new(
        dt: f64,
        profiles: Vec<Vec<f64>>,
        terms: Vec<Vec<(usize, Vec3)>>,
    ) -> Result<Self, Error> {
        if !(dt.is_finite() && dt > 0.0) {
            return Err(invalid_arg(
                "dt",
                format!("must be finite and > 0 s, got {dt}"),
            ));
        }
        let steps = profiles.first().map_or(0, Vec::len);
        if steps == 0 {
            return Err(invalid_arg(
                "profiles",
                "need at least one profile of at least one step",
            ));
        }
        if let Some(i) = profiles
            .iter()
            .position(|p| p.len() != steps || p.iter().any(|v| !v.is_finite()))
        {
            return Err(invalid_arg(
                "profiles",
                format!("profile {i} is not {steps} finite values"),
            ));
        }
        for (m, t) in terms.iter().enumerate() {
            if let Some(&(p, g)) = t
                .iter()
                .find(|(p, g)| *p >= profiles.len() || g.iter().any(|v| !v.is_finite()))
            {
                return Err(invalid_arg(
                    "terms",
                    format!("measurement {m}: bad term (profile {p}, gradient {g:?})"),
                ));
            }
        }
        Ok(Self {
            dt,
            steps,
            profiles,
            terms,
            nominal_bvalues: None,
        })
    }

    /// General waveforms, one G(t) per measurement given as `steps` 3-vectors (T/m) on intervals of
    /// `dt` s. Each measurement uses three profiles (its x, y and z components), so this costs
    /// 3M profiles per step: prefer the PGSE/OGSE constructors when measurements share a shape.
    pub fn from_samples(dt: f64, gradients: &[Vec<Vec3>]) -> Result<Self, Error> {
        let mut profiles = Vec::new();
        let mut terms = Vec::new();
        for g in gradients {
            let mut t = Vec::new();
            for (axis, unit) in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
                .into_iter()
                .enumerate()
            {
                t.push((profiles.len(), unit));
                profiles.push(g.iter().map(|v| v[axis]).collect());
            }
            terms.push(t);
        }
        Self::new(dt, profiles, terms)
    }

    /// Rectangular PGSE from the scheme's b, direction, δ and Δ: pulses on [0, δ] and [Δ, Δ + δ]
    /// (the second with the sign of refocusing), |G| = √(b/(Δ − δ/3))/(γδ) (Stejskal & Tanner
    /// 1965, doi:10.1063/1.1695690, eq. 7), on `steps` intervals over the longest Δ + δ. Pulse
    /// edges off the grid are represented by their interval averages. Errors if δ or Δ is missing.
    pub fn pgse(scheme: &AcquisitionScheme, steps: usize) -> Result<Self, Error> {
        let (delta, big_delta) = timing(scheme)?;
        let duration = max_of(delta.iter().zip(big_delta).map(|(d, b)| b + d));
        Self::build(scheme, steps, duration, |m| {
            let (d, bd) = (delta[m], big_delta[m]);
            let area = move |t: f64| t.clamp(0.0, d) - (t - bd).clamp(0.0, d);
            let beta = GYROMAGNETIC_RATIO.powi(2) * d * d * (bd - d / 3.0);
            ([d.to_bits(), bd.to_bits(), 0], Box::new(area), beta)
        })
    }

    /// Trapezoidal PGSE: each lobe ramps linearly up over `ramp` seconds, holds, and ramps down,
    /// with δ the time from the start of the ramp up to the start of the ramp down (so the lobe's
    /// area is Gδ, as a rectangle of duration δ); lobes start at 0 and Δ. The strength follows
    /// from b = γ²G²[δ²(Δ − δ/3) + r³/30 − δr²/6], derived here by integrating q(t)² piecewise
    /// (the standard trapezoid result, e.g. Bernstein, King & Zhou 2004, *Handbook of MRI Pulse
    /// Sequences*, ch. 9, for r = ramp time; the test checks it against the discretised waveform).
    pub fn pgse_trapezoidal(
        scheme: &AcquisitionScheme,
        steps: usize,
        ramp: f64,
    ) -> Result<Self, Error> {
        let (delta, big_delta) = timing(scheme)?;
        if !(ramp.is_finite() && ramp >= 0.0) {
            return Err(invalid_arg(
                "ramp",
                format!("must be finite and >= 0 s, got {ramp}"),
            ));
        }
        for (m, (&d, &bd)) in delta.iter().zip(big_delta).enumerate() {
            if ramp > d || bd < d + ramp {
                return Err(invalid_arg(
                    "ramp",
                    format!(
                        "measurement {m}: need ramp <= delta and Delta >= delta + ramp (ramp {ramp}, delta {d}, Delta {bd})"
                    ),
                ));
            }
        }
        let duration = max_of(delta.iter().zip(big_delta).map(|(d, b)| b + d + ramp));
        Self::build(scheme, steps, duration, |m| {
            let (d, bd, r) = (delta[m], big_delta[m], ramp);
            let lobe = move |t: f64| trapezoid_area(t, d, r);
            let area = move |t: f64| lobe(t) - lobe(t - bd);
            let beta = GYROMAGNETIC_RATIO.powi(2)
                * (d * d * (bd - d / 3.0) + r.powi(3) / 30.0 - d * r * r / 6.0);
            (
                [d.to_bits(), bd.to_bits(), r.to_bits()],
                Box::new(area),
                beta,
            )
        })
    }

    /// Cosine OGSE: G cos(2πnt/δ) on [0, δ] and −G cos(2πn(t − Δ)/δ) on [Δ, Δ + δ] with n whole
    /// `periods` per lobe (Does, Parsons & Gore 2003, MRM 49:206, doi:10.1002/mrm.10385, cosine
    /// waveform). Integrating q(t) = γGδ sin(2πnt/δ)/(2πn) gives b = γ²G²δ³/(4π²n²), derived here.
    pub fn ogse_cosine(
        scheme: &AcquisitionScheme,
        steps: usize,
        periods: u32,
    ) -> Result<Self, Error> {
        let (delta, big_delta) = timing(scheme)?;
        if periods == 0 {
            return Err(invalid_arg("periods", "must be at least 1"));
        }
        let duration = max_of(delta.iter().zip(big_delta).map(|(d, b)| b + d));
        let n = f64::from(periods);
        Self::build(scheme, steps, duration, |m| {
            let (d, bd) = (delta[m], big_delta[m]);
            let lobe = move |t: f64| {
                if t <= 0.0 || t >= d {
                    0.0
                } else {
                    d / (2.0 * PI * n) * (2.0 * PI * n * t / d).sin()
                }
            };
            let area = move |t: f64| lobe(t) - lobe(t - bd);
            let beta = GYROMAGNETIC_RATIO.powi(2) * d.powi(3) / (4.0 * PI * PI * n * n);
            (
                [d.to_bits(), bd.to_bits(), u64::from(periods)],
                Box::new(area),
                beta,
            )
        })
    }

    /// Shared construction: `shape(m)` gives a key (equal keys share a profile), the antiderivative
    /// F(t) of the unit-amplitude profile and β = b/G² (s/m² per (T/m)²).
    #[allow(clippy::type_complexity)]
    fn build(
        scheme: &AcquisitionScheme,
        steps: usize,
        duration: f64,
        shape: impl Fn(usize) -> ([u64; 3], Box<dyn Fn(f64) -> f64>, f64),
    ) -> Result<Self, Error> {
        if steps == 0 {
            return Err(invalid_arg("steps", "must be at least 1"));
        }
        let dt = duration / steps as f64;
        let mut keys: Vec<[u64; 3]> = Vec::new();
        let mut profiles = Vec::new();
        let mut terms = Vec::with_capacity(scheme.len());
        for (m, (&b, &dir)) in scheme.bvalues().iter().zip(scheme.directions()).enumerate() {
            let (key, area, beta) = shape(m);
            let p = match keys.iter().position(|k| *k == key) {
                Some(p) => p,
                None => {
                    keys.push(key);
                    profiles.push(
                        (0..steps)
                            .map(|k| (area((k + 1) as f64 * dt) - area(k as f64 * dt)) / dt)
                            .collect(),
                    );
                    keys.len() - 1
                }
            };
            let strength = if b > 0.0 && beta > 0.0 {
                (b / beta).sqrt()
            } else {
                0.0
            };
            terms.push(vec![(p, scale(strength, dir))]);
        }
        let mut w = Self::new(dt, profiles, terms)?;
        w.nominal_bvalues = Some(scheme.bvalues().to_vec());
        Ok(w)
    }

    /// Interval length (s).
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Number of intervals (walker steps).
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Number of measurements.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there is no measurement.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Number of distinct temporal profiles (the per-step cost).
    pub fn profile_count(&self) -> usize {
        self.profiles.len()
    }

    /// The scheme's b-values, when built from a scheme (s/m²).
    pub fn nominal_bvalues(&self) -> Option<&[f64]> {
        self.nominal_bvalues.as_deref()
    }

    pub(crate) fn profiles(&self) -> &[Vec<f64>] {
        &self.profiles
    }

    pub(crate) fn terms(&self) -> &[Vec<(usize, Vec3)>] {
        &self.terms
    }

    /// b-values of the discretised waveforms, b = ∫₀ᵀ |q(t)|² dt with q(t) = γ∫₀ᵗ G (s/m²)
    /// (Stejskal & Tanner 1965, eq. 7's general form). With G piecewise constant q is piecewise
    /// linear, so each interval contributes dt(|q_a|² + q_a·q_b + |q_b|²)/3 exactly.
    pub fn bvalues(&self) -> Vec<f64> {
        self.terms
            .iter()
            .map(|terms| {
                let (mut q, mut b) = ([0.0; 3], 0.0);
                for k in 0..self.steps {
                    let mut g = [0.0; 3];
                    for &(p, v) in terms {
                        g = add_scaled(g, self.profiles[p][k], v);
                    }
                    let qb = add_scaled(q, GYROMAGNETIC_RATIO * self.dt, g);
                    b += self.dt * (dot(q, q) + dot(q, qb) + dot(qb, qb)) / 3.0;
                    q = qb;
                }
                b
            })
            .collect()
    }
}

fn timing(scheme: &AcquisitionScheme) -> Result<(&[f64], &[f64]), Error> {
    Ok((
        scheme.require_delta("a PGSE/OGSE waveform")?,
        scheme.require_big_delta("a PGSE/OGSE waveform")?,
    ))
}

fn max_of(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, f64::max)
}

/// ∫₀ᵗ of a unit trapezoid lobe starting at 0: ramp up over r, plateau to δ, ramp down to δ + r.
fn trapezoid_area(t: f64, d: f64, r: f64) -> f64 {
    if t <= 0.0 {
        0.0
    } else if r == 0.0 {
        t.min(d)
    } else if t <= r {
        t * t / (2.0 * r)
    } else if t <= d {
        r / 2.0 + (t - r)
    } else if t <= d + r {
        let s = t - d;
        r / 2.0 + (d - r) + s - s * s / (2.0 * r)
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dmipy::{PulseTiming, SchemeOptions};

    fn scheme(delta: f64, big_delta: f64) -> AcquisitionScheme {
        AcquisitionScheme::from_bvalues(
            &[0.0, 1e9, 3e9, 3e9],
            &[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.6, 0.8]],
            PulseTiming::pgse(delta, big_delta),
            &SchemeOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn rectangular_pgse_on_an_aligned_grid_has_the_schemes_b_exactly() {
        // δ = 10 ms, Δ = 30 ms, 400 steps over 40 ms: both edges on the grid, b exact to rounding.
        let s = scheme(0.01, 0.03);
        let w = Waveforms::pgse(&s, 400).unwrap();
        assert_eq!(w.profile_count(), 1);
        for (b, nominal) in w.bvalues().iter().zip(s.bvalues()) {
            assert!(
                (b - nominal).abs() <= 1e-12 * nominal.max(1.0),
                "{b} vs {nominal}"
            );
        }
    }

    #[test]
    fn rectangular_pgse_off_the_grid_is_within_the_edge_error() {
        // 97 steps over 40 ms: edges fall inside intervals; the relative error of b is O(dt/δ).
        let s = scheme(0.01, 0.03);
        let w = Waveforms::pgse(&s, 97).unwrap();
        let bound = 2.0 * w.dt() / 0.01;
        for (b, nominal) in w.bvalues().iter().zip(s.bvalues()).skip(1) {
            assert!((b / nominal - 1.0).abs() < bound, "{b} vs {nominal}");
        }
    }

    #[test]
    fn trapezoid_b_formula_matches_the_discretised_waveform() {
        // Ramp 1 ms on δ = 10 ms, Δ = 30 ms, 4100 steps over 41 ms: edges on the grid; inside the
        // ramps G is linear and the interval averages give b to O(dt²/r²) ≈ 1e-4 relative.
        let s = scheme(0.01, 0.03);
        let w = Waveforms::pgse_trapezoidal(&s, 4100, 0.001).unwrap();
        for (b, nominal) in w.bvalues().iter().zip(s.bvalues()).skip(1) {
            assert!((b / nominal - 1.0).abs() < 1e-4, "{b} vs {nominal}");
        }
        // With a zero ramp the trapezoid is the rectangle.
        let rect = Waveforms::pgse(&s, 400).unwrap();
        let trap0 = Waveforms::pgse_trapezoidal(&s, 400, 0.0).unwrap();
        assert_eq!(rect.profiles, trap0.profiles);
    }

    #[test]
    fn ogse_b_formula_matches_the_discretised_waveform() {
        // Two periods per 20 ms lobe, 20000 steps: the sampled cosine's b converges as O(dt²).
        let s = scheme(0.02, 0.025);
        let w = Waveforms::ogse_cosine(&s, 20_000, 2).unwrap();
        for (b, nominal) in w.bvalues().iter().zip(s.bvalues()).skip(1) {
            assert!((b / nominal - 1.0).abs() < 1e-5, "{b} vs {nominal}");
        }
    }

    #[test]
    fn bad_timing_is_an_error_naming_the_ramp() {
        let s = scheme(0.01, 0.03);
        let e = Waveforms::pgse_trapezoidal(&s, 100, 0.02).unwrap_err();
        assert!(e.to_string().starts_with("ramp:"), "{e}");
    }
}
