"""Reference signals of Dmipy 1.0.5's Gamma-distributed compartments, as a JSON fixture for dmipy-rs.

How to run (from the repository root, with the Dmipy 1.0.5 virtualenv described in
scripts/reference/dmipy1_compartments.py):

    venv-dmipy1/bin/python scripts/reference/dmipy1_gamma.py

It writes crates/dmipy/tests/fixtures/dmipy1_gamma.json with, for each case, three signals on
Dmipy's WU-Minn HCP scheme:

- `dmipy_signal`: Dmipy's own `DD1GammaDistributed([model])(scheme, **params)`. Dmipy 1.0.5 draws
  the RADIUS R from Gamma(alpha, scale=beta), weights it by the compartment volume (pi R^2 for
  cylinders, 4/3 pi R^3 for spheres), samples 30 radii between interpolated 0.5 % / 99.5 %
  quantiles of that weighted density, renormalises on that grid and integrates with np.trapz, and
  evaluates the model at diameter = 2 R. Both the truncation and the 30-point trapezoid make it an
  approximation of the integral.
- `quad_signal`: the same integral done to ~1e-12 with SciPy's adaptive `quad_vec` over R, using
  Dmipy's own per-diameter signals `model(scheme, diameter=2R, ...)` and the exact weighted density
  Gamma(alpha + k, scale=beta) (k = 2 cylinder, 3 sphere), which is what R^k Gamma(alpha, beta)
  renormalised is. This is the value an exact implementation must reproduce.
- `dmipy_radii`: Dmipy's sampling grid [first radius, last radius, number of radii] (m).

The script checks quad_vec against a composite Simpson rule on 4001 points in ln R (agreement < 1e-8
asserted, printed per case). `max_rel_gap_dmipy_vs_quad` records max |dmipy - quad| / |quad| per case, the size of Dmipy's
discretisation error. Values are SI (b in s/m^2, sizes in m) and rounded to 15 significant digits.
"""

import importlib.metadata
import json
import os

import numpy as np
import scipy
from scipy import integrate, stats
from dmipy.data import saved_acquisition_schemes
from dmipy.distributions.distribute_models import DD1GammaDistributed
from dmipy.signal_models import cylinder_models, sphere_models

from dmipy1_compartments import normalised  # the HCP scheme with unit directions, as dmipy-rs stores it

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "crates", "dmipy", "tests", "fixtures", "dmipy1_gamma.json",
)

# (model name, class, volume exponent k, list of non-size parameter sets, list of (alpha, beta))
C4 = "C4CylinderGaussianPhaseApproximation"
S4 = "S4SphereGaussianPhaseApproximation"
CASES = [
    (C4, cylinder_models.C4CylinderGaussianPhaseApproximation, 2, [
        ({"mu": [0.3, 1.1], "lambda_par": 1.7e-9}, (4.0, 0.5e-6)),
        ({"mu": [1.4, -0.6], "lambda_par": 2.2e-9}, (1.5, 1.2e-6)),
        ({"mu": [2.5, 2.9], "lambda_par": 0.9e-9}, (12.0, 0.15e-6)),
        ({"mu": [1.57, 0.2], "lambda_par": 1.3e-9}, (0.5, 2.0e-6)),
        ({"mu": [0.9, -2.4], "lambda_par": 2.8e-9}, (25.0, 0.05e-6)),
    ]),
    (S4, sphere_models.S4SphereGaussianPhaseApproximation, 3, [
        ({}, (3.0, 1.0e-6)),
        ({}, (8.0, 0.3e-6)),
        ({}, (0.7, 1.5e-6)),
        ({}, (20.0, 0.2e-6)),
    ]),
]


def sig(x):
    """Rounds to 15 significant digits (as a Python float; JSON writes its shortest repr)."""
    return float("%.15g" % float(x))


def sig_list(a):
    return [sig(v) for v in np.ravel(a)]


