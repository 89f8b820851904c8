"""Spherical means of measured signals (Dmipy 1.x ``utils.spherical_mean``), by the Rust core.

Each shell's mean is the l = 0 coefficient of a least-squares fit of real even spherical
harmonics to that shell's measurements (Fick et al. 2019, Front. Neuroinform. 13:64,
doi:10.3389/fninf.2019.00064, Sec. 2.4; Kaden et al. 2016, doi:10.1016/j.neuroimage.2016.06.002).
Dmipy fits order ``sh_order`` (default 6); the core fits the highest order (≤ 14) the shell's
directions determine with a well-conditioned fit, which is exact for any signal band-limited to
that order, so ``sh_order`` is accepted and not used.
"""

import numpy as np

from .. import _core
from ..core.acquisition_scheme import AcquisitionScheme, acquisition_scheme_from_bvalues

__all__ = ["estimate_spherical_mean_multi_shell", "estimate_spherical_mean_shell"]


def _means(scheme, signal):
    signal = np.asarray(signal, dtype=float)
    if signal.shape[-1:] != (len(scheme),):
        raise ValueError(
            f"the signal must have one value per measurement ({len(scheme)}) on its last axis, "
            f"got shape {signal.shape}"
        )
    rows = np.ascontiguousarray(signal.reshape(-1, len(scheme)))
    means = _core.data_spherical_means(scheme._core, rows)
    return means.reshape(signal.shape[:-1] + (means.shape[-1],))


def estimate_spherical_mean_multi_shell(E_attenuation, acquisition_scheme, sh_order=6):
    """The spherical mean of ``E_attenuation`` (..., N) on every shell of ``acquisition_scheme``,
    shape (..., number of shells), in the order of ``shell_bvalues`` (b0 shells: their mean)."""
    if not isinstance(acquisition_scheme, AcquisitionScheme):
        raise TypeError("expected a dmipy_rs AcquisitionScheme")
    del sh_order  # the core chooses the order from the directions (see the module docstring)
    return _means(acquisition_scheme, E_attenuation)


def estimate_spherical_mean_shell(E_shell, bvecs_shell, sh_order=6):
    """The spherical mean of ``E_shell`` (..., N) measured on one shell along the unit vectors
    ``bvecs_shell`` (N, 3); a number per voxel."""
    bvecs = np.asarray(bvecs_shell, dtype=float)
    del sh_order
    scheme = acquisition_scheme_from_bvalues(np.full(len(bvecs), 1e9), bvecs)
    return _means(scheme, E_shell)[..., 0]
