"""Reference AMICO estimates of Dmipy 1.0.5 on its own AMICO test problem, for dmipy-rs.

How to run (from the repository root, with the Dmipy 1.0.5 virtualenv of ../shared/PEERS.md,
which includes cvxpy):

    /work/venvs/dmipy1/bin/python scripts/reference/dmipy1_amico.py

It writes crates/dmipy/tests/fixtures/dmipy1_amico.json. The problem is the one of Dmipy's
dmipy/optimizers/tests/test_amico.py, set up here with Dmipy's public calls: NODDI-Watson with the
ball fixed at 3e-9 and lambda_par at 1.7e-9 m^2/s, the HCP WU-Minn scheme (unit directions),
N_VOXELS random parameter sets (seeded; orientation uniform in theta and phi, ODI and the inner
fraction uniform within Dmipy's ranges, partial_volume_0 uniform in [0, 1]), signals from Dmipy's
`simulate_signal`, and Dmipy's `AmicoCvxpyOptimizer` with Nt = 12, lambda_1 = (0, 1e-4),
lambda_2 = (0, 1e-7), given the true orientation of each voxel. The dictionary is built as that
test builds it (every non-orientation parameter on np.linspace(lo, hi, Nt) of its range, the
others at the middle of their range). Values SI, 15 significant digits.
"""

import importlib.metadata
import json
import os

import numpy as np
from dmipy.core.modeling_framework import MultiCompartmentModel
from dmipy.data import saved_acquisition_schemes
from dmipy.distributions.distribute_models import SD1WatsonDistributed
from dmipy.optimizers import amico_cvxpy
from dmipy.signal_models import cylinder_models, gaussian_models

from dmipy1_compartments import normalised

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_amico.json",
)

N_VOXELS = 12
NT = 12
LAMBDA_1 = [0.0, 1e-4]
LAMBDA_2 = [0.0, 1e-7]


def sig(x):
    return float("%.15g" % float(x))


def noddi():
    bundle = SD1WatsonDistributed(models=[cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    bundle.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0")
    bundle.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")
    bundle.set_fixed_parameter("G2Zeppelin_1_lambda_par", 1.7e-9)
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), bundle])
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    return model


def dictionary(model, scheme, mu):
    """The atoms of Dmipy's AMICO test for one orientation: (M, grid, idx)."""
    grid_params = [p for p in model.parameter_names
                   if not p.endswith("mu") and not p.startswith("partial_volume")]
    sizes = []
    for m_idx, m in enumerate(model.models):
        count = 1
        for p in m.parameter_names:
            if model.model_names[m_idx] + p in grid_params:
                count *= NT
        sizes.append(count)
    total = sum(sizes)
    grid, idx, start = {}, {}, 0
    for m_idx, m in enumerate(model.models):
        name = model.model_names[m_idx]
        own = [name + p for p in m.parameter_names if name + p in grid_params]
        idx[name] = start + np.arange(sizes[m_idx])
        samples = []
        for p in own:
            lo, hi = model.parameter_ranges[p]
            scale = model.parameter_scales[p]
            grid[p] = np.full(total, 0.5 * (lo + hi) * scale)
            samples.append(np.linspace(lo, hi, NT) * scale)
        if own:
            mesh = np.meshgrid(*samples)
            for p, values in zip(own, mesh):
                grid[p][idx[name]] = np.ravel(values)
        grid["partial_volume_" + str(m_idx)] = np.zeros(total)
        grid["partial_volume_" + str(m_idx)][idx[name]] = 1.0
        start += sizes[m_idx]
    grid["SD1WatsonDistributed_1_SD1Watson_1_mu"] = mu
    return model.simulate_signal(scheme, grid).T, grid, idx


def main():
    model = noddi()
    scheme = normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())
    rng = np.random.RandomState(123)
    ranges = model.parameter_ranges
    scales = model.parameter_scales
    odi_name = "SD1WatsonDistributed_1_SD1Watson_1_odi"
    fin_name = "SD1WatsonDistributed_1_partial_volume_0"
    voxels = []
    for _ in range(N_VOXELS):
        mu = np.array([rng.uniform(0, np.pi), rng.uniform(-np.pi, np.pi)])
        odi = rng.uniform(*ranges[odi_name]) * scales[odi_name]
        f_intra = rng.uniform(*ranges[fin_name]) * scales[fin_name]
        f_iso = rng.uniform(0.0, 1.0)
        params = {
            "SD1WatsonDistributed_1_SD1Watson_1_mu": mu,
            odi_name: odi,
            fin_name: f_intra,
            "partial_volume_0": f_iso,
            "partial_volume_1": 1.0 - f_iso,
        }
        signal = model.simulate_signal(scheme, model.parameters_to_parameter_vector(**params))
        M, grid, idx = dictionary(model, scheme, mu)
        x0 = np.zeros(M.shape[1])
        optimizer = amico_cvxpy.AmicoCvxpyOptimizer(
            model, scheme, x0_vector=x0, lambda_1=LAMBDA_1, lambda_2=LAMBDA_2)
        estimate = optimizer(signal, M, grid, idx)
        # Dmipy returns, model by model, the volume then the gridded parameters:
        # [partial_volume_0, partial_volume_1, odi, inner partial volume].
        voxels.append({
            "mu": [sig(v) for v in mu],
            "truth": {odi_name: sig(odi), fin_name: sig(f_intra), "partial_volume_0": sig(f_iso)},
            "signal": [sig(v) for v in signal],
            "dmipy": {
                "partial_volume_0": sig(estimate[0]),
                "partial_volume_1": sig(estimate[1]),
                odi_name: sig(estimate[2]),
                fin_name: sig(estimate[3]),
            },
        })
    out = {
        "generator": "scripts/reference/dmipy1_amico.py",
        "dmipy": importlib.metadata.version("dmipy"),
        "cvxpy": importlib.metadata.version("cvxpy"),
        "scheme": "hcp_wu_minn (unit directions)",
        "grid_points": NT,
        "lambda_1": LAMBDA_1,
        "lambda_2": LAMBDA_2,
        "voxels": voxels,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
