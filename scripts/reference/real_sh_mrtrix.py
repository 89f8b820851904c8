"""Reference values of Dmipy's real spherical harmonics and of Legendre polynomials.

Run with the Dmipy 1.0.5 virtualenv (/work/venvs/dmipy1/bin/python), which has DIPY:
  - "real_sh": dipy.reconst.shm.real_sym_sh_mrtrix(sh_order, theta, phi)[0] — the exact
               function Dmipy 1.x calls for its SH matrices — at a few (theta, phi), order 8.
  - "legendre": scipy.special.eval_legendre(l, x).
All printed with 15 significant digits.
Writes crates/dmipy/src/special/fixtures/real_sh.json.
"""
import json
import pathlib
import warnings

import numpy as np
import scipy.special as sp
from dipy.reconst.shm import real_sym_sh_mrtrix

OUT = pathlib.Path(__file__).resolve().parents[2] / "crates/dmipy/src/special/fixtures/real_sh.json"


def g15(v):
    return float(f"{float(v):.15g}")


def main():
    order = 8
    angles = [(0.0, 0.0), (0.3, 1.1), (1.2, -2.5), (np.pi / 2, 0.7), (2.9, 3.0)]
    real_sh = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for theta, phi in angles:
            values = real_sym_sh_mrtrix(order, np.array([theta]), np.array([phi]))[0][0]
            real_sh.append([theta, phi, [g15(v) for v in values]])
    legendre = [[l, x, g15(sp.eval_legendre(l, x))]
                for l in [0, 1, 2, 5, 10, 30] for x in [-0.9, -0.2, 0.0, 0.35, 0.99]]
    data = {"generator": "scripts/reference/real_sh_mrtrix.py", "sh_order": order,
            "real_sh": real_sh, "legendre": legendre}
    lines = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items())
    OUT.write_text("{\n" + lines + "\n}\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
