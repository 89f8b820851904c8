//! The brute-force grid: candidate parameter vectors with their signals precomputed once per
//! (model, scheme), and the best candidate for a voxel by S0-free least squares.
//!
//! Each candidate signal g is stored normalised, ĝ = g/‖g‖. For data y the least-squares fit
//! with a free scale s ≥ 0, min ‖y − s g‖², has residual ‖y‖² − ⟨y, ĝ⟩²₊, so the best
//! candidate is the one with the largest ⟨y, ĝ⟩ — one matrix–vector product per voxel.
//!
//! The grid is the product of one axis per parameter group: each orientation takes a Fibonacci
//! set of directions on the upper hemisphere (González 2010, Math. Geosci. 42:49–64,
//! doi:10.1007/s11004-009-9257-x; ±n is one axis, so a hemisphere suffices), all fractions
//! together take interior points of the simplex {f ≥ 0, Σf ≤ 1}, and every other parameter takes
//! cell midpoints between its bounds.

use super::FitModel;
use super::chart::{from_unit, off_pole};
use super::layout::{Layout, Role};
use crate::{AcquisitionScheme, Error};
use serde::{Deserialize, Serialize};

/// Sizes of the brute-force grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BruteForceOptions {
    /// Directions per orientation, on the hemisphere (default 48).
    pub directions: usize,
    /// Grid points per plain parameter, at the midpoints of equal cells between the bounds
    /// (default 4).
    pub steps: usize,
    /// Subdivisions k of the fraction simplex: fractions take the values (c + ½)/(k + (F+1)/2)
    /// for non-negative integers c summing to k over the F fractions and the remainder
    /// (default 5, i.e. f ∈ {1/12, 3/12, …, 11/12} for one fraction).
    pub fraction_steps: usize,
    /// Largest grid allowed (default 100,000 candidates); larger grids are an error.
    pub max_candidates: usize,
}

impl Default for BruteForceOptions {
    fn default() -> Self {
        Self {
            directions: 48,
            steps: 4,
            fraction_steps: 5,
            max_candidates: 100_000,
        }
    }
}

/// Candidate parameter vectors and their normalised signals for one (model, scheme).
#[derive(Debug, Clone, PartialEq)]
pub struct BruteForceGrid {
    n_free: usize,
    m: usize,
    params: Vec<f64>,
    unit_signals: Vec<f64>,
}

/// One axis of the product grid: a list of partial parameter assignments.
struct Axis {
    indices: Vec<usize>,
    values: Vec<Vec<f64>>,
}

