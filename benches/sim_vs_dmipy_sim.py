"""Monte Carlo diffusion simulation: dmipy-rs (`dmipy simulate`, the release CLI) side by side with
dmipy-sim 2.1.0 (JAX on the CPU), on the two workloads of issue #12.

Usage (from the repository root):
    bash benches/sim_vs_dmipy_sim.sh        # makes the venv, builds the CLI, runs this
    benches/.venv-dmipy-sim/bin/python benches/sim_vs_dmipy_sim.py target/release/dmipy
Environment: THREADS (2: `--threads` for ours; JAX's process, and so our child process too, is
pinned to that many cores when fewer than all), WALKERS (10000), STEPS (1000), PACK_JAX_WALKERS
(min(WALKERS, 1000): dmipy-sim's walkers on the packing, where it costs ~3.5e-5 CPU-s per
walker-step; rates are per walker-step, so they do not depend on it), JAX_SE (1: one more, untimed
dmipy-sim run per job that returns its per-walker phases, for its standard errors; 0 skips it).

Jobs (the same on both sides, SI units, D = 2e-9 m²/s everywhere):
  1. one reflecting cylinder, R = 5 µm along z, walkers uniform inside it;
  2. a periodic square voxel of 1000 parallel cylinders (along z) with radii drawn from
     Gamma(k = 4, θ = 0.5 µm) (fixed NumPy seed, the same radii on both sides) at intra-axonal
     fraction 0.6, so both voxels have the side L = √(Σπr²/0.6); walkers uniform outside the
     cylinders (`--start extra`: dmipy-sim's PackedCylinders is extra-axonal only).
  Scheme: rectangular PGSE, δ = 10 ms, Δ = 20 ms, 100 measurements = 10 b-values
  (0 … 3e9 s/m², evenly spaced) × 10 directions in the x-z plane at 0°, 10°, …, 90° from the axis;
  ours reads it as a JSON scheme file (`--scheme`, the format of `dmipy fit`), dmipy-sim gets
  `set_b(pgse(δ, Δ, G, bvecs, STEPS, slew_rate=inf), b)`.
  Steps: ours STEPS intervals of (Δ+δ)/STEPS; dmipy-sim STEPS samples of (Δ+δ)/(STEPS−1) (its
  lobes are whole samples: δ and Δ are exact when STEPS−1 is a multiple of 3, e.g. 1000).

Timing: ours is the CLI's own timed simulation (its summary line; packing and file I/O excluded),
beside the process's wall and CPU (resource.getrusage(RUSAGE_CHILDREN), packing and I/O included).
dmipy-sim's `simulate` recompiles its scan on every call, so this script turns on JAX's persistent
compilation cache (a fresh folder per run): the first call compiles (reported), the timed second
call, on the same shapes and seed, loads the executable (the tracing, lowering and cache load it
still does are reported and included, as are its initial positions). CPU seconds are
time.process_time() of this process around that call. Both tools return the normalised real part
⟨cos φ⟩ over walkers (1 at b = 0), not the magnitude.

Checks: the largest |ours − dmipy-sim| in units of the combined standard error; every signal against
the exact value where it is known: 1 at b = 0, exp(−bD) along the axis (the motion along z is free
in both geometries), and for the cylinder the exact finite-pulse signal from the matrix formalism
(Neumann eigenmodes of the disk; below). On the packing the two tools pack their own random
sequential additions of the same radii, so ours is also run on a second packing (another seed): the
difference between our two packings is the scale of realisation-to-realisation differences.
"""
import json
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile
import time

THREADS = int(os.environ.get("THREADS", "2"))
WALKERS = int(os.environ.get("WALKERS", "10000"))
STEPS = int(os.environ.get("STEPS", "1000"))
PACK_JAX_WALKERS = int(os.environ.get("PACK_JAX_WALKERS", str(min(WALKERS, 1000))))
JAX_SE = os.environ.get("JAX_SE", "1") != "0"
# `--exact`: the child that computes the exact cylinder signals (small dense matrix exponentials,
# which multithreaded OpenBLAS slows 100x on a busy machine): one BLAS thread, no JAX.
EXACT_CHILD = sys.argv[1:] == ["--exact"]
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    if EXACT_CHILD:
        os.environ[var] = "1"
    os.environ.setdefault(var, str(THREADS))
