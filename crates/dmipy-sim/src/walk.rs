//! The random walk: initial positions, fixed-length steps with exact elastic reflection, phase, signal.

use crate::Error;
use crate::error::invalid_arg;
use crate::result::{ChunkSums, SimulationResult};
use crate::rng::WalkerStream;
use crate::substrate::Substrate;
use crate::vector::{Vec3, add_scaled, dot, reflect};
use crate::waveform::Waveforms;
use dmipy::GYROMAGNETIC_RATIO;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Where walkers start.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Start {
    /// Uniform over every compartment (for single shapes: their inside).
    #[default]
    Everywhere,
    /// Uniform inside one compartment, by name (`intra`, `extra`, `free`).
    Compartment(String),
    /// Given positions (m), one per walker; their count replaces [`Settings::walkers`].
    Positions(Vec<Vec3>),
}

/// Settings of a simulation (plain data; serde-free so the CLI owns its file format).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Number of walkers (default 10 000).
    pub walkers: usize,
    /// Seed of the counter-based streams (default 0). Walker i's draws depend only on (seed, i).
    pub seed: u64,
    /// Worker threads; `None` uses rayon's global pool. The signal does not depend on it.
    pub threads: Option<usize>,
    /// Where walkers start (default everywhere).
    pub start: Start,
    /// Membrane permeability κ (m/s, default 0: impermeable). A walker meeting a wall that has a
    /// compartment beyond it ([`Hit::beyond`](crate::Hit)) crosses with probability
    /// P = 2κs/(3D) (s the step length, D the diffusivity it leaves), else it reflects. Derived
    /// here: isotropic steps of fixed length s carry a one-sided flux ρs/4 per step across a
    /// plane, and a membrane passes κρ per unit time, so P·ρs/4 = κρ·dt with s² = 6D·dt.
    pub permeability: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            walkers: 10_000,
            seed: 0,
            threads: None,
            start: Start::Everywhere,
            permeability: 0.0,
        }
    }
}

/// Progress and cancellation shared with a caller (a progress bar, a Ctrl-C handler).
#[derive(Debug, Default)]
pub struct Control {
    /// Walkers finished so far.
    pub walkers_done: AtomicU64,
    /// Set to stop at the next chunk; the simulation then returns [`Error::Cancelled`].
    pub cancel: AtomicBool,
}

/// Walkers per chunk: chunk sums are merged in chunk order, so results do not depend on threads.
pub(crate) const CHUNK: usize = 256;
/// Reflections per step after which the rest of the step is dropped (never reached by convex shapes).
const MAX_BOUNCES: usize = 10_000;
/// Rejection attempts per walker for an initial position.
const MAX_ATTEMPTS: u64 = 100_000;

/// Simulates the signal of `waveforms` in `substrate` (see [`simulate_with`]).
pub fn simulate<S: Substrate>(
    substrate: &S,
    waveforms: &Waveforms,
    settings: &Settings,
) -> Result<SimulationResult, Error> {
    simulate_with(substrate, waveforms, settings, None)
}

/// Simulates the signal of `waveforms` in `substrate`: each walker takes `waveforms.steps()` steps
/// of length √(6 D dt) (D of its compartment) in directions uniform on the sphere, reflected
/// elastically at the exact collision point with the step length conserved (Disimpy's scheme,
/// Kerkelä et al. 2020, J. Open Source Softw. 5:2527, doi:10.21105/joss.02527); its phase is
/// φ = γ Σ_k G(t_k)·x_k w_k with trapezoid weights w_k on the nodes (x_k piecewise linear in time);
/// the signal is the mean of cos φ.
pub fn simulate_with<S: Substrate>(
    substrate: &S,
    waveforms: &Waveforms,
    settings: &Settings,
    control: Option<&Control>,
) -> Result<SimulationResult, Error> {
    let plan = Plan::new(substrate, waveforms, settings)?;
    let chunks = plan.walkers.div_ceil(CHUNK);
    let parts = in_pool(settings.threads, || {
        plan.chunks(substrate, waveforms, 0..chunks, control)
    })?;
    Ok(combine_chunks(
        substrate.compartment_names(),
        waveforms.steps(),
        waveforms.dt(),
        settings.seed,
        &parts,
    ))
}

