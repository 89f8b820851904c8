"""NODDI-Watson forward prediction on the HCP WU-Minn scheme (288 measurements), f64:
dmipy-rs (Rust, rayon over voxels) side by side with Dmipy 1.0.5 (`simulate_signal`) and
dmipy-fit 2.3.0's JAX forward model (`build_mc_forward_fn`, jit+vmap).

Usage (from the repository root):
    bash benches/noddi_predict_vs_peers.sh     # makes the venvs, builds the Rust example, runs this
This script runs under dmipy-fit's Python and starts itself under Dmipy 1.x's Python
(`--dmipy1-worker`) for the Dmipy 1.x timing: the two cannot share a venv (numpy < 2 vs JAX).
Environment: THREADS (default: all cores) for rayon, XLA and BLAS alike; VOXELS (100000);
DMIPY1_VOXELS (2000: Dmipy 1.x predicts voxel by voxel in Python, its time is scaled from this
subset); REPEATS (3); DMIPY1_PYTHON (path of Dmipy 1.x's python).

All tools get the same scheme and parameters (raw little-endian f64 files). dmipy-rs and JAX
use different Watson integrations (dense quadrature vs spherical-harmonic convolution) and
Dmipy 1.x truncates its Watson SH series (~1e-3 on this scheme), so differences are reported,
not asserted, except a loose 2e-2 sanity bound. Wall times: median of REPEATS runs after a
warm-up; CPU times: mean per run. JAX compilation is reported separately.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

THREADS = int(os.environ.get("THREADS", os.cpu_count()))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, str(THREADS))
os.environ.setdefault(
    "XLA_FLAGS",
    f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'} "
    f"intra_op_parallelism_threads={THREADS}",
)
import numpy as np  # noqa: E402

VOXELS = int(os.environ.get("VOXELS", 100_000))
DMIPY1_VOXELS = int(os.environ.get("DMIPY1_VOXELS", 2000))
REPEATS = int(os.environ.get("REPEATS", 3))
# Columns of params.f64: Dmipy's parameter names (the orientation takes two columns, [theta, phi]).
NAMES = [
    "SD1WatsonDistributed_1_SD1Watson_1_mu",
    "SD1WatsonDistributed_1_SD1Watson_1_odi",
    "SD1WatsonDistributed_1_partial_volume_0",
    "partial_volume_0",
    "partial_volume_1",
]


def timed(fn, repeats=REPEATS):
    """Median wall seconds of one run and mean CPU seconds per run (after one warm-up)."""
    fn()
    walls, c0 = [], time.process_time()
    for _ in range(repeats):
        w0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - w0)
    return float(np.median(walls)), (time.process_time() - c0) / repeats, walls


def noddi_watson(pkg):
    """NODDI-Watson as Dmipy's example builds it, from Dmipy 1.x (`dmipy`) or dmipy-fit."""
    gm = __import__(f"{pkg}.signal_models.gaussian_models", fromlist=["x"])
    cm = __import__(f"{pkg}.signal_models.cylinder_models", fromlist=["x"])
    dm = __import__(f"{pkg}.distributions.distribute_models", fromlist=["x"])
    mf = __import__(f"{pkg}.core.modeling_framework", fromlist=["x"])
    bundle = dm.SD1WatsonDistributed(models=[cm.C1Stick(), gm.G2Zeppelin()])
    bundle.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0"
    )
    bundle.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")
    bundle.set_fixed_parameter("G2Zeppelin_1_lambda_par", 1.7e-9)
    model = mf.MultiCompartmentModel(models=[gm.G1Ball(), bundle])
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    assert model.parameter_names == NAMES, model.parameter_names
    return model


def scheme_from(pkg, tmp):
    acq = __import__(f"{pkg}.core.acquisition_scheme", fromlist=["x"])
    bvals = np.fromfile(os.path.join(tmp, "bvals.f64"), "<f8")
    dirs = np.fromfile(os.path.join(tmp, "dirs.f64"), "<f8").reshape(-1, 3)
    delta, big_delta = np.fromfile(os.path.join(tmp, "timing.f64"), "<f8")
    return acq.acquisition_scheme_from_bvalues(bvals, dirs, delta, big_delta)


def dmipy1_worker(tmp, n):
    """Run under Dmipy 1.x's python: time `simulate_signal` on the first n voxels."""
    model = noddi_watson("dmipy")
    scheme = scheme_from("dmipy", tmp)
    params = np.fromfile(os.path.join(tmp, "params.f64"), "<f8").reshape(-1, 6)[:n]
    out = {}
    wall, cpu, walls = timed(lambda: out.update(e=model.simulate_signal(scheme, params)))
    np.ascontiguousarray(out["e"], "<f8").tofile(os.path.join(tmp, "signal_dmipy1.f64"))
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "walls": walls}))