os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'}")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# XLA's CPU thread pool is sized by the cores this process may run on: pin it (and our child) to THREADS.
_cores = sorted(os.sched_getaffinity(0))
if THREADS < len(_cores):
    os.sched_setaffinity(0, _cores[:THREADS])

import numpy as np  # noqa: E402
from scipy import linalg, special  # noqa: E402

_COMPILE_EVENTS = []
if not EXACT_CHILD:
    import atexit  # noqa: E402
    import shutil  # noqa: E402

    import jax  # noqa: E402

    _CACHE = tempfile.mkdtemp(prefix="jax-cache-")
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
    jax.config.update("jax_compilation_cache_dir", _CACHE)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    jax.monitoring.register_event_duration_secs_listener(
        lambda event, secs, **_: _COMPILE_EVENTS.append(secs) if event.startswith("/jax/core/compile/") else None
    )
    import dmipy_sim as ds  # noqa: E402

GAMMA = 267.513e6  # rad/(s T): the same in both tools
D = 2e-9
DELTA, BIG_DELTA = 0.010, 0.020
RADIUS = 5e-6
PACK = {"count": 1000, "shape": 4.0, "scale": 0.5e-6, "fraction": 0.6, "radii_seed": 2026}
TARGETS = {"cylinder": 3e7, "packing": 1e7}  # issue #12, walker-steps/s on 2 cores


def scheme():
    """10 b-values × 10 directions at 0°…90° from z in the x-z plane: (b, unit vectors, θ)."""
    b = np.repeat(np.linspace(0.0, 3e9, 10), 10)
    theta = np.tile(np.deg2rad(np.arange(10) * 10.0), 10)
    dirs = np.stack([np.sin(theta), np.zeros_like(theta), np.cos(theta)], axis=1)
    return b, dirs, theta


def pgse_gradient(b):
    """|G| (T/m) of a rectangular PGSE with b = γ²G²δ²(Δ − δ/3)."""
    return np.sqrt(b / (GAMMA**2 * DELTA**2 * (BIG_DELTA - DELTA / 3)))


def cylinder_exact_perpendicular(g_perp, n_max=8, k_max=8):
    """Exact finite-pulse PGSE signal across a reflecting cylinder (R = RADIUS) for gradients g_perp
    (T/m) ⊥ its axis, by the matrix formalism (Callaghan 1997, J Magn Reson 129:74;
    Grebenkov 2007, Rev Mod Phys 79:1077): E = [e^{-δ(pΛ−iqB)} e^{-(Δ−δ)pΛ} e^{-δ(pΛ+iqB)}]₀₀
    with p = D/R², q = γGR, Λ the squared roots x_nk of J_n′ (Neumann modes J_n(x r/R) cos nφ, 0 for
    the ground mode) and B the matrix of x/R between modes (radial integrals by Gauss-Legendre).
    pΛ + iqB is complex symmetric, so E = Σ_j e^{-(Δ−δ)pΛ_j} |(e^{-δ(pΛ+iqB)})_{j0}|²: one column."""
    modes = []
    for n in range(n_max + 1):
        roots = special.jnp_zeros(n, k_max) if n else np.r_[0.0, special.jnp_zeros(0, k_max - 1)]
        modes += [(n, x) for x in roots]
    nodes, weights = np.polynomial.legendre.leggauss(160)
    r = 0.5 * (nodes + 1.0)  # r/R
    w = 0.5 * weights * r  # ∫₀¹ f(r) r dr
    ns = np.array([n for n, _ in modes])
    lam = np.array([x * x for _, x in modes])
    radial = np.array([special.jv(n, x * r) for n, x in modes])
    radial /= np.sqrt(radial**2 @ w)[:, None]
    # ∫ Θ_n cos φ Θ_n' dφ with Θ_0 = 1/√(2π), Θ_n = cos(nφ)/√π: 1/√2 between n = 0 and 1, else 1/2.
    adjacent = np.abs(ns[:, None] - ns[None, :]) == 1
    angular = np.where(adjacent, np.where(np.minimum(ns[:, None], ns[None, :]) == 0, 2**-0.5, 0.5), 0.0)
    bmat = angular * ((radial * w * r) @ radial.T)
    p = D / RADIUS**2
    free = np.exp(-p * lam * (BIG_DELTA - DELTA))
    out = []
    for g in g_perp:
        column = linalg.expm(-DELTA * (p * np.diag(lam) + 1j * GAMMA * g * RADIUS * bmat))[:, 0]
        out.append(float(free @ np.abs(column) ** 2))
    return np.array(out)


