//! MIX for any multi-compartment model: a global evolutionary search of the non-linear parameters with the volume fractions projected out, then the bounded Levenberg–Marquardt refinement of everything.
//!
//! Farooq et al. 2016, "Microstructure Imaging of Crossing (MIX) White Matter Fibers from
//! diffusion MRI", Sci. Rep. 6:38927, doi:10.1038/srep38927, as Dmipy 1.x's `MixOptimizer` runs
//! it:
//!
//! 1. **Global search.** Differential evolution (Storn & Price 1997, J. Global Optim. 11:341,
//!    doi:10.1023/A:1008202821328; the `best1bin` strategy with dithered mutation and Latin
//!    hypercube start that SciPy's `differential_evolution` uses by default, as Dmipy does)
//!    over the free parameters other than the partial volumes, within their bounds. The cost of a
//!    candidate p is the variable projection $\min_{w\ge0}\lVert\Phi(p)\,w - y\rVert^2$ with
//!    $\Phi(p)$ the components' signals (Dmipy solves this least squares unconstrained; the
//!    non-negative solve keeps the search among physical mixtures); a one-component model has
//!    the cost $\lVert E(p) - y\rVert^2$.
//! 2. **Fractions.** The best candidate's non-negative weights, normalised to sum one (Dmipy runs
//!    COBYLA with the sum constraint; the refinement below enforces it exactly).
//! 3. **Refinement.** [`fit_model`] from that start (every parameter guessed, so no grid), with
//!    the caller's [`FitOptions`]: nested fractions, bounds, and optionally uncertainties or a
//!    Rician likelihood.
//!
//! No crate is used for the evolution: it is 60 lines, and it must run inside each voxel's task
//! with the project's counter-based [`Rng`](crate::Rng) keyed by (seed, voxel), so that a fit does
//! not depend on the thread count.

use super::MultiCompartmentModel;
use super::fit::{ModelFit, data_voxels, fit_model, model_outputs};
use crate::nnls::{DenseGram, nnls_gram};
use crate::{AcquisitionScheme, EchoTimeGroups, Error, FitControl, FitOptions, InitialGuess, Rng};
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// Settings of MIX's global search (Dmipy's `maxiter`; SciPy's `differential_evolution` defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct MixOptions {
    /// Most generations (Dmipy's `fit(..., maxiter=300)`).
    pub max_iterations: usize,
    /// Population size per searched parameter (SciPy's `popsize`, 15).
    pub population: usize,
    /// Relative convergence tolerance: stop when the standard deviation of the population's costs
    /// is at most `tolerance` × |their mean| (SciPy's `tol`, 0.01).
    pub tolerance: f64,
    /// Crossover probability (SciPy's `recombination`, 0.7).
    pub crossover: f64,
    /// Seed of the random streams, one per voxel.
    pub seed: u64,
}

impl Default for MixOptions {
    fn default() -> Self {
        Self {
            max_iterations: 300,
            population: 15,
            tolerance: 0.01,
            crossover: 0.7,
            seed: 0,
        }
    }
}

/// Fits `model` to every voxel of `data` (voxels × `scheme.len()`, raw signals with b0s) by MIX
/// (see the module documentation): the global search gives every voxel its starting point, then
/// [`fit_model`] refines it with `options` (whose `initial` is replaced by the search's result).
/// Voxels that cannot be normalised keep NaN guesses and are flagged by the refinement.
/// `control`'s cancellation is checked per voxel during the search; its progress is reported by
/// the refinement only.
///
/// Errors: those of [`fit_model`]; a partial volume that is not free (MIX estimates all of them).
pub fn fit_model_mix(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    mix: &MixOptions,
    options: &FitOptions,
    control: &FitControl,
) -> Result<ModelFit, Error> {
    let m = scheme.len();
    data_voxels(model, scheme, data)?;
    let search = Search::new(model, scheme, mix)?;
    let groups = EchoTimeGroups::new(scheme)?;
    let n_free = model.free_len();
    let mut guesses = vec![f64::NAN; data.len() / m * n_free];
    let cancelled = || control.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    guesses
        .par_chunks_mut(n_free.max(1))
        .zip(data.par_chunks(m))
        .enumerate()
        .try_for_each(|(v, (guess, raw))| match cancelled() {
            true => Ok(()),
            false => search.voxel(&groups, raw, v, guess),
        })?;
    let refine = FitOptions {
        initial: InitialGuess::PerVoxel(guesses),
        ..options.clone()
    };
    fit_model(model, scheme, data, &refine, control)
}

