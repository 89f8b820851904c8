"""MIX on the HCP scheme: dmipy-rs (`fit(solver='mix')`) side by side with Dmipy 1.0.5's
`fit(solver='mix')` (SciPy's differential evolution, COBYLA, L-BFGS-B), on the same data: ball &
zeppelin (Dmipy's MIX test model) with random parameters, S0 = 1, Rician noise at SNR.

Usage (from the repository root): bash benches/mix_vs_dmipy.sh
Stages: `data OUT.npz` (dmipy_rs simulates VOXELS voxels), `fit PKG DATA OUT.json` (PKG dmipy_rs
or dmipy; Dmipy fits the first PEER_VOXELS), `report DATA RS DMIPY`. Both use maxiter MAXITER
(default 100). Timings: wall and CPU seconds of the fit; errors: median |estimate − truth| and the
median angle between the zeppelin axes.
"""
import json
import os
import resource
import sys
import time

import numpy as np

VOXELS = int(os.environ.get("VOXELS", 200))
PEER_VOXELS = int(os.environ.get("PEER_VOXELS", 10))
SNR = float(os.environ.get("SNR", 30))
MAXITER = int(os.environ.get("MAXITER", 100))
THREADS = int(os.environ.get("THREADS", os.cpu_count()))
SCALARS = ["G1Ball_1_lambda_iso", "G2Zeppelin_1_lambda_par", "G2Zeppelin_1_lambda_perp",
           "partial_volume_0"]


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def model(pkg):
    mf = __import__(f"{pkg}.core.modeling_framework", fromlist=["x"])
    gm = __import__(f"{pkg}.signal_models.gaussian_models", fromlist=["x"])
    return mf.MultiCompartmentModel(models=[gm.G1Ball(), gm.G2Zeppelin()])


def scheme(pkg):
    s = __import__(f"{pkg}.data.saved_acquisition_schemes", fromlist=["x"])
    return s.wu_minn_hcp_acquisition_scheme()


def make_data(out):
    rng = np.random.default_rng(11)
    n = VOXELS
    mu = np.stack([np.arccos(rng.uniform(-1, 1, n)), rng.uniform(-np.pi, np.pi, n)], -1)
    par = rng.uniform(1.5e-9, 2.5e-9, n)
    truth = {"G1Ball_1_lambda_iso": rng.uniform(2.5e-9, 3e-9, n), "G2Zeppelin_1_mu": mu,
             "G2Zeppelin_1_lambda_par": par, "G2Zeppelin_1_lambda_perp": par * rng.uniform(0.2, 0.5, n),
             "partial_volume_0": rng.uniform(0.1, 0.5, n)}
    truth["partial_volume_1"] = 1 - truth["partial_volume_0"]
    m = model("dmipy_rs")
    signal = m.simulate_signal(scheme("dmipy_rs"), m.parameters_to_parameter_vector(**truth))
    s = 1 / SNR
    data = np.hypot(signal + s * rng.standard_normal(signal.shape), s * rng.standard_normal(signal.shape))
    np.savez(out, data=data, **truth)


def run(pkg, path, out):
    d = np.load(path)
    n = VOXELS if pkg == "dmipy_rs" else min(PEER_VOXELS, VOXELS)
    m, sch = model(pkg), scheme(pkg)
    kwargs = ({"number_of_processors": THREADS} if pkg == "dmipy_rs"
              else {"use_parallel_processing": False})
    t, c = time.perf_counter(), cpu()
    fit = m.fit(sch, d["data"][:n], solver="mix", maxiter=MAXITER, **kwargs)
    wall, cpus = time.perf_counter() - t, cpu() - c
    p = fit.fitted_parameters
    json.dump({"voxels": n, "wall": wall, "cpu": cpus,
               "estimates": {k: np.asarray(p[k]).reshape(n, -1).tolist() for k in SCALARS + ["G2Zeppelin_1_mu"]}},
              open(out, "w"))


def axis(mu):
    mu = np.asarray(mu).reshape(-1, 2)
    return np.stack([np.sin(mu[:, 0]) * np.cos(mu[:, 1]), np.sin(mu[:, 0]) * np.sin(mu[:, 1]),
                     np.cos(mu[:, 0])], -1)


def report(path, rs_path, dmipy_path):
    d = np.load(path)
    print(f"MIX, ball & zeppelin, HCP scheme, SNR {SNR:g}, maxiter {MAXITER}; dmipy-rs on "
          f"{THREADS} thread(s), Dmipy on 1; load average {os.getloadavg()[0]:.2f}")
    print(f"{'':12} {'voxels':>7} {'voxels/s':>9} {'voxels/CPU-s':>13}  median |error|: "
          "lambda_iso, lambda_par, lambda_perp (1e-9 m^2/s), f_ball, axis (deg)")
    rates = {}
    for name, p in (("dmipy-rs", rs_path), ("Dmipy 1.0.5", dmipy_path)):
        r = json.load(open(p))
        n = r["voxels"]
        errs = [np.median(np.abs(np.ravel(r["estimates"][k]) - d[k][:n])) * (1e9 if "lambda" in k else 1)
                for k in SCALARS]
        cos = np.abs(np.sum(axis(r["estimates"]["G2Zeppelin_1_mu"]) * axis(d["G2Zeppelin_1_mu"][:n]), -1))
        errs.append(np.median(np.degrees(np.arccos(np.clip(cos, 0, 1)))))
        rates[name] = (n / r["wall"], n / r["cpu"])
        print(f"{name:12} {n:>7} {n / r['wall']:>9.2f} {n / r['cpu']:>13.2f}  "
              + "  ".join(f"{e:.3f}" for e in errs))
    a, b = rates["dmipy-rs"], rates["Dmipy 1.0.5"]
    print(f"ratio dmipy-rs / Dmipy: {a[0] / b[0]:.0f}x wall, {a[1] / b[1]:.0f}x per CPU-second")


if __name__ == "__main__":
    stage, args = sys.argv[1], sys.argv[2:]
    {"data": lambda: make_data(*args), "fit": lambda: run(*args),
     "report": lambda: report(*args)}[stage]()
