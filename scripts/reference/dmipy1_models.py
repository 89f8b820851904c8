"""Reference parameter tables and signals of Dmipy 1.0.5's multi-compartment models, for dmipy-rs.

How to run (from the repository root, with the Dmipy 1.0.5 virtualenv described in
scripts/reference/dmipy1_compartments.py):

    /work/venvs/dmipy1/bin/python scripts/reference/dmipy1_models.py

It writes crates/dmipy/tests/fixtures/dmipy1_models.json. Every value in it is computed by Dmipy
1.0.5 itself:

- "setups": a model (`MultiCompartmentModel` or `MultiCompartmentSphericalMeanModel` over the
  listed compartments) and a list of calls (`set_fixed_parameter`, `set_equal_parameter`,
  `set_tortuous_parameter`, `set_fractional_parameter`, `set_parameter_optimization_bounds`,
  `set_initial_guess_parameter`), each with its arguments as a Dmipy script would give them. After
  the constructor and after every call the fixture records Dmipy's `parameter_names`,
  `parameter_cardinality`, the optimisation flags per parameter (False where a per-voxel array
  was fixed), and the SI bounds (`parameter_ranges` x `parameter_scales`) of every parameter.
- "signals": for some setups, random values of the final `parameter_names` (uniform within the
  SI bounds; partial volumes drawn from a flat Dirichlet, so they sum to one) and Dmipy's
  `simulate_signal` on the HCP WU-Minn scheme (directions scaled to unit length, as dmipy-rs
  stores them and as in dmipy1_compartments.json): one value per measurement, or per shell in
  the order of `shell_bvalues` for spherical-mean models.

All values are SI (b in s/m^2, diffusivities in m^2/s) and rounded to 15 significant digits.
"""

import importlib.metadata
import json
import os
import sys
import zlib

import numpy as np
from dmipy.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy.core.modeling_framework import (
    MultiCompartmentModel,
    MultiCompartmentSphericalMeanModel,
)
from dmipy.data import saved_acquisition_schemes
from dmipy.signal_models import cylinder_models, gaussian_models

from dmipy1_compartments import normalised

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_models.json",
)

N_RANDOM = 4  # random parameter sets per signal setup

CLASSES = {
    "G1Ball": gaussian_models.G1Ball,
    "G2Zeppelin": gaussian_models.G2Zeppelin,
    "C1Stick": cylinder_models.C1Stick,
}

# (name, spherical_mean, compartments, calls, with_signals). A call is [method, *arguments];
# a per-voxel array argument is written {"per_voxel": [...]} (Dmipy receives an np.ndarray).
SETUPS = [
    ("ball_stick", False, ["G1Ball", "C1Stick"], [], True),
    ("single_stick", False, ["C1Stick"], [], True),
    ("two_sticks", False, ["C1Stick", "C1Stick"], [], True),
    ("stick_zeppelin_tortuous", False, ["C1Stick", "G2Zeppelin"], [
        ["set_tortuous_parameter", "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
         "partial_volume_0", "partial_volume_1"],
    ], True),
    ("stick_zeppelin_ball_noddi_like", False, ["C1Stick", "G2Zeppelin", "G1Ball"], [
        ["set_equal_parameter", "C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par"],
        ["set_tortuous_parameter", "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
         "partial_volume_0", "partial_volume_1"],
        ["set_fixed_parameter", "G1Ball_1_lambda_iso", 3e-9],
        ["set_fixed_parameter", "C1Stick_1_mu", [0.4, -1.2]],
    ], True),
    ("ball_stick_fractional", False, ["G1Ball", "C1Stick"], [
        ["set_fractional_parameter", "C1Stick_1_lambda_par", "G1Ball_1_lambda_iso"],
    ], True),
    ("sm_ball_stick", True, ["G1Ball", "C1Stick"], [], True),
    ("sm_stick_zeppelin_tortuous", True, ["C1Stick", "G2Zeppelin"], [
        ["set_equal_parameter", "C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par"],
        ["set_tortuous_parameter", "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
         "partial_volume_0", "partial_volume_1"],
    ], True),
    ("links_in_sequence", False, ["C1Stick", "G2Zeppelin", "C1Stick"], [
        ["set_fixed_parameter", "C1Stick_2_lambda_par", 2e-9],
        ["set_fixed_parameter", "G2Zeppelin_1_lambda_par", {"per_voxel": [1e-9, 2e-9, 3e-9]}],
        ["set_equal_parameter", "C1Stick_1_mu", "G2Zeppelin_1_mu"],
        ["set_fractional_parameter", "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par"],
        ["set_parameter_optimization_bounds", "C1Stick_2_mu", [[0.0, 1.0], [0.0, 2.0]]],
        ["set_parameter_optimization_bounds", "C1Stick_1_lambda_par", [[1e-9, 2e-9]]],
        ["set_initial_guess_parameter", "C1Stick_1_lambda_par", 1.5e-9],
        ["set_fixed_parameter", "partial_volume_2", 0.2],
    ], False),
    ("fix_per_voxel_then_tortuous", False, ["C1Stick", "G2Zeppelin"], [
        ["set_fixed_parameter", "C1Stick_1_lambda_par", {"per_voxel": [1.7e-9, 2e-9]}],
        ["set_tortuous_parameter", "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
         "partial_volume_0", "partial_volume_1"],
    ], False),
    ("sm_fixed_and_fractional", True, ["G1Ball", "G2Zeppelin"], [
        ["set_fixed_parameter", "G1Ball_1_lambda_iso", 3e-9],
        ["set_fractional_parameter", "G2Zeppelin_1_lambda_perp", "G2Zeppelin_1_lambda_par"],
    ], True),
]


