"""Reference values of Dmipy 1.0.5's orientation distributions and dispersed models, for dmipy-rs.

How to run (from the repository root, with the Dmipy 1.0.5 virtualenv described in
scripts/reference/dmipy1_compartments.py):

    venv-dmipy1/bin/python scripts/reference/dmipy1_dispersion.py

It writes crates/dmipy/tests/fixtures/dmipy1_dispersion.json. Every value is computed by Dmipy 1.0.5
itself on the HCP WU-Minn scheme (`wu_minn_hcp_acquisition_scheme()`):

- `watson_pdf` / `bingham_pdf`: `SD1Watson()(n, mu=, odi=)` and `SD2Bingham()(n, mu=, psi=, odi=,
  beta_fraction=)` at a few unit vectors n (Dmipy's Bingham normalisation is a spline fit);
- `dispersed`: `SD1WatsonDistributed([C1Stick()])`, `SD1WatsonDistributed([C1Stick(), G2Zeppelin()])`
  and `SD2BinghamDistributed([C1Stick()])` called on the scheme with the listed parameters (Dmipy's
  own names). Dmipy evaluates these by spherical-harmonic convolution, truncated at an order it picks
  from ODI, so its values are approximations of the exact dispersion integral.

Parameters are hand-picked to span ODI from concentrated (0.03) to nearly isotropic (0.9). All values
are SI (b in s/m², diffusivities in m²/s, angles in rad) and rounded to 15 significant digits.
"""

import importlib.metadata
import json
import os

import numpy as np
from dmipy.data import saved_acquisition_schemes
from dmipy.distributions import distribute_models, distributions
from dmipy.signal_models import cylinder_models, gaussian_models

from dmipy1_compartments import normalised  # unit directions, as dmipy-rs stores them

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_dispersion.json",
)


def sig(x):
    """Rounds to 15 significant digits."""
    return float("%.15g" % float(x))


def sig_list(a):
    return [sig(v) for v in np.ravel(a)]


PDF_DIRECTIONS = [
    [0.0, 0.0, 1.0],
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.6, 0.0, 0.8],
    [0.48, 0.6, 0.64],
    [-0.36, 0.48, 0.8],
]

WATSON_PDF = [
    {"mu": [0.0, 0.0], "odi": 0.02},
    {"mu": [0.0, 0.0], "odi": 0.3},
    {"mu": [0.7, 1.1], "odi": 0.1},
    {"mu": [1.2, -2.0], "odi": 0.6},
    {"mu": [2.5, 0.4], "odi": 0.95},
]

BINGHAM_PDF = [
    {"mu": [0.0, 0.0], "psi": 0.0, "odi": 0.1, "beta_fraction": 0.0},
    {"mu": [0.0, 0.0], "psi": 0.0, "odi": 0.1, "beta_fraction": 0.5},
    {"mu": [0.7, 1.1], "psi": 0.4, "odi": 0.2, "beta_fraction": 0.8},
    {"mu": [1.2, -2.0], "psi": 2.0, "odi": 0.5, "beta_fraction": 0.3},
]

WATSON_STICK = [
    {"SD1Watson_1_mu": [0.0, 0.0], "SD1Watson_1_odi": 0.03, "C1Stick_1_lambda_par": 1.7e-9},
    {"SD1Watson_1_mu": [0.7, 1.1], "SD1Watson_1_odi": 0.1, "C1Stick_1_lambda_par": 2.2e-9},
    {"SD1Watson_1_mu": [1.2, -2.0], "SD1Watson_1_odi": 0.3, "C1Stick_1_lambda_par": 1.0e-9},
    {"SD1Watson_1_mu": [2.5, 0.4], "SD1Watson_1_odi": 0.6, "C1Stick_1_lambda_par": 3.0e-9},
    {"SD1Watson_1_mu": [1.6, 2.9], "SD1Watson_1_odi": 0.9, "C1Stick_1_lambda_par": 2.0e-9},
]

