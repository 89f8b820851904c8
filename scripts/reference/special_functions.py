"""Reference values for crates/dmipy/src/special (Bessel functions and zeros of J_n').

How each value was made (run with /work/venvs/scipy/bin/python, SciPy + mpmath):
  - "jn":        J_n(x)   = mpmath.besselj(n, x) at 50 digits, printed with 15 significant digits.
  - "jnp":       J_n'(x)  = mpmath.besselj(n, x, derivative=1) at 50 digits.
  - "jnp2":      J_n''(x) = mpmath.besselj(n, x, derivative=2) at 50 digits.
  - "jnp_zeros": scipy.special.jnp_zeros(n, k) (SciPy's own root finder), cross-checked here
                 against mpmath.besseljzero(n, k, derivative=1) (k + 1 for n = 0) to 1e-13 relative before writing.
  - "jinc_sq":   [2 J_1(x)/x]^2 from mpmath at 50 digits.
Writes crates/dmipy/src/special/fixtures/special_functions.json.
"""
import json
import pathlib

import mpmath
import numpy as np
import scipy
import scipy.special as sp

mpmath.mp.dps = 50
OUT = pathlib.Path(__file__).resolve().parents[2] / "crates/dmipy/src/special/fixtures/special_functions.json"


def g15(v):
    return float(f"{float(v):.15g}")


def main():
    orders = [0, 1, 2, 3, 5, 10, 20, 49]
    xs = [1e-3, 0.5, 1.0, 3.7, 10.0, 35.0, 100.0, 300.0]
    jn, jnp, jnp2 = [], [], []
    for n in orders:
        for x in xs:
            jn.append([n, x, g15(mpmath.besselj(n, x))])
            jnp.append([n, x, g15(mpmath.besselj(n, x, derivative=1))])
            jnp2.append([n, x, g15(mpmath.besselj(n, x, derivative=2))])
    zeros = []
    for n in [0, 1, 2, 7, 20, 49, 60]:
        z = sp.jnp_zeros(n, 30)
        for k in (1, 2, 5, 30):
            # mpmath counts x = 0 as the first zero of J_0'; SciPy does not
            ref = mpmath.besseljzero(n, k + (n == 0), derivative=1)
            assert abs(z[k - 1] - float(ref)) <= 1e-13 * float(ref), (n, k)
        zeros.append([n, [g15(v) for v in z]])
    jinc = []
    for x in [1e-4, 0.3, 1.0, 2.5, 7.0, 50.0, 300.0]:
        x_mp = mpmath.mpf(x)
        jinc.append([x, g15((2 * mpmath.besselj(1, x_mp) / x_mp) ** 2)])
    data = {
        "generator": "scripts/reference/special_functions.py",
        "scipy": scipy.__version__,
        "mpmath": mpmath.__version__,
        "jn": jn,
        "jnp": jnp,
        "jnp2": jnp2,
        "jnp_zeros": zeros,
        "jinc_sq": jinc,
    }
    # one table row per line: readable diffs, small file
    lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items())
    OUT.write_text("{\n" + lines + "\n}\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
