"""Reference solutions of the NNLS and quadratic programmes behind dmipy-rs's constrained spherical deconvolution.

How to run (from the repository root; the script makes its own virtualenv on first use):

    python3 scripts/reference/csd_reference.py

It writes crates/dmipy/src/sh_deconvolution/fixtures/csd_reference.json:

- "nnls": fixed random problems min ||A u - y|| s.t. u >= 0 (A row-major), solved by
  scipy.optimize.nnls (Lawson-Hanson, the same algorithm, an independent implementation).
- "qp": fixed random strictly convex problems min 1/2 x'Hx - g'x s.t. Gx >= h (and, for some,
  a'x = beta), with h chosen so that a known point is feasible and several constraints are
  active at the optimum, solved by CVXPY with the Clarabel interior-point solver at tolerance
  1e-12. The fixture records the solver's objective and x.

Values are rounded to 15 significant digits.
"""

import json
import os
import subprocess
import sys

VENV = os.environ.get("CSD_REFERENCE_VENV", "/work/venvs/csd-ref")
OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "crates", "dmipy", "src", "sh_deconvolution",
    "fixtures", "csd_reference.json",
)

if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q", "numpy<2", "scipy<1.14", "cvxpy"])
    os.execv(python, [python] + sys.argv)

import cvxpy  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.optimize import nnls  # noqa: E402


def r15(x):
    return [float(f"{v:.15g}") for v in np.ravel(x)]


rng = np.random.default_rng(20261202)
nnls_cases = []
for rows, cols in [(12, 6), (30, 10), (8, 12)]:
    a = rng.standard_normal((rows, cols))
    y = rng.standard_normal(rows)
    u, _ = nnls(a, y, maxiter=1000)
    nnls_cases.append({"rows": rows, "cols": cols, "a": r15(a), "y": r15(y), "u": r15(u)})

qp_cases = []
for n, k, with_equality in [(6, 12, False), (10, 40, False), (10, 40, True), (15, 60, True)]:
    b = rng.standard_normal((n + 3, n))
    h_mat = b.T @ b + 0.1 * np.eye(n)
    g = rng.standard_normal(n) * 3.0
    g_rows = rng.standard_normal((k, n))
    x0 = rng.standard_normal(n) * 0.1
    h = g_rows @ x0 - np.abs(rng.standard_normal(k)) * 0.2
    x = cvxpy.Variable(n)
    constraints = [g_rows @ x >= h]
    a = beta = None
    if with_equality:
        a = rng.standard_normal(n)
        beta = float(a @ x0)
        constraints.append(a @ x == beta)
    problem = cvxpy.Problem(cvxpy.Minimize(0.5 * cvxpy.quad_form(x, h_mat) - g @ x), constraints)
    problem.solve(solver=cvxpy.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    xs = x.value
    active = int(np.sum(g_rows @ xs - h < 1e-7))
    qp_cases.append({
        "n": n, "k": k, "h_matrix": r15(h_mat), "g": r15(g), "g_rows": r15(g_rows), "h": r15(h),
        "a": None if a is None else r15(a), "beta": beta, "x": r15(xs),
        "objective": float(f"{problem.value:.15g}"), "active_constraints": active,
    })

fixture = {
    "generator": "scripts/reference/csd_reference.py",
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "cvxpy": cvxpy.__version__},
    "nnls": nnls_cases,
    "qp": qp_cases,
}
with open(OUT, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(OUT), [c["active_constraints"] for c in qp_cases])