def write_inputs(tmp, rng):
    from dmipy_fit.data.saved_acquisition_schemes import wu_minn_hcp_acquisition_scheme

    hcp = wu_minn_hcp_acquisition_scheme()
    timing = np.array([np.unique(hcp.delta)[0], np.unique(hcp.Delta)[0]])
    f_ball = rng.uniform(0.01, 0.99, VOXELS)
    params = np.column_stack([
        np.arccos(rng.uniform(-1, 1, VOXELS)),
        rng.uniform(-np.pi, np.pi, VOXELS),
        rng.uniform(0.02, 0.99, VOXELS),
        rng.uniform(0.01, 0.99, VOXELS),
        f_ball,
        1 - f_ball,
    ])
    for name, arr in [("bvals", hcp.bvalues), ("dirs", hcp.gradient_directions),
                      ("timing", timing), ("params", params)]:
        np.ascontiguousarray(arr, "<f8").tofile(os.path.join(tmp, name + ".f64"))
    with open(os.path.join(tmp, "names.txt"), "w") as f:
        f.write("\n".join(NAMES) + "\n")
    return params


def jax_prediction(tmp, params):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from dmipy_fit.jax.multicompartment_jax import build_mc_forward_fn

    model = noddi_watson("dmipy_fit")
    forward = build_mc_forward_fn(model, scheme_from("dmipy_fit", tmp))
    batched = jax.jit(jax.vmap(forward))
    x = jnp.asarray(params)
    w0 = time.perf_counter()
    ref = np.asarray(batched(x).block_until_ready())
    compile_s = time.perf_counter() - w0
    return ref, compile_s, timed(lambda: batched(x).block_until_ready())


def differences(name, other, ref):
    d = np.abs(other - ref)
    print(f"  {name:34s} max |dE| {d.max():.3e}   median |dE| {np.median(d):.3e}")
    assert d.max() < 2e-2, f"{name}: max |dE| {d.max():.3e} is beyond any truncation error"


def main(rust_example, dmipy1_python):
    rng = np.random.default_rng(2026)
    with tempfile.TemporaryDirectory() as tmp:
        params = write_inputs(tmp, rng)
        env = dict(os.environ, RAYON_NUM_THREADS=str(THREADS))
        rust = json.loads(subprocess.run(
            [rust_example, tmp, "noddi_watson", str(REPEATS)],
            env=env, check=True, capture_output=True, text=True).stdout)
        rust_e = np.fromfile(os.path.join(tmp, "signal.f64"), "<f8").reshape(VOXELS, -1)
        d1 = json.loads(subprocess.run(
            [dmipy1_python, __file__, "--dmipy1-worker", tmp, str(DMIPY1_VOXELS)],
            env=env, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        d1_e = np.fromfile(os.path.join(tmp, "signal_dmipy1.f64"), "<f8").reshape(DMIPY1_VOXELS, -1)
        jax_e, compile_s, jax_t = jax_prediction(tmp, params)

    print(f"NODDI-Watson prediction, HCP WU-Minn scheme ({rust_e.shape[1]} measurements), "
          f"f64, {THREADS} thread(s), {VOXELS} voxels (Dmipy 1.x: first {DMIPY1_VOXELS}, scaled)")
    print("Agreement (signal attenuation, S0 = 1):")
    differences("dmipy-rs vs Dmipy 1.x", rust_e[:DMIPY1_VOXELS], d1_e)
    differences("dmipy-rs vs dmipy-fit JAX", rust_e, jax_e)
    differences("dmipy-fit JAX vs Dmipy 1.x", jax_e[:DMIPY1_VOXELS], d1_e)
    print(f"JAX compilation (first call, {VOXELS} voxels): {compile_s:.2f} s, not included below")
    scale = VOXELS / DMIPY1_VOXELS
    rows = [
        ("dmipy-rs (Rust, rayon)", rust["wall_s"], rust["cpu_s"], rust["walls"]),
        ("dmipy-fit 2.3.0 JAX jit+vmap", *jax_t),
        ("Dmipy 1.0.5 simulate_signal*", d1["wall_s"] * scale, d1["cpu_s"] * scale,
         [w * scale for w in d1["walls"]]),
    ]
    print(f"{'implementation':32s} {'wall s':>9s} {'CPU s':>9s} {'voxels/s':>11s} "
          f"{'wall vs Rust':>13s}  runs (wall s)")
    for name, wall, cpu, walls in rows:
        print(f"{name:32s} {wall:9.3f} {cpu:9.3f} {VOXELS / wall:11.0f} "
              f"{wall / rust['wall_s']:12.1f}x  {', '.join(f'{w:.3f}' for w in walls)}")
    print(f"* timed on {DMIPY1_VOXELS} voxels and scaled by {scale:g}")


if __name__ == "__main__":
    if sys.argv[1] == "--dmipy1-worker":
        dmipy1_worker(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1], sys.argv[2])