def quad_signal(model, scheme, kernel_params, a, beta):
    """Integral of Gamma(R; a, beta) * model(diameter = 2R) dR to ~1e-12 with adaptive quad_vec."""
    dist = stats.gamma(a, scale=beta)
    lo, hi = dist.ppf(1e-16), dist.isf(1e-16)
    mode = max((a - 1.0) * beta, lo)
    sd = np.sqrt(a) * beta
    points = sorted({p for p in (mode - 2 * sd, mode, mode + 2 * sd) if lo < p < hi})

    def integrand(r):
        return dist.pdf(r) * model(scheme, diameter=2.0 * r, **kernel_params)

    value, err = integrate.quad_vec(
        integrand, lo, hi, epsabs=1e-15, epsrel=1e-13, norm="max", points=points, limit=2000)
    assert err < 1e-11, err
    # cross-check with a composite Simpson rule on 4001 points in ln R over the same interval
    # (R^(a-1) is not smooth at 0 for non-integer a, so a grid linear in R converges slowly)
    s = np.linspace(np.log(lo), np.log(hi), 4001)
    fine = integrate.simpson(np.array([np.exp(x) * integrand(np.exp(x)) for x in s]), x=s, axis=0)
    check = float(np.max(np.abs(fine - value) / np.abs(value)))
    assert check < 1e-8, check
    return value, check


def main():
    scheme = normalised(saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme())
    cases = []
    for name, cls, k, sets in CASES:
        model = cls()
        distributed = DD1GammaDistributed([model])
        names = list(distributed.parameter_names)
        for kernel_params, (alpha, beta) in sets:
            params = {f"{name}_1_{key}": value for key, value in kernel_params.items()}
            params["DD1Gamma_1_alpha"] = alpha
            params["DD1Gamma_1_beta"] = beta
            assert sorted(params) == sorted(names), (params, names)
            dmipy = distributed(scheme, **params)
            radii, _ = distributed.distribution(alpha=alpha, beta=beta)
            quad, check = quad_signal(model, scheme, kernel_params, alpha + k, beta)
            gap = float(np.max(np.abs(dmipy - quad) / np.abs(quad)))
            print(f"{name} alpha={alpha} beta={beta}: max rel gap Dmipy vs quad {gap:.3e}; "
                  f"quad vs 4001-point Simpson {check:.1e}")
            cases.append({
                "model": name,
                "settings": ({"diffusion_perpendicular": model.diffusion_perpendicular}
                             if name == C4 else {"diffusion_constant": model.diffusion_constant}),
                "parameter_names": names,
                "params": {key: (sig_list(v) if isinstance(v, list) else sig(v))
                           for key, v in params.items()},
                "dmipy_signal": sig_list(dmipy),
                "quad_signal": sig_list(quad),
                "dmipy_radii": [sig(radii[0]), sig(radii[-1]), len(radii)],
                "max_rel_gap_dmipy_vs_quad": sig(gap),
            })
    fixture = {
        "source": (f"dmipy {importlib.metadata.version('dmipy')}, numpy {np.__version__}, "
                   f"scipy {scipy.__version__}; written by scripts/reference/dmipy1_gamma.py"),
        "notes": [
            "Dmipy's DD1Gamma is a distribution of the RADIUS R (diameter = 2R), volume-weighted "
            "by R^2 (cylinders) or R^3 (spheres); alpha is dimensionless, beta in m.",
            "dmipy_signal: Dmipy's 30-point truncated trapezoid; quad_signal: SciPy quad_vec of "
            "the exact weighted Gamma density times Dmipy's per-diameter model signals.",
            "hcp scheme: Dmipy's wu_minn_hcp_acquisition_scheme() (delta = 0.0106 s, "
            "Delta = 0.0431 s).",
        ],
        "scheme": {
            "bvalues": sig_list(scheme.bvalues),
            "directions": [[sig(c) for c in row] for row in scheme.gradient_directions],
            "delta": sig_list(scheme.delta),
            "Delta": sig_list(scheme.Delta),
        },
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