/// The sums of a run's walker chunks `chunks` (walkers `CHUNK·c … CHUNK·(c + 1)` of chunk c, the
/// last one shorter), for runs split over processes or machines: [`combine_chunks`] of all chunks
/// in order is bit-identical to [`simulate_with`] of the same settings.
pub fn simulate_chunks<S: Substrate>(
    substrate: &S,
    waveforms: &Waveforms,
    settings: &Settings,
    chunks: Range<usize>,
    control: Option<&Control>,
) -> Result<Vec<ChunkSums>, Error> {
    let plan = Plan::new(substrate, waveforms, settings)?;
    let total = chunk_count(plan.walkers);
    if chunks.end > total || chunks.start > chunks.end {
        return Err(invalid_arg(
            "chunks",
            format!("{chunks:?} is not within the run's {total} chunks"),
        ));
    }
    in_pool(settings.threads, || {
        plan.chunks(substrate, waveforms, chunks, control)
    })
}

/// Chunks of a run of `walkers` walkers ([`simulate_chunks`]).
pub fn chunk_count(walkers: usize) -> usize {
    walkers.div_ceil(CHUNK)
}

/// The signal of chunk sums merged in order (see [`simulate_chunks`]), for a substrate with
/// compartments `names` and waveforms of `steps` steps of `dt` s: what a process that combines
/// sums from others needs, without building the substrate or the waveforms again.
pub fn combine_chunks(
    names: &[&str],
    steps: usize,
    dt: f64,
    seed: u64,
    chunks: &[ChunkSums],
) -> SimulationResult {
    let measurements = chunks.first().map_or(0, |c| c.measurements);
    let mut total = ChunkSums::new(names.len(), measurements);
    chunks.iter().for_each(|p| total.merge(p));
    total.finish(names, steps, dt, seed)
}

/// Final positions and (final) compartments of walkers after `steps` steps of `dt` seconds (for checks
/// that walkers stay inside, and for users who want the walk itself).
pub fn final_positions<S: Substrate>(
    substrate: &S,
    steps: usize,
    dt: f64,
    settings: &Settings,
) -> Result<Vec<(usize, Vec3)>, Error> {
    let dummy = Waveforms::new(dt, vec![vec![0.0; steps.max(1)]], vec![])?;
    let plan = Plan::new(substrate, &dummy, settings)?;
    let run = || {
        (0..plan.walkers)
            .into_par_iter()
            .map(|i| {
                let start = plan.initial(substrate, i)?;
                let mut stream = WalkerStream::new(plan.seed, i as u64);
                let (p, c_end, _) =
                    plan.walk(substrate, start, steps, &mut stream, &mut (), |_, _, _| {});
                Ok((c_end, p))
            })
            .collect()
    };
    in_pool(settings.threads, run)
}

pub(crate) fn in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error> {
    match threads {
        None => f(),
        Some(0) => Err(invalid_arg("threads", "must be at least 1")),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| invalid_arg("threads", e.to_string()))?
            .install(f),
    }
}

/// What every walker shares: step lengths, node weights, start rule.
pub(crate) struct Plan<'a> {
    pub(crate) walkers: usize,
    pub(crate) seed: u64,
    start: &'a Start,
    start_compartment: Option<usize>,
    pub(crate) step_lengths: Vec<f64>,
    /// Transit probability through a permeable wall, per compartment left.
    transit: Vec<f64>,
    /// Node weights, node-major: weights[k·P + p] = dt (f_p[k−1] + f_p[k]) / 2 (f = 0 outside).
    pub(crate) weights: Vec<f64>,
    pub(crate) profiles: usize,
}

