"""Fitting on the HCP WU-Minn scheme (288 measurements), SNR 50 Rician noise, ball & stick and
NODDI-Watson: dmipy-rs (`fit_model`, default `FitOptions`) side by side with Dmipy 1.0.5
(brute2fine) and dmipy-fit 2.3.0 (default brute2fine solver, and its JAX solver).

Usage (from the repository root):
    bash benches/fit_vs_peers.sh     # makes the venvs, builds the Rust examples, runs this
This script runs under dmipy-fit's Python and starts workers (`--worker`) under each peer's
Python, so that each peer's CPU time (its worker processes included) is measured alike.
Environment: THREADS (default: all cores) for rayon, BLAS and the peers' process pools;
VOXELS (10000); PEER_VOXELS (300: the Python peers fit the first PEER_VOXELS voxels, their
throughput is measured on these); JAX_VOXELS (300, 0 to skip the JAX solver); REPEATS (3, for
dmipy-rs; the peers run once); MODELS (ball_stick,noddi_watson); DMIPY1_PYTHON.

Synthetic data: random ground truths (ranges below), noise-free signals from dmipy-rs's
`noddi_predict` example (dense-quadrature Watson; Dmipy 1.x's SH-truncated Watson differs by
< 1e-3, far below the noise sigma 0.02), S0 = 1, Rician noise sigma = 1/50, the same for every
tool. Errors: median absolute error per parameter over the voxels each tool fitted (and for
dmipy-rs also over the peers' subset), orientations as the angle between axes in degrees.
"""
import json
import os
import resource
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from noddi_predict_vs_peers import noddi_watson, scheme_from  # noqa: E402

VOXELS = int(os.environ.get("VOXELS", 10_000))
PEER_VOXELS = int(os.environ.get("PEER_VOXELS", 300))
JAX_VOXELS = int(os.environ.get("JAX_VOXELS", 300))
REPEATS = int(os.environ.get("REPEATS", 3))
MODELS = os.environ.get("MODELS", "ball_stick,noddi_watson").split(",")
SIGMA = 1 / 50


def ball_stick(pkg):
    gm = __import__(f"{pkg}.signal_models.gaussian_models", fromlist=["x"])
    cm = __import__(f"{pkg}.signal_models.cylinder_models", fromlist=["x"])
    mf = __import__(f"{pkg}.core.modeling_framework", fromlist=["x"])
    return mf.MultiCompartmentModel(models=[gm.G1Ball(), cm.C1Stick()])


def truths(name, rng, n):
    """Dmipy parameter names (cardinality) and random ground truths, SI."""
    theta, phi = np.arccos(rng.uniform(-1, 1, n)), rng.uniform(-np.pi, np.pi, n)
    if name == "ball_stick":
        f = rng.uniform(0.2, 0.8, n)
        cols = {"G1Ball_1_lambda_iso": rng.uniform(1.5e-9, 3e-9, n),
                "C1Stick_1_mu": np.column_stack([theta, phi]),
                "C1Stick_1_lambda_par": rng.uniform(1e-9, 2.5e-9, n),
                "partial_volume_0": 1 - f, "partial_volume_1": f}
    else:
        f_ball = rng.uniform(0.05, 0.5, n)
        cols = {"SD1WatsonDistributed_1_SD1Watson_1_mu": np.column_stack([theta, phi]),
                "SD1WatsonDistributed_1_SD1Watson_1_odi": rng.uniform(0.05, 0.6, n),
                "SD1WatsonDistributed_1_partial_volume_0": rng.uniform(0.2, 0.8, n),
                "partial_volume_0": f_ball, "partial_volume_1": 1 - f_ball}
    return cols


def worker(pkg, tmp, model_name, n, solver):
    """Run under a peer's python: fit the first n voxels, write the fitted parameter vectors."""
    model = ball_stick(pkg) if model_name == "ball_stick" else noddi_watson(pkg)
    scheme = scheme_from(pkg, tmp)
    data = np.fromfile(os.path.join(tmp, "data.f64"), "<f8").reshape(-1, scheme.number_of_measurements)[:n]
    kwargs = {} if solver == "jax" else dict(
        use_parallel_processing=THREADS > 1, number_of_processors=THREADS)
    walls = []
    for _ in range(2 if solver == "jax" else 1):
        w0 = time.perf_counter()
        fit = model.fit(scheme, data, solver=solver, **kwargs)
        walls.append(time.perf_counter() - w0)
    np.ascontiguousarray(fit.fitted_parameters_vector, "<f8").tofile(os.path.join(tmp, "peer.f64"))
    print(json.dumps({"walls": walls, "names": list(model.parameter_cardinality.items())}))


