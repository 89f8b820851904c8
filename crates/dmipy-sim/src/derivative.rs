//! Exact derivatives of the simulated signal with respect to a substrate's size (slab width,
//! cylinder or sphere radius) and its diffusivity, by differentiating each walker's path: the
//! pathwise (infinitesimal perturbation) estimator, Glasserman 2004, Monte Carlo Methods in
//! Financial Engineering, §7.2, applied to the reflected walk.
//!
//! With the draws held fixed, a walk of step length ℓ = √(6 D dt) in a geometry of size L is the
//! walk of step ℓ/L in the unit geometry, scaled: x_k(ℓ, L) = L ξ_k(ℓ/L) (start candidates scale
//! with L, directions depend on neither). Hence
//!   ∂x/∂L = (x − ℓ ∂x/∂ℓ)/L   and   ∂x/∂D = (ℓ/2D) ∂x/∂ℓ,
//! and ∂x/∂ℓ is carried along the path (`LengthTangent`). The phase φ = γ Σ_k G_k·x_k w_k is
//! linear in the positions, so ∂E/∂θ = −⟨sin φ ∂φ/∂θ⟩, averaged over walkers like E = ⟨cos φ⟩.
//!
//! Near-grazing hits on curved walls make a path's derivative large (∝ 1/grazing angle): its
//! mean is finite and its variance diverges only logarithmically, so the standard errors given are
//! the sample's and can understate a rare tail. Plane walls (slab) have no such tail.

use crate::error::invalid_arg;
use crate::result::{ChunkSums, mean_and_std_error};
use crate::rng::WalkerStream;
use crate::substrate::{AnySubstrate, Differentiable};
use crate::vector::{Vec3, add_scaled, dot, scale};
use crate::walk::{CHUNK, PathTangent, Plan, in_pool};
use crate::{Control, Error, Settings, SimulationResult, Waveforms};
use rayon::prelude::*;
use std::sync::atomic::Ordering;

/// A signal with its derivatives, each with the standard error of its Monte Carlo mean.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDerivatives {
    /// The simulation itself, bit-identical to [`simulate`](crate::simulate) of the same settings.
    pub result: SimulationResult,
    /// ∂E/∂L per measurement (1/m), L the substrate's [`size`](Differentiable::size); `None`
    /// where it has none.
    pub d_size: Option<Vec<f64>>,
    /// Standard errors of `d_size`.
    pub d_size_std_error: Option<Vec<f64>>,
    /// ∂E/∂D per measurement (s/m²).
    pub d_diffusivity: Vec<f64>,
    /// Standard errors of `d_diffusivity`.
    pub d_diffusivity_std_error: Vec<f64>,
}

/// Simulates `waveforms` in `substrate` as [`simulate`](crate::simulate) does, and the exact
/// derivatives of the signal with respect to the substrate's size and diffusivity (module doc).
/// Permeable runs and given start positions (which would not scale with the size) are refused.
pub fn simulate_derivatives<S: Differentiable>(
    substrate: &S,
    waveforms: &Waveforms,
    settings: &Settings,
) -> Result<SignalDerivatives, Error> {
    simulate_derivatives_with(substrate, waveforms, settings, None)
}

/// [`simulate_derivatives`] of a substrate of any kind: free, slab, cylinder and sphere are
/// differentiable; the other kinds are an error that names them.
pub fn simulate_any_derivatives(
    substrate: &AnySubstrate,
    waveforms: &Waveforms,
    settings: &Settings,
    control: Option<&Control>,
) -> Result<SignalDerivatives, Error> {
    match substrate {
        AnySubstrate::Free(s) => simulate_derivatives_with(s, waveforms, settings, control),
        AnySubstrate::Slab(s) => simulate_derivatives_with(s, waveforms, settings, control),
        AnySubstrate::Cylinder(s) => simulate_derivatives_with(s, waveforms, settings, control),
        AnySubstrate::Sphere(s) => simulate_derivatives_with(s, waveforms, settings, control),
        AnySubstrate::Ellipsoid(_) | AnySubstrate::CylinderPacking(_) | AnySubstrate::Mesh(_) => {
            Err(invalid_arg(
                "substrate",
                "derivatives are exact for free, slab, cylinder and sphere substrates only",
            ))
        }
    }
}

