//! A bounded Levenberg–Marquardt solver for one voxel: projected, scaled, allocation-free.
//!
//! Minimises $f(x) = \tfrac12\lVert r(x)\rVert^2$ over box bounds (and orientations on a chart of
//! the sphere, through [`Problem::retract`]). Each iteration solves the damped normal equations
//! $(J^\top J + \lambda D)\,\delta = -J^\top r$ (Moré 1978, "The Levenberg-Marquardt algorithm:
//! implementation and theory", Lecture Notes in Mathematics 630:105–116,
//! doi:10.1007/BFb0067700, eq. 3.3 with $D$ the running maximum of the column norms², §6),
//! restricted to the variables that are not held at a bound by the gradient, then projects the
//! step onto the box (the projected Levenberg–Marquardt method of Kanzow, Yamashita & Fukushima
//! 2004, J. Comput. Appl. Math. 172:375–397, doi:10.1016/j.cam.2004.02.013, DOI not checked
//! here). The damping λ follows the gain ratio ρ = actual / predicted reduction as in Nielsen
//! 1999 (IMM-REP-1999-05, DTU; also Madsen, Nielsen & Tingleff 2004, *Methods for non-linear
//! least squares problems*, eq. 3.13): λ ← λ·max(1/3, 1 − (2ρ − 1)³) on success, λ ← λν,
//! ν ← 2ν on failure. Variables are scaled by the problem (x / scale), so the tolerances are
//! dimensionless.

use crate::Error;
use crate::linalg::{cholesky_in_place, cholesky_solve};
use serde::{Deserialize, Serialize};

/// A least-squares problem as the solver sees it. `x` is the problem's own parameter vector;
/// steps and Jacobians are in the problem's local, scaled coordinates at `x`.
pub(crate) trait Problem {
    /// Number of variables.
    fn n(&self) -> usize;
    /// Writes r(x).
    fn residuals(&mut self, x: &[f64], r: &mut [f64]) -> Result<(), Error>;
    /// Writes r(x) and the Jacobian (m × n, row-major) in local coordinates at x.
    fn jacobian(&mut self, x: &[f64], r: &mut [f64], jac: &mut [f64]) -> Result<(), Error>;
    /// Bounds `(lo, hi)` of the local step of variable i at x (lo ≤ 0 ≤ hi; may be infinite).
    fn step_bounds(&self, x: &[f64], i: usize) -> (f64, f64);
    /// Writes the point reached from x by the local step.
    fn retract(&self, x: &[f64], step: &[f64], x_new: &mut [f64]);
    /// The cost f at the point of the latest evaluation, whose residuals are `r` (default
    /// ½‖r‖²). A problem whose cost is not a sum of squares returns it here and hands the solver
    /// residuals r with Jᵀr its exact gradient; JᵀJ then serves as the metric of the steps.
    fn cost(&self, r: &[f64]) -> f64 {
        half_norm2(r)
    }
}

/// Settings of the Levenberg–Marquardt solver. All tolerances are dimensionless (parameters are
/// scaled, residuals are normalised signals).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LmOptions {
    /// Most trial steps (default 200).
    pub max_iterations: u32,
    /// Stop when an accepted step reduced f by at most `ftol · f` and predicted no more
    /// (Moré 1978 §7; default 1e-12).
    pub ftol: f64,
    /// Stop when the largest scaled step component is at most `xtol` (default 1e-10).
    pub xtol: f64,
    /// Stop when the largest cosine between r and a free column of J is at most `gtol`
    /// (MINPACK's gradient test; default 1e-12).
    pub gtol: f64,
    /// Stop when f = ½‖r‖² is at most this (default 1e-30: exact data fitted to rounding).
    pub fmin: f64,
    /// Initial damping λ relative to D (default 1e-3).
    pub initial_damping: f64,
}

impl Default for LmOptions {
    fn default() -> Self {
        Self {
            max_iterations: 200,
            ftol: 1e-12,
            xtol: 1e-10,
            gtol: 1e-12,
            fmin: 1e-30,
            initial_damping: 1e-3,
        }
    }
}

/// Why the solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// f fell below `fmin`.
    SmallResidual,
    /// The projected gradient test passed (`gtol`).
    Gradient,
    /// An accepted step reduced f relatively less than `ftol`.
    RelativeReduction,
    /// The step became smaller than `xtol`.
    StepSize,
    /// `max_iterations` trial steps were made.
    MaxIterations,
    /// No step reduced f even with the largest damping (1e16), or f became non-finite.
    Stalled,
}

