"""Reference signals of Dmipy 1.0.5's compartment models, written as a JSON fixture for dmipy-rs.

How to run (from the repository root):

    python3 -m venv venv-dmipy1
    venv-dmipy1/bin/pip install 'numpy<2' 'scipy<1.14' 'dipy<1.10' cvxpy numba pathos nibabel 'setuptools<81'
    venv-dmipy1/bin/pip install --no-deps dmipy==1.0.5
    # numpy >= 1.25 needs one patch in dmipy/core/acquisition_scheme.py:
    #   `if deltas == []:`  ->  `if len(deltas) == 0:`
    venv-dmipy1/bin/python scripts/reference/dmipy1_compartments.py

It writes crates/dmipy/tests/fixtures/dmipy1_compartments.json. Every value in it is computed by
Dmipy 1.0.5 itself (signal: `model(scheme, **params)`; spherical mean: `model.spherical_mean(scheme,
**params)` where Dmipy has one). Parameters are drawn with a seeded NumPy generator, uniformly within
Dmipy's `_parameter_ranges` times `_parameter_scales` (SI), plus hand-picked edge cases. All values
are SI (b in s/m², diffusivities in m²/s, sizes in m, times in s) and rounded to 15 significant digits.

The second part of the fixture set (the S3 sphere Callaghan model, which Dmipy 1.0.5 cannot evaluate)
is written by scripts/reference/callaghan_sphere.py, independently of Dmipy.
"""

import importlib.metadata
import json
import os
import sys
import zlib

import numpy as np
import scipy
from dmipy.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy.data import saved_acquisition_schemes
from dmipy.signal_models import (
    capped_cylinder_models,
    cylinder_models,
    gaussian_models,
    plane_models,
    sphere_models,
)

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_compartments.json",
)

N_RANDOM = 5  # random parameter sets per model, scheme and setting

# The "strong" scheme: a Connectome-2.0-class multi-shell acquisition (G_max ≈ 0.50 T/m at b = 20e9).
STRONG_DELTA = 0.008  # s
STRONG_BIG_DELTA = 0.020  # s
STRONG_SHELLS = [1e9, 3e9, 5e9, 10e9, 20e9]  # s/m²
STRONG_DIRECTIONS_PER_SHELL = 30
STRONG_B0 = 3


def sig(x):
    """Rounds to 15 significant digits (as a Python float; JSON writes its shortest repr)."""
    x = float(x)
    if not np.isfinite(x):
        return repr(x)  # never expected; kept visible instead of crashing json
    return float("%.15g" % x)


def sig_list(a):
    return [sig(v) for v in np.ravel(a)]


def strong_scheme():
    """Multi-shell scheme: 3 b0 + 5 shells x 30 seeded uniform random directions."""
    rng = np.random.default_rng(20261101)
    bvals = [0.0] * STRONG_B0
    dirs = [[0.0, 0.0, 1.0]] * STRONG_B0
    for b in STRONG_SHELLS:
        v = rng.normal(size=(STRONG_DIRECTIONS_PER_SHELL, 3))
        v /= np.linalg.norm(v, axis=1)[:, None]
        # round to 15 digits and renormalise so the fixture's directions are the ones used
        v = np.array([[sig(c) for c in row] for row in v])
        bvals += [b] * STRONG_DIRECTIONS_PER_SHELL
        dirs += v.tolist()
    return acquisition_scheme_from_bvalues(
        np.array(bvals), np.array(dirs), delta=STRONG_DELTA, Delta=STRONG_BIG_DELTA
    )


def scheme_json(s):
    return {
        "bvalues": sig_list(s.bvalues),
        "directions": [[sig(c) for c in row] for row in s.gradient_directions],
        "delta": sig_list(s.delta),
        "Delta": sig_list(s.Delta),
        "shell_bvalues": sig_list(s.shell_bvalues),
    }


# ---------------------------------------------------------------------------------------------
# Models: class, list of settings dicts (first = Dmipy's defaults), edge-case parameter sets.
# Settings are constructor keyword arguments; their values are recorded in the fixture.
# ---------------------------------------------------------------------------------------------

D_AX = 1.7e-9  # Dmipy's CONSTANTS['water_in_axons_diffusion_constant'], m²/s

