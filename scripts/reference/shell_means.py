"""NumPy/SciPy check of the SH-fitted shell means of `AcquisitionScheme::spherical_means`.

How to run (from the repository root):

    python3 -m venv /work/venvs/sci && /work/venvs/sci/bin/pip install numpy scipy
    /work/venvs/sci/bin/python scripts/reference/shell_means.py

It prints, for the HCP WU-Minn shells and for random direction sets, the largest error of the
l = 0 coefficient of a least-squares real-SH fit (NumPy's pseudo-inverse, SciPy's `sph_harm_y`)
against the exact spherical mean of sticks, sqrt(pi) erf(sqrt(b lambda)) / (2 sqrt(b lambda)),
per SH order, beside the condition number of A^T A and the error of the plain average. The Rust
tests (crates/dmipy/src/acquisition/shell_mean.rs) quote these numbers; no fixture is written:
the exact mean is a closed form that the tests evaluate themselves.
"""

import pathlib

import numpy as np
from scipy.special import erf, sph_harm_y

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMES = ROOT.parent / "shared" / "data" / "schemes"
ORIENTATIONS = np.array([[0, 0, 1], [0.6, 0, 0.8], [0.48, 0.6, 0.64], [1, 0, 0]])
LAMBDAS = [1.0e-9, 1.7e-9, 2.5e-9]


def basis(order, theta, phi):
    """Real even SH (any orthonormal real basis spans the same space; the mean is basis-free)."""
    columns = []
    for l in range(0, order + 1, 2):
        for m in range(-l, l + 1):
            y = sph_harm_y(l, abs(m), theta, phi)
            columns.append(y.imag if m < 0 else y.real)
    return np.array(columns).T


def stick_mean(b, lam):
    x = np.sqrt(b * lam)
    return np.sqrt(np.pi) * erf(x) / (2 * x)


def report(directions, b):
    theta = np.arccos(np.clip(directions[:, 2], -1, 1))
    phi = np.arctan2(directions[:, 1], directions[:, 0])
    for order in range(2, 16, 2):
        if (order + 1) * (order + 2) // 2 > len(directions):
            break
        a = basis(order, theta, phi)
        weights = np.linalg.pinv(a)[0] / (2 * np.sqrt(np.pi))
        sh = plain = 0.0
        for n in ORIENTATIONS:
            for lam in LAMBDAS:
                e = np.exp(-b * lam * (directions @ n) ** 2)
                sh = max(sh, abs(weights @ e - stick_mean(b, lam)))
                plain = max(plain, abs(e.mean() - stick_mean(b, lam)))
        cond = np.linalg.cond(a.T @ a)
        print(f"n={len(directions)} b={b:.0e} L={order:2d} cond={cond:.1e} SH={sh:.1e} plain={plain:.1e}")


def main():
    bvals = np.loadtxt(SCHEMES / "bvals_hcp_wu_minn.txt")
    bvecs = np.loadtxt(SCHEMES / "bvecs_hcp_wu_minn.txt")
    for b in (1000, 2000, 3000):
        report(bvecs[np.abs(bvals - b) < 1], b * 1e6)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        z = rng.uniform(-1, 1, 150)
        p = rng.uniform(0, 2 * np.pi, 150)
        r = np.sqrt(1 - z * z)
        report(np.c_[r * np.cos(p), r * np.sin(p), z], 2e9)


if __name__ == "__main__":
    main()
