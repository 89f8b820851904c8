"""Constrained spherical deconvolution (one stick kernel, order 8) on the HCP scheme's b = 3000
s/mm² shell with its b0s: dmipy-rs (`MultiCompartmentSphericalHarmonicsModel`, Tournier 2007
and the exact constrained solve) side by side with Dmipy 1.0.5 (the same model and solvers;
CVXPY for the constrained one) and DIPY's `ConstrainedSphericalDeconvModel` (Tournier 2007 with
its default settings, the same response: a stick of lambda_par 1.7e-9 m^2/s as a
(1.7e-9, 0, 0) tensor), on the same data.

Usage (from the repository root): bash benches/csd_vs_peers.sh
Stages (each run under the right interpreter by the .sh): `data OUT.npz`, `rs DATA OUT.json`,
`dmipy DATA OUT.json`, `dipy DATA OUT.json`, `report DATA RS DMIPY DIPY`.
Data: VOXELS voxels of a Watson-dispersed stick (ODI 0.05-0.3, random axis), S0 = 100, Rician
noise at SNR (default 30). Dmipy fits the first PEER_VOXELS voxels (it is slow), the others
all. Timings: wall and CPU seconds of the fit only; error: median angle
between the FOD's maximum over 4000 fixed directions and the true axis.
"""
import json
import os
import resource
import sys
import time

import numpy as np

VOXELS = int(os.environ.get("VOXELS", 2000))
PEER_VOXELS = int(os.environ.get("PEER_VOXELS", 200))
SNR = float(os.environ.get("SNR", 30))
THREADS = int(os.environ.get("THREADS", os.cpu_count()))
LAMBDA_PAR = 1.7e-9


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def shell(bvals):
    """The b0s and the b = 3000 s/mm² shell (SI b-values)."""
    return (bvals < 1e8) | (np.abs(bvals - 3e9) < 2e8)


def make_data(out):
    from dmipy_rs.data import saved_acquisition_schemes
    from dmipy_rs.distributions import distribute_models
    from dmipy_rs.signal_models import cylinder_models
    hcp = saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()
    keep = shell(hcp.bvalues)
    rng = np.random.default_rng(3)
    n = VOXELS
    mu = np.stack([np.arccos(rng.uniform(-1, 1, n)), rng.uniform(-np.pi, np.pi, n)], -1)
    bundle = distribute_models.SD1WatsonDistributed([cylinder_models.C1Stick()])
    signal = 100 * bundle(hcp, SD1Watson_1_mu=mu, SD1Watson_1_odi=rng.uniform(0.05, 0.3, n),
                          C1Stick_1_lambda_par=LAMBDA_PAR)[:, keep]
    s = 100 / SNR
    data = np.hypot(signal + s * rng.standard_normal(signal.shape), s * rng.standard_normal(signal.shape))
    sphere = rng.standard_normal((4000, 3))
    sphere /= np.linalg.norm(sphere, axis=1)[:, None]
    np.savez(out, data=data, mu=mu, bvals=hcp.bvalues[keep], bvecs=hcp.gradient_directions[keep],
             delta=hcp.delta[keep], Delta=hcp.Delta[keep], sphere=sphere)


def peaks(fod, sphere):
    return sphere[np.argmax(fod, axis=-1)]


def timed(fit_fod):
    t, c = time.perf_counter(), cpu()
    fod = fit_fod()
    return fod, time.perf_counter() - t, cpu() - c


def run_dmipy_like(pkg, path, out, solvers):
    d = np.load(path)
    acq = __import__(f"{pkg}.core.acquisition_scheme", fromlist=["x"])
    mf = __import__(f"{pkg}.core.modeling_framework", fromlist=["x"])
    cm = __import__(f"{pkg}.signal_models.cylinder_models", fromlist=["x"])
    scheme = acq.acquisition_scheme_from_bvalues(d["bvals"], d["bvecs"], d["delta"], d["Delta"])
    n = VOXELS if pkg == "dmipy_rs" else min(PEER_VOXELS, VOXELS)
    data = d["data"][:n]
    result = {"voxels": n}
    for solver in solvers:
        model = mf.MultiCompartmentSphericalHarmonicsModel([cm.C1Stick()], sh_order=8)
        model.set_fixed_parameter("C1Stick_1_lambda_par", LAMBDA_PAR)
        kwargs = {} if pkg == "dmipy" else {"number_of_processors": THREADS}
        if pkg == "dmipy":
            kwargs["use_parallel_processing"] = False
        fod, wall, cpus = timed(lambda: model.fit(scheme, data, solver=solver, **kwargs).fod(d["sphere"]))
        result[solver] = {"wall": wall, "cpu": cpus, "peaks": peaks(fod, d["sphere"]).tolist()}
    json.dump(result, open(out, "w"))