MODELS = [
    ("C1Stick", cylinder_models.C1Stick, [{}]),
    ("G1Ball", gaussian_models.G1Ball, [{}]),
    ("G2Zeppelin", gaussian_models.G2Zeppelin, [{}]),
    ("C2CylinderStejskalTannerApproximation",
     cylinder_models.C2CylinderStejskalTannerApproximation, [{}]),
    ("C3CylinderCallaghanApproximation", cylinder_models.C3CylinderCallaghanApproximation, [
        {"diffusion_perpendicular": D_AX, "number_of_roots": 20, "number_of_functions": 50},
        {"diffusion_perpendicular": 1.0e-9, "number_of_roots": 5, "number_of_functions": 8},
    ]),
    ("C4CylinderGaussianPhaseApproximation", cylinder_models.C4CylinderGaussianPhaseApproximation, [
        {"diffusion_perpendicular": D_AX},
        {"diffusion_perpendicular": 1.0e-9},
    ]),
    ("G3TemporalZeppelin", gaussian_models.G3TemporalZeppelin, [{}]),
    ("S1Dot", sphere_models.S1Dot, [{}]),
    ("S2SphereStejskalTannerApproximation", sphere_models.S2SphereStejskalTannerApproximation, [{}]),
    ("S4SphereGaussianPhaseApproximation", sphere_models.S4SphereGaussianPhaseApproximation, [
        {"diffusion_constant": D_AX},
        {"diffusion_constant": 1.0e-9},
    ]),
    ("P2PlaneStejskalTannerApproximation", plane_models.P2PlaneStejskalTannerApproximation, [{}]),
    ("P3PlaneCallaghanApproximation", plane_models.P3PlaneCallaghanApproximation, [
        {"diffusion_constant": D_AX, "number_of_roots": 40},
        {"diffusion_constant": 1.0e-9, "number_of_roots": 10},
    ]),
    ("CC2CappedCylinderStejskalTannerApproximation",
     capped_cylinder_models.CC2CappedCylinderStejskalTannerApproximation, [{}]),
]

# Edge cases, added to the random draws (with the default settings only).
EDGE = {
    "C1Stick": [
        {"mu": [0.0, 0.0], "lambda_par": 1.7e-9},
        {"mu": [np.pi / 2, 0.0], "lambda_par": 3e-9},
    ],
    "G1Ball": [{"lambda_iso": 1e-10}, {"lambda_iso": 3e-9}],
    "G2Zeppelin": [
        {"mu": [0.0, 0.0], "lambda_par": 2e-9, "lambda_perp": 2e-9},
        {"mu": [np.pi / 2, np.pi / 2], "lambda_par": 3e-9, "lambda_perp": 1e-10},
    ],
    "G3TemporalZeppelin": [
        {"mu": [0.3, 1.0], "lambda_par": 2e-9, "lambda_inf": 1e-9, "A": 0.0},
        {"mu": [np.pi / 2, 0.0], "lambda_par": 1e-9, "lambda_inf": 0.5e-9, "A": 10e-12},
    ],
    "CC2CappedCylinderStejskalTannerApproximation": [
        {"mu": [0.0, 0.0], "diameter": 2e-5, "length": 2e-5},
        {"mu": [np.pi / 2, 0.0], "diameter": 1e-8, "length": 1e-8},
    ],
}
for _name in ["C2CylinderStejskalTannerApproximation", "C3CylinderCallaghanApproximation",
              "C4CylinderGaussianPhaseApproximation"]:
    EDGE[_name] = [
        {"mu": [np.pi / 2, 0.0], "lambda_par": 1.7e-9, "diameter": 2e-5},  # large: → Gaussian-like
        {"mu": [np.pi / 2, 0.0], "lambda_par": 1.7e-9, "diameter": 1e-8},  # tiny: → stick
        {"mu": [0.0, 0.0], "lambda_par": 1.7e-9, "diameter": 6e-6},  # along z: b0-like perpendicular
    ]
for _name in ["S2SphereStejskalTannerApproximation", "S4SphereGaussianPhaseApproximation",
              "P2PlaneStejskalTannerApproximation", "P3PlaneCallaghanApproximation"]:
    EDGE[_name] = [{"diameter": 2e-5}, {"diameter": 1e-8}]


