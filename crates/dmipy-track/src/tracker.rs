//! The tracker: from a seed, both directions integrated until a criterion stops them, joined into one streamline.

use crate::direction::DirectionGetter;
use crate::integrator::Integrator;
use crate::stopping::{StopReason, StoppingCriterion};
use crate::{Error, Rng};
use dmipy::Scalar;
use rayon::prelude::*;

/// Tracking settings (plain data; defaults in brackets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackingSettings {
    /// Step length (mm, > 0) [0.5].
    pub step_mm: f64,
    /// Streamlines shorter than this (mm) are dropped by [`track_all`] [0].
    pub min_length_mm: f64,
    /// Maximum total length (mm) of a streamline, both halves together [250].
    pub max_length_mm: f64,
    /// Seed of the random streams (probabilistic directions) [0].
    pub seed: u64,
    /// A streamline stops when its cumulative soft weight falls below this [0].
    pub weight_floor: f64,
    /// Index of the first seed given to [`track_all`] [0]: seed `i` of a call is seed
    /// `first_seed_index + i` of the whole run, which keys its random stream, so that seeds split
    /// into chunks (threads, processes, Dask workers) give the tractogram of one call.
    pub first_seed_index: usize,
}

impl Default for TrackingSettings {
    fn default() -> Self {
        Self {
            step_mm: 0.5,
            min_length_mm: 0.0,
            max_length_mm: 250.0,
            seed: 0,
            weight_floor: 0.0,
            first_seed_index: 0,
        }
    }
}

impl TrackingSettings {
    /// Checks the ranges: step > 0, 0 ≤ min ≤ max, finite.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |name, value, reason| {
            Err(Error::BadSetting {
                name,
                value,
                reason,
            })
        };
        if !(self.step_mm > 0.0 && self.step_mm.is_finite()) {
            return bad("step (mm)", self.step_mm, "must be > 0 and finite");
        }
        if !(self.max_length_mm >= self.step_mm && self.max_length_mm.is_finite()) {
            return bad(
                "max length (mm)",
                self.max_length_mm,
                "must be ≥ the step and finite",
            );
        }
        if !(self.min_length_mm >= 0.0 && self.min_length_mm <= self.max_length_mm) {
            return bad(
                "min length (mm)",
                self.min_length_mm,
                "must be in [0, max length]",
            );
        }
        Ok(())
    }
}

/// One streamline: points (world mm) from the backward end through the seed to the forward end.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamline<D> {
    /// The points, world mm.
    pub points: Vec<[D; 3]>,
    /// Cumulative soft survival weight at each point (1 without soft criteria).
    pub weights: Vec<D>,
    /// Index of the seed point within `points`.
    pub seed_point: usize,
    /// Index of the seed in the seed list.
    pub seed_index: usize,
    /// Why the backward and the forward ends stopped.
    pub stop: [StopReason; 2],
}

