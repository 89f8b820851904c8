"""Reference values for dmipy-rs `special/spherical_bessel.rs` (fixture `spherical_bessel.json`).

How the fixture is made (run with a venv holding scipy and mpmath, e.g. /work/venvs/scipy-sph):

    /work/venvs/scipy-sph/bin/python scripts/reference/spherical_bessel.py \
        > crates/dmipy/tests/fixtures/spherical_bessel.json

- `values`: j_n(x) from `scipy.special.spherical_jn` for n = 0..60 on a grid of x in [1e-3, 300].
- `prime_zeros`: positive zeros of j_n'(x) (n = 0 excludes x = 0), bracketed by sign changes of
  `scipy.special.spherical_jn(n, x, derivative=True)` on a grid of step 0.05, refined with
  `scipy.optimize.brentq`, then polished with mpmath at 30 digits on
  j_n(x) = sqrt(pi / (2x)) J_{n+1/2}(x), so each zero is right to all 15 printed digits.
Numbers are printed with 15 significant digits.
"""
import json

import mpmath
import numpy as np
from scipy import optimize, special

mpmath.mp.dps = 30


def jn_prime_mp(n, x):
    x = mpmath.mpf(x)
    return mpmath.diff(lambda t: mpmath.sqrt(mpmath.pi / (2 * t)) * mpmath.besselj(n + 0.5, t), x)


def prime_zeros(n, count):
    f = lambda x: special.spherical_jn(n, x, derivative=True)
    zeros = []
    x0 = 0.5
    grid = np.arange(max(x0, 0.5 * n), 2000.0, 0.05)
    vals = f(grid)
    for i in range(len(grid) - 1):
        if vals[i] == 0.0 or vals[i] * vals[i + 1] < 0:
            r = optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15)
            r = float(mpmath.findroot(lambda t: jn_prime_mp(n, t), r))
            zeros.append(r)
            if len(zeros) == count:
                return zeros
    raise RuntimeError(f"only {len(zeros)} zeros for n={n}")


def g(v):
    return float(f"{v:.15g}")


xs = [1e-3, 0.1, 0.5, 1.0, 2.5, 7.3, 20.0, 49.5, 50.5, 100.0, 213.7, 300.0]
values = [
    {"n": n, "x": x, "jn": g(special.spherical_jn(n, x))}
    for n in list(range(0, 11)) + [20, 30, 45, 50, 60]
    for x in xs
]
zeros = {str(n): [g(z) for z in prime_zeros(n, 20)] for n in range(0, 50)}
zeros["1"] = [g(z) for z in prime_zeros(1, 101)]
json.dump({"values": values, "prime_zeros": zeros}, __import__("sys").stdout, indent=1)
