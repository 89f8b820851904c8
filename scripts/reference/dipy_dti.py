"""DIPY reference for `dmipy fit --model dti --s0 fitted` on the bundled data/dipy/small_64D.

How to run (from the repository root):

    python3 -m venv /work/venvs/dipy
    /work/venvs/dipy/bin/pip install dipy nibabel
    /work/venvs/dipy/bin/python scripts/reference/dipy_dti.py

It writes crates/dmipy-cli/tests/fixtures/dipy_dti_small64d.json (checked with DIPY 1.12.1,
nibabel 5.4.2, SciPy 1.17.1, NumPy 2.4.6).

What DIPY minimises. `TensorModel(gtab, fit_method="NLLS")` calls `dipy.reconst.dti.
nlls_fit_tensor` with no weights: per voxel, `scipy.optimize.leastsq` over the six tensor elements
and log S0 (unbounded), starting from the OLS fit, of the residuals `data - exp(X @ t)`, i.e. the
plain sum of squares in signal space with S0 free. `dmipy fit --s0 fitted` minimises the same sum
(its residuals are divided by the voxel's b0, a constant factor that does not move the minimum)
over mu, psi, lambda_1..3 and S0, with the eigenvalues bounded to [0.1e-9, 3e-9] m^2/s.

Which voxels. DIPY's `leastsq` status is not returned, so convergence is checked here
independently: at DIPY's solution the gradient of the sum of squares must vanish, measured as
MINPACK's gtol test (largest cosine between the residual vector and a Jacobian column, Jacobian
with respect to the tensor elements and log S0) below GTOL. leastsq stops on its default xtol/ftol
(1.49e-8), where this cosine is 5e-8 to 1e-4 on this data; polishing every voxel with
scipy.optimize.least_squares (method "lm", all tolerances 1e-15, cosine then < 3e-8) moved FA by at
most 1.1e-4 and MD by at most 2.1e-6 (relative) for the voxels under GTOL = 1e-4, so DIPY's values
are the exact minimum to well within the test's 1e-3. The 30 voxels above it have cosines > 1e-2:
fits that failed, not ones stopped early. Kept are voxels with b0 > 0 (the CLI's
default mask), that pass that test, and whose three eigenvalues lie inside our Tensor bounds with
a relative margin MARGIN (a minimum of the unbounded problem outside our bounds is not one of the
bounded problem). The fixture records, for every kept voxel, its (i, j, k) index in the NIfTI
array, DIPY's FA and MD (MD in m^2/s), its sorted eigenvalues (m^2/s) and S0; the counts of voxels
dropped by each rule. 15 significant digits.
"""

import importlib.metadata
import json
import os

import nibabel as nib
import numpy as np
from dipy.core.gradients import gradient_table
from dipy.io import read_bvals_bvecs
from dipy.reconst import dti

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "data", "dipy")
OUT = os.path.join(
    ROOT, "crates", "dmipy-cli", "tests", "fixtures", "dipy_dti_small64d.json"
)

# Bounds of dmipy-rs's Tensor eigenvalues (m^2/s), crates/dmipy/src/compartments/tensor.rs.
LAMBDA_MIN, LAMBDA_MAX = 0.1e-9, 3e-9
# Relative margin inside those bounds.
MARGIN = 0.05
# MINPACK-style gradient test at DIPY's solution.
GTOL = 1e-4


def sig(x):
    """x rounded to 15 significant digits."""
    return float(f"{x:.15g}")


def gradient_cosine(params, design, signal):
    """Largest |cos| between the residual and a Jacobian column at DIPY's parameters."""
    model = np.exp(design @ params)
    residual = signal - model
    jac = -model[:, None] * design
    norms = np.linalg.norm(jac, axis=0) * np.linalg.norm(residual)
    if norms.min() == 0:
        return 0.0
    return float(np.max(np.abs(jac.T @ residual) / norms))


def lower_triangular_params(evals, evecs, s0):
    """(Dxx, Dxy, Dyy, Dxz, Dyz, Dzz, log S0) of a tensor given by its eigen-decomposition."""
    tensor = evecs @ np.diag(evals) @ evecs.T
    return np.append(dti.lower_triangular(tensor), np.log(s0))


def main():
    image = nib.load(os.path.join(DATA, "small_64D.nii.gz"))
    data = np.asarray(image.get_fdata(), dtype=np.float64)
    bvals, bvecs = read_bvals_bvecs(
        os.path.join(DATA, "small_64D.bval"), os.path.join(DATA, "small_64D.bvec")
    )
    gtab = gradient_table(bvals, bvecs=bvecs)
    model = dti.TensorModel(gtab, fit_method="NLLS", return_S0_hat=True)
    fit = model.fit(data)
    # DIPY's design matrix: -b * (gx^2, 2gxgy, gy^2, 2gxgz, 2gygz, gz^2) and a column of -1
    # for -log S0; build the same for the (+log S0) parametrisation used here.
    design = dti.design_matrix(gtab)
    design = design.copy()
    design[:, -1] = 1.0

    counts = {"b0_not_positive": 0, "not_converged": 0, "outside_bounds": 0}
    voxels = []
    for idx in np.ndindex(data.shape[:3]):
        signal = data[idx]
        if not signal[0] > 0:
            counts["b0_not_positive"] += 1
            continue
        evals = fit.evals[idx]  # mm^2/s, sorted descending
        params = lower_triangular_params(evals, fit.evecs[idx], fit.S0_hat[idx])
        if gradient_cosine(params, design, signal) > GTOL:
            counts["not_converged"] += 1
            continue
        si = evals * 1e-6
        lo, hi = LAMBDA_MIN * (1 + MARGIN), LAMBDA_MAX * (1 - MARGIN)
        if si.min() < lo or si.max() > hi:
            counts["outside_bounds"] += 1
            continue
        voxels.append(
            {
                "index": [int(i) for i in idx],
                "fa": sig(fit.fa[idx]),
                "md": sig(fit.md[idx] * 1e-6),
                "eigenvalues": [sig(v) for v in si],
                "s0": sig(fit.S0_hat[idx]),
            }
        )

    fixture = {
        "description": "DIPY TensorModel(fit_method='NLLS') on data/dipy/small_64D; "
        "see scripts/reference/dipy_dti.py",
        "dipy_version": importlib.metadata.version("dipy"),
        "scipy_version": importlib.metadata.version("scipy"),
        "numpy_version": importlib.metadata.version("numpy"),
        "selection": {
            "lambda_bounds_m2_s": [LAMBDA_MIN, LAMBDA_MAX],
            "relative_margin": MARGIN,
            "gradient_cosine_below": GTOL,
            "dropped": counts,
            "kept": len(voxels),
        },
        "voxels": voxels,
    }
    # One voxel per line keeps the fixture short and its diffs readable.
    body = json.dumps({k: v for k, v in fixture.items() if k != "voxels"}, indent=1)
    lines = ",\n".join("  " + json.dumps(v) for v in voxels)
    with open(OUT, "w") as f:
        f.write(body[:-2] + ',\n "voxels": [\n' + lines + "\n ]\n}\n")
    print(f"{len(voxels)} voxels kept, dropped {counts}; wrote {OUT}")


if __name__ == "__main__":
    main()
