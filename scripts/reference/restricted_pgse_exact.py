"""Exact finite-pulse PGSE signals of a slab, a cylinder and a sphere (matrix formalism).

Writes the fixture `crates/dmipy-sim/src/fixtures/restricted_pgse_exact.json` for the Monte-Carlo
tests in `crates/dmipy-sim/src/exact_tests.rs`. How to run (from the repository root, ~30 s):

    python3 -m venv /work/venvs/ref && /work/venvs/ref/bin/pip install numpy scipy
    /work/venvs/ref/bin/python scripts/reference/restricted_pgse_exact.py \
        --fixture crates/dmipy-sim/src/fixtures/restricted_pgse_exact.json --misst DIR

DIR holds the four `misst_*_radius_5um.txt` files of Disimpy 0.3.0's sdist (`pip download
--no-deps --no-binary :all: disimpy==0.3.0`, untar, `disimpy/tests/`). Without `--misst` an
existing fixture's "misst_check" is kept. MISST's data are only read; only our numbers are stored.

Physics. Bloch-Torrey, reflecting walls, uniform start: dm/dt = D lap m - i gamma G(t) x m.
In the Neumann eigenbasis u_n of -lap (eigenvalues lam_n, n = 0 the constant), m = sum c_n u_n,
dc/dt = -(D Lam + i gamma G(t) B) c with B_mn = <u_m|x|u_n>, c(0) = e_0, E = c_0(T). For a
piecewise-constant G this is the product of interval propagators of the matrix formalism
(Callaghan 1997, J Magn Reson 129:74; Grebenkov 2007, Rev Mod Phys 79:1077, MCF / matrix approach):
    E = [ prod_k exp(-(D Lam + i gamma G_k B) t_k) ]_00          (later intervals on the left),
PGSE: E = [exp(-(D Lam - i g G B) d) exp(-D Lam (Dl - d)) exp(-(D Lam + i g G B) d)]_00,
and exp(-(D Lam - i g G B) t) = conj(exp(-(D Lam + i g G B) t)) as Lam and B are real.
Bases (x from the centre, so parity makes E real; only the modes x couples to u_0):
  slab [-L/2, L/2]:  u_n ~ cos(n pi (x/L + 1/2)), lam = (n pi/L)^2, n >= 0;
  cylinder radius R: u_nk ~ J_n(a r/R) cos(n phi), J_n'(a) = 0 (a = 0 added for n = 0);
  sphere radius R:   u_lk ~ j_l(a r/R) P_l(cos theta), j_l'(a) = 0 (a = 0 added for l = 0);
  lam = a^2/R^2. B in closed form: from lap(x u) = x lap u + 2 d_x u and Green's identity (twice,
  Neumann walls), (lam_m - lam_n)^2 B_mn = (lam_m - lam_n) surf u_m u_n nu_x - 2 surf u_m d_nu d_x u_n,
  evaluated on the wall with the Bessel equation. This gives (s = sign J_n(a) J_{n+1}(b), resp. j_l)
  slab:     B_mn = -(2L/pi^2) c_m c_n [1/(m-n)^2 + 1/(m+n)^2] for m + n odd, c_0 = 1/sqrt2, c_n = 1
  cylinder: B = R sqrt(1+delta_n0) s (a^2+b^2-2n(n+1))/(a^2-b^2)^2 a/sqrt(a^2-n^2) b/sqrt(b^2-(n+1)^2)
            between orders n and n+1 (a/sqrt(a^2-n^2) := 1 for n = 0, a = 0 included)
  sphere:   B = R s 2(l+1)/sqrt((2l+1)(2l+3)) (a^2+b^2-2l(l+2))/(a^2-b^2)^2
            a/sqrt(a^2-l(l+1)) b/sqrt(b^2-(l+1)(l+2)) between l and l+1; R s sqrt2/(b sqrt(b^2-2))
            from the constant mode. Grebenkov 2007 (App.) and Grebenkov 2008 (Concepts Magn Reson A
            32:277) list the same elements dimensionless; the script checks them by quadrature.
Truncation: slab n pi < A; cylinder/sphere a_nk < A/(1 + n/2) in angular order n (the tail of E
falls like A^-5 and sits in the low orders). Every case records max|E(A) - E(A/2)| (< 1e-8).
b = (gamma G d)^2 (Dl - d/3), gamma = 2.6752218744e8 rad/s/T (CODATA 2018).

Independent checks, run every time (raise on failure):
  * B closed forms vs scipy quadrature of <u_m|x|u_n>;
  * Im E ~ 0 for an asymmetric zero-area waveform with the origin moved off-centre;
  * Gaussian phase (small G): -ln E/(gamma G)^2 -> S; S from Murday & Cotts 1968 (J Chem Phys
    48:4938, sphere), Neuman 1974 (J Chem Phys 60:4508, cylinder) and Robertson 1966 (Phys Rev
    151:273, slab): S = 2 sum_k F(D alpha_k^2) / (D^2 alpha_k^6 (R^2 alpha_k^2 - c)), c = 1 (cyl,
    alpha R a root of J_1'), 2 (sphere, root of j_1'); slab S = sum_{n odd} 8 L^6 F(D (n pi/L)^2)
    / (D^2 (n pi)^8); F(s) = 2 s d - 2 + 2e^{-s d} + 2e^{-s Dl} - e^{-s(Dl-d)} - e^{-s(Dl+d)};
  * narrow pulses, d -> 0 at fixed q = gamma G d/(2 pi), x = 2 pi q (L or R); the difference to
      slab (Tanner & Stejskal 1968, J Chem Phys 49:1768):
        E = 2(1-cos x)/x^2 + 4x^2 sum_n e^{-(n pi)^2 D Dl/L^2} (1-(-1)^n cos x)/(x^2-(n pi)^2)^2
      cylinder (Callaghan 1995, J Magn Reson A 113:53):
        E = (2J_1(x)/x)^2 + sum_{n,k} e^{-a^2 D Dl/R^2} w_n a^2/(a^2-n^2) (x J_n'(x))^2/(x^2-a^2)^2,
        w_0 = 4, w_n = 8, a > 0 roots of J_n'
      sphere (Callaghan 1995):
        E = (3j_1(x)/x)^2 + sum_{l,k} e^{-a^2 D Dl/R^2} 6(2l+1) a^2/(a^2-l(l+1)) (x j_l'(x))^2/(x^2-a^2)^2
    must shrink ~ d (d = 1e-5, 1e-6 s);
  * free limit: a 1 mm slab gives exp(-bD) to < 1e-3; cylinders/spheres approach it as 1/R;
  * the slab on a finite-volume grid (no eigenfunctions), Richardson-extrapolated in h;
  * mode convergence of every fixture case.
MISST (--misst): (a) our exact nominal signal vs the files, (b) the same matrix computation with
MISST's inputs (MMConstants / wave_form / MMroots defaults): gamma = 2.675987e8 both in G(b) and
in the phase, G rounded to multiples of gstep = 0.4 mT/m, lobes one tau = 1 us shorter than delta
at separation Delta, and its dimA = 20 eigenfunctions (cylinder: the 20 lowest roots of J_n';
sphere: 20 (l, m) entries, of which the m = 0 ones, l <= 4, couple to a z gradient), |E| as output.
"""
import argparse
import functools
import json
import os
import pathlib
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # 100-400 modes: BLAS threads only contend
import numpy as np  # noqa: E402
from scipy import integrate, linalg, optimize, special  # noqa: E402

