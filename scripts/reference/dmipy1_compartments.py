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

Part 2, `--callaghan-sphere`, writes crates/dmipy/tests/fixtures/callaghan_sphere.json: an
independent reference for the S3 sphere Callaghan model (Dmipy 1.0.5's raises TypeError), computed by
this script from Callaghan 1995 with mpmath, NOT by Dmipy. It needs numpy, scipy and mpmath (not
Dmipy) and reads the schemes from the part-1 file, so run part 1 first:

    python3 -m venv venv-ref && venv-ref/bin/pip install numpy scipy mpmath
    venv-ref/bin/python scripts/reference/dmipy1_compartments.py --callaghan-sphere
"""

import importlib.metadata
import json
import os
import sys
import zlib

import numpy as np

try:  # part 1 needs Dmipy; part 2 (--callaghan-sphere) needs only numpy, scipy and mpmath
    from dmipy.core.acquisition_scheme import acquisition_scheme_from_bvalues
    from dmipy.data import saved_acquisition_schemes
    from dmipy.signal_models import (
        capped_cylinder_models,
        cylinder_models,
        gaussian_models,
        plane_models,
        sphere_models,
    )
except ImportError:
    capped_cylinder_models = cylinder_models = gaussian_models = None
    plane_models = sphere_models = None

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

MODELS_SPEC = [
    ("C1Stick", "cylinder_models.C1Stick", [{}]),
    ("G1Ball", "gaussian_models.G1Ball", [{}]),
    ("G2Zeppelin", "gaussian_models.G2Zeppelin", [{}]),
    ("C2CylinderStejskalTannerApproximation",
     "cylinder_models.C2CylinderStejskalTannerApproximation", [{}]),
    ("C3CylinderCallaghanApproximation", "cylinder_models.C3CylinderCallaghanApproximation", [
        {"diffusion_perpendicular": D_AX, "number_of_roots": 20, "number_of_functions": 50},
        {"diffusion_perpendicular": 1.0e-9, "number_of_roots": 5, "number_of_functions": 8},
    ]),
    ("C4CylinderGaussianPhaseApproximation", "cylinder_models.C4CylinderGaussianPhaseApproximation", [
        {"diffusion_perpendicular": D_AX},
        {"diffusion_perpendicular": 1.0e-9},
    ]),
    ("G3TemporalZeppelin", "gaussian_models.G3TemporalZeppelin", [{}]),
    ("S1Dot", "sphere_models.S1Dot", [{}]),
    ("S2SphereStejskalTannerApproximation", "sphere_models.S2SphereStejskalTannerApproximation", [{}]),
    ("S4SphereGaussianPhaseApproximation", "sphere_models.S4SphereGaussianPhaseApproximation", [
        {"diffusion_constant": D_AX},
        {"diffusion_constant": 1.0e-9},
    ]),
    ("P2PlaneStejskalTannerApproximation", "plane_models.P2PlaneStejskalTannerApproximation", [{}]),
    ("P3PlaneCallaghanApproximation", "plane_models.P3PlaneCallaghanApproximation", [
        {"diffusion_constant": D_AX, "number_of_roots": 40},
        {"diffusion_constant": 1.0e-9, "number_of_roots": 10},
    ]),
    ("CC2CappedCylinderStejskalTannerApproximation",
     "capped_cylinder_models.CC2CappedCylinderStejskalTannerApproximation", [{}]),
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
    if type(model).__name__ == "CC2CappedCylinderStejskalTannerApproximation":
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


def c2_spherical_mean_accuracy(doc):
    """Dmipy's rotational-harmonics spherical mean of C2 vs 400-point Gauss-Legendre quadrature of
    the same closed form over cos(theta); returns the worst relative error per scheme."""
    from scipy.special import j1

    nodes, weights = np.polynomial.legendre.leggauss(400)
    c, w = (nodes + 1) / 2, weights / 2
    worst = {}
    for case in doc["cases"]:
        if case["model"] != "C2CylinderStejskalTannerApproximation":
            continue
        sch = doc["schemes"][case["scheme"]]
        b = np.array(sch["bvalues"])
        tau = np.array(sch["Delta"]) - np.array(sch["delta"]) / 3
        lam, radius = case["params"]["lambda_par"], case["params"]["diameter"] / 2
        for i, bs in enumerate(sch["shell_bvalues"]):
            if bs == 0:
                continue
            q = np.sqrt(bs / tau[np.argmin(abs(b - bs))]) / (2 * np.pi)
            x = 2 * np.pi * q * radius * np.sqrt(1 - c**2)
            perp = (2 * j1(x) / x) ** 2
            exact = np.sum(w * np.exp(-bs * lam * c**2) * perp)
            rel = abs(case["spherical_mean"][i] / exact - 1)
            worst[case["scheme"]] = max(worst.get(case["scheme"], 0.0), rel)
    return worst


def normalised(s):
    """The same scheme with every non-zero direction scaled to exactly unit length, as dmipy-rs
    stores directions (the HCP file's vectors are off unit length by up to 1.1e-6)."""
    g = np.array(s.gradient_directions, dtype=float)
    norms = np.linalg.norm(g, axis=1)
    g[norms > 0] /= norms[norms > 0, None]
    return acquisition_scheme_from_bvalues(s.bvalues, g, delta=s.delta, Delta=s.Delta)


def main():
    schemes = {"hcp": normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()),
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
        "hcp scheme: Dmipy's wu_minn_hcp_acquisition_scheme() (delta = 0.0106 s, Delta = 0.0431 s), "
        "its gradient directions scaled to exactly unit length.",
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
    for name, cls_path, settings_list in MODELS_SPEC:
        module, cls = cls_path.split(".")
        cls = getattr(globals()[module], cls)
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
    acc = c2_spherical_mean_accuracy(doc)
    notes.append(
        "Accuracy of Dmipy's rotational-harmonics spherical means: for C2 they deviate from dense "
        "quadrature of the same closed form by up to "
        + ", ".join(f"{v:.1e} ({k})" for k, v in sorted(acc.items()))
        + " (relative); use them only as loose references for C2/C3/C4/CC2."
    )
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


# =============================================================================================
# Part 2 (--callaghan-sphere): an independent reference for the sphere in Callaghan's
# narrow-pulse eigenfunction expansion. NOT computed by Dmipy (Dmipy 1.0.5's version raises).
# =============================================================================================
#
# Narrow-pulse signal of spins in a reflecting sphere of radius a (Callaghan 1995, J. Magn. Reson.
# A 113:53-59, doi:10.1006/jmra.1995.1055, sphere case with zero wall relaxation), re-derived here
# from the Neumann eigenfunctions u_nkl = A_nk j_n(alpha_nk r / a) Y_nl, j_n'(alpha_nk) = 0:
#
#   E(q, t) = [3 j_1(x) / x]^2
#           + sum_{n>=0} sum_{k: alpha_nk>0} exp(-alpha_nk^2 D t / a^2)
#               6 (2n+1) alpha_nk^2 x^2 j_n'(x)^2 / ((alpha_nk^2 - n(n+1)) (alpha_nk^2 - x^2)^2),
#
# with x = 2 pi q a. The first term is the alpha_00 = 0 (uniform) mode, the long-time limit, equal
# to the Stejskal-Tanner sphere S2. The diffusion time t is taken as tau = Delta - delta/3, as Dmipy
# does for its other Callaghan models (C3, P3). Evaluated with mpmath at 30 digits; roots of j_n'
# bracketed on a grid and polished with mpmath.findroot; the series is cut where
# exp(-alpha^2 D t / a^2) < 1e-30, and each removable singularity alpha_nk = x is handled by
# evaluating at 30 digits (x never equals a root exactly for the q-values used).

CALLAGHAN_OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "callaghan_sphere.json",
)


def _mp():
    import mpmath

    mpmath.mp.dps = 30
    return mpmath


def sph_jn(mp, n, x):
    x = mp.mpf(x)
    return mp.sqrt(mp.pi / (2 * x)) * mp.besselj(n + mp.mpf(1) / 2, x)


def sph_jn_prime(mp, n, x):
    if n == 0:
        return -sph_jn(mp, 1, x)
    return sph_jn(mp, n - 1, x) - (n + 1) / mp.mpf(x) * sph_jn(mp, n, x)


_ROOTS = {}


def sph_jn_prime_roots(n, alpha_max):
    """All positive roots of j_n'(alpha) = 0 below alpha_max, to 30 digits (cached per n)."""
    from scipy.special import spherical_jn

    cached = _ROOTS.get(n)
    if cached is not None and cached[0] >= alpha_max:
        return [r for r in cached[1] if r < alpha_max]
    mp = _mp()
    grid = np.linspace(1e-6, alpha_max + 1.0, int((alpha_max + 1.0) * 200) + 2)
    f = spherical_jn(n, grid, derivative=True)
    roots = []
    for i in np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) < 0)[0]:
        if grid[i] < 0.5 and n >= 2:
            continue  # j_n'(x) ~ x^(n-1) near 0 is not an eigenvalue
        r = mp.findroot(lambda z: sph_jn_prime(mp, n, z), (grid[i], grid[i + 1]), solver="anderson")
        roots.append(r)
    _ROOTS[n] = (alpha_max, roots)
    return [r for r in roots if r < alpha_max]