WATSON_STICK_ZEPPELIN = [
    {"SD1Watson_1_mu": [0.4, 0.3], "SD1Watson_1_odi": 0.05, "C1Stick_1_lambda_par": 1.7e-9,
     "G2Zeppelin_1_lambda_par": 1.7e-9, "G2Zeppelin_1_lambda_perp": 0.5e-9, "partial_volume_0": 0.6},
    {"SD1Watson_1_mu": [1.9, -1.0], "SD1Watson_1_odi": 0.2, "C1Stick_1_lambda_par": 2.5e-9,
     "G2Zeppelin_1_lambda_par": 2.0e-9, "G2Zeppelin_1_lambda_perp": 0.8e-9, "partial_volume_0": 0.3},
    {"SD1Watson_1_mu": [1.0, 2.2], "SD1Watson_1_odi": 0.5, "C1Stick_1_lambda_par": 1.2e-9,
     "G2Zeppelin_1_lambda_par": 0.6e-9, "G2Zeppelin_1_lambda_perp": 1.5e-9, "partial_volume_0": 0.8},
]

BINGHAM_STICK = [
    {"SD2Bingham_1_mu": [0.0, 0.0], "SD2Bingham_1_psi": 0.0, "SD2Bingham_1_odi": 0.1,
     "SD2Bingham_1_beta_fraction": 0.0, "C1Stick_1_lambda_par": 1.7e-9},
    {"SD2Bingham_1_mu": [0.7, 1.1], "SD2Bingham_1_psi": 0.4, "SD2Bingham_1_odi": 0.1,
     "SD2Bingham_1_beta_fraction": 0.5, "C1Stick_1_lambda_par": 2.2e-9},
    {"SD2Bingham_1_mu": [1.2, -2.0], "SD2Bingham_1_psi": 2.0, "SD2Bingham_1_odi": 0.3,
     "SD2Bingham_1_beta_fraction": 0.9, "C1Stick_1_lambda_par": 1.0e-9},
    {"SD2Bingham_1_mu": [2.5, 0.4], "SD2Bingham_1_psi": 1.0, "SD2Bingham_1_odi": 0.6,
     "SD2Bingham_1_beta_fraction": 0.3, "C1Stick_1_lambda_par": 3.0e-9},
]


def pdf_cases(dist, cases):
    n = np.array(PDF_DIRECTIONS)
    out = []
    for p in cases:
        out.append({"params": p, "pdf": sig_list(dist(n, **p))})
    return out


def dispersed_cases(model, scheme, cases):
    out = []
    for p in cases:
        args = {k: np.array(v) if isinstance(v, list) else v for k, v in p.items()}
        out.append({"params": p, "signal": sig_list(model(scheme, **args))})
    return out


def main():
    scheme = normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())
    stick, zeppelin = cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()
    fixture = {
        "generator": "scripts/reference/dmipy1_dispersion.py",
        "dmipy_version": importlib.metadata.version("dmipy"),
        "numpy_version": np.__version__,
        "scheme": "hcp_wu_minn",
        "bvalues": sig_list(scheme.bvalues),
        "pdf_directions": PDF_DIRECTIONS,
        "watson_pdf": pdf_cases(distributions.SD1Watson(), WATSON_PDF),
        "bingham_pdf": pdf_cases(distributions.SD2Bingham(), BINGHAM_PDF),
        "watson_stick": dispersed_cases(
            distribute_models.SD1WatsonDistributed([stick]), scheme, WATSON_STICK),
        "watson_stick_zeppelin": dispersed_cases(
            distribute_models.SD1WatsonDistributed([stick, zeppelin]), scheme,
            WATSON_STICK_ZEPPELIN),
        "bingham_stick": dispersed_cases(
            distribute_models.SD2BinghamDistributed([stick]), scheme, BINGHAM_STICK),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