GAMMA = 2.6752218744e8
MISST_GAMMA, MISST_GSTEP, MISST_TAU, MISST_DIMA = 2.675987e8, 0.04 / 100, 1e-6, 20


# ----------------------------------------------------------------------------- eigenbases
def cyl_roots(n, amax):
    """Roots a < amax of J_n'(a) = 0 (a = 0 included for n = 0)."""
    z = special.jnp_zeros(n, int(amax / np.pi) + n + 3) if amax > n else np.array([])
    z = list(z[z < amax])
    return [0.0] + z if n == 0 else z


@functools.lru_cache(maxsize=None)
def _sph_roots_upto(l, top):
    f = lambda x: special.spherical_jn(l, x, derivative=True)
    grid = np.arange(max(0.5, 0.9 * l), top + 0.05, 0.05)
    v = f(grid)
    return tuple(optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-15)
                 for i in np.nonzero(v[:-1] * v[1:] < 0)[0])


def sph_roots(l, amax):
    """Roots a < amax of j_l'(a) = 0, bracketed on a 0.05 grid, refined by brentq (cached)."""
    top = 100.0 * np.ceil(amax / 100.0)
    z = [a for a in _sph_roots_upto(l, top) if a < amax]
    return [0.0] + z if l == 0 else z


def slab_basis(L, acut):
    n = np.arange(int(acut / np.pi) + 1)
    c = np.where(n == 0, 1 / np.sqrt(2), 1.0)
    m, k = np.meshgrid(n, n, indexing="ij")
    with np.errstate(divide="ignore"):
        B = -(2 * L / np.pi**2) * np.outer(c, c) * (1.0 / (m - k) ** 2 + 1.0 / (m + k) ** 2)
    B[(m + k) % 2 == 0] = 0.0
    return dict(order=np.zeros_like(n), alpha=n * np.pi, lam=(n * np.pi / L) ** 2, B=B)