impl BruteForceGrid {
    /// Builds the grid of `model` on `scheme` and evaluates every candidate's signal, unless the
    /// model [varies per voxel](FitModel::varies_per_voxel): then only the candidates are kept
    /// and each voxel scores them itself (`best_at_voxel`).
    pub fn new<M: FitModel>(
        model: &M,
        scheme: &AcquisitionScheme,
        options: &BruteForceOptions,
    ) -> Result<Self, Error> {
        let layout = Layout::new(model, 0)?;
        let axes = axes(&layout, options)?;
        let total = axes
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.values.len()))
            .filter(|&t| t <= options.max_candidates)
            .ok_or_else(|| Error::InvalidArgument {
                what: "brute-force grid".into(),
                reason: format!(
                    "more than {} candidates; lower the grid sizes or raise max_candidates",
                    options.max_candidates
                ),
            })?;
        let (n, m) = (layout.n_free, scheme.len());
        let mut params = vec![0.0; total * n];
        for (c, p) in params.chunks_exact_mut(n).enumerate() {
            let mut rest = c;
            for axis in &axes {
                let value = &axis.values[rest % axis.values.len()];
                rest /= axis.values.len();
                for (&i, &v) in axis.indices.iter().zip(value) {
                    p[i] = v;
                }
            }
        }
        let stored = if model.varies_per_voxel() { 0 } else { total };
        let mut unit_signals = vec![0.0; stored * m];
        let mut scratch = model.scratch(scheme);
        for (p, s) in params.chunks_exact(n).zip(unit_signals.chunks_exact_mut(m)) {
            model.signal(scheme, 0, p, s, &mut scratch)?;
            normalise(s);
        }
        Ok(Self {
            n_free: n,
            m,
            params,
            unit_signals,
        })
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.params.len() / self.n_free.max(1)
    }

    /// Whether the grid has no candidate (never for a constructed grid).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Parameters of candidate `k` (SI units).
    pub fn candidate(&self, k: usize) -> &[f64] {
        &self.params[k * self.n_free..(k + 1) * self.n_free]
    }

    /// The candidate closest to `data` (length = measurements) in S0-free least squares:
    /// `(index, ⟨y, ĝ⟩)` with the largest ⟨y, ĝ⟩.
    pub fn best(&self, data: &[f64]) -> (usize, f64) {
        let mut best = (0, f64::NEG_INFINITY);
        for (k, g) in self.unit_signals.chunks_exact(self.m).enumerate() {
            let d: f64 = g.iter().zip(data).map(|(a, b)| a * b).sum();
            if d > best.1 {
                best = (k, d);
            }
        }
        best
    }

    /// Whether the candidates' signals are stored (false for a model that varies per voxel).
    pub(crate) fn has_signals(&self) -> bool {
        !self.unit_signals.is_empty()
    }

    /// The best distinct candidates of voxel `voxel` with normalised data `y`, for a model whose
    /// signal varies per voxel: each candidate's signal is evaluated at that voxel into `buffer`
    /// (length m), normalised and scored as in [`best`](Self::best).
    pub(crate) fn best_at_voxel<M: FitModel>(
        &self,
        model: &M,
        scheme: &AcquisitionScheme,
        voxel: usize,
        y: &[f64],
        (scratch, buffer): (&mut M::Scratch<f64>, &mut [f64]),
        top: &mut TopK,
    ) -> Result<(), Error> {
        top.clear();
        for (k, p) in self.params.chunks_exact(self.n_free).enumerate() {
            model.signal(scheme, voxel, p, buffer, scratch)?;
            normalise(buffer);
            top.offer(k, buffer.iter().zip(y).map(|(a, b)| a * b).sum());
        }
        Ok(())
    }

    /// The `top[t].capacity` best distinct candidates of each voxel t of a tile. `tile` holds up
    /// to [`TILE`] voxels' data transposed (`tile[i * TILE + t]` = measurement i of voxel t), so
    /// that each candidate signal is read once per tile and the inner loop runs over voxels:
    /// streaming the candidates once per voxel was memory-bound (≈0.5 ms per voxel for 4,608
    /// candidates × 288 measurements).
    pub(crate) fn best_tile(&self, tile: &[f64], top: &mut [TopK]) {
        for t in top.iter_mut() {
            t.clear();
        }
        for (k, g) in self.unit_signals.chunks_exact(self.m).enumerate() {
            let mut acc = [0.0; TILE];
            for (&gi, row) in g.iter().zip(tile.chunks_exact(TILE)) {
                for t in 0..TILE {
                    acc[t] += gi * row[t];
                }
            }
            for (t, top) in top.iter_mut().enumerate() {
                top.offer(k, acc[t]);
            }
        }
    }
}

/// Divides a candidate signal by its Euclidean norm; a candidate with no signal (or a
/// non-finite one) becomes all zeros, so it can never be chosen.
fn normalise(s: &mut [f64]) {
    let norm = s.iter().map(|v| v * v).sum::<f64>().sqrt();
    let inv = if norm > 0.0 && norm.is_finite() {
        1.0 / norm
    } else {
        0.0
    };
    s.iter_mut()
        .for_each(|v| *v = if inv > 0.0 { *v * inv } else { 0.0 });
}

/// Voxels per tile of [`BruteForceGrid::best_tile`].
pub(crate) const TILE: usize = 8;

