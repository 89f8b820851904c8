"""Reference parameter lists and signals of Dmipy 1.0.5's distributed and turnkey models, for dmipy-rs.

How to run (from the repository root, with the Dmipy 1.0.5 virtualenv described in
scripts/reference/dmipy1_compartments.py):

    /work/venvs/dmipy1/bin/python scripts/reference/dmipy1_turnkey.py

It writes crates/dmipy/tests/fixtures/dmipy1_turnkey.json. Every value is computed by Dmipy 1.0.5
itself. Each entry is one of dmipy-rs's turnkey models (`MultiCompartmentModel::turnkey(name)`),
built here with the Dmipy calls its documentation names (Dmipy's NODDI, SMT, SMT-NODDI and IVIM
examples; ActiveAx, AxCaliber, SANDI and ball-and-sticks as written in crates/dmipy/src/model/
turnkey.rs). The fixture records Dmipy's `parameter_names` and `parameter_cardinality` of the built
model and, for N_RANDOM random parameter sets (uniform within Dmipy's SI bounds; the outer partial
volumes from a flat Dirichlet so they sum to one; inner partial volumes uniform in their bounds),
Dmipy's `simulate_signal` on the HCP WU-Minn scheme with unit directions (`normalised`): one value
per measurement, or per shell in the order of `shell_bvalues` for spherical-mean models.

Dmipy evaluates Watson/Bingham dispersion by a truncated spherical-harmonic convolution and the
Gamma distribution on a truncated grid of radii, so those signals are approximations (see the
tolerances in crates/dmipy/src/model/turnkey.rs). All values SI, 15 significant digits.
"""

import importlib.metadata
import json
import os
import sys
import zlib

import numpy as np
from dmipy.core.modeling_framework import (
    MultiCompartmentModel,
    MultiCompartmentSphericalMeanModel,
)
from dmipy.data import saved_acquisition_schemes
from dmipy.distributions import distribute_models
from dmipy.signal_models import cylinder_models, gaussian_models, sphere_models

from dmipy1_compartments import normalised

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_turnkey.json",
)

N_RANDOM = 3


def sig(x):
    """Rounds to 15 significant digits."""
    return float("%.15g" % float(x))


def noddi_bundle(distributed):
    bundle = distributed(models=[cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    bundle.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0")
    bundle.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")
    bundle.set_fixed_parameter("G2Zeppelin_1_lambda_par", 1.7e-9)
    return bundle


def ball_stick(n):
    sticks = [cylinder_models.C1Stick() for _ in range(n)]
    return MultiCompartmentModel(models=[gaussian_models.G1Ball()] + sticks)


def noddi(distributed):
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), noddi_bundle(distributed)])
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    return model


def smt():
    model = MultiCompartmentSphericalMeanModel(
        models=[cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    model.set_tortuous_parameter("G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par",
                                 "partial_volume_0", "partial_volume_1")
    model.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")
    return model


def smt_noddi():
    model = MultiCompartmentSphericalMeanModel(
        models=[noddi_bundle(distribute_models.BundleModel), gaussian_models.G1Ball()])
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    return model


def sandi():
    return MultiCompartmentSphericalMeanModel(models=[
        cylinder_models.C1Stick(),
        sphere_models.S4SphereGaussianPhaseApproximation(diffusion_constant=3e-9),
        gaussian_models.G1Ball()])


def activeax():
    c4 = "C4CylinderGaussianPhaseApproximation"
    model = MultiCompartmentModel(models=[
        cylinder_models.C4CylinderGaussianPhaseApproximation(),
        gaussian_models.G2Zeppelin(), gaussian_models.G1Ball()])
    model.set_equal_parameter(c4 + "_1_mu", "G2Zeppelin_1_mu")
    model.set_tortuous_parameter("G2Zeppelin_1_lambda_perp", c4 + "_1_lambda_par",
                                 "partial_volume_0", "partial_volume_1")
    model.set_equal_parameter(c4 + "_1_lambda_par", "G2Zeppelin_1_lambda_par")
    model.set_fixed_parameter(c4 + "_1_lambda_par", 1.7e-9)
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    return model


def axcaliber():
    gamma = distribute_models.DD1GammaDistributed(
        models=[cylinder_models.C4CylinderGaussianPhaseApproximation()])
    model = MultiCompartmentModel(models=[gamma, gaussian_models.G2Zeppelin()])
    model.set_equal_parameter(
        "DD1GammaDistributed_1_C4CylinderGaussianPhaseApproximation_1_mu", "G2Zeppelin_1_mu")
    return model


def ivim():
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), gaussian_models.G1Ball()])
    model.set_fixed_parameter("G1Ball_2_lambda_iso", 7e-9)
    model.set_parameter_optimization_bounds("G1Ball_1_lambda_iso", [0.5e-9, 6e-9])
    return model


