"""AMICO NODDI-Watson on the HCP WU-Minn scheme: dmipy-rs (`fit(solver='amico')`, orientations
from its tensor fit) side by side with Dmipy 1.0.5's `AmicoCvxpyOptimizer` (given the true
orientations, its dictionary built per voxel as in Dmipy's AMICO test), on the same data.

Usage (from the repository root): bash benches/amico_vs_dmipy.sh
Stages (each run under the right interpreter by the .sh): `data OUT.npz` (dmipy_rs simulates
VOXELS noise-free voxels, S0 = 1, optional Rician noise SNR), `rs DATA OUT.json`,
`dmipy DATA OUT.json` (the first PEER_VOXELS voxels), `report RS.json DMIPY.json`.
Both use Nt = 12, lambda_1 = (0, 1e-4), lambda_2 = (0, 1e-7). Timings: wall and CPU seconds of
the fit only (Dmipy: dictionary + solve per voxel); errors: median |estimate - truth|.
"""
import json
import os
import resource
import sys
import time

import numpy as np

VOXELS = int(os.environ.get("VOXELS", 2000))
PEER_VOXELS = int(os.environ.get("PEER_VOXELS", 40))
SNR = float(os.environ.get("SNR", 0))  # 0: noise-free
THREADS = int(os.environ.get("THREADS", os.cpu_count()))
NAMES = ["partial_volume_0", "SD1WatsonDistributed_1_SD1Watson_1_odi",
         "SD1WatsonDistributed_1_partial_volume_0"]
L1, L2, NT = [0.0, 1e-4], [0.0, 1e-7], 12


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rs_model():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))
    from test_fit import noddi_watson
    return noddi_watson()


def make_data(out):
    from dmipy_rs.data import saved_acquisition_schemes
    scheme = saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()
    model = rs_model()
    rng = np.random.default_rng(7)
    n = VOXELS
    mu = np.stack([np.arccos(rng.uniform(-1, 1, n)), rng.uniform(-np.pi, np.pi, n)], -1)
    f_iso = rng.uniform(0.0, 0.5, n)
    truth = {"SD1WatsonDistributed_1_SD1Watson_1_mu": mu,
             NAMES[1]: rng.uniform(0.05, 0.5, n), NAMES[2]: rng.uniform(0.3, 0.8, n),
             "partial_volume_0": f_iso, "partial_volume_1": 1 - f_iso}
    data = model(scheme, **truth)
    if SNR > 0:
        s = 1 / SNR
        data = np.hypot(data + s * rng.standard_normal(data.shape), s * rng.standard_normal(data.shape))
    np.savez(out, data=data, mu=mu, **{k: v for k, v in truth.items() if k in NAMES})


def run_rs(path, out):
    from dmipy_rs.data import saved_acquisition_schemes
    d = np.load(path)
    scheme = saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()
    model = rs_model()
    model.fit(scheme, d["data"][:10], solver="amico", lambda_1=L1, lambda_2=L2, Nt=NT)  # warm-up
    t, c = time.perf_counter(), cpu()
    fit = model.fit(scheme, d["data"], solver="amico", lambda_1=L1, lambda_2=L2, Nt=NT,
                    number_of_processors=THREADS)
    wall, cpus = time.perf_counter() - t, cpu() - c
    p = fit.fitted_parameters
    json.dump({"voxels": len(d["data"]), "wall": wall, "cpu": cpus,
               "estimates": {k: np.asarray(p[k]).tolist() for k in NAMES}}, open(out, "w"))


def run_dmipy(path, out):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts", "reference"))
    from dmipy1_amico import dictionary, noddi
    from dmipy1_compartments import normalised
    from dmipy.data import saved_acquisition_schemes
    from dmipy.optimizers import amico_cvxpy
    d = np.load(path)
    n = min(PEER_VOXELS, len(d["data"]))
    model = noddi()
    scheme = normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())
    estimates = {k: [] for k in NAMES}
    t, c = time.perf_counter(), cpu()
    for v in range(n):
        M, grid, idx = dictionary(model, scheme, d["mu"][v])
        opt = amico_cvxpy.AmicoCvxpyOptimizer(model, scheme, x0_vector=np.zeros(M.shape[1]),
                                              lambda_1=L1, lambda_2=L2)
        e = opt(d["data"][v], M, grid, idx)  # [pv0, pv1, odi, inner pv]
        for k, value in zip(NAMES, (e[0], e[2], e[3])):
            estimates[k].append(float(value))
    json.dump({"voxels": n, "wall": time.perf_counter() - t, "cpu": cpu() - c,
               "estimates": estimates}, open(out, "w"))


def report(data, rs_path, dmipy_path):
    d = np.load(data)
    rs, dm = json.load(open(rs_path)), json.load(open(dmipy_path))
    print(f"AMICO NODDI-Watson, HCP scheme, SNR {'inf' if SNR == 0 else f'{SNR:g}'}, "
          f"Nt {NT}, {THREADS} thread(s), load average {os.getloadavg()[0]:.2f}")
    print(f"{'':12} {'voxels':>7} {'voxels/s':>10} {'voxels/CPU-s':>13}   median |error|: "
          + "  ".join(n.split("_")[-1] if "odi" in n else ("f_iso" if n == NAMES[0] else "f_intra")
                      for n in NAMES))
    rates = {}
    for name, r in (("dmipy-rs", rs), ("Dmipy 1.0.5", dm)):
        n = r["voxels"]
        errs = [np.median(np.abs(np.array(r["estimates"][k][:n]) - d[k][:n])) for k in NAMES]
        rates[name] = (n / r["wall"], n / r["cpu"])
        print(f"{name:12} {n:>7} {n / r['wall']:>10.1f} {n / r['cpu']:>13.1f}   "
              + "  ".join(f"{e:.2e}" for e in errs))
    n = dm["voxels"]
    same = [np.max(np.abs(np.array(rs["estimates"][k][:n]) - np.array(dm["estimates"][k]))) for k in NAMES]
    print("max |dmipy-rs - Dmipy| on Dmipy's voxels: " + "  ".join(f"{s:.2e}" for s in same))
    print(f"ratio dmipy-rs / Dmipy: {rates['dmipy-rs'][0] / rates['Dmipy 1.0.5'][0]:.0f}x wall, "
          f"{rates['dmipy-rs'][1] / rates['Dmipy 1.0.5'][1]:.0f}x per CPU-second")


if __name__ == "__main__":
    stage = sys.argv[1]
    {"data": lambda: make_data(sys.argv[2]), "rs": lambda: run_rs(sys.argv[2], sys.argv[3]),
     "dmipy": lambda: run_dmipy(sys.argv[2], sys.argv[3]),
     "report": lambda: report(sys.argv[2], sys.argv[3], sys.argv[4])}[stage]()