def parameter_names(model):
    if isinstance(model, capped_cylinder_models.CC2CappedCylinderStejskalTannerApproximation):
        # Dmipy merges the plane's 'diameter' over the cylinder's and so lists mu, lambda_par,
        # diameter; the model actually takes mu, diameter and length (lambda_par is unused).
        return ["mu", "diameter", "length"]
    return list(model._parameter_ranges.keys())


def parameter_range(model, name):
    """(lower, upper) in SI; 'length' of the capped cylinder takes the diameter range."""
    key = "diameter" if name == "length" else name
    lo, hi = model._parameter_ranges[key]
    scale = float(np.atleast_1d(model._parameter_scales[key])[0])
    return lo * scale, hi * scale


def random_params(model, rng):
    """Uniform draws within Dmipy's parameter ranges (scaled to SI)."""
    out = {}
    for name in parameter_names(model):
        if name == "mu":
            out[name] = [float(rng.uniform(0, np.pi)), float(rng.uniform(-np.pi, np.pi))]
        else:
            lo, hi = parameter_range(model, name)
            out[name] = float(rng.uniform(lo, hi))
    return {k: (sig_list(v) if isinstance(v, list) else sig(v)) for k, v in out.items()}


def evaluate(name, model, scheme, params, notes):
    kwargs = {k: (np.array(v) if isinstance(v, list) else v) for k, v in params.items()}
    signal = np.asarray(model(scheme, **kwargs), dtype=float)
    smean = None
    if hasattr(model, "spherical_mean"):
        try:
            smean = np.atleast_1d(np.asarray(model.spherical_mean(scheme, **kwargs), dtype=float))
        except Exception as e:  # noqa: BLE001 - Dmipy bugs are recorded, not fatal
            note = f"{name}.spherical_mean raises {type(e).__name__}: {e}; recorded as null"
            if note not in notes:
                notes.append(note)
    return signal, smean


def oddities(name, scheme_name, params, signal, smean, notes):
    for what, arr in (("signal", signal), ("spherical_mean", smean)):
        if arr is None:
            continue
        if not np.all(np.isfinite(arr)):
            notes.append(f"{name} on {scheme_name} with {params}: non-finite {what} values")
        elif arr.min() < -1e-12 or arr.max() > 1 + 1e-12:
            notes.append(
                f"{name} on {scheme_name} with {params}: {what} outside [0, 1] "
                f"(min {arr.min():.3e}, max {arr.max():.6g})"
            )


def cases_for(name, cls, settings_list, schemes, notes):
    cases = []
    for scheme_name, scheme in schemes.items():
        for s_index, settings in enumerate(settings_list):
            model = cls(**settings)
            rng = np.random.default_rng(zlib.crc32(f"{name}/{scheme_name}/{s_index}".encode()))
            param_sets = [random_params(model, rng) for _ in range(N_RANDOM if s_index == 0 else 2)]
            if s_index == 0:
                param_sets += [
                    {k: (sig_list(v) if isinstance(v, list) else sig(v)) for k, v in p.items()}
                    for p in EDGE.get(name, [])
                ]
            if not parameter_names(model):
                param_sets = [{}]
            for params in param_sets:
                signal, smean = evaluate(name, model, scheme, params, notes)
                oddities(name, scheme_name, params, signal, smean, notes)
                cases.append({
                    "model": name,
                    "settings": {k: float(v) for k, v in settings.items()},
                    "scheme": scheme_name,
                    "params": params,
                    "signal": sig_list(signal),
                    "spherical_mean": None if smean is None else sig_list(smean),
                })
    return cases


def broken_models(schemes, notes):
    """Models that Dmipy 1.0.5 ships but cannot evaluate: record why, as notes."""
    try:
        m = sphere_models._S3SphereCallaghanApproximation()
        m(schemes["hcp"], diameter=6e-6)
        notes.append("_S3SphereCallaghanApproximation evaluated without error (unexpected)")
    except Exception as e:  # noqa: BLE001 - we record whatever Dmipy raises
        notes.append(
            "S3SphereCallaghanApproximation: Dmipy 1.0.5's private _S3SphereCallaghanApproximation "
            f"raises {type(e).__name__}: {e} (spherical_jn called without its order n); no Dmipy "
            "reference exists. See callaghan_sphere.json for an independent reference."
        )
    try:
        capped_cylinder_models.CC3CappedCylinderCallaghanApproximation()
        notes.append("CC3CappedCylinderCallaghanApproximation constructed without error (unexpected)")
    except Exception as e:  # noqa: BLE001
        notes.append(
            "CC3CappedCylinderCallaghanApproximation: Dmipy 1.0.5 raises on construction "
            f"({type(e).__name__}: {e}); no Dmipy reference exists."
        )