MODELS = [
    ("ball_stick", lambda: ball_stick(1)),
    ("ball_stick_2", lambda: ball_stick(2)),
    ("ball_stick_3", lambda: ball_stick(3)),
    ("noddi_watson", lambda: noddi(distribute_models.SD1WatsonDistributed)),
    ("noddi_bingham", lambda: noddi(distribute_models.SD2BinghamDistributed)),
    ("smt", smt),
    ("smt_noddi", smt_noddi),
    ("sandi", sandi),
    ("activeax", activeax),
    ("axcaliber", axcaliber),
    ("ivim", ivim),
]


def random_values(model, rng):
    names = list(model.parameter_names)
    outer = [n for n in names if n.startswith("partial_volume_")]
    fractions = rng.dirichlet(np.ones(len(model.partial_volume_names))) if outer else []
    values = {}
    for n in names:
        rngs = np.atleast_2d(np.array(model.parameter_ranges[n], dtype=float))
        scale = np.atleast_1d(np.array(model.parameter_scales[n], dtype=float))
        if scale.size == 1:
            scale = np.repeat(scale, rngs.shape[0])
        draws = [sig(rng.uniform(lo * s, hi * s)) for (lo, hi), s in zip(rngs, scale)]
        if n.startswith("partial_volume_"):
            values[n] = sig(fractions[int(n.split("_")[-1])])
        elif n.endswith("DD1Gamma_1_beta"):
            # mean diameter 2αβ within 1-10 um, where Dmipy's radius grid is adequate
            alpha = values[n.replace("beta", "alpha")]
            values[n] = sig(rng.uniform(0.5e-6, 5e-6) / alpha)
        else:
            values[n] = draws[0] if len(draws) == 1 else draws
    return values


def main():
    scheme = normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())
    entries = []
    for name, build in MODELS:
        model = build()
        names = list(model.parameter_names)
        entry = {
            "name": name,
            "spherical_mean": isinstance(model, MultiCompartmentSphericalMeanModel),
            "parameter_names": names,
            "parameter_cardinality": [int(model.parameter_cardinality[n]) for n in names],
            "signals": [],
        }
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        for _ in range(N_RANDOM):
            values = random_values(model, rng)
            vector = model.parameters_to_parameter_vector(
                **{k: np.array(v) if isinstance(v, list) else v for k, v in values.items()})
            try:
                signal = model.simulate_signal(scheme, vector)
            except AttributeError as e:
                # Dmipy 1.0.5's spherical mean of S4 (SANDI) fails: its spherical-mean scheme
                # has no shell_delta. Names are still recorded.
                entry["no_signals"] = str(e)
                break
            entry["signals"].append({"values": values, "signal": [sig(v) for v in np.ravel(signal)]})
        entries.append(entry)
        print(name, names)
    versions = {p: importlib.metadata.version(p) for p in ("dmipy", "numpy", "scipy")}
    doc = {
        "source": (
            "scripts/reference/dmipy1_turnkey.py: parameter lists and signals computed by Dmipy "
            f"{versions['dmipy']} (numpy {versions['numpy']}, scipy {versions['scipy']}, Python "
            f"{sys.version.split()[0]}), SI units, 15 significant digits."
        ),
        "hcp_shell_bvalues": [sig(b) for b in scheme.shell_bvalues],
        "models": entries,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