def callaghan_sphere(q, t, diameter, D):
    """E(q, t) of the formula above, as an mpmath number (q in 1/m, t in s, diameter in m)."""
    mp = _mp()
    if q == 0:
        return mp.mpf(1)
    a = mp.mpf(diameter) / 2
    x = 2 * mp.pi * mp.mpf(q) * a
    damp = mp.mpf(D) * mp.mpf(t) / a**2
    alpha_max = float(mp.sqrt(69.1 / damp))  # exp(-alpha^2 damp) < 1e-30 beyond
    E = (3 * sph_jn(mp, 1, x) / x) ** 2
    n = 0
    while True:
        roots = sph_jn_prime_roots(n, alpha_max)
        if not roots:
            break  # the first root of j_n' exceeds n, so no larger n contributes either
        jp2 = sph_jn_prime(mp, n, x) ** 2
        for alpha in roots:
            a2 = alpha**2
            E += (mp.exp(-a2 * damp) * 6 * (2 * n + 1) * a2 * x**2 * jp2
                  / ((a2 - n * (n + 1)) * (a2 - x**2) ** 2))
        n += 1
    return E


def callaghan_signal(scheme, diameter, D):
    """Signal per measurement; evaluates each distinct (q, tau) once."""
    b = np.array(scheme["bvalues"])
    tau = np.array(scheme["Delta"]) - np.array(scheme["delta"]) / 3
    q = np.sqrt(b / tau) / (2 * np.pi)
    cache = {}
    out = []
    for qi, ti in zip(q, tau):
        key = (float(qi), float(ti))
        if key not in cache:
            cache[key] = callaghan_sphere(qi, ti, diameter, D)
        out.append(cache[key])
    return out, q, tau


