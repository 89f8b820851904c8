"""Reference values of erf, Dawson's integral and erfi from SciPy, for crates/dmipy/src/special/erf.rs.

Run:  /work/venvs/scipy-gauss/bin/python scripts/reference/erf_dawson.py
Writes crates/dmipy/tests/fixtures/erf_dawson_scipy.json with 15 significant digits.
SciPy's erf, dawsn and erfi come from the Faddeeva package (S. G. Johnson), independent of the
Rust code paths (libm for erf; errorfunctions for Dawson is a port of the same package, so the
Dawson comparison checks the port and our wiring, not the algorithm).
erfi is stored as 0.0 (meaning "not compared") where it overflows, |x| >= 26.5.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import special

x = np.concatenate([
    -np.logspace(-8, 1.4, 12)[::-1],
    [0.0],
    np.logspace(-8, 1.4, 12),
    [0.05, 0.199, 0.2, 0.5, 1.0, 1.2, 1.5, 2.0, 3.0, 4.0, 5.0, 7.5, 26.0, 100.0, 1e3],
])
# Round the arguments first so that the stored x are exactly the points evaluated.
x = np.array([float(f"{t:.15g}") for t in x])


def fmt(v):
    return [float(f"{t:.15g}") for t in v]


with np.errstate(over="ignore"):
    erfi = np.where(np.abs(x) < 26.5, special.erfi(x), 0.0)
out = {
    "source": f"scipy {scipy.__version__}: special.erf, special.dawsn, special.erfi",
    "x": [float(t) for t in x],
    "erf": fmt(special.erf(x)),
    "dawson": fmt(special.dawsn(x)),
    "erfi": fmt(erfi),
}
path = pathlib.Path(__file__).resolve().parents[2] / "crates/dmipy/tests/fixtures/erf_dawson_scipy.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