/// What the global search of one model needs.
struct Search<'a> {
    model: &'a MultiCompartmentModel,
    scheme: &'a AcquisitionScheme,
    options: &'a MixOptions,
    /// Free positions searched, with their bounds.
    searched: Vec<(usize, (f64, f64))>,
    /// Free position of each component's partial volume (empty for one component).
    volumes: Vec<usize>,
}

impl<'a> Search<'a> {
    fn new(
        model: &'a MultiCompartmentModel,
        scheme: &'a AcquisitionScheme,
        options: &'a MixOptions,
    ) -> Result<Self, Error> {
        let volumes = model.separable_partial_volumes("MIX")?;
        let searched = (model.free_bounds().into_iter().enumerate())
            .filter(|(k, _)| !volumes.contains(k))
            .collect();
        Ok(Self {
            model,
            scheme,
            options,
            searched,
            volumes,
        })
    }

    /// The search's starting point of voxel `voxel` (free layout) into `guess`.
    fn voxel(
        &self,
        groups: &EchoTimeGroups,
        raw: &[f64],
        voxel: usize,
        guess: &mut [f64],
    ) -> Result<(), Error> {
        let (model, scheme) = (self.model, self.scheme);
        let mut y = vec![0.0; raw.len()];
        let mut s0 = vec![0.0; groups.len()];
        if groups.normalise(raw, &mut y, &mut s0).is_err() {
            return Ok(());
        }
        let y = model_outputs(model, scheme, y)?;
        let mut cost = Cost {
            search: self,
            y: &y,
            voxel,
            free: vec![0.0; model.free_len()],
            full: vec![0.0; model.full_len()],
            phi: vec![0.0; y.len() * model.component_count()],
            scratch: model.scratch(scheme),
            weights: vec![0.0; model.component_count()],
        };
        let best = self.evolve(&mut cost, &mut Rng::new(self.options.seed, voxel as u64))?;
        cost.evaluate(&best)?;
        guess.copy_from_slice(&cost.free);
        let total: f64 = cost.weights.iter().sum();
        let k = self.volumes.len();
        for (&position, &w) in self.volumes.iter().zip(&cost.weights) {
            guess[position] = if total > 0.0 {
                w / total
            } else {
                1.0 / k as f64
            };
        }
        Ok(())
    }

