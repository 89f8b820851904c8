"""Distributions as density objects (Dmipy 1.x ``distributions.distributions``): ``SD1Watson`` and
``SD2Bingham`` on the sphere, ``DD1Gamma`` over radii, evaluated by the Rust core.

As in Dmipy, a distribution is built with optional fixed parameters and called with the rest::

    watson = SD1Watson(mu=[0.3, 1.1])
    density = watson(n=sphere_vertices, odi=0.2)      # (N,), in 1/sr; integrates to 1
    radii, pdf = DD1Gamma(alpha=2.0, beta=1e-6)()       # 30 radii (m) and their density (1/m)

The densities are exact (the Watson normalisation through Dawson's function, the Bingham one by
quadrature; Dmipy uses ``hyp1f1`` and a spline); units are SI.
"""

from collections import OrderedDict

import numpy as np

from .. import _core
from .._core import ParameterError

__all__ = ["SD1Watson", "SD2Bingham", "DD1Gamma", "odi2kappa", "kappa2odi"]

_MU_RANGE = ([0.0, np.pi], [-np.pi, np.pi])


def odi2kappa(odi):
    """κ = 1/tan(ODI·π/2) (Zhang et al. 2012, doi:10.1016/j.neuroimage.2012.03.072)."""
    return 1.0 / np.tan(np.asarray(odi, dtype=float) * (np.pi / 2.0))


def kappa2odi(kappa):
    """ODI = (2/π)·arctan(1/κ), the inverse of ``odi2kappa``."""
    return (2.0 / np.pi) * np.arctan(1.0 / np.asarray(kappa, dtype=float))


class _Density:
    """Fixed values at construction, overridden by call keywords; Dmipy's metadata."""

    _parameter_ranges = OrderedDict()
    _parameter_scales = OrderedDict()
    _parameter_types = OrderedDict()

    def __init__(self, **fixed):
        for name in self._parameter_ranges:
            setattr(self, name, fixed.get(name))

    def _value(self, name, kwargs):
        value = kwargs.get(name, getattr(self, name))
        if value is None:
            raise ParameterError(
                f"{type(self).__name__}: missing parameter '{name}'; "
                f"expected: {', '.join(self._parameter_ranges)}"
            )
        return value

    def _check_keywords(self, kwargs, allowed=()):
        unknown = sorted(set(kwargs) - set(self._parameter_ranges) - set(allowed))
        if unknown:
            raise ParameterError(
                f"{type(self).__name__}: unknown parameter '{unknown[0]}'; "
                f"expected: {', '.join(self._parameter_ranges)}"
            )

    @property
    def parameter_names(self):
        """Parameter names, in Dmipy's order."""
        return list(self._parameter_ranges)

    @property
    def parameter_ranges(self):
        """Bounds divided by the scale, as Dmipy."""
        return OrderedDict(self._parameter_ranges)

    @property
    def parameter_scales(self):
        """Typical magnitudes in SI, as Dmipy."""
        return OrderedDict(self._parameter_scales)

    @property
    def parameter_types(self):
        """Dmipy's parameter types."""
        return OrderedDict(self._parameter_types)

    @property
    def parameter_cardinality(self):
        """Number of values of every parameter (2 for ``mu``)."""
        return OrderedDict(
            (k, len(v) if isinstance(v[0], (list, tuple)) else 1)
            for k, v in self._parameter_ranges.items()
        )


def _directions(n):
    n = np.asarray(n, dtype=float)
    if n.shape[-1:] != (3,):
        raise ParameterError(f"n must have shape (3,) or (N, 3), got {n.shape}")
    return n, np.ascontiguousarray(n.reshape(-1, 3))


def _mu(value, name="mu"):
    mu = np.asarray(value, dtype=float).ravel()
    if mu.shape != (2,):
        raise ParameterError(f"{name} must be [theta, phi], got shape {np.shape(value)}")
    return [float(mu[0]), float(mu[1])]