def stejskal_tanner_sphere(q, diameter):
    mp = _mp()
    if q == 0:
        return mp.mpf(1)
    x = 2 * mp.pi * mp.mpf(q) * mp.mpf(diameter) / 2
    return (3 * sph_jn(mp, 1, x) / x) ** 2


def callaghan_checks(notes):
    """Physics-limit checks of the series; failures abort, results go into the notes."""
    mp = _mp()
    D = 1.7e-9
    # 1. long time: the series tends to the Stejskal-Tanner sphere [3 j1(x)/x]^2.
    worst = 0.0
    for d in (1e-6, 5e-6, 1e-5, 2e-5):
        for q in (1e4, 5e4, 1e5, 2e5):
            e = callaghan_sphere(q, 50.0, d, D)
            st = stejskal_tanner_sphere(q, d)
            worst = max(worst, float(abs(e / st - 1)))
    assert worst < 1e-20, worst
    notes.append(f"check: t = 50 s gives [3 j1(x)/x]^2 to relative {worst:.1e} (d 1-20 um, q 1e4-2e5 1/m)")
    # 2. short time in a large sphere: free diffusion exp(-(2 pi q)^2 D t) up to the wall effect
    #    (Mitra: D(t)/D = 1 - 4/(9 sqrt(pi)) (S/V) sqrt(D t), S/V = 3/a).
    d, t, q = 5e-5, 5e-3, 4e3  # sqrt(D t) / a = 0.12: the series needs ~900 roots here
    a = d / 2
    e = callaghan_sphere(q, t, d, D)
    dt = D * (1 - 4 / (9 * np.sqrt(np.pi)) * 3 / a * np.sqrt(D * t))
    free = np.exp(-(2 * np.pi * q) ** 2 * dt * t)
    rel = abs(float(e) / free - 1)
    assert rel < 5e-3, rel
    notes.append(f"check: d = 50 um, t = 5 ms, q = 4e3 1/m gives {float(e):.15g}; free diffusion "
                 f"with Mitra's short-time D(t) gives {free:.15g} (relative {rel:.1e})")
    # 3. small q at any time: -ln E / (2 pi q)^2 equals the Gaussian-phase (Murday & Cotts 1968,
    #    doi:10.1063/1.1669568) value in the narrow-pulse limit (delta = 1e-10 s, G delta = 2 pi q /
    #    gamma fixed); both are half the mean-square displacement along q, derived independently.
    worst = 0.0
    for d, t in ((8e-6, 0.02), (1.5e-5, 0.04), (2e-5, 0.005)):
        a = mp.mpf(d) / 2
        x = mp.mpf("1e-4")
        q = x / (2 * mp.pi * a)
        lhs = -mp.log(callaghan_sphere(q, t, d, D)) / (2 * mp.pi * q) ** 2
        delta = mp.mpf("1e-10")
        big = mp.mpf(t) + delta / 3
        acc = mp.mpf(0)
        for root in sph_jn_prime_roots(1, 400.0):
            al2 = (root / a) ** 2
            k = al2 * D
            acc += (2 * delta - (2 + mp.exp(-k * (big - delta)) - 2 * mp.exp(-k * delta)
                                 - 2 * mp.exp(-k * big) + mp.exp(-k * (big + delta))) / k) / (
                al2**2 * (al2 * a**2 - 2))
        rhs = 2 * acc / D / delta**2  # -ln E / (gamma G)^2 with gamma G delta = 2 pi q
        worst = max(worst, float(abs(lhs / rhs - 1)))
    assert worst < 1e-7, worst
    notes.append(f"check: small q (x = 1e-4) agrees with the narrow-pulse limit of the Murday-Cotts "
                 f"Gaussian-phase sphere to relative {worst:.1e} (d 8-20 um, t 5-40 ms)")
    notes.append("roots of j_n' agree with scipy.special.spherical_jn(n, x, derivative=True) sign "
                 "changes; j_1' first root " + mp.nstr(sph_jn_prime_roots(1, 3.0)[0], 20)
                 + " (tabulated 2.0815759778...)")