def cylinder_exact(b, theta):
    """Exact signal of the cylinder for each measurement, and the change from a smaller truncation
    (computed in a child process with one BLAS thread, see EXACT_CHILD)."""
    if not EXACT_CHILD:
        cmd = [sys.executable, os.path.abspath(__file__), "--exact"]
        res = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        return np.array(res["signal"]), res["truncation"]
    g = pgse_gradient(b)
    along = np.exp(-b * np.cos(theta) ** 2 * D)
    perp, first = np.unique(np.round(g * np.sin(theta), 12), return_inverse=True)
    fine, coarse = cylinder_exact_perpendicular(perp), cylinder_exact_perpendicular(perp, 6, 6)
    return along * fine[first], float(np.max(np.abs(fine - coarse)))


def gamma_radii():
    rng = np.random.default_rng(PACK["radii_seed"])
    return np.sort(rng.gamma(PACK["shape"], PACK["scale"], PACK["count"]))[::-1]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_ours(binary, tmp, tag, substrate, walkers, start, seed=1):
    """One `dmipy simulate` run: signal, SE, timings (the CLI's own and the process's)."""
    sub, out = tmp / f"{tag}.substrate.json", tmp / f"{tag}.out.json"
    sub.write_text(json.dumps(substrate))
    cmd = [binary, "simulate", "--substrate", str(sub), "--scheme", str(tmp / "scheme.json"),
           "--walkers", str(walkers), "--steps", str(STEPS), "--seed", str(seed),
           "--threads", str(THREADS), "--start", start, "--out", str(out)]
    load0, cpu0, wall0 = os.getloadavg(), children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall, cpu, load1 = time.perf_counter() - wall0, children_cpu() - cpu0, os.getloadavg()
    res = json.loads(out.read_text())
    rate = re.search(r"s: ([0-9.eE+-]+) walker-steps/s", proc.stdout)
    steps = res["walkers"] * res["steps"]
    sim_s = steps / float(rate.group(1)) if rate else wall
    return {"signal": np.array(res["signal"]), "se": np.array(res["std_error"]),
            "mean_sin": np.array(res["mean_sin"]), "walkers": res["walkers"], "walker_steps": steps,
            "wall": sim_s, "process_wall": wall, "cpu": cpu, "load": (load0, load1),
            "b_waveform": np.array(res["bvalues_waveform_si"]), "dt": res["dt"]}


def jax_call(geometry, wf, walkers, seed, **kw):
    """One dmipy-sim `simulate` call: (output, wall s, CPU s, s spent in JAX compile events)."""
    _COMPILE_EVENTS.clear()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    out = ds.simulate(walkers, D, wf, geometry, seed=seed, require_gpu=False, **kw)
    return out, time.perf_counter() - wall0, time.process_time() - cpu0, sum(_COMPILE_EVENTS)