impl<'a> Plan<'a> {
    pub(crate) fn new<S: Substrate>(
        substrate: &S,
        w: &Waveforms,
        settings: &'a Settings,
    ) -> Result<Self, Error> {
        let names = substrate.compartment_names();
        let (walkers, start_compartment) = match &settings.start {
            Start::Positions(p) => (p.len(), None),
            Start::Everywhere => (settings.walkers, None),
            Start::Compartment(name) => {
                let c = names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(|| Error::Compartment {
                        compartment: name.clone(),
                        reason: format!("this substrate has only {names:?}"),
                    })?;
                (settings.walkers, Some(c))
            }
        };
        if walkers == 0 {
            return Err(invalid_arg("walkers", "must be at least 1"));
        }
        let step_lengths: Vec<f64> = (0..names.len())
            .map(|c| (6.0 * substrate.diffusivity(c) * w.dt()).sqrt())
            .collect();
        let kappa = settings.permeability;
        if !(kappa.is_finite() && kappa >= 0.0) {
            return Err(invalid_arg(
                "permeability",
                format!("must be finite and >= 0 m/s, got {kappa}"),
            ));
        }
        if kappa > 0.0 && names.len() < 2 {
            return Err(invalid_arg(
                "permeability",
                "needs a substrate with compartments on both sides of its walls (cylinder_packing)",
            ));
        }
        let transit: Vec<f64> = (0..names.len())
            .map(|c| 2.0 * kappa * step_lengths[c] / (3.0 * substrate.diffusivity(c)))
            .collect();
        if let Some(p) = transit.iter().find(|&&p| p > 1.0) {
            return Err(invalid_arg(
                "permeability",
                format!("transit probability {p} > 1: take shorter steps"),
            ));
        }
        let (n, p) = (w.steps(), w.profiles().len());
        let mut weights = vec![0.0; (n + 1) * p];
        for (j, prof) in w.profiles().iter().enumerate() {
            for k in 0..=n {
                let before = if k > 0 { prof[k - 1] } else { 0.0 };
                let after = if k < n { prof[k] } else { 0.0 };
                weights[k * p + j] = 0.5 * w.dt() * (before + after);
            }
        }
        Ok(Self {
            walkers,
            seed: settings.seed,
            start: &settings.start,
            start_compartment,
            step_lengths,
            transit,
            weights,
            profiles: p,
        })
    }

    /// ChunkSums of chunks `chunks`, in parallel, in chunk order.
    fn chunks<S: Substrate>(
        &self,
        substrate: &S,
        waveforms: &Waveforms,
        chunks: Range<usize>,
        control: Option<&Control>,
    ) -> Result<Vec<ChunkSums>, Error> {
        chunks
            .into_par_iter()
            .map(|c| {
                if control.is_some_and(|c| c.cancel.load(Ordering::Relaxed)) {
                    return Err(Error::Cancelled);
                }
                let range = c * CHUNK..((c + 1) * CHUNK).min(self.walkers);
                let n = range.len() as u64;
                let sums = self.chunk(substrate, waveforms, range)?;
                if let Some(c) = control {
                    c.walkers_done.fetch_add(n, Ordering::Relaxed);
                }
                Ok(sums)
            })
            .collect()
    }

    /// Initial compartment and position of walker `i`.
    pub(crate) fn initial<S: Substrate>(
        &self,
        substrate: &S,
        i: usize,
    ) -> Result<(usize, Vec3), Error> {
        if let Start::Positions(p) = self.start {
            let c = substrate
                .compartment_of(p[i])
                .ok_or(Error::PositionOutside {
                    index: i,
                    position: p[i],
                })?;
            return Ok((c, p[i]));
        }
        let mut stream = WalkerStream::for_position(self.seed, i as u64);
        for _ in 0..MAX_ATTEMPTS {
            let p = substrate.candidate(stream.uniform3());
            match substrate.compartment_of(p) {
                Some(c) if self.start_compartment.is_none_or(|want| want == c) => {
                    return Ok((c, p));
                }
                _ => {}
            }
        }
        let name = self
            .start_compartment
            .map_or("any", |c| substrate.compartment_names()[c]);
        Err(Error::Compartment {
            compartment: name.into(),
            reason: format!("no start position found in {MAX_ATTEMPTS} draws (empty compartment?)"),
        })
    }