impl<D: Scalar> Streamline<D> {
    /// Length (mm): the sum of segment lengths.
    pub fn length_mm(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| {
                (0..3)
                    .map(|a| (w[1][a].re() - w[0][a].re()).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .sum()
    }
}

#[allow(clippy::too_many_arguments)]
/// One half: points after the seed (seed excluded), their weights and the stop reason.
fn half<D: Scalar, G: DirectionGetter<D>, I: Integrator>(
    getter: &G,
    integrator: &I,
    criteria: &[&dyn StoppingCriterion<D>],
    seed: &[D; 3],
    start: [D; 3],
    budget_mm: f64,
    settings: &TrackingSettings,
    rng: &mut Rng,
) -> (Vec<[D; 3]>, Vec<D>, StopReason) {
    let h = settings.step_mm;
    let mut points = Vec::new();
    let mut weights = Vec::new();
    let (mut p, mut d, mut w) = (*seed, start, D::one());
    let mut travelled = 0.0;
    loop {
        if travelled + h > budget_mm + 1e-9 * h {
            return (points, weights, StopReason::MaxLength);
        }
        // A stage point outside the image ends the streamline for LeftImage, not Angle.
        let mut left = false;
        let mut f = |q: &[D; 3], inc: &[D; 3]| {
            if getter.contains(q) {
                getter.direction(q, inc, rng)
            } else {
                left = true;
                None
            }
        };
        let Some((q, e)) = integrator.step(&p, &d, h, &mut f) else {
            let reason = if left {
                StopReason::LeftImage
            } else {
                StopReason::Angle
            };
            return (points, weights, reason);
        };
        if !getter.contains(&q) {
            return (points, weights, StopReason::LeftImage);
        }
        if let Some(reason) = criteria.iter().find_map(|c| c.stop(&q)) {
            return (points, weights, reason);
        }
        let wq = criteria.iter().fold(w, |acc, c| acc * c.weight(&q));
        if wq.re() < settings.weight_floor {
            return (points, weights, StopReason::SoftWeight);
        }
        (p, d, w) = (q, e, wq);
        travelled += h;
        points.push(p);
        weights.push(w);
    }
}

/// Tracks the streamline of one seed along `direction` (world, unit) forward and its opposite
/// backward, joined. The random stream is keyed by (settings.seed, seed_index). Points are of the
/// scalar type `D`: with dual numbers seeded in `seed` or in the field values, every point carries
/// its exact derivative (non-smooth choices are made on the real part).
#[allow(clippy::too_many_arguments)]
pub fn track<D: Scalar, G: DirectionGetter<D>, I: Integrator>(
    getter: &G,
    integrator: &I,
    criteria: &[&dyn StoppingCriterion<D>],
    seed: [D; 3],
    direction: [D; 3],
    seed_index: usize,
    settings: &TrackingSettings,
) -> Streamline<D> {
    let mut rng = Rng::new(settings.seed, seed_index as u64 + 1);
    let (fwd, fwd_w, fwd_stop) = half(
        getter,
        integrator,
        criteria,
        &seed,
        direction,
        settings.max_length_mm,
        settings,
        &mut rng,
    );
    let used = fwd.len() as f64 * settings.step_mm;
    let back_dir = direction.map(|x| -x);
    let (bwd, bwd_w, bwd_stop) = half(
        getter,
        integrator,
        criteria,
        &seed,
        back_dir,
        settings.max_length_mm - used,
        settings,
        &mut rng,
    );
    let seed_w = criteria
        .iter()
        .fold(D::one(), |acc, c| acc * c.weight(&seed));
    let mut points: Vec<[D; 3]> = bwd.into_iter().rev().collect();
    let mut weights: Vec<D> = bwd_w.into_iter().rev().map(|w| w * seed_w).collect();
    let seed_point = points.len();
    points.push(seed);
    weights.push(seed_w);
    points.extend(fwd);
    weights.extend(fwd_w.into_iter().map(|w| w * seed_w));
    Streamline {
        points,
        weights,
        seed_point,
        seed_index,
        stop: [bwd_stop, fwd_stop],
    }
}

/// Tracks every seed in parallel (rayon): the first initial direction of each seed (seeds with
/// none are skipped), streamlines shorter than `min_length_mm` dropped. The result is in seed
/// order and the same for any thread count.
pub fn track_all<G: DirectionGetter<f64>, I: Integrator>(
    getter: &G,
    integrator: &I,
    criteria: &[&dyn StoppingCriterion<f64>],
    seeds: &[[f64; 3]],
    settings: &TrackingSettings,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Streamline<f64>>, Error> {
    settings.validate()?;
    let out: Vec<Option<Streamline<f64>>> = seeds
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let i = settings.first_seed_index + i;
            let mut rng = Rng::new(settings.seed, u64::MAX - i as u64);
            let d = getter.initial_directions(s, &mut rng).into_iter().next()?;
            let line = track(getter, integrator, criteria, *s, d, i, settings);
            progress(1);
            (line.length_mm() >= settings.min_length_mm).then_some(line)
        })
        .collect();
    Ok(out.into_iter().flatten().collect())
}