def run_jax(geometry, wf, walkers, seed=7):
    """Compile (first call), then the timed call on the same shapes; optionally the SE run."""
    first, first_wall, _, first_compile = jax_call(geometry, wf, walkers, seed)
    load0 = os.getloadavg()
    signal, wall, cpu, residual = jax_call(geometry, wf, walkers, seed)
    load1 = os.getloadavg()
    res = {"signal": signal.astype(np.float64), "wall": wall, "cpu": cpu, "load": (load0, load1),
           "walkers": walkers, "walker_steps": walkers * wf.G.shape[1], "compile_events": first_compile,
           "first_wall": first_wall, "residual_compile": residual, "repeatable": bool(np.array_equal(first, signal)),
           "se": None}
    if JAX_SE:
        # T2 = inf takes the path that returns per-walker phases; log-weights stay 0, draws are identical.
        (again, _, phi), _, _, _ = jax_call(geometry, wf, walkers, seed, T2=np.inf, return_walker_signals=True)
        cos = np.cos(phi.astype(np.float64))
        res.update(se=cos.std(axis=0, ddof=1) / np.sqrt(walkers), mean_sin=np.sin(phi.astype(np.float64)).mean(0),
                   se_run_diff=float(np.max(np.abs(again - signal))))
    return res


def jax_waveform(b, dirs):
    wf = ds.set_b(ds.pgse(DELTA, BIG_DELTA, 0.05, dirs, STEPS, slew_rate=np.inf), b)
    dt = wf.dt
    lobe = max(1, round(DELTA / dt))
    return wf, (lobe * dt, round(BIG_DELTA / dt) * dt)


def print_rates(rows, target=None):
    """Wall, CPU and walker-steps per second of each run, and ours over dmipy-sim's."""
    print(f"{'':34s} {'walkers':>8s} {'wall s':>9s} {'CPU s':>9s} {'steps/s':>10s} {'per CPU-s':>10s}  "
          "load (1 min) before -> after")
    for name, r in rows:
        ws = r["walker_steps"]
        print(f"{name:34s} {r['walkers']:8d} {r['wall']:9.3f} {r['cpu']:9.3f} {ws / r['wall']:10.3e} "
              f"{ws / r['cpu']:10.3e}  {r['load'][0][0]:.2f} -> {r['load'][1][0]:.2f}")
    ours, theirs = rows[0][1], next((r for n, r in rows if n.startswith("dmipy-sim")), None)
    if theirs is not None:
        wall = (ours["walker_steps"] / ours["wall"]) / (theirs["walker_steps"] / theirs["wall"])
        cpu = (ours["walker_steps"] / ours["cpu"]) / (theirs["walker_steps"] / theirs["cpu"])
        print(f"ours / dmipy-sim: {wall:.1f}x walker-steps per wall second, {cpu:.1f}x per CPU-second "
              f"(issue #12: >= 20x per core: {'met' if cpu >= 20 else 'NOT met'})")
    if target is not None:
        rate = ours["walker_steps"] / ours["wall"]
        print(f"ours {rate:.3e} walker-steps/s on {THREADS} thread(s); issue #12 target on 2 cores "
              f">= {target:.0e}: {'met' if rate >= target else 'NOT met'}")
    print(f"ours: process wall {ours['process_wall']:.3f} s and CPU {ours['cpu']:.3f} s include parsing, "
          f"packing and writing; the CPU column is the process's, the wall column the CLI's simulation")


def print_jax_timing(r):
    print(f"dmipy-sim: first call {r['first_wall']:.2f} s, of which {r['compile_events']:.2f} s in JAX compile "
          f"events (not included above); the timed call repeats it on the same shapes and seed "
          f"(identical signal: {r['repeatable']}) and includes {r['residual_compile']:.2f} s of tracing, "
          f"lowering and compilation-cache load")


def z_scores(diff, se):
    """|diff| / se where se > 0 (b = 0 measurements have SE 0 and are exactly 1)."""
    ok = se > 0
    return np.where(ok, np.abs(diff) / np.where(ok, se, 1.0), 0.0)