def _radial_basis(R, acut, roots, fn, offdiag, per_order=True):
    """Modes (n, a) with a < acut/(1+n/2) (or a < acut), and B from the closed form offdiag."""
    modes, n = [], 0
    while True:
        z = roots(n, acut / (1 + n / 2) if per_order else acut)
        if not z:
            break
        modes += [(n, a) for a in z]
        n += 1
    order = np.array([m[0] for m in modes])
    alpha = np.array([m[1] for m in modes])
    sign = np.sign(fn(order, alpha))  # u_nk = fn(n, a r/R) (angular part) / norm, norm > 0
    B = np.zeros((len(modes), len(modes)))
    for n in range(order.max()):
        i, j = np.nonzero(order == n)[0], np.nonzero(order == n + 1)[0]
        blk = R * np.outer(sign[i], sign[j]) * offdiag(n, alpha[i][:, None], alpha[j][None, :])
        B[np.ix_(i, j)], B[np.ix_(j, i)] = blk, blk.T
    return dict(order=order, alpha=alpha, lam=(alpha / R) ** 2, B=B)


def _cyl_offdiag(n, a, b):
    fa = 1.0 if n == 0 else a / np.sqrt(a * a - n * n)
    return (np.sqrt(2.0) if n == 0 else 1.0) * (a * a + b * b - 2 * n * (n + 1)) / (a * a - b * b) ** 2 \
        * fa * b / np.sqrt(b * b - (n + 1) ** 2)