def dmipy_roundoff(notes):
    """How far Dmipy's closed-form values are from the same formulas at 30 digits (roundoff)."""
    mp = _mp()
    with open(OUT) as f:
        doc = json.load(f)
    worst = {}
    for c in doc["cases"]:
        model = c["model"]
        if model not in ("S2SphereStejskalTannerApproximation", "P2PlaneStejskalTannerApproximation"):
            continue
        sch = doc["schemes"][c["scheme"]]
        b = np.array(sch["bvalues"])
        tau = np.array(sch["Delta"]) - np.array(sch["delta"]) / 3
        q = np.sqrt(b / tau) / (2 * np.pi)
        d = c["params"]["diameter"]
        for qi, e in zip(q, c["signal"]):
            if qi == 0:
                continue
            if model.startswith("S2"):
                exact = stejskal_tanner_sphere(qi, d)
            else:
                x = 2 * mp.pi * mp.mpf(qi) * d
                exact = (mp.sin(x / 2) / (x / 2)) ** 2
            rel = float(abs(e / exact - 1))
            key = (model, "d=%g" % d)
            worst[key] = max(worst.get(key, 0.0), rel)
    for (model, d), w in sorted(worst.items()):
        if w > 1e-13:
            notes.append(f"Dmipy roundoff: {model} at {d} deviates from its own formula at 30 digits "
                         f"by up to {w:.1e} (relative; cancellation for small 2 pi q a)")
    return worst