/// Most starting points a voxel can ask for.
pub(crate) const MAX_STARTS: usize = 8;

/// The best few candidates of one voxel, best first; candidates whose score ties an entry
/// (relative 1e-12: the same signal, e.g. an isotropic zeppelin in every direction) are skipped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopK {
    pub index: [usize; MAX_STARTS],
    pub score: [f64; MAX_STARTS],
    pub len: usize,
    capacity: usize,
}

impl TopK {
    /// An empty list keeping at most `capacity` (1 to [`MAX_STARTS`]) entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            index: [0; MAX_STARTS],
            score: [f64::NEG_INFINITY; MAX_STARTS],
            len: 0,
            capacity: capacity.clamp(1, MAX_STARTS),
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.score = [f64::NEG_INFINITY; MAX_STARTS];
    }

    fn offer(&mut self, k: usize, score: f64) {
        if score <= self.score[self.capacity - 1] && self.len == self.capacity {
            return;
        }
        let tie = |s: f64| (s - score).abs() <= 1e-12 * score.abs();
        if self.score[..self.len].iter().any(|&s| tie(s)) {
            return;
        }
        let mut pos = self.len.min(self.capacity - 1);
        while pos > 0 && self.score[pos - 1] < score {
            self.score[pos] = self.score[pos - 1];
            self.index[pos] = self.index[pos - 1];
            pos -= 1;
        }
        self.score[pos] = score;
        self.index[pos] = k;
        self.len = (self.len + 1).min(self.capacity);
    }
}

/// The axes of the grid: orientations, the fraction simplex, then plain parameters.
fn axes(layout: &Layout, options: &BruteForceOptions) -> Result<Vec<Axis>, Error> {
    if options.directions == 0 || options.steps == 0 {
        return Err(Error::InvalidArgument {
            what: "brute-force grid".into(),
            reason: "directions and steps must be at least 1".into(),
        });
    }
    let mut axes = Vec::new();
    for (i, role) in layout.roles.iter().enumerate() {
        match *role {
            Role::Theta => axes.push(Axis {
                indices: vec![i, i + 1],
                values: hemisphere(options.directions),
            }),
            Role::Plain { lo, hi, .. } if !layout.fractions.contains(&i) => axes.push(Axis {
                indices: vec![i],
                values: (0..options.steps)
                    .map(|k| vec![lo + (hi - lo) * (k as f64 + 0.5) / options.steps as f64])
                    .collect(),
            }),
            _ => {}
        }
    }
    if !layout.fractions.is_empty() {
        axes.push(Axis {
            indices: layout.fractions.clone(),
            values: simplex(layout.fractions.len(), options.fraction_steps),
        });
    }
    Ok(axes)
}

/// `count` Fibonacci directions on the upper hemisphere as (θ, φ): z_k = 1 − (k + ½)/count,
/// φ_k = k·π(3 − √5); never exactly at the pole.
pub(crate) fn hemisphere(count: usize) -> Vec<Vec<f64>> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..count)
        .map(|k| {
            let z = 1.0 - (k as f64 + 0.5) / count as f64;
            let rho = (1.0 - z * z).sqrt();
            let phi = golden * k as f64;
            let (t, p) = from_unit(&[rho * phi.cos(), rho * phi.sin(), z]);
            vec![off_pole(t), p]
        })
        .collect()
}