def _sph_offdiag(l, a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        v = 2 * (l + 1) / np.sqrt((2 * l + 1) * (2 * l + 3)) * (a * a + b * b - 2 * l * (l + 2)) \
            / (a * a - b * b) ** 2 * a / np.sqrt(a * a - l * (l + 1)) * b / np.sqrt(b * b - (l + 1) * (l + 2))
    return np.where(a == 0.0, np.sqrt(2.0) / (b * np.sqrt(b * b - 2)), v)  # l = 0, constant mode


def basis(geometry, size, acut, per_order=True):
    if geometry == "slab":
        return slab_basis(size, acut)
    if geometry == "cylinder":
        return _radial_basis(size, acut, cyl_roots, special.jv, _cyl_offdiag, per_order)
    return _radial_basis(size, acut, sph_roots, special.spherical_jn, _sph_offdiag, per_order)


# ----------------------------------------------------------------------------- signals
def signal(bs, D, segments, gamma=GAMMA, shift=0.0):
    """E for a piecewise-constant waveform [(duration, G), ...] in time order (complex)."""
    lam, B = bs["lam"], bs["B"] + shift * np.eye(len(bs["lam"]))
    v = np.zeros(len(lam), complex)
    v[0] = 1.0
    cache = {}
    for dur, G in segments:
        if G == 0.0:
            v = np.exp(-D * lam * dur) * v
            continue
        key = (dur, abs(G))
        if key not in cache:
            cache[key] = linalg.expm(-(D * np.diag(lam) + 1j * gamma * abs(G) * B) * dur)
        P = cache[key] if G > 0 else cache[key].conj()  # exp(-(D Lam - i g G B) t) = conj(...)
        v = P @ v
    return v[0]


def g_of_b(b, delta, big_delta, gamma=GAMMA):
    return np.sqrt(b / (big_delta - delta / 3)) / (gamma * delta)


def pgse(bs, D, G, delta, big_delta, gamma=GAMMA):
    return signal(bs, D, [(delta, G), (big_delta - delta, 0.0), (delta, -G)], gamma)


def pgse_b(geometry, size, D, delta, big_delta, bvals, acut, per_order=True):
    bs = basis(geometry, size, acut, per_order)
    return np.array([pgse(bs, D, g_of_b(b, delta, big_delta), delta, big_delta).real
                     if b > 0 else 1.0 for b in bvals])


# ----------------------------------------------------------------------------- references
def gpa_coefficient(geometry, size, D, d, Dl, nroots=2000):
    """S with ln E = -(gamma G)^2 S in the Gaussian phase approximation (see module doc)."""
    if geometry == "slab":
        n = np.arange(1, 2 * nroots, 2.0)
        w, s = 8 * size**2 / (n * np.pi) ** 4, D * (n * np.pi / size) ** 2
    else:
        if geometry == "cylinder":
            u, c = special.jnp_zeros(1, nroots), 1.0
        else:
            u, c = np.array(sph_roots(1, np.pi * (nroots + 1))), 2.0
        w, s = 2 * size**2 / (u**2 * (u**2 - c)), D * (u / size) ** 2
    F = (2 * s * d - 2 + 2 * np.exp(-s * d) + 2 * np.exp(-s * Dl)
         - np.exp(-s * (Dl - d)) - np.exp(-s * (Dl + d))) / s**2
    return np.sum(w * F)


def narrow_pulse(geometry, size, D, q, Dl, amax=80.0):
    """Narrow-pulse eigenmode sums (Tanner & Stejskal 1968; Callaghan 1995), see module doc."""
    x = 2 * np.pi * q * size
    if geometry == "slab":
        n = np.arange(1, 400)
        return 2 * (1 - np.cos(x)) / x**2 + 4 * x**2 * np.sum(
            np.exp(-((n * np.pi) ** 2) * D * Dl / size**2) * (1 - (-1.0) ** n * np.cos(x))
            / (x**2 - (n * np.pi) ** 2) ** 2)
    cyl = geometry == "cylinder"
    E = (2 * special.j1(x) / x) ** 2 if cyl else (3 * special.spherical_jn(1, x) / x) ** 2
    for n in range(int(amax)):
        a = np.array([r for r in (cyl_roots(n, amax) if cyl else sph_roots(n, amax)) if r > 0])
        if a.size == 0:
            break
        if cyl:
            w, dj = (4.0 if n == 0 else 8.0) * a**2 / (a**2 - n * n), special.jvp(n, x)
        else:
            w, dj = 6 * (2 * n + 1) * a**2 / (a**2 - n * (n + 1)), special.spherical_jn(n, x, True)
        E += np.sum(np.exp(-a**2 * D * Dl / size**2) * w * (x * dj) ** 2 / (x**2 - a**2) ** 2)
    return E


# ----------------------------------------------------------------------------- self-checks
def require(ok, what):
    if not ok:
        raise SystemExit(f"SELF-CHECK FAILED: {what}")


def check_b_matrices():
    worst = 0.0
    quad = lambda f, a, b: integrate.quad(f, a, b, epsabs=1e-15, epsrel=1e-12, limit=400)[0]
    sl = slab_basis(1.0, 30.0)
    for m, n in [(0, 1), (1, 2), (0, 3), (2, 5), (3, 2)]:
        u = lambda k, x: np.sqrt(2.0 if k else 1.0) * np.cos(k * np.pi * (x + 0.5))
        worst = max(worst, abs(quad(lambda x: u(m, x) * x * u(n, x), -0.5, 0.5) - sl["B"][m, n]))
    for geo, fn in [("cylinder", special.jv), ("sphere", special.spherical_jn)]:
        bs, cyl = basis(geo, 1.0, 14.0, per_order=False), geo == "cylinder"
        w = 1 if cyl else 2  # radial weight r^w

        def norm(n, a):
            radial = quad(lambda r: fn(n, a * r) ** 2 * r**w, 0, 1) if a > 0 else 1 / (w + 1)
            return np.sqrt(radial * (np.pi * (1 + (n == 0)) if cyl else 4 * np.pi / (2 * n + 1)))

        for i in range(len(bs["alpha"])):
            n, a = bs["order"][i], bs["alpha"][i]
            # angular integral of x: cos(n phi) cos(phi) cos((n+1) phi), or 2 pi P_l mu P_{l+1}
            ang = np.pi * (1 + (n == 0)) / 2 if cyl else 4 * np.pi * (n + 1) / ((2 * n + 1) * (2 * n + 3))
            for j in np.nonzero(bs["order"] == n + 1)[0][:3]:
                b = bs["alpha"][j]
                num = quad(lambda r: fn(n, a * r) * fn(n + 1, b * r) * r ** (w + 1), 0, 1) * ang
                worst = max(worst, abs(num / (norm(n, a) * norm(n + 1, b)) - bs["B"][i, j]))
    print(f"B closed forms vs quadrature (unit size): max |diff| = {worst:.1e}")
    require(worst < 1e-9, "B-matrix closed forms")


def check_imaginary():
    worst = 0.0
    for geo, size in [("slab", 8e-6), ("cylinder", 5e-6), ("sphere", 5e-6)]:
        bs = basis(geo, size, 40.0)
        G = 0.2
        segs = [(2e-3, G), (1e-3, -0.5 * G), (3e-3, 0.0), (0.5e-3, -2 * G), (1e-3, -0.5 * G)]  # zero area
        E = signal(bs, 1e-9, segs, shift=size / 3)  # origin off-centre: phases must cancel
        worst = max(worst, abs(E.imag))
    print(f"Im E, asymmetric zero-area waveform, origin off-centre: max {worst:.1e}")
    require(worst < 1e-12, "imaginary part")


def check_gpa():
    D, d, Dl = 1e-9, 5e-3, 10e-3
    for geo, size in [("slab", 8e-6), ("cylinder", 5e-6), ("sphere", 5e-6)]:
        S = gpa_coefficient(geo, size, D, d, Dl)
        bs = basis(geo, size, 80.0)
        f = {}
        for att in (1e-3, 2.5e-4):
            gG = np.sqrt(att / S)
            f[att] = -np.log(pgse(bs, D, gG / GAMMA, d, Dl).real) / gG**2
        rich = (4 * f[2.5e-4] - f[1e-3]) / 3  # f = S + c G^2 + O(G^4)
        r_raw, r_rich = f[1e-3] / S - 1, rich / S - 1
        print(f"GPA {geo:8s}: S = {S:.12e}; -lnE/(gG)^2 at 1-E~1e-3: rel {r_raw:+.2e}; "
              f"Richardson (1e-3, 2.5e-4): rel {r_rich:+.2e}")
        require(abs(r_rich) < 1e-6 and abs(r_raw) < 1e-2, f"GPA limit {geo}")


def check_narrow_pulse():
    D, Dl = 1e-9, 10e-3
    for geo, size, x in [("slab", 8e-6, 5.0), ("cylinder", 5e-6, 2.5), ("sphere", 5e-6, 2.5)]:
        q = x / (2 * np.pi * size)
        Enp = narrow_pulse(geo, size, D, q, Dl)
        bs = basis(geo, size, 80.0)
        diffs = [pgse(bs, D, 2 * np.pi * q / (GAMMA * d), d, Dl).real - Enp for d in (1e-5, 1e-6)]
        print(f"narrow pulse {geo:8s}: E_np = {Enp:.10f}; E(d=1e-5) - E_np = {diffs[0]:+.3e}, "
              f"E(d=1e-6) - E_np = {diffs[1]:+.3e} (ratio {diffs[0] / diffs[1]:.2f})")
        require(abs(diffs[1]) < 1e-4 and 8 < diffs[0] / diffs[1] < 12, f"narrow-pulse limit {geo}")


def check_free():
    D, d, Dl = 1e-9, 1e-3, 2e-3
    E = pgse_b("slab", 1e-3, D, d, Dl, [0.2 / D], 1200.0)[0]
    print(f"free limit slab L = 1 mm, bD = 0.2: |E - exp(-bD)| = {abs(E - np.exp(-0.2)):.1e}")
    require(abs(E - np.exp(-0.2)) < 1e-3, "free limit slab")
    for geo in ("cylinder", "sphere"):  # all orders up to a = 50 (kR = 4.3 and 8.7)
        dev = [abs(pgse_b(geo, R, D, d, Dl, [0.05 / D], 50.0, False)[0] - np.exp(-0.05))
               for R in (25e-6, 50e-6)]
        print(f"free limit {geo:8s} bD = 0.05: |E - exp(-bD)| = {dev[0]:.2e} (R = 25 um), "
              f"{dev[1]:.2e} (R = 50 um), ratio {dev[0] / dev[1]:.2f} (surface term ~ 1/R)")
        require(dev[1] < 1.5e-3 and 1.6 < dev[0] / dev[1] < 2.4, f"free limit {geo}")


def check_finite_volume_slab():
    """Same slab problem on a cell grid (no eigenfunctions): 2nd order, Richardson in h."""
    L, D, d, Dl, b = 8e-6, 1e-9, 5e-3, 10e-3, 3e9
    G = g_of_b(b, d, Dl)
    fv = []
    for N in (200, 400):
        x = (np.arange(N) + 0.5) * L / N - L / 2
        lap = (np.diag(-2.0 * np.ones(N)) + np.diag(np.ones(N - 1), 1) + np.diag(np.ones(N - 1), -1))
        lap[0, 0] = lap[-1, -1] = -1.0  # zero flux through the walls
        P = linalg.expm((D * lap / (L / N) ** 2 - 1j * GAMMA * G * np.diag(x)) * d)
        m = P.conj() @ (linalg.expm(D * lap / (L / N) ** 2 * (Dl - d)) @ (P @ np.ones(N)))
        fv.append(m.mean().real)
    diff = (4 * fv[1] - fv[0]) / 3 - pgse_b("slab", L, D, d, Dl, [b], ACUT["slab"])[0]
    print(f"finite-volume slab (N = 200, 400, Richardson) - matrix formalism: {diff:+.1e}")
    require(abs(diff) < 1e-8, "finite-volume slab")


# ----------------------------------------------------------------------------- fixture
ACUT = {"slab": 400.0, "cylinder": 240.0, "sphere": 240.0}  # halved for truncation_change


def case(name, geo, size, D, d, Dl, bvals=None, target=0.15, nb=6, derivatives=False):
    """One fixture case; b from 0 to b(E = target) (3 significant digits, rounded down). With
    `derivatives`, also dE/d(size) and dE/dD by central differences at +-1e-4 relative (the
    truncation error is O(1e-8) relative; the mode set, cut in dimensionless alpha, is the same on
    both sides, so the differences are smooth)."""
    if bvals is None:
        bs = basis(geo, size, 40.0)
        f = lambda lb: pgse(bs, D, g_of_b(np.exp(lb), d, Dl), d, Dl).real - target
        b_t = np.exp(optimize.brentq(f, np.log(1e8), np.log(1e13), xtol=1e-6))
        e10 = 10.0 ** np.floor(np.log10(b_t) - 2)
        bvals = np.linspace(0.0, np.floor(b_t / e10) * e10, nb)
    bvals = [float(b) for b in bvals]
    full = pgse_b(geo, size, D, d, Dl, bvals, ACUT[geo])
    half = pgse_b(geo, size, D, d, Dl, bvals, ACUT[geo] / 2)
    change = float(np.max(np.abs(full - half)))
    gmax = g_of_b(bvals[-1], d, Dl)
    print(f"{name:38s} b_max = {bvals[-1]:.3g}  G_max = {gmax:.3f} T/m  E_min = {full[-1]:.6f}  "
          f"modes {len(basis(geo, size, ACUT[geo])['lam'])}  truncation change {change:.1e}")
    require(change < 1e-8 and full[-1] >= 0.1, f"convergence / signal floor of {name}")
    full[0] = 1.0
    out = dict(name=name, geometry=geo, size=size, diffusivity=D, delta=d, big_delta=Dl,
               bvalues=bvals, signal=[float(e) for e in full], truncation_change=change)
    if derivatives:
        h = 1e-4
        e = lambda L, DD: pgse_b(geo, L, DD, d, Dl, bvals, ACUT[geo])
        ds = (e(size * (1 + h), D) - e(size * (1 - h), D)) / (2 * h * size)
        dD = (e(size, D * (1 + h)) - e(size, D * (1 - h))) / (2 * h * D)
        ds[0] = dD[0] = 0.0
        out.update(d_signal_d_size=[float(x) for x in ds],
                   d_signal_d_diffusivity=[float(x) for x in dD])
    return out


def fixture_cases():
    out = []
    for geo, size in [("slab", 8e-6), ("cylinder", 3e-6), ("cylinder", 5e-6),
                      ("sphere", 3e-6), ("sphere", 5e-6)]:
        for d, Dl in [(5e-3, 10e-3), (10e-3, 15e-3)]:
            tag = f"{'L' if geo == 'slab' else 'R'}{size * 1e6:.0f}um_d{d * 1e3:.0f}ms_D{Dl * 1e3:.0f}ms"
            out.append(case(f"{geo}_{tag}", geo, size, 1e-9, d, Dl, derivatives=True))
    for geo in ("cylinder", "sphere"):
        for d in (30e-3, 1e-3):
            out.append(case(f"misst_nominal_{geo}_R5um_d{d * 1e3:.0f}ms_D40ms", geo, 5e-6, 2e-9,
                            d, 40e-3, bvals=np.linspace(0.0, 3e9, 8)))
    return out


# ----------------------------------------------------------------------------- MISST
def misst_modes(geo):
    """MISST's dimA = 20 eigenfunctions (MMroots: sorted by root; a sphere root of order l is
    listed 2l+1 times, m = 0 first), restricted to those a z gradient couples (m = 0)."""
    full = basis(geo, 5e-6, 20.0, per_order=False)
    idx = np.argsort(full["alpha"], kind="stable")
    reps = np.ones(len(idx), int) if geo == "cylinder" else 2 * full["order"][idx] + 1
    keep = idx[np.cumsum(reps) - reps < MISST_DIMA]  # entries whose m = 0 copy is among 20
    keep = np.sort(keep)
    listed = [0, 1, 2, 0, 3, 4, 1, 5, 2, 0, 6, 3, 1, 7, 4, 8, 2, 0, 5, 9] if geo == "cylinder" \
        else [0, 1, 2, 0, 3, 4]  # orders of MMroots' first 20 entries (m = 0 ones for the sphere)
    by_root = full["order"][keep][np.argsort(full["alpha"][keep], kind="stable")]
    require(list(by_root) == listed, f"MISST mode list {geo}")
    return dict(order=full["order"][keep], alpha=full["alpha"][keep], lam=full["lam"][keep],
                B=full["B"][np.ix_(keep, keep)])


def misst_check(directory):
    D, R, Dl = 2e-9, 5e-6, 40e-3
    b = np.linspace(1.0, 3e9, 100)
    out = {"inputs": "D = 2e-9 m^2/s, R = 5 um, Delta = 40 ms, b = linspace(1, 3e9, 100) s/m^2; "
                     "(a) exact, nominal inputs (gamma = 2.6752218744e8, G = sqrt(b/(Delta-delta/3))"
                     "/(gamma delta)); (b) exact with MISST's inputs: gamma = 2.675987e8 for G(b) "
                     "and the phase, G rounded to multiples of gstep = 0.4 mT/m, lobes delta - 1 us "
                     "long at separation Delta (wave_form at tau = 1 us), and MISST's dimA = 20 "
                     "eigenfunctions (cylinder: 20 lowest J_n' roots; sphere: the m = 0 modes among "
                     "its 20 (l, m) entries, l <= 4, a z gradient)"}
    for geo in ("cylinder", "sphere"):
        for d in (30e-3, 1e-3):
            fname = f"misst_{geo}_signal_smalldelta_{d * 1e3:.0f}ms_bigdelta_40ms_radius_5um.txt"
            ref = np.loadtxt(pathlib.Path(directory) / fname)
            nominal = pgse_b(geo, R, D, d, Dl, b, ACUT[geo] / 2)
            mb = misst_modes(geo)
            G = np.round(g_of_b(b, d, Dl, MISST_GAMMA) / MISST_GSTEP) * MISST_GSTEP
            dd = d - MISST_TAU
            emul = np.array([abs(signal(mb, D, [(dd, g), (Dl - dd, 0.0), (dd, -g)], MISST_GAMMA))
                             for g in G])
            a, bb = float(np.max(np.abs(nominal - ref))), float(np.max(np.abs(emul - ref)))
            print(f"MISST {fname}: (a) max|E_nominal - MISST| = {a:.2e}, "
                  f"(b) max|E_MISST-inputs - MISST| = {bb:.2e} ({len(mb['lam'])} modes)")
            require(bb < 5e-6, f"MISST emulation {fname}")
            out[fname] = {"nominal_max_abs_diff": a, "misst_inputs_max_abs_diff": bb}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixture", help="write the JSON fixture here")
    ap.add_argument("--misst", help="directory with Disimpy's misst_*_radius_5um.txt files")
    args = ap.parse_args()
    t0 = time.time()
    check_b_matrices()
    check_imaginary()
    check_gpa()
    check_narrow_pulse()
    check_free()
    check_finite_volume_slab()
    cases = fixture_cases()
    misst = misst_check(args.misst) if args.misst else None
    if args.fixture:
        path = pathlib.Path(args.fixture)
        if misst is None and path.exists():
            misst = json.loads(path.read_text()).get("misst_check")
            print("kept the existing fixture's misst_check (no --misst given)")
        cmd = "scripts/reference/restricted_pgse_exact.py --fixture " + args.fixture
        fx = {"generated_by": cmd + (" --misst DIR" if args.misst else ""), "gamma": GAMMA,
              "cases": cases, "misst_check": misst}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(fx, indent=1) + "\n")
        print(f"wrote {path} ({len(cases)} cases)")
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