def _scalar(value, name):
    array = np.asarray(value, dtype=float)
    if array.size != 1:
        raise ParameterError(f"{name} takes one value, got shape {array.shape}")
    return float(array.ravel()[0])


class SD1Watson(_Density):
    """The Watson distribution W(n) = exp(κ(μ·n)²) / (4π ₁F₁(½; 3/2; κ)), κ = 1/tan(ODI·π/2)
    (Mardia & Jupp 2000, Directional Statistics, eq. 9.4.21; Zhang et al. 2012, eq. 4), a
    density in 1/sr. Parameters ``mu`` = [θ, φ] (rad) and ``odi`` (0.02–0.99)."""

    _parameter_ranges = OrderedDict([("mu", _MU_RANGE), ("odi", (0.02, 0.99))])
    _parameter_scales = OrderedDict([("mu", np.r_[1.0, 1.0]), ("odi", 1.0)])
    _parameter_types = OrderedDict([("mu", "orientation"), ("odi", "normal")])

    def __init__(self, mu=None, odi=None):
        super().__init__(mu=mu, odi=odi)

    def __call__(self, n, **kwargs):
        """W at the unit vectors ``n`` ((3,) → a number, (N, 3) → (N,))."""
        self._check_keywords(kwargs)
        n, rows = _directions(n)
        params = _mu(self._value("mu", kwargs)) + [_scalar(self._value("odi", kwargs), "odi")]
        if odi2kappa(params[2]) < np.finfo(float).eps / 2:
            # κ below 2⁻⁵³ (ODI = 1 gives 6e-17): W = (1 + O(κ))/(4π) is 1/(4π) to the last bit.
            return np.full(n.shape[:-1], 1.0 / (4.0 * np.pi))
        density = _core.watson_pdf(params, rows)
        return density.reshape(n.shape[:-1])


class SD2Bingham(_Density):
    """The Bingham distribution B(n) ∝ exp(κ(μ·n)² + β(ν·n)²), κ = 1/tan(ODI·π/2), β =
    κ·beta_fraction, ν = R(θ, φ, ψ)·ŷ (Bingham 1974, doi:10.1214/aos/1176342874; Tariq et al.
    2016, doi:10.1016/j.neuroimage.2016.01.046), in 1/sr with its exact normalisation.
    Parameters ``mu`` = [θ, φ], ``psi`` (rad, 0–π), ``odi`` (0.02–0.99), ``beta_fraction``
    (0–1)."""

    _parameter_ranges = OrderedDict(
        [("mu", _MU_RANGE), ("psi", (0.0, np.pi)), ("odi", (0.02, 0.99)),
         ("beta_fraction", (0.0, 1.0))]
    )
    _parameter_scales = OrderedDict(
        [("mu", np.r_[1.0, 1.0]), ("psi", 1.0), ("odi", 1.0), ("beta_fraction", 1.0)]
    )
    _parameter_types = OrderedDict(
        [("mu", "orientation"), ("psi", "normal"), ("odi", "normal"),
         ("beta_fraction", "normal")]
    )

    def __init__(self, mu=None, psi=None, odi=None, beta_fraction=None):
        super().__init__(mu=mu, psi=psi, odi=odi, beta_fraction=beta_fraction)

    def __call__(self, n, **kwargs):
        """B at the unit vectors ``n`` ((3,) → a number, (N, 3) → (N,))."""
        self._check_keywords(kwargs)
        n, rows = _directions(n)
        params = _mu(self._value("mu", kwargs)) + [
            _scalar(self._value(k, kwargs), k) for k in ("psi", "odi", "beta_fraction")
        ]
        density = _core.bingham_pdf(params, rows)
        return density.reshape(n.shape[:-1])