/// Diagnostics of one solve, beside its result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LmInfo {
    /// Trial steps made.
    pub iterations: u32,
    /// Residual evaluations (Jacobian evaluations included).
    pub evaluations: u32,
    /// Why it stopped.
    pub stop: StopReason,
    /// Steps that the bounds clipped.
    pub bound_hits: u32,
    /// Variables at a bound at the solution.
    pub at_bound: u32,
    /// f at the solution (½‖r‖² for least squares).
    pub cost: f64,
}

impl LmInfo {
    /// Whether a convergence test passed (not stopped by the iteration limit or a stall).
    pub fn converged(&self) -> bool {
        !matches!(self.stop, StopReason::MaxIterations | StopReason::Stalled)
    }
}

/// Buffers of one solve, created once per thread and reused for every voxel.
pub(crate) struct LmWorkspace {
    n: usize,
    /// Residuals at the current point (valid after a solve: at the solution).
    pub r: Vec<f64>,
    r_trial: Vec<f64>,
    /// Jacobian (m × n) at the last point where it was evaluated.
    pub jac: Vec<f64>,
    jtj: Vec<f64>,
    a: Vec<f64>,
    g: Vec<f64>,
    diag: Vec<f64>,
    step: Vec<f64>,
    x_trial: Vec<f64>,
    active: Vec<bool>,
}

impl LmWorkspace {
    /// Buffers for n variables and m residuals.
    pub fn new(n: usize, m: usize) -> Self {
        Self {
            n,
            r: vec![0.0; m],
            r_trial: vec![0.0; m],
            jac: vec![0.0; m * n],
            jtj: vec![0.0; n * n],
            a: vec![0.0; n * n],
            g: vec![0.0; n],
            diag: vec![0.0; n],
            step: vec![0.0; n],
            x_trial: vec![0.0; n],
            active: vec![false; n],
        }
    }
}

/// ½‖r‖².
fn half_norm2(r: &[f64]) -> f64 {
    0.5 * r.iter().map(|v| v * v).sum::<f64>()
}

/// The solver's state between iterations.
struct State {
    /// f at x.
    f: f64,
    lambda: f64,
    nu: f64,
    /// Whether `ws.jac` was evaluated at x.
    fresh_jacobian: bool,
}

/// Solves the problem from `x` (overwritten by the solution). Errors only when the problem's
/// own evaluation fails. On return `ws.r` and `ws.jac` hold the residuals and the local Jacobian
/// at the solution.
pub(crate) fn solve<P: Problem>(
    problem: &mut P,
    x: &mut [f64],
    options: &LmOptions,
    ws: &mut LmWorkspace,
) -> Result<LmInfo, Error> {
    let n = problem.n();
    debug_assert_eq!(n, ws.n);
    ws.diag.iter_mut().for_each(|d| *d = 0.0);
    let mut info = LmInfo {
        iterations: 0,
        evaluations: 1,
        stop: StopReason::MaxIterations,
        bound_hits: 0,
        at_bound: 0,
        cost: 0.0,
    };
    problem.jacobian(x, &mut ws.r, &mut ws.jac)?;
    let mut state = State {
        f: problem.cost(&ws.r),
        lambda: options.initial_damping,
        nu: 2.0,
        fresh_jacobian: true,
    };
    info.stop = loop {
        if let Some(stop) = iterate(problem, x, options, ws, &mut state, &mut info)? {
            break stop;
        }
    };
    if !state.fresh_jacobian {
        problem.jacobian(x, &mut ws.r, &mut ws.jac)?;
        info.evaluations += 1;
    }
    info.cost = state.f;
    info.at_bound = (0..n)
        .filter(|&i| {
            let (lo, hi) = problem.step_bounds(x, i);
            lo == 0.0 || hi == 0.0
        })
        .count() as u32;
    Ok(info)
}