/// Interior points of the simplex of `f` fractions (plus the remainder) with `k` subdivisions.
fn simplex(f: usize, k: usize) -> Vec<Vec<f64>> {
    let denominator = k as f64 + (f as f64 + 1.0) / 2.0;
    let mut out = Vec::new();
    let mut counts = vec![0usize; f];
    loop {
        let used: usize = counts.iter().sum();
        if used <= k {
            out.push(
                counts
                    .iter()
                    .map(|&c| (c as f64 + 0.5) / denominator)
                    .collect(),
            );
        }
        // Next composition in mixed radix k + 1.
        let mut j = 0;
        while j < f {
            counts[j] += 1;
            if counts[j] <= k {
                break;
            }
            counts[j] = 0;
            j += 1;
        }
        if j == f {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::test_models::BallStick;

    #[test]
    fn simplex_points_are_interior_and_sum_below_one() {
        let one = simplex(1, 5);
        let expected: Vec<f64> = (0..6).map(|c| (2 * c + 1) as f64 / 12.0).collect();
        assert_eq!(one.len(), 6);
        for (p, e) in one.iter().zip(expected) {
            assert!((p[0] - e).abs() < 1e-15);
        }
        let two = simplex(2, 4);
        assert_eq!(two.len(), 15, "compositions of 4 into 3 parts");
        for p in &two {
            let s: f64 = p.iter().sum();
            assert!(p.iter().all(|&v| v > 0.0) && s < 1.0, "{p:?}");
        }
    }

    /// The tiled search agrees with the one-voxel search.
    #[test]
    fn tiles_agree_with_single_voxels() {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let model = BallStick::new();
        let grid = BruteForceGrid::new(&model, &scheme, &BruteForceOptions::default()).unwrap();
        let m = scheme.len();
        let mut rng = crate::fit::test_models::TestRng::new(9);
        let ys: Vec<f64> = (0..5 * m).map(|_| rng.uniform()).collect();
        let mut tile = vec![0.0; m * TILE];
        for t in 0..5 {
            for i in 0..m {
                tile[i * TILE + t] = ys[t * m + i];
            }
        }
        let mut tops = [TopK::new(2); 5];
        grid.best_tile(&tile, &mut tops);
        for t in 0..5 {
            let (k, score) = grid.best(&ys[t * m..(t + 1) * m]);
            assert_eq!(tops[t].index[0], k);
            assert!((tops[t].score[0] - score).abs() <= 1e-12 * score);
            assert!(tops[t].score[1] < score && tops[t].len == 2);
        }
    }

    #[test]
    fn top_k_keeps_the_best_distinct_scores_in_order() {
        let mut top = TopK::new(3);
        for (k, s) in [(0, 1.0), (1, 5.0), (2, 3.0), (3, 5.0), (4, 4.0), (5, 0.5)] {
            top.offer(k, s);
        }
        assert_eq!(top.len, 3);
        assert_eq!(&top.index[..3], &[1, 4, 2]);
        assert_eq!(&top.score[..3], &[5.0, 4.0, 3.0]);
    }

    #[test]
    fn hemisphere_directions_cover_it_evenly() {
        let dirs = hemisphere(200);
        // Every axis of the sphere is within ~ the spacing sqrt(2π/200) ≈ 0.18 rad of a grid axis.
        for &(t, p) in &[(0.0, 0.0), (1.57, 0.3), (2.8, -1.0), (0.9, 3.0)] {
            let nearest = dirs
                .iter()
                .map(|d| super::super::chart::axis_angle(t, p, d[0], d[1]))
                .fold(f64::INFINITY, f64::min);
            assert!(nearest < 0.18, "{nearest}");
        }
    }

    /// A voxel whose signal is exactly a candidate's (times any S0) picks that candidate.
    #[test]
    fn best_candidate_of_a_grid_signal_is_itself() {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let model = BallStick::new();
        let grid = BruteForceGrid::new(&model, &scheme, &BruteForceOptions::default()).unwrap();
        assert_eq!(grid.len(), 48 * 4 * 4 * 6);
        let mut y = vec![0.0; scheme.len()];
        let mut scratch = model.scratch(&scheme);
        for k in [0, 17, 1000, grid.len() - 1] {
            model
                .signal(&scheme, 0, grid.candidate(k), &mut y, &mut scratch)
                .unwrap();
            y.iter_mut().for_each(|v| *v *= 1234.5);
            assert_eq!(grid.best(&y).0, k);
        }
    }
}