def main():
    schemes = {"hcp": saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme(),
               "strong": strong_scheme()}
    notes = [
        "Parameters are Dmipy's names and SI values; 'mu' is [theta, phi] in radians; scalars are "
        "plain numbers.",
        "Random parameters are uniform within Dmipy's _parameter_ranges x _parameter_scales; the "
        "first settings entry of each model is Dmipy's constructor default; non-default settings "
        "get 2 random parameter sets per scheme.",
        "strong scheme: 3 b0 (direction [0,0,1]) + shells b = 1, 3, 5, 10, 20 e9 s/m^2 with 30 "
        f"seeded uniform random directions each; delta = {STRONG_DELTA} s, Delta = "
        f"{STRONG_BIG_DELTA} s for every measurement (G_max about 0.50 T/m).",
        "hcp scheme: Dmipy's wu_minn_hcp_acquisition_scheme() (delta = 0.0106 s, Delta = 0.0431 s).",
        "Dmipy derives q = sqrt(b / (Delta - delta/3)) / (2 pi) and G = 2 pi q / (gamma delta) with "
        "gamma = 267.513e6 1/(s T) (CONSTANTS['water_gyromagnetic_ratio']).",
        "spherical_mean has one entry per shell in the order of shell_bvalues (b0 shells give 1). "
        "C1Stick, G2Zeppelin and G3TemporalZeppelin use closed forms; G1Ball/S1Dot/S2/S4 evaluate the "
        "model at the shell b-value; the other anisotropic models (C2, C3, C4, CC2) use Dmipy's "
        "numerical rotational-harmonics estimate on its own sampling sphere (shell q, delta, Delta "
        "of the shell's first measurement), so compare those loosely. P2/P3 have no spherical_mean.",
        "P2/P3 are 1-D 'NMRModel's without orientation: the signal uses q of every measurement as if "
        "the gradient were normal to the planes.",
        "CC2CappedCylinderStejskalTannerApproximation: Dmipy 1.0.5 applies the plane (length) factor "
        "only where q_parallel = q (n . mu) > 0 and uses 1 where n . mu < 0 (known sign-handling bug); "
        "the fixture records Dmipy's values as they are. Its parameters are mu, diameter and length "
        "(m); Dmipy's _parameter_ranges for it wrongly list lambda_par and omit length, so length "
        "is drawn from the diameter range [1e-8, 2e-5] m.",
    ]
    broken_models(schemes, notes)
    cases = []
    for name, cls, settings_list in MODELS:
        cases += cases_for(name, cls, settings_list, schemes, notes)
    versions = {p: importlib.metadata.version(p) for p in ("dmipy", "numpy", "scipy", "dipy")}
    doc = {
        "source": (
            "scripts/reference/dmipy1_compartments.py: signals and spherical means computed by Dmipy "
            f"{versions['dmipy']} (numpy {versions['numpy']}, scipy {versions['scipy']}, dipy "
            f"{versions['dipy']}, Python {sys.version.split()[0]}; acquisition_scheme.py patched "
            "'deltas == []' -> 'len(deltas) == 0' for numpy >= 1.25), SI units, 15 significant digits."
        ),
        "schemes": {k: scheme_json(v) for k, v in schemes.items()},
        "cases": cases,
        "notes": notes,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    counts = {}
    for c in cases:
        counts[(c["model"], c["scheme"])] = counts.get((c["model"], c["scheme"]), 0) + 1
    for k, v in counts.items():
        print(k, v)
    print(len(cases), "cases;", os.path.getsize(OUT), "bytes")
    for n in notes:
        print("NOTE:", n)


if __name__ == "__main__":
    main()