/// One pass: convergence tests, then one trial step (accepted or not). Returns why to stop, if so.
fn iterate<P: Problem>(
    problem: &mut P,
    x: &mut [f64],
    options: &LmOptions,
    ws: &mut LmWorkspace,
    state: &mut State,
    info: &mut LmInfo,
) -> Result<Option<StopReason>, Error> {
    if !state.f.is_finite() {
        return Ok(Some(StopReason::Stalled));
    }
    if state.f <= options.fmin {
        return Ok(Some(StopReason::SmallResidual));
    }
    if !state.fresh_jacobian {
        problem.jacobian(x, &mut ws.r, &mut ws.jac)?;
        info.evaluations += 1;
        state.fresh_jacobian = true;
    }
    normal_equations(problem, x, ws);
    if gradient_converged(ws, options.gtol) {
        return Ok(Some(StopReason::Gradient));
    }
    if info.iterations >= options.max_iterations {
        return Ok(Some(StopReason::MaxIterations));
    }
    if state.lambda > 1e16 {
        return Ok(Some(StopReason::Stalled));
    }
    info.iterations += 1;
    let Some(clipped) = projected_step(problem, x, ws, state.lambda) else {
        (state.lambda, state.nu) = (state.lambda * state.nu, state.nu * 2.0);
        return Ok(None);
    };
    info.bound_hits += u32::from(clipped);
    if ws.step.iter().all(|s| s.abs() <= options.xtol) {
        return Ok(Some(StopReason::StepSize));
    }
    let predicted = predicted_reduction(ws);
    problem.retract(x, &ws.step, &mut ws.x_trial);
    problem.residuals(&ws.x_trial, &mut ws.r_trial)?;
    info.evaluations += 1;
    let f_trial = problem.cost(&ws.r_trial);
    let actual = state.f - f_trial;
    let rho = if predicted > 0.0 {
        actual / predicted
    } else {
        -1.0
    };
    if !(rho > 1e-4 && f_trial.is_finite()) {
        (state.lambda, state.nu) = (state.lambda * state.nu, state.nu * 2.0);
        return Ok(None);
    }
    Ok(accept(x, options, ws, state, (f_trial, predicted, rho)))
}

/// Moves to the trial point and lowers the damping (Nielsen's rule); returns
/// `RelativeReduction` when the step changed f relatively less than `ftol`.
fn accept(
    x: &mut [f64],
    options: &LmOptions,
    ws: &mut LmWorkspace,
    state: &mut State,
    (f_trial, predicted, rho): (f64, f64, f64),
) -> Option<StopReason> {
    let actual = state.f - f_trial;
    x.copy_from_slice(&ws.x_trial);
    std::mem::swap(&mut ws.r, &mut ws.r_trial);
    let small = actual <= options.ftol * state.f && predicted <= options.ftol * state.f;
    state.f = f_trial;
    state.fresh_jacobian = false;
    state.lambda *= f64::max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0).powi(3));
    state.nu = 2.0;
    small.then_some(StopReason::RelativeReduction)
}

/// JᵀJ, g = Jᵀr, Moré's running column-norm scaling D, and the active set: variables at a bound
/// whose descent direction −g points out of the box.
fn normal_equations<P: Problem>(problem: &P, x: &[f64], ws: &mut LmWorkspace) {
    let n = ws.n;
    ws.jtj.iter_mut().for_each(|v| *v = 0.0);
    ws.g.iter_mut().for_each(|v| *v = 0.0);
    for (row, &ri) in ws.jac.chunks_exact(n).zip(&ws.r) {
        for i in 0..n {
            ws.g[i] += row[i] * ri;
            for k in 0..=i {
                ws.jtj[i * n + k] += row[i] * row[k];
            }
        }
    }
    for i in 0..n {
        for k in 0..i {
            ws.jtj[k * n + i] = ws.jtj[i * n + k];
        }
    }
    let mut dmax = 0.0f64;
    for i in 0..n {
        ws.diag[i] = ws.diag[i].max(ws.jtj[i * n + i]);
        dmax = dmax.max(ws.diag[i]);
    }
    // A parameter with no influence (e.g. an orientation at zero volume fraction) keeps a small
    // positive damping so that the system stays definite.
    let floor = 1e-12 * dmax.max(f64::MIN_POSITIVE);
    for i in 0..n {
        ws.diag[i] = ws.diag[i].max(floor);
        let (lo, hi) = problem.step_bounds(x, i);
        ws.active[i] = (lo >= 0.0 && ws.g[i] > 0.0) || (hi <= 0.0 && ws.g[i] < 0.0);
    }
}

/// MINPACK's gradient test on the free variables: max |J_iᵀr| / (‖J_i‖‖r‖) ≤ gtol.
fn gradient_converged(ws: &LmWorkspace, gtol: f64) -> bool {
    let rnorm = ws.r.iter().map(|v| v * v).sum::<f64>().sqrt();
    (0..ws.n).all(|i| {
        let cnorm = ws.jtj[i * ws.n + i].sqrt();
        ws.active[i] || cnorm == 0.0 || ws.g[i].abs() <= gtol * cnorm * rnorm
    })
}