/// [`simulate_derivatives`] with progress and cancellation ([`Control`]).
pub fn simulate_derivatives_with<S: Differentiable>(
    substrate: &S,
    waveforms: &Waveforms,
    settings: &Settings,
    control: Option<&Control>,
) -> Result<SignalDerivatives, Error> {
    if settings.permeability != 0.0 {
        return Err(invalid_arg(
            "permeability",
            "derivatives are defined for impermeable walls only",
        ));
    }
    if matches!(settings.start, crate::Start::Positions(_)) {
        return Err(invalid_arg(
            "start",
            "derivatives need positions drawn by the simulator (given ones do not scale with the size)",
        ));
    }
    let plan = Plan::new(substrate, waveforms, settings)?;
    let chunks = plan.walkers.div_ceil(CHUNK);
    let parts = in_pool(settings.threads, || {
        (0..chunks)
            .into_par_iter()
            .map(|c| {
                if control.is_some_and(|c| c.cancel.load(Ordering::Relaxed)) {
                    return Err(Error::Cancelled);
                }
                let sums = chunk(&plan, substrate, waveforms, c)?;
                if let Some(control) = control {
                    let n = sums.0.count[0] as u64;
                    control.walkers_done.fetch_add(n, Ordering::Relaxed);
                }
                Ok(sums)
            })
            .collect::<Result<Vec<_>, Error>>()
    })?;
    let m = waveforms.len();
    let mut signal = ChunkSums::new(1, m);
    let mut d = [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]];
    for (sums, part) in &parts {
        signal.merge(sums);
        for (total, add) in d.iter_mut().zip(part) {
            total.iter_mut().zip(add).for_each(|(a, b)| *a += b);
        }
    }
    let moments = |sum: &[f64], sum2: &[f64]| mean_and_std_error(sum, sum2, plan.walkers);
    let (d_diffusivity, d_diffusivity_std_error) = moments(&d[2], &d[3]);
    let sized = substrate.size().map(|_| moments(&d[0], &d[1]));
    Ok(SignalDerivatives {
        result: signal.finish(
            substrate.compartment_names(),
            waveforms.steps(),
            waveforms.dt(),
            settings.seed,
        ),
        d_size: sized.as_ref().map(|s| s.0.clone()),
        d_size_std_error: sized.map(|s| s.1),
        d_diffusivity,
        d_diffusivity_std_error,
    })
}

/// ∂x/∂ℓ along one walker's path. At a wall hit after t along u from p, with unit normal n and
/// the wall's shape operator S: ṫ = −n·(ṗ + t u̇)/(n·u) keeps the hit on the wall, the hit point
/// moves by ḣ = ṗ + ṫu + tu̇, the normal by ṅ = Sḣ, and the reflection u' = u − 2(u·n)n moves by
/// u̇' = u̇ − 2((u̇·n + u·ṅ)n + (u·n)ṅ); the step's remaining length loses ṫ.
struct LengthTangent<'a, S> {
    substrate: &'a S,
    /// ∂p/∂ℓ
    dp: Vec3,
    /// ∂u/∂ℓ within the current step.
    du: Vec3,
    /// ∂(remaining length)/∂ℓ within the current step.
    dl: f64,
}

impl<S: Differentiable> PathTangent for LengthTangent<'_, S> {
    #[inline]
    fn start_step(&mut self) {
        self.du = [0.0; 3];
        self.dl = 1.0;
    }
    #[inline]
    fn reflect(&mut self, t: f64, u: Vec3, n: Vec3) {
        let along = add_scaled(self.dp, t, self.du);
        let un = dot(u, n);
        let dt = -dot(n, along) / un;
        let dh = add_scaled(along, dt, u);
        let dn = self.substrate.normal_change(dh);
        let turn = scale(dot(self.du, n) + dot(u, dn), n);
        self.du = add_scaled(add_scaled(self.du, -2.0, turn), -2.0 * un, dn);
        self.dp = dh;
        self.dl -= dt;
    }
    #[inline]
    fn finish_step(&mut self, remaining: f64, u: Vec3) {
        self.dp = add_scaled(add_scaled(self.dp, self.dl, u), remaining, self.du);
    }
}

/// Chunk `c`'s signal sums and derivative sums [Σ∂E/∂L, Σ(∂E/∂L)², Σ∂E/∂D, Σ(∂E/∂D)²].
fn chunk<S: Differentiable>(
    plan: &Plan,
    substrate: &S,
    w: &Waveforms,
    c: usize,
) -> Result<(ChunkSums, [Vec<f64>; 4]), Error> {
    let m = w.len();
    let np = plan.profiles;
    let (ell, d) = (plan.step_lengths[0], substrate.diffusivity(0));
    let size = substrate.size();
    let mut sums = ChunkSums::new(1, m);
    let mut out = [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]];
    let (mut integral, mut d_integral) = (vec![[0.0; 3]; np], vec![[0.0; 3]; np]);
    for i in c * CHUNK..((c + 1) * CHUNK).min(plan.walkers) {
        let start = plan.initial(substrate, i)?;
        let mut stream = WalkerStream::new(plan.seed, i as u64);
        integral.iter_mut().for_each(|v| *v = [0.0; 3]);
        d_integral.iter_mut().for_each(|v| *v = [0.0; 3]);
        let mut tangent = LengthTangent {
            substrate,
            dp: [0.0; 3],
            du: [0.0; 3],
            dl: 0.0,
        };
        let (_, _, truncated) = plan.walk(
            substrate,
            start,
            w.steps(),
            &mut stream,
            &mut tangent,
            |k, x, tan| {
                let wk = &plan.weights[k * np..(k + 1) * np];
                for ((acc, dacc), &wt) in integral.iter_mut().zip(&mut d_integral).zip(wk) {
                    *acc = add_scaled(*acc, wt, x);
                    *dacc = add_scaled(*dacc, wt, tan.dp);
                }
            },
        );
        sums.truncated += truncated;
        sums.count[0] += 1;
        for (mi, terms) in w.terms().iter().enumerate() {
            let phase = Plan::phase(terms, &integral);
            let d_phase = Plan::phase(terms, &d_integral); // ∂φ/∂ℓ
            let s = sums.add_phase(0, mi, phase);
            if let Some(l) = size {
                let v = -s * (phase - ell * d_phase) / l;
                out[0][mi] += v;
                out[1][mi] += v * v;
            }
            let v = -s * d_phase * ell / (2.0 * d);
            out[2][mi] += v;
            out[3][mi] += v * v;
        }
    }
    Ok((sums, out))
}
