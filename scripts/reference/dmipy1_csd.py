"""Dmipy 1.0.5's MC-CSD (`MultiCompartmentSphericalHarmonicsModel`, solver 'csd_cvxpy') on fixed HCP-scheme voxels, for dmipy-rs.

How to run (from the repository root): it needs the Dmipy 1.0.5 virtualenv of
/work/shared/PEERS.md; the script makes it on first use (numpy<2, scipy<1.14, dipy<1.10, cvxpy,
dmipy 1.0.5 --no-deps, with the one-line numpy patch that PEERS.md describes):

    python3 scripts/reference/dmipy1_csd.py

It writes crates/dmipy/src/sh_deconvolution/fixtures/dmipy1_csd.json:

- "positivity_directions": the 362 unit vectors on which Dmipy constrains the FOD
  (HemiSphere of DIPY's 'symmetric724'), so that dmipy-rs can solve the same problem;
- "voxels": for a single stick (theta 1.1, phi -2.3) and 90 and 60 degree crossings of two
  equal sticks in the plane phi = 0.4 (theta 0.9 and 0.9 + angle), lambda_par = 1.7e-9 m^2/s:
  the signal Dmipy simulates on its HCP WU-Minn scheme, the FOD coefficients (Dmipy's basis,
  order 8) of `fit(..., solver='csd_cvxpy', unity_constraint=True)` with the default
  lambda_lb = 1e-5, and its R^2.

Values are rounded to 15 significant digits.
"""

import glob
import json
import os
import subprocess
import sys
import warnings

VENV = os.environ.get("DMIPY1_VENV", "/work/venvs/csd-ref")
OUT = os.path.join(
    os.path.dirname(__file__), "..", "..", "crates", "dmipy", "src", "sh_deconvolution",
    "fixtures", "dmipy1_csd.json",
)

if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        pip = [python, "-m", "pip", "install", "-q"]
        subprocess.check_call(pip + ["numpy<2", "scipy<1.14", "dipy<1.10", "cvxpy", "nibabel", "setuptools<81"])
        subprocess.check_call(pip + ["--no-deps", "dmipy==1.0.5"])
        for f in glob.glob(os.path.join(VENV, "lib", "python3*", "site-packages", "dmipy", "core",
                                        "acquisition_scheme.py")):
            subprocess.check_call(["sed", "-i", "s/if deltas == \\[\\]:/if len(deltas) == 0:/", f])
    os.execv(python, [python] + sys.argv)

warnings.filterwarnings("ignore")
import cvxpy  # noqa: E402
import dmipy  # noqa: E402
import numpy as np  # noqa: E402
from dipy.data import HemiSphere, get_sphere  # noqa: E402
from dmipy.core.modeling_framework import (  # noqa: E402
    MultiCompartmentModel,
    MultiCompartmentSphericalHarmonicsModel,
)
from dmipy.data import saved_acquisition_schemes  # noqa: E402
from dmipy.signal_models import cylinder_models  # noqa: E402


def r15(x):
    return [float(f"{v:.15g}") for v in np.ravel(x)]


scheme = saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()
stick = cylinder_models.C1Stick()
mcm = MultiCompartmentModel([stick])


def signal(theta, phi):
    return mcm.simulate_signal(scheme, mcm.parameters_to_parameter_vector(
        C1Stick_1_mu=[theta, phi], C1Stick_1_lambda_par=1.7e-9))


cases = {
    "single": signal(1.1, -2.3),
    "crossing_90": 0.5 * (signal(0.9, 0.4) + signal(0.9 + np.pi / 2, 0.4)),
    "crossing_60": 0.5 * (signal(0.9, 0.4) + signal(0.9 + np.pi / 3, 0.4)),
}
model = MultiCompartmentSphericalHarmonicsModel([stick], sh_order=8)
model.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
data = np.array(list(cases.values()))
fit = model.fit(scheme, data, solver="csd_cvxpy", unity_constraint=True,
                use_parallel_processing=False, verbose=False)
sh = fit.fitted_parameters["sh_coeff"]
r2 = fit.R2_coefficient_of_determination(data)
sphere = get_sphere("symmetric724")
hemisphere = HemiSphere(phi=sphere.phi, theta=sphere.theta)
fixture = {
    "generator": "scripts/reference/dmipy1_csd.py",
    "versions": {"dmipy": dmipy.__version__ if hasattr(dmipy, "__version__") else "1.0.5",
                 "numpy": np.__version__, "cvxpy": cvxpy.__version__},
    "positivity_directions": r15(hemisphere.vertices),
    "voxels": [
        {"name": name, "signal": r15(data[i]), "sh_coeff": r15(sh[i]), "r2": float(f"{r2[i]:.15g}")}
        for i, name in enumerate(cases)
    ],
}
with open(OUT, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(OUT), "R2", r2)