/// Solves the damped system on the free variables and clips the step to the bounds. Returns
/// whether a component was clipped, or `None` when the damped matrix is not positive definite.
fn projected_step<P: Problem>(
    problem: &P,
    x: &[f64],
    ws: &mut LmWorkspace,
    lambda: f64,
) -> Option<bool> {
    let n = ws.n;
    for i in 0..n {
        for k in 0..n {
            ws.a[i * n + k] = if ws.active[i] || ws.active[k] {
                f64::from(u8::from(i == k))
            } else {
                ws.jtj[i * n + k] + if i == k { lambda * ws.diag[i] } else { 0.0 }
            };
        }
        ws.step[i] = if ws.active[i] { 0.0 } else { -ws.g[i] };
    }
    if !cholesky_in_place(&mut ws.a, n) {
        return None;
    }
    cholesky_solve(&ws.a, n, &mut ws.step);
    let mut clipped = false;
    for i in 0..n {
        let (lo, hi) = problem.step_bounds(x, i);
        let s = ws.step[i].clamp(lo, hi);
        clipped |= s != ws.step[i];
        ws.step[i] = s;
    }
    Some(clipped)
}

/// Reduction of f predicted by the linear model for the (clipped) step:
/// $-(g^\top\delta + \tfrac12\delta^\top J^\top J\delta)$.
fn predicted_reduction(ws: &LmWorkspace) -> f64 {
    let n = ws.n;
    let mut quad = 0.0;
    let mut lin = 0.0;
    for i in 0..n {
        lin += ws.g[i] * ws.step[i];
        let row: f64 = (0..n).map(|k| ws.jtj[i * n + k] * ws.step[k]).sum();
        quad += ws.step[i] * row;
    }
    -(lin + 0.5 * quad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock as least squares, r = (10(x₂ − x₁²), 1 − x₁), with box bounds.
    struct Rosenbrock {
        lo: [f64; 2],
        hi: [f64; 2],
    }

    impl Problem for Rosenbrock {
        fn n(&self) -> usize {
            2
        }
        fn residuals(&mut self, x: &[f64], r: &mut [f64]) -> Result<(), Error> {
            r[0] = 10.0 * (x[1] - x[0] * x[0]);
            r[1] = 1.0 - x[0];
            Ok(())
        }
        fn jacobian(&mut self, x: &[f64], r: &mut [f64], j: &mut [f64]) -> Result<(), Error> {
            self.residuals(x, r)?;
            j.copy_from_slice(&[-20.0 * x[0], 10.0, -1.0, 0.0]);
            Ok(())
        }
        fn step_bounds(&self, x: &[f64], i: usize) -> (f64, f64) {
            (self.lo[i] - x[i], self.hi[i] - x[i])
        }
        fn retract(&self, x: &[f64], s: &[f64], out: &mut [f64]) {
            for i in 0..2 {
                out[i] = (x[i] + s[i]).clamp(self.lo[i], self.hi[i]);
            }
        }
    }

    #[test]
    fn unconstrained_minimum_of_rosenbrock_is_found() {
        let mut p = Rosenbrock {
            lo: [-5.0; 2],
            hi: [5.0; 2],
        };
        let mut x = [-1.2, 1.0];
        let mut ws = LmWorkspace::new(2, 2);
        let info = solve(&mut p, &mut x, &LmOptions::default(), &mut ws).unwrap();
        assert!(info.converged(), "{info:?}");
        assert!(
            (x[0] - 1.0).abs() < 1e-10 && (x[1] - 1.0).abs() < 1e-10,
            "{x:?}"
        );
        assert_eq!(info.at_bound, 0);
    }

    /// With x₁ ≤ 0.5 the minimiser is on the bound: x₁ = 0.5, x₂ = x₁² = 0.25 (the first
    /// residual vanishes there, the second is 0.5, and ∂f/∂x₁ = −(1 − x₁) < 0 pushes outwards).
    #[test]
    fn bounded_minimum_of_rosenbrock_lies_on_the_bound() {
        let mut p = Rosenbrock {
            lo: [-5.0; 2],
            hi: [0.5, 5.0],
        };
        let mut x = [-1.2, 1.0];
        let mut ws = LmWorkspace::new(2, 2);
        let info = solve(&mut p, &mut x, &LmOptions::default(), &mut ws).unwrap();
        assert!(info.converged(), "{info:?}");
        assert_eq!(x[0], 0.5);
        // ftol = 1e-12 stops once f (0.125) no longer changes relatively: |Δx₂| ~ √(2·ftol·f)/10.
        assert!((x[1] - 0.25).abs() < 1e-7, "{x:?}");
        assert_eq!(info.at_bound, 1);
        assert!((info.cost - 0.125).abs() < 1e-12);
    }
}