    fn chunk<S: Substrate>(
        &self,
        substrate: &S,
        w: &Waveforms,
        range: std::ops::Range<usize>,
    ) -> Result<ChunkSums, Error> {
        let m = w.len();
        let mut sums = ChunkSums::new(substrate.compartment_names().len(), m);
        let mut integral = vec![[0.0; 3]; self.profiles];
        for i in range {
            let (c, p0) = self.initial(substrate, i)?;
            let mut stream = WalkerStream::new(self.seed, i as u64);
            integral.iter_mut().for_each(|v| *v = [0.0; 3]);
            let np = self.profiles;
            let (_, _, truncated) = self.walk(
                substrate,
                (c, p0),
                w.steps(),
                &mut stream,
                &mut (),
                |k, x, _| {
                    let wk = &self.weights[k * np..(k + 1) * np];
                    for (acc, &wt) in integral.iter_mut().zip(wk) {
                        *acc = add_scaled(*acc, wt, x);
                    }
                },
            );
            sums.truncated += truncated;
            sums.count[c] += 1;
            for (mi, terms) in w.terms().iter().enumerate() {
                sums.add_phase(c, mi, Self::phase(terms, &integral));
            }
        }
        Ok(sums)
    }

    /// One walker's walk from `(compartment, p)` over `steps` steps, calling `visit(k, x_k)` at
    /// every node k = 0…steps. A wall with a compartment beyond it is crossed with the transit
    /// probability of [`Settings::permeability`]; the rest of the step then continues straight on,
    /// its length scaled by √(D_new/D_old) so that it stays a fraction of the new compartment's
    /// step. Returns the final position, the final compartment and the number of truncated steps.
    /// `tangent` follows the walk's derivatives ([`PathTangent`]; `&mut ()` for none) and is
    /// handed to `visit` with each node.
    #[inline]
    pub(crate) fn walk<S: Substrate, T: PathTangent>(
        &self,
        substrate: &S,
        (mut compartment, mut p): (usize, Vec3),
        steps: usize,
        stream: &mut WalkerStream,
        tangent: &mut T,
        mut visit: impl FnMut(usize, Vec3, &T),
    ) -> (Vec3, usize, u64) {
        let mut truncated = 0;
        visit(0, p, tangent);
        for k in 1..=steps {
            let mut u = stream.direction();
            let mut remaining = self.step_lengths[compartment];
            tangent.start_step();
            let mut bounces = 0;
            while let Some(hit) = substrate.first_hit(p, u, remaining, compartment) {
                p = add_scaled(p, hit.t, u);
                remaining -= hit.t;
                let crossing = match hit.beyond {
                    Some(next) if self.transit[compartment] > 0.0 => {
                        (stream.uniform2().0 < self.transit[compartment]).then_some(next)
                    }
                    _ => None,
                };
                if let Some(next) = crossing {
                    remaining *= self.step_lengths[next] / self.step_lengths[compartment];
                    compartment = next;
                } else {
                    tangent.reflect(hit.t, u, hit.normal);
                    u = reflect(u, hit.normal);
                }
                bounces += 1;
                if bounces == MAX_BOUNCES {
                    truncated += 1;
                    remaining = 0.0;
                    break;
                }
            }
            tangent.finish_step(remaining, u);
            p = add_scaled(p, remaining, u);
            visit(k, p, tangent);
        }
        (p, compartment, truncated)
    }

    /// The phase φ = γ Σ_m g_m·∫ f_m(t) x(t) dt of one measurement, from its terms (profile,
    /// gradient vector) and the walker's integrals against each profile.
    #[inline]
    pub(crate) fn phase(terms: &[(usize, Vec3)], integral: &[Vec3]) -> f64 {
        GYROMAGNETIC_RATIO * terms.iter().map(|&(p, g)| dot(g, integral[p])).sum::<f64>()
    }
}

/// What the walk reports to a follower of its derivatives ([`crate::simulate_derivatives`]):
/// a new step, each reflection (before the direction turns) and the straight rest of a step.
/// `()` follows nothing, and the plain walk compiles as if it were not there.
pub(crate) trait PathTangent {
    /// A new step starts: fresh direction, full length.
    fn start_step(&mut self);
    /// The walker, moving along `u`, meets a wall with unit `normal` after `t` and reflects.
    fn reflect(&mut self, t: f64, u: Vec3, normal: Vec3);
    /// The step ends with a straight segment of length `remaining` along `u`.
    fn finish_step(&mut self, remaining: f64, u: Vec3);
}

impl PathTangent for () {
    #[inline(always)]
    fn start_step(&mut self) {}
    #[inline(always)]
    fn reflect(&mut self, _t: f64, _u: Vec3, _normal: Vec3) {}
    #[inline(always)]
    fn finish_step(&mut self, _remaining: f64, _u: Vec3) {}
}