def sig(x):
    """Rounds to 15 significant digits."""
    return float("%.15g" % float(x))


def sig_list(a):
    return [sig(v) for v in np.ravel(a)]


def hcp_scheme():
    """Dmipy's HCP WU-Minn scheme with directions scaled to exactly unit length."""
    return normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())


def dmipy_argument(a):
    if isinstance(a, dict) and "per_voxel" in a:
        return np.array(a["per_voxel"], dtype=float)
    if isinstance(a, list):
        return np.array(a, dtype=float) if not isinstance(a[0], list) else a
    return a


def table(model):
    """Dmipy's parameter table after the calls so far."""
    names = list(model.parameter_names)
    bounds = {}
    for n in names:
        rng = np.atleast_2d(np.array(model.parameter_ranges[n], dtype=float))
        scale = np.atleast_1d(np.array(model.parameter_scales[n], dtype=float))
        if scale.size == 1:
            scale = np.repeat(scale, rng.shape[0])
        bounds[n] = [[sig(lo * s), sig(hi * s)] for (lo, hi), s in zip(rng, scale)]
    return {
        "parameter_names": names,
        "parameter_cardinality": [int(model.parameter_cardinality[n]) for n in names],
        "optimized": [bool(model.parameter_optimization_flags[n]) for n in names],
        "bounds": [bounds[n] for n in names],
    }


def random_values(model, rng):
    """Uniform values within the SI bounds; partial volumes from a flat Dirichlet."""
    t = table(model)
    values = {}
    pv_names = [n for n in t["parameter_names"] if n.startswith("partial_volume_")]
    if pv_names:
        # All N fractions of the model, so that the free ones plus the fixed ones sum to one.
        n_all = len(model.partial_volume_names)
        fractions = rng.dirichlet(np.ones(n_all))
    for name, bnds in zip(t["parameter_names"], t["bounds"]):
        if name.startswith("partial_volume_"):
            values[name] = sig(fractions[int(name.split("_")[-1])])
        elif len(bnds) == 1:
            values[name] = sig(rng.uniform(*bnds[0]))
        else:
            values[name] = [sig(rng.uniform(lo, hi)) for lo, hi in bnds]
    return values


def build(spherical_mean, compartments, calls):
    models = [CLASSES[c]() for c in compartments]
    cls = MultiCompartmentSphericalMeanModel if spherical_mean else MultiCompartmentModel
    model = cls(models)
    steps = [{"call": None, **table(model)}]
    for call in calls:
        getattr(model, call[0])(*[dmipy_argument(a) for a in call[1:]])
        steps.append({"call": call, **table(model)})
    return model, steps


def main():
    scheme = hcp_scheme()
    setups = []
    for name, spherical_mean, compartments, calls, with_signals in SETUPS:
        model, steps = build(spherical_mean, compartments, calls)
        entry = {"name": name, "spherical_mean": spherical_mean,
                 "compartments": compartments, "steps": steps, "signals": []}
        if with_signals:
            rng = np.random.default_rng(zlib.crc32(name.encode()))
            for _ in range(N_RANDOM):
                values = random_values(model, rng)
                vector = model.parameters_to_parameter_vector(
                    **{k: np.array(v) if isinstance(v, list) else v for k, v in values.items()})
                signal = model.simulate_signal(scheme, vector)
                entry["signals"].append({"values": values, "signal": sig_list(signal)})
        setups.append(entry)
    versions = {p: importlib.metadata.version(p) for p in ("dmipy", "numpy", "scipy")}
    doc = {
        "source": (
            "scripts/reference/dmipy1_models.py: parameter tables and signals computed by Dmipy "
            f"{versions['dmipy']} (numpy {versions['numpy']}, scipy {versions['scipy']}, Python "
            f"{sys.version.split()[0]}), SI units, 15 significant digits."
        ),
        "hcp_shell_bvalues": sig_list(scheme.shell_bvalues),
        "setups": setups,
        "notes": [
            "The scheme is the 'hcp' scheme of dmipy1_compartments.json (same construction).",
            "bounds are parameter_ranges x parameter_scales per component; after "
            "set_parameter_optimization_bounds Dmipy stores one scalar scale (the largest bound) "
            "even for a 2-component parameter, so its scales_for_optimization then has one "
            "entry fewer than its bounds_for_optimization (a Dmipy quirk).",
            "A per-voxel fixed array keeps its name in parameter_names with optimized = False.",
        ],
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    for s in setups:
        print(s["name"], s["steps"][-1]["parameter_names"])
    print(os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
