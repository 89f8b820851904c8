"""ArviZ reference for the MCMC diagnostics of dmipy-bayes (rank-normalised split R-hat, bulk and
tail ESS; Vehtari et al. 2021, Bayesian Analysis 16:667, doi:10.1214/20-BA1221).

How to run (from the repository root); the script makes its own venv when run with --venv:

    python3 scripts/reference/arviz_diagnostics.py --venv /tmp/arviz-venv

or, inside an environment that has arviz and numpy:

    python3 scripts/reference/arviz_diagnostics.py

It writes crates/dmipy-bayes/tests/fixtures/arviz_diagnostics.json (checked with ArviZ 0.23.4,
NumPy 2.4.6, SciPy 1.17.1). The draws are generated here from a fixed seed and stored in the
fixture, so the Rust test reads the same numbers ArviZ saw: several cases (chains x draws) of
AR(1) chains with different autocorrelations, chains with shifted means (R-hat well above 1),
heavy tails (Student t, df 2), an odd number of draws (split drops the middle draw), ties
(values rounded to 0.1), and a single chain (R-hat undefined, ESS defined). 15 significant digits.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "crates", "dmipy-bayes", "tests", "fixtures", "arviz_diagnostics.json")


def ensure_venv():
    if "--venv" not in sys.argv:
        return
    venv = sys.argv[sys.argv.index("--venv") + 1]
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        subprocess.check_call([python, "-m", "pip", "install", "-q", "arviz", "numpy"])
    os.execv(python, [python, os.path.abspath(__file__)])


def ar1(rng, chains, draws, rho, shift=None):
    x = np.empty((chains, draws))
    x[:, 0] = rng.standard_normal(chains)
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho * rho) * rng.standard_normal(chains)
    if shift is not None:
        x += np.asarray(shift)[:, None]
    return x


def main():
    rng = np.random.default_rng(20211)
    cases = {
        "iid_4x100": rng.standard_normal((4, 100)),
        "ar1_0.5_4x200": ar1(rng, 4, 200, 0.5),
        "ar1_0.95_4x300": ar1(rng, 4, 300, 0.95),
        "antithetic_4x100": ar1(rng, 4, 100, -0.6),
        "shifted_4x150": ar1(rng, 4, 150, 0.3, shift=[0.0, 0.0, 0.5, 1.5]),
        "student2_3x201": rng.standard_t(2, size=(3, 201)),
        "ties_4x50": np.round(rng.standard_normal((4, 50)), 1),
        "single_1x120": ar1(rng, 1, 120, 0.4),
    }
    out = {
        "arviz": az.__version__,
        "numpy": np.__version__,
        "seed": 20211,
        "cases": [],
    }
    for name, draws in cases.items():
        # The stored (rounded) draws are what the Rust test reads: compute on them.
        draws = np.array([[float(f"{v:.15e}") for v in chain] for chain in draws])
        rhat = float(az.rhat(draws, method="rank")) if draws.shape[0] > 1 else None
        out["cases"].append(
            {
                "name": name,
                "chains": int(draws.shape[0]),
                "draws": [[float(f"{v:.15e}") for v in chain] for chain in draws],
                "rhat": None if rhat is None else float(f"{rhat:.15e}"),
                "ess_bulk": float(f"{float(az.ess(draws, method='bulk')):.15e}"),
                "ess_tail": float(f"{float(az.ess(draws, method='tail')):.15e}"),
            }
        )
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    ensure_venv()
    import warnings

    warnings.simplefilter("ignore")
    import arviz as az
    import numpy as np

    main()