    /// Differential evolution, `best1bin` with dithering: the best point of the population.
    fn evolve(&self, cost: &mut Cost, rng: &mut Rng) -> Result<Vec<f64>, Error> {
        let n = self.searched.len();
        if n == 0 {
            return Ok(Vec::new());
        }
        let size = (self.options.population * n).max(5);
        // Latin hypercube: each parameter's range cut in `size` strata, one point per stratum.
        let mut population = vec![vec![0.0; n]; size];
        for (j, &(_, (lo, hi))) in self.searched.iter().enumerate() {
            let mut strata: Vec<usize> = (0..size).collect();
            for i in (1..size).rev() {
                strata.swap(i, (rng.uniform() * (i + 1) as f64) as usize);
            }
            for (point, &s) in population.iter_mut().zip(&strata) {
                point[j] = lo + (hi - lo) * (s as f64 + rng.uniform()) / size as f64;
            }
        }
        let mut energy = Vec::with_capacity(size);
        for point in &population {
            energy.push(cost.evaluate(point)?);
        }
        let mut best = (0..size)
            .min_by(|&a, &b| energy[a].total_cmp(&energy[b]))
            .unwrap_or(0);
        let mut trial = vec![0.0; n];
        for _ in 0..self.options.max_iterations {
            let scale = 0.5 + 0.5 * rng.uniform();
            for i in 0..size {
                let pick = |rng: &mut Rng, not: &[usize]| loop {
                    let r = (rng.uniform() * size as f64) as usize;
                    if !not.contains(&r) {
                        return r;
                    }
                };
                let r1 = pick(rng, &[i]);
                let r2 = pick(rng, &[i, r1]);
                let forced = (rng.uniform() * n as f64) as usize;
                for (j, &(_, (lo, hi))) in self.searched.iter().enumerate() {
                    trial[j] = if j == forced || rng.uniform() < self.options.crossover {
                        population[best][j] + scale * (population[r1][j] - population[r2][j])
                    } else {
                        population[i][j]
                    };
                    if !(lo..=hi).contains(&trial[j]) {
                        trial[j] = lo + (hi - lo) * rng.uniform();
                    }
                }
                let e = cost.evaluate(&trial)?;
                if e <= energy[i] {
                    population[i].copy_from_slice(&trial);
                    energy[i] = e;
                    if e <= energy[best] {
                        best = i;
                    }
                }
            }
            let mean = energy.iter().sum::<f64>() / size as f64;
            let sd = (energy.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / size as f64).sqrt();
            if sd <= self.options.tolerance * mean.abs() {
                break;
            }
        }
        Ok(population.swap_remove(best))
    }
}

/// The variable-projection cost of one voxel, with its working memory.
struct Cost<'s, 'a> {
    search: &'s Search<'a>,
    y: &'s [f64],
    voxel: usize,
    free: Vec<f64>,
    full: Vec<f64>,
    phi: Vec<f64>,
    scratch: super::ModelScratch<f64>,
    /// The non-negative weights of the last evaluation (1 for a one-component model).
    weights: Vec<f64>,
}

impl Cost<'_, '_> {
    /// $\min_{w\ge0}\lVert\Phi(p)w - y\rVert^2$ at the searched values `p`; leaves the free vector
    /// and the weights of `p` behind.
    fn evaluate(&mut self, p: &[f64]) -> Result<f64, Error> {
        let search = self.search;
        let model = search.model;
        for (&(k, _), &v) in search.searched.iter().zip(p) {
            self.free[k] = v;
        }
        for &k in &search.volumes {
            self.free[k] = 1.0 / search.volumes.len() as f64;
        }
        model.full_from_free(&self.free, self.voxel, &mut self.full)?;
        model.component_signals(search.scheme, &self.full, &mut self.phi, &mut self.scratch)?;
        let (m, k) = (self.y.len(), self.weights.len());
        if k == 1 {
            self.weights[0] = 1.0;
        } else {
            let mut q = vec![0.0; k * k];
            let mut c = vec![0.0; k];
            for a in 0..k {
                let pa = &self.phi[a * m..(a + 1) * m];
                c[a] = pa.iter().zip(self.y).map(|(s, v)| s * v).sum();
                for b in a..k {
                    let pb = &self.phi[b * m..(b + 1) * m];
                    q[a * k + b] = pa.iter().zip(pb).map(|(s, t)| s * t).sum();
                    q[b * k + a] = q[a * k + b];
                }
            }
            let scale = c.iter().fold(f64::MIN_POSITIVE, |s, v| s.max(v.abs()));
            nnls_gram(
                &DenseGram { q: &q, m: k },
                &c,
                1e-13 * scale,
                10 * k,
                &mut self.weights,
            )?;
        }
        let mut rss = 0.0;
        for (i, &v) in self.y.iter().enumerate() {
            let e: f64 = (0..k).map(|a| self.weights[a] * self.phi[a * m + i]).sum();
            rss += (e - v) * (e - v);
        }
        Ok(if rss.is_finite() { rss } else { f64::INFINITY })
    }
}

#[cfg(test)]
mod tests;