def print_agreement(ours, theirs, b, theta):
    if theirs["se"] is None:  # JAX_SE=0: the same physics, so its SE is ours scaled by the walker ratio
        se_t, how = ours["se"] * np.sqrt(ours["walkers"] / theirs["walkers"]), "estimated as ours x sqrt(walker ratio)"
    else:
        se_t, how = theirs["se"], "from its per-walker phases"
    diff = ours["signal"] - theirs["signal"]
    comb = np.hypot(ours["se"], se_t)
    z = z_scores(diff, comb)
    i, k = int(np.argmax(np.abs(diff))), int(np.argmax(z))
    where = lambda j: f"b = {b[j]:.3g} s/m^2, {np.degrees(theta[j]):.0f} deg"  # noqa: E731
    print(f"largest |ours - dmipy-sim| = {abs(diff[i]):.2e} at {where(i)} (SE ours {ours['se'][i]:.2e}, "
          f"dmipy-sim {se_t[i]:.2e} {how}) = {z[i]:.1f} combined SE")
    print(f"largest difference in combined SE: {z[k]:.1f} at {where(k)}; RMS over the {int((comb > 0).sum())} "
          f"measurements with b > 0: {np.sqrt(np.mean(z[comb > 0] ** 2)):.2f} (about 1 when they agree)")
    if theirs["se"] is not None:
        print(f"dmipy-sim's SE run (T2 = inf path, per-walker phases) differs from its timed signal by "
              f"{theirs['se_run_diff']:.1e} (float32); max |<sin phi>|: ours {np.max(np.abs(ours['mean_sin'])):.1e}, "
              f"dmipy-sim {np.max(np.abs(theirs['mean_sin'])):.1e}")
    return se_t


def print_exact(name, r, se, b, theta, exact=None):
    """Checks against what is known exactly: 1 at b = 0, exp(-bD) along z, the exact cylinder."""
    zero, axis = b == 0, (theta == 0) & (b > 0)
    free = np.exp(-b[axis] * D)
    dz = z_scores(r["signal"][axis] - free, se[axis])
    line = (f"{name:10s} b = 0: max |S - 1| = {np.max(np.abs(r['signal'][zero] - 1)):.1e}; along z: "
            f"max |S - exp(-bD)| = {np.max(np.abs(r['signal'][axis] - free)):.2e} ({np.max(dz):.1f} SE)")
    if exact is not None:
        de = r["signal"] - exact
        line += f"; exact cylinder: max |S - E| = {np.max(np.abs(de)):.2e} ({np.max(z_scores(de, se)):.1f} SE)"
    print(line)


def job_cylinder(binary, tmp, b, theta, wf):
    print(f"\n== 1. cylinder R = {RADIUS * 1e6:g} um along z, walkers inside ==")
    sub = {"kind": "cylinder", "radius": RADIUS, "axis": [0, 0, 1], "diffusivity": D}
    ours = run_ours(binary, tmp, "cylinder", sub, WALKERS, "everywhere")
    theirs = run_jax(ds.Cylinder(RADIUS, [0.0, 0.0, 1.0]), wf, WALKERS)
    print_rates([("dmipy-rs (dmipy simulate)", ours), ("dmipy-sim (JAX, CPU)", theirs)],
                TARGETS["cylinder"])
    print_jax_timing(theirs)
    rel_b = np.max(np.abs(ours["b_waveform"][b > 0] / b[b > 0] - 1))
    print(f"ours: the discretised waveforms' own b differ from the nominal b by up to {rel_b:.1e} (relative); "
          f"dmipy-sim's set_b scales its G to the nominal b under its own discrete rule")
    se_t = print_agreement(ours, theirs, b, theta)
    exact, truncation = cylinder_exact(b, theta)
    print(f"exact cylinder: matrix formalism, 9 x 8 Neumann modes (change from 7 x 6: {truncation:.1e})")
    print_exact("dmipy-rs", ours, ours["se"], b, theta, exact)
    print_exact("dmipy-sim", theirs, se_t, b, theta, exact)