def callaghan_main():
    with open(OUT) as f:
        base = json.load(f)
    schemes = base["schemes"]
    notes = [
        "NOT computed by Dmipy: Dmipy 1.0.5's _S3SphereCallaghanApproximation raises TypeError and, "
        "read as written, also uses roots of the cylindrical J_m' and a weight with n^2 - n instead "
        "of n(n+1). These values are computed by scripts/reference/dmipy1_compartments.py "
        "--callaghan-sphere from the narrow-pulse eigenfunction expansion of Callaghan 1995 "
        "(J. Magn. Reson. A 113:53-59, doi:10.1006/jmra.1995.1055), sphere, no wall relaxation: "
        "E = [3 j1(x)/x]^2 + sum_{n,k} exp(-alpha_nk^2 D tau / a^2) 6 (2n+1) alpha_nk^2 x^2 "
        "j_n'(x)^2 / ((alpha_nk^2 - n(n+1)) (alpha_nk^2 - x^2)^2), x = 2 pi q a, j_n'(alpha_nk) = 0, "
        "tau = Delta - delta/3 (as Dmipy's C3/P3), mpmath at 30 digits, series cut at "
        "exp(-alpha^2 D tau / a^2) < 1e-30 (converged; no root-count setting).",
        "Schemes are identical to dmipy1_compartments.json. settings.diffusion_constant is the "
        "intra-sphere diffusivity D (m^2/s). spherical_mean is the signal at each shell's q "
        "(the model is isotropic), in the order of shell_bvalues.",
    ]
    callaghan_checks(notes)
    rng = np.random.default_rng(zlib.crc32(b"S3SphereCallaghanApproximation"))
    diameters = [float("%.15g" % v) for v in rng.uniform(1e-6, 2e-5, size=5)]
    diameters += [1e-8, 2e-6, 2e-5]
    cases = []
    for scheme_name, sch in schemes.items():
        shell_b = np.array(sch["shell_bvalues"])
        for D in (1.7e-9, 1.0e-9):
            for d in (diameters if D == 1.7e-9 else diameters[:2]):
                signal, q, tau = callaghan_signal(sch, d, D)
                b = np.array(sch["bvalues"])
                smean = [signal[int(np.argmin(abs(b - sb)))] if sb > 0 else 1 for sb in shell_b]
                cases.append({
                    "model": "S3SphereCallaghanApproximation",
                    "settings": {"diffusion_constant": D},
                    "scheme": scheme_name,
                    "params": {"diameter": d},
                    "signal": [sig(v) for v in signal],
                    "spherical_mean": [sig(v) for v in smean],
                })
    dmipy_roundoff(notes)
    doc = {
        "source": (
            "scripts/reference/dmipy1_compartments.py --callaghan-sphere: independent reference "
            "computed by our script from Callaghan 1995 (not by Dmipy), mpmath "
            f"{importlib.metadata.version('mpmath')}, scipy {importlib.metadata.version('scipy')} "
            "(root brackets only), 15 significant digits, SI units."
        ),
        "schemes": schemes,
        "cases": cases,
        "notes": notes,
    }
    with open(CALLAGHAN_OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(len(cases), "cases;", os.path.getsize(CALLAGHAN_OUT), "bytes")
    for n in notes:
        print("NOTE:", n)


if __name__ == "__main__":
    if "--callaghan-sphere" in sys.argv:
        callaghan_main()
    else:
        main()