def run_dipy(path, out):
    from dipy.core.gradients import gradient_table
    from dipy.core.sphere import Sphere
    from dipy.reconst.csdeconv import ConstrainedSphericalDeconvModel
    d = np.load(path)
    n = VOXELS  # DIPY is fast enough for all of them
    gtab = gradient_table(d["bvals"] * 1e-6, d["bvecs"], b0_threshold=50)
    response = (np.array([LAMBDA_PAR * 1e6, 0.0, 0.0]), 100.0)
    model = ConstrainedSphericalDeconvModel(gtab, response, sh_order=8)
    sphere = Sphere(xyz=d["sphere"])
    t, c = time.perf_counter(), cpu()
    fit = model.fit(d["data"][:n])
    odf = fit.odf(sphere)
    json.dump({"voxels": n, "csd": {"wall": time.perf_counter() - t, "cpu": cpu() - c,
                                    "peaks": peaks(odf, d["sphere"]).tolist()}}, open(out, "w"))


def report(path, rs_path, dmipy_path, dipy_path):
    d = np.load(path)
    mu = d["mu"]
    axis = np.stack([np.sin(mu[:, 0]) * np.cos(mu[:, 1]), np.sin(mu[:, 0]) * np.sin(mu[:, 1]),
                     np.cos(mu[:, 0])], -1)
    print(f"CSD, one stick kernel, order 8, HCP b=3000 shell + b0s, SNR {SNR:g}, "
          f"{THREADS} thread(s) for dmipy-rs (peers: 1), load average {os.getloadavg()[0]:.2f}")
    print(f"{'tool / solver':32} {'voxels':>7} {'voxels/s':>10} {'voxels/CPU-s':>13} {'median error (deg)':>19}")
    rates = {}
    for tool, p in (("dmipy-rs", rs_path), ("Dmipy 1.0.5", dmipy_path), ("DIPY", dipy_path)):
        r = json.load(open(p))
        n = r["voxels"]
        for solver, v in r.items():
            if solver == "voxels":
                continue
            pk = np.array(v["peaks"])
            err = np.degrees(np.arccos(np.clip(np.abs(np.sum(pk * axis[:n], -1)), 0, 1)))
            rates[(tool, solver)] = (n / v["wall"], n / v["cpu"])
            print(f"{tool + ' / ' + solver:32} {n:>7} {n / v['wall']:>10.1f} {n / v['cpu']:>13.1f} "
                  f"{np.median(err):>19.2f}")
    for solver in ("csd_tournier07", "csd_cvxpy"):
        ours, theirs = rates[("dmipy-rs", solver)], rates[("Dmipy 1.0.5", solver)]
        print(f"ratio dmipy-rs / Dmipy ({solver}): {ours[0] / theirs[0]:.0f}x wall, "
              f"{ours[1] / theirs[1]:.0f}x per CPU-second")
    ours, dipy = rates[("dmipy-rs", "csd_tournier07")], rates[("DIPY", "csd")]
    print(f"ratio dmipy-rs (csd_tournier07) / DIPY: {ours[0] / dipy[0]:.1f}x wall, "
          f"{ours[1] / dipy[1]:.1f}x per CPU-second")


if __name__ == "__main__":
    stage, args = sys.argv[1], sys.argv[2:]
    if stage == "data":
        make_data(*args)
    elif stage == "rs":
        run_dmipy_like("dmipy_rs", *args, solvers=("csd_tournier07", "csd_cvxpy"))
    elif stage == "dmipy":
        run_dmipy_like("dmipy", *args, solvers=("csd_tournier07", "csd_cvxpy"))
    elif stage == "dipy":
        run_dipy(*args)
    else:
        report(*args)