def job_packing(binary, tmp, b, theta, wf):
    f = PACK["fraction"]
    radii = gamma_radii()
    side = float(np.sqrt(np.pi * np.sum(radii**2) / f))
    print(f"\n== 2. periodic packing: {len(radii)} cylinders along z, radii Gamma(k = {PACK['shape']:g}, "
          f"theta = {PACK['scale'] * 1e6:g} um) (mean {radii.mean() * 1e6:.3f} um, max {radii.max() * 1e6:.3f} um), "
          f"fraction {f}, side {side * 1e6:.2f} um; walkers outside the cylinders ==")
    sub = {"kind": "cylinder_packing", "fraction": f, "radii": radii.tolist(), "seed": 1, "diffusivity": D}
    ours = run_ours(binary, tmp, "packing", sub, WALKERS, "extra")
    again = run_ours(binary, tmp, "packing2", dict(sub, seed=2), WALKERS, "extra")
    everywhere = run_ours(binary, tmp, "packing_all", sub, WALKERS, "everywhere")
    rows = [("dmipy-rs (dmipy simulate)", ours), ("dmipy-rs, packing seed 2", again),
            ("dmipy-rs, --start everywhere", everywhere)]
    w0 = time.perf_counter()
    try:
        centres, length, _ = ds.pack_cylinders(radii, target_vf=f, seed=1)
    except RuntimeError as e:
        print(f"dmipy-sim's pack_cylinders cannot pack these radii to {f}: {e}; only ours is timed")
        print_rates(rows, TARGETS["packing"])
        return
    geometry = ds.PackedCylinders(radii, centres, length)
    setup = time.perf_counter() - w0
    theirs = run_jax(geometry, wf, PACK_JAX_WALKERS)
    print_rates(rows[:1] + [("dmipy-sim (JAX, CPU)", theirs)] + rows[1:], TARGETS["packing"])
    print_jax_timing(theirs)
    step = np.sqrt(6 * D * ours["dt"])
    print(f"dmipy-sim setup (untimed): pack_cylinders + PackedCylinders {setup:.1f} s, side {length * 1e6:.2f} um; "
          f"its smallest gap {geometry.min_gap * 1e9:.3g} nm vs step {step * 1e6:.2f} um (it reflects once "
          f"per step, off the first cylinder hit; ours reflects exactly, any number of times)")
    se_t = print_agreement(ours, theirs, b, theta)
    real = z_scores(ours["signal"] - again["signal"], np.hypot(ours["se"], again["se"]))
    print(f"ours on two packings (seeds 1, 2): largest |difference| "
          f"{np.max(np.abs(ours['signal'] - again['signal'])):.2e}, {np.max(real):.1f} combined SE "
          f"(the packings differ, as ours and dmipy-sim's do)")
    print_exact("dmipy-rs", ours, ours["se"], b, theta)
    print_exact("dmipy-sim", theirs, se_t, b, theta)


def main(binary):
    binary = str(pathlib.Path(binary).resolve())
    b, dirs, theta = scheme()
    wf, (delta_eff, big_delta_eff) = jax_waveform(b, dirs)
    import importlib.metadata as md

    print(f"Monte Carlo PGSE (delta = {DELTA * 1e3:g} ms, Delta = {BIG_DELTA * 1e3:g} ms, D = {D:g} m^2/s), "
          f"100 measurements (10 b in 0..3e9 s/m^2 x 10 directions 0..90 deg from z), {WALKERS} walkers x "
          f"{STEPS} steps, {THREADS} thread(s) on cores {sorted(os.sched_getaffinity(0))}")
    print(f"dmipy-sim {md.version('dmipy-sim')}, JAX {jax.__version__} ({jax.devices()[0].platform}), "
          f"float32; its grid: dt = {wf.dt * 1e6:.3f} us, delta = {delta_eff * 1e3:.4f} ms, "
          f"Delta = {big_delta_eff * 1e3:.4f} ms; ours: dt = {(DELTA + BIG_DELTA) / STEPS * 1e6:.3f} us, f64")
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        spec = {"bvalues_si": b.tolist(), "gradient_directions": dirs.tolist(), "delta": DELTA, "Delta": BIG_DELTA}
        (tmp / "scheme.json").write_text(json.dumps(spec))
        job_cylinder(binary, tmp, b, theta, wf)
        job_packing(binary, tmp, b, theta, wf)


if __name__ == "__main__":
    if EXACT_CHILD:
        b, _, theta = scheme()
        signal, truncation = cylinder_exact(b, theta)
        print(json.dumps({"signal": signal.tolist(), "truncation": truncation}))
    else:
        main(sys.argv[1])