def run_worker(python, args, env):
    """Run a worker; return its JSON line and its CPU seconds (its waited-for children included)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([python, __file__, "--worker", *args], env=env, check=True,
                         capture_output=True, text=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return json.loads(out.stdout.splitlines()[-1]), cpu


def errors(fitted, names, truth, n):
    """Median absolute error per parameter over the first n voxels (orientation: degrees)."""
    out, col = {}, 0
    for name, card in names:
        est = fitted[:n, col:col + card]
        col += card
        ref = truth[name][:n]
        if card == 2:
            def unit(a):
                return np.column_stack([np.sin(a[:, 0]) * np.cos(a[:, 1]),
                                        np.sin(a[:, 0]) * np.sin(a[:, 1]), np.cos(a[:, 0])])
            cos = np.clip(np.abs(np.sum(unit(est) * unit(ref), axis=1)), 0, 1)
            out[name] = float(np.median(np.degrees(np.arccos(cos))))
        else:
            out[name] = float(np.nanmedian(np.abs(est[:, 0] - ref)))
    return out


def one_model(name, tmp, rust_predict, rust_fit, dmipy1_python, env):
    rng = np.random.default_rng(2026)
    truth = truths(name, rng, VOXELS)
    names = list(truth)
    params = np.column_stack([truth[k] for k in names])
    np.ascontiguousarray(params, "<f8").tofile(os.path.join(tmp, "params.f64"))
    with open(os.path.join(tmp, "names.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    subprocess.run([rust_predict, tmp, name, "0"], env=env, check=True, capture_output=True)
    e = np.fromfile(os.path.join(tmp, "signal.f64"), "<f8").reshape(VOXELS, -1)
    noisy = np.sqrt((e + rng.normal(0, SIGMA, e.shape)) ** 2 + rng.normal(0, SIGMA, e.shape) ** 2)
    np.ascontiguousarray(noisy, "<f8").tofile(os.path.join(tmp, "data.f64"))

    rows = []
    rust = json.loads(subprocess.run([rust_fit, tmp, name, str(REPEATS)], env=env, check=True,
                                     capture_output=True, text=True).stdout)
    fitted = np.fromfile(os.path.join(tmp, "fit.f64"), "<f8").reshape(VOXELS, -1)
    rows.append(("dmipy-rs fit_model", VOXELS, rust["wall_s"], rust["cpu_s"], rust["walls"],
                 errors(fitted, rust["names"], truth, VOXELS)))
    rows.append((f"  dmipy-rs, first {PEER_VOXELS} voxels", PEER_VOXELS, None, None, [],
                 errors(fitted, rust["names"], truth, PEER_VOXELS)))
    peers = [("Dmipy 1.0.5 brute2fine", dmipy1_python, "dmipy", "brute2fine", PEER_VOXELS),
             ("dmipy-fit 2.3.0 brute2fine", sys.executable, "dmipy_fit", "brute2fine", PEER_VOXELS)]
    if JAX_VOXELS:
        peers.append(("dmipy-fit 2.3.0 solver=jax", sys.executable, "dmipy_fit", "jax", JAX_VOXELS))
    for label, python, pkg, solver, n in peers:
        res, cpu = run_worker(python, [pkg, tmp, name, str(n), solver], env)
        peer = np.fromfile(os.path.join(tmp, "peer.f64"), "<f8").reshape(n, -1)
        walls = res["walls"]
        if solver == "jax":
            label += f" (1st call {walls[0]:.1f} s incl. compile)"
            cpu *= walls[1] / sum(walls)  # CPU of the second call, pro rata
        rows.append((label, n, walls[-1], cpu, walls, errors(peer, res["names"], truth, n)))
    return rows, rust["iterations"]


def report(name, rows, iterations):
    print(f"\n{name}: HCP WU-Minn, SNR 50 Rician, {THREADS} thread(s)/process(es); "
          f"dmipy-rs mean LM iterations {iterations:.1f}")
    keys = list(rows[0][5])
    short = [k.replace("SD1WatsonDistributed_1_", "W_").replace("SD1Watson_1_", "") for k in keys]
    print(f"{'tool':52s} {'voxels':>6s} {'wall s':>8s} {'CPU s':>8s} {'vox/s':>8s} "
          + " ".join(f"{s[:14]:>14s}" for s in short))
    for label, n, wall, cpu, walls, err in rows:
        timing = (f"{wall:8.2f} {cpu:8.2f} {n / wall:8.0f}" if wall else f"{'':8s} {'':8s} {'':8s}")
        print(f"{label:52s} {n:6d} {timing} " + " ".join(f"{err[k]:14.3e}" for k in keys))
    print("errors: median |estimate - truth| (SI; mu: angle between axes in degrees)")


def main(rust_predict, rust_fit, dmipy1_python):
    env = dict(os.environ, RAYON_NUM_THREADS=str(THREADS), PYTHONWARNINGS="ignore")
    for name in MODELS:
        with tempfile.TemporaryDirectory() as tmp:
            hcp = __import__("dmipy_fit.data.saved_acquisition_schemes", fromlist=["x"])
            scheme = hcp.wu_minn_hcp_acquisition_scheme()
            timing = np.array([np.unique(scheme.delta)[0], np.unique(scheme.Delta)[0]])
            for f, arr in [("bvals", scheme.bvalues), ("dirs", scheme.gradient_directions),
                           ("timing", timing)]:
                np.ascontiguousarray(arr, "<f8").tofile(os.path.join(tmp, f + ".f64"))
            rows, iterations = one_model(name, tmp, rust_predict, rust_fit, dmipy1_python, env)
            report(name, rows, iterations)


if __name__ == "__main__":
    if sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    else:
        main(sys.argv[1], sys.argv[2], sys.argv[3])
