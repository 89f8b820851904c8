"""Independent spherical means of restricted cylinders (SciPy adaptive quadrature).

Used by the C2/C4 spherical-mean tests of dmipy-rs to decide between our Gauss-Legendre means and
Dmipy 1.0.5's rotational-harmonics estimates (fixture dmipy1_compartments.json), which differ by up
to ~1e-1 relative at b = 2e10 s/m^2.

The spherical mean of an axially symmetric kernel is (1/4pi) * integral over the sphere of E, i.e.
integral_0^1 E(c) dc with c = |cos(angle(g, axis))|. Kernels, all SI:
  C2 (Soderman & Jonsson 1995, doi:10.1006/jmra.1995.0014, eq. 6):
      E = exp(-b lambda_par c^2) * [2 J1(x)/x]^2,  x = 2 pi q R sqrt(1 - c^2)
  C4 (Van Gelderen et al. 1994, doi:10.1006/jmrb.1994.1038), roots u_k of J1' (scipy jnp_zeros):
      E = exp(-b lambda_par c^2) * exp(-2 gamma^2 G^2 (1 - c^2) S),
      S = sum_k [2 a d - 2 + 2 e^{-a d} + 2 e^{-a D} - e^{-a (D - d)} - e^{-a (D + d)}]
          / (Dperp^2 alpha^6 (R^2 alpha^2 - 1)),  alpha = u_k/R, a = alpha^2 Dperp
with q = sqrt(b/(Delta - delta/3))/(2 pi) and gamma G = 2 pi q / delta (as Dmipy derives them).
Run: /work/venvs/dmipy1/bin/python scripts/reference/restricted_spherical_means.py
Prints one line per case: model, b, diameter, lambda_par, mean (17 significant digits).
"""
import numpy as np
from scipy import integrate, special

DELTA, BIG_DELTA = 0.008, 0.02  # the fixture's "strong" scheme
TAU = BIG_DELTA - DELTA / 3


def q_of(b):
    return np.sqrt(b / TAU) / (2 * np.pi)


def c2_kernel(c, b, lam, diameter):
    x = 2 * np.pi * q_of(b) * diameter / 2 * np.sqrt(1 - c * c)
    perp = 1.0 if x == 0 else (2 * special.j1(x) / x) ** 2
    return np.exp(-b * lam * c * c) * perp


def c4_root_sum(radius, dperp=1.7e-9, n_roots=100):
    s = 0.0
    for u in special.jnp_zeros(1, n_roots):
        alpha = u / radius
        a = alpha**2 * dperp
        num = (2 * a * DELTA - 2 + 2 * np.exp(-a * DELTA) + 2 * np.exp(-a * BIG_DELTA)
               - np.exp(-a * (BIG_DELTA - DELTA)) - np.exp(-a * (BIG_DELTA + DELTA)))
        s += num / (dperp**2 * alpha**6 * (radius**2 * alpha**2 - 1))
    return s


def c4_kernel(c, b, lam, diameter):
    gamma_g = 2 * np.pi * q_of(b) / DELTA
    s = c4_root_sum(diameter / 2)
    return np.exp(-b * lam * c * c) * np.exp(-2 * gamma_g**2 * (1 - c * c) * s)


CASES = [
    ("C2", 2e10, 1.39500939790108e-6, 2.8892584430493704e-9),
    ("C2", 1e10, 1.39500939790108e-6, 2.8892584430493704e-9),
    ("C2", 2e10, 2e-5, 1.7e-9),
    ("C4", 2e10, 1.17430281246284e-5, 2.96229967759088e-9),
]

for model, b, d, lam in CASES:
    kernel = c2_kernel if model == "C2" else c4_kernel
    mean, err = integrate.quad(kernel, 0.0, 1.0, args=(b, lam, d), epsabs=0, epsrel=1e-13, limit=500)
    print(f"{model} b={b:.17g} diameter={d:.17g} lambda_par={lam:.17g} mean={mean:.17g} (quad err {err:.1e})")

# P2 plane mean closed form (Si(2a) - sin^2(a)/a)/a needs the sine integral Si:
for x in (5.0, 14.0):
    print(f"Si({x:g}) = {special.sici(x)[0]!r}")