class DD1Gamma(_Density):
    """Dmipy's Gamma distribution of radii R ~ Gamma(α, scale β), weighted by the volume of one
    compartment of radius R (``normalization``: 'standard' 1, 'plane' R, 'cylinder' R²,
    'sphere' R³), which makes it Gamma(α + k, β) (Assaf et al. 2008, doi:10.1002/mrm.21577,
    eq. 6). Parameters ``alpha`` (0.1–30) and ``beta`` (m, 1e-9–2e-6).

    Calling it returns Dmipy's discretisation: ``Nsteps`` equally spaced radii (m) between the
    0.5 % and 99.5 % quantiles of the weighted density (Dmipy finds its end points by a spline
    fit instead) and the density there (1/m), renormalised so that its trapezoid integral over
    the radii is 1, as Dmipy. The fitting core does not use this grid: it integrates exactly.
    """

    _parameter_ranges = OrderedDict([("alpha", (0.1, 30.0)), ("beta", (1e-3, 2.0))])
    _parameter_scales = OrderedDict([("alpha", 1.0), ("beta", 1e-6)])
    _parameter_types = OrderedDict([("alpha", "normal"), ("beta", "normal")])
    _normalizations = ("standard", "plane", "cylinder", "sphere")
    #: Tail mass left out on each side of the grid.
    _tail = 0.005

    def __init__(self, alpha=None, beta=None, Nsteps=30, normalization="standard"):
        if normalization not in self._normalizations:
            raise ParameterError(
                f"DD1Gamma: unknown normalization '{normalization}'; expected "
                f"{', '.join(self._normalizations)}"
            )
        if int(Nsteps) < 2:
            raise ParameterError(f"DD1Gamma: Nsteps must be at least 2, got {Nsteps}")
        super().__init__(alpha=alpha, beta=beta)
        self.Nsteps = int(Nsteps)
        self.normalization = normalization

    def pdf(self, radii, **kwargs):
        """The volume-weighted density (1/m) at ``radii`` (m), exactly normalised over (0, ∞)."""
        self._check_keywords(kwargs)
        alpha = _scalar(self._value("alpha", kwargs), "alpha")
        beta = _scalar(self._value("beta", kwargs), "beta")
        radii = np.asarray(radii, dtype=float)
        flat = np.ascontiguousarray(radii.ravel())
        return _core.gamma_pdf_radius(flat, alpha, beta, self.normalization).reshape(radii.shape)

    def _quantiles(self, alpha, beta):
        """The tail quantiles of the weighted density, from its cumulative trapezoid integral on
        a fine grid (relative error of the quantiles ~1e-6, far below the grid spacing)."""
        shape = alpha + self._normalizations.index(self.normalization)
        top = shape + 14.0 * np.sqrt(shape) + 40.0
        low_part = np.geomspace(1e-12, 1.0, 4000)[:-1] * min(1.0, top)
        u = np.unique(np.concatenate([[0.0], low_part, np.linspace(min(1.0, top), top, 40000)]))
        density = self.pdf(u * beta, alpha=alpha, beta=beta) * beta
        density[~np.isfinite(density)] = 0.0
        steps = 0.5 * (density[1:] + density[:-1]) * np.diff(u)
        cdf = np.concatenate([[0.0], np.cumsum(steps)])
        cdf /= cdf[-1]
        low, high = np.interp([self._tail, 1 - self._tail], cdf, u)
        return low * beta, high * beta

    def __call__(self, **kwargs):
        """(radii (Nsteps,) in m, density (Nsteps,) in 1/m with unit trapezoid integral)."""
        self._check_keywords(kwargs)
        alpha = _scalar(self._value("alpha", kwargs), "alpha")
        beta = _scalar(self._value("beta", kwargs), "beta")
        low, high = self._quantiles(alpha, beta)
        radii = np.linspace(low, high, self.Nsteps)
        density = self.pdf(radii, alpha=alpha, beta=beta)
        area = np.sum(0.5 * (density[1:] + density[:-1]) * np.diff(radii))  # NumPy 1.x too
        return radii, density / area
