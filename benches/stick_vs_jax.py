"""C1Stick forward prediction, 50,000 voxels x 60 directions at b = 1e9 s/m^2, f64:
dmipy-rs (Rust, rayon over voxels) side by side with dmipy-fit's JAX jit+vmap on the CPU and NumPy.

Usage (from the repository root):
    bash benches/stick_vs_jax.sh          # makes the venv, builds the Rust example, runs this
Environment: THREADS (default: all cores) is given to rayon, XLA and BLAS alike.

All three implementations get the same parameters (written to a raw f64 file that the Rust example
reads) and must agree to 1e-12 relative before any time is reported. Wall times are the median of
REPEATS runs after a warm-up, CPU times the mean over them; JAX compilation is reported separately. CPU seconds are reported beside
wall seconds because these machines are shared.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

THREADS = int(os.environ.get("THREADS", os.cpu_count()))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("MKL_NUM_THREADS", str(THREADS))
os.environ.setdefault(
    "XLA_FLAGS",
    f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'} intra_op_parallelism_threads={THREADS}",
)

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from dmipy_fit.jax.signal_models_jax import c1stick_signal  # noqa: E402

N_VOXELS, N_DIRS, B, REPEATS = 50_000, 60, 1e9, 50


def timed(fn, repeats=REPEATS):
    """Median wall seconds of one run, and CPU seconds per run averaged over all runs."""
    walls = []
    c0 = time.process_time()
    for _ in range(repeats):
        w0 = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - w0)
    return float(np.median(walls)), (time.process_time() - c0) / repeats


def main(rust_example):
    rng = np.random.default_rng(2026)
    dirs = rng.normal(size=(N_DIRS, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    bvals = np.full(N_DIRS, B)
    theta = np.arccos(rng.uniform(-1, 1, N_VOXELS))
    phi = rng.uniform(-np.pi, np.pi, N_VOXELS)
    lam = rng.uniform(0.5e-9, 3e-9, N_VOXELS)
    params = np.column_stack([theta, phi, lam])

    def sphere2cart(t, p):
        return jnp.stack([jnp.sin(t) * jnp.cos(p), jnp.sin(t) * jnp.sin(p), jnp.cos(t)], axis=-1)

    jb, jd = jnp.asarray(bvals), jnp.asarray(dirs)
    # As a user calls it with Dmipy's (theta, phi) parameters: conversion inside the jitted function.
    from_angles = jax.jit(jax.vmap(lambda t, p, l: c1stick_signal(jb, jd, sphere2cart(t, p), l)))
    # The most favourable case for JAX: Cartesian orientations precomputed outside the timing.
    from_cart = jax.jit(jax.vmap(lambda m, l: c1stick_signal(jb, jd, m, l)))
    jt, jp, jl = jnp.asarray(theta), jnp.asarray(phi), jnp.asarray(lam)
    jm = sphere2cart(jt, jp).block_until_ready()

    w0 = time.perf_counter()
    ref = np.asarray(from_angles(jt, jp, jl).block_until_ready())
    compile_s = time.perf_counter() - w0
    from_cart(jm, jl).block_until_ready()
    jax_angles = timed(lambda: from_angles(jt, jp, jl).block_until_ready())
    jax_cart = timed(lambda: from_cart(jm, jl).block_until_ready())

    def numpy_stick():
        mu = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)
        return np.exp(-bvals[None, :] * lam[:, None] * (mu @ dirs.T) ** 2)

    np_result = numpy_stick()
    numpy_t = timed(numpy_stick)

    with tempfile.TemporaryDirectory() as tmp:
        for name, arr in [("params", params), ("dirs", dirs), ("bvals", bvals)]:
            np.ascontiguousarray(arr, dtype="<f8").tofile(os.path.join(tmp, name + ".f64"))
        env = dict(os.environ, RAYON_NUM_THREADS=str(THREADS))
        out = subprocess.run(
            [rust_example, tmp, str(REPEATS)], env=env, check=True, capture_output=True, text=True
        )
        rust = json.loads(out.stdout)
        rust_signal = np.fromfile(os.path.join(tmp, "signal.f64"), dtype="<f8").reshape(N_VOXELS, N_DIRS)

    for name, other in [("NumPy", np_result), ("dmipy-rs", rust_signal)]:
        rel = np.max(np.abs(other - ref) / np.abs(ref))
        assert rel < 1e-12, f"{name} disagrees with JAX: max relative difference {rel:.3e}"

    rows = [
        ("dmipy-rs (Rust, rayon)", rust["wall_s"], rust["cpu_s"]),
        ("JAX jit+vmap, (theta, phi) in", *jax_angles),
        ("JAX jit+vmap, Cartesian mu in", *jax_cart),
        ("NumPy vectorised", *numpy_t),
    ]
    print(f"C1Stick, {N_VOXELS} voxels x {N_DIRS} directions, b = {B:g} s/m^2, f64, {THREADS} thread(s)")
    print(f"JAX compilation (first call): {compile_s * 1e3:.1f} ms, not included below")
    print(f"{'implementation':32s} {'wall ms':>9s} {'CPU ms':>9s} {'ns/voxel':>9s} {'wall vs Rust':>13s}")
    for name, wall, cpu in rows:
        print(
            f"{name:32s} {wall * 1e3:9.2f} {cpu * 1e3:9.2f} {wall / N_VOXELS * 1e9:9.1f} "
            f"{wall / rust['wall_s']:12.2f}x"
        )
    print("all implementations agree with JAX to < 1e-12 relative")


if __name__ == "__main__":
    main(sys.argv[1])
