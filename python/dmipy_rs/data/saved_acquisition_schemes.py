"""Acquisition schemes that ship with dmipy_rs."""

import numpy as np

from .. import _core
from ..core.acquisition_scheme import (
    AcquisitionScheme,
    acquisition_scheme_from_gradient_strengths,
)

__all__ = ["wu_minn_hcp_acquisition_scheme", "duval_cat_spinal_cord_2d_acquisition_scheme"]

#: The nine (Δ, δ, TE) pairs (s) of the 2-D q-space protocol of Duval et al. 2015 (cat spinal
#: cord, 7 T small-animal scanner), in acquisition order.
_DUVAL_2D_TIMINGS = (
    (0.007, 0.003, 0.036152),
    (0.012, 0.008, 0.046152),
    (0.015, 0.008, 0.046152),
    (0.020, 0.008, 0.046152),
    (0.025, 0.008, 0.047288),
    (0.030, 0.008, 0.052288),
    (0.035, 0.008, 0.057288),
    (0.040, 0.003, 0.057288),
    (0.040, 0.008, 0.062288),
)
#: Largest gradient strength of the protocol (T/m), along the in-plane diagonals.
_DUVAL_2D_G_MAX = 0.848528


def wu_minn_hcp_acquisition_scheme():
    """The WU-Minn Human Connectome Project scheme (288 measurements: 18 b0 and 90 directions on
    each of b = 1000, 2000, 3000 s/mm²; δ = 10.6 ms, Δ = 43.1 ms), as in Dmipy 1.x."""
    return AcquisitionScheme(_core.hcp_wu_minn())


def duval_cat_spinal_cord_2d_acquisition_scheme():
    """The 2-D q-space scheme of the cat spinal-cord data in Dmipy (Duval et al. 2015,
    NeuroImage 118:494, doi:10.1016/j.neuroimage.2015.06.018): 1791 measurements, 199 for each
    of nine (Δ, δ, TE) pairs: 4 b0s, then two q-space lines through the origin in the xy plane,
    along (−1, −1, 0)/√2 → (1, 1, 0)/√2 (100 points) and (1, −1, 0)/√2 → (−1, 1, 0)/√2 (the
    first 95 of 100 points), with |G| = G_max (2k + 1)/99, k = 0…49, G_max = 0.848528 T/m.

    Built from the protocol, not read from a file: the gradient strengths of Dmipy's scheme file
    agree with these to ≤ 6e-6 T/m (it rounds to 5–6 digits). b0 directions are [1, 0, 0], as in Dmipy."""
    half = _DUVAL_2D_G_MAX * (2 * np.arange(50) + 1) / 99.0
    line = np.concatenate([half[::-1], half])  # from +G_max through 0 to +G_max (sign in dir)
    d1 = np.array([1.0, 1.0, 0.0]) / np.sqrt(2.0)
    d2 = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
    sign = np.concatenate([-np.ones(50), np.ones(50)])
    directions = np.vstack(
        [np.tile([1.0, 0.0, 0.0], (4, 1)), sign[:, None] * d1, (-sign[:, None] * d2)[:95]]
    )
    strengths = np.concatenate([np.zeros(4), line, line[:95]])
    n = len(strengths)
    G = np.tile(strengths, len(_DUVAL_2D_TIMINGS))
    bvecs = np.tile(directions, (len(_DUVAL_2D_TIMINGS), 1))
    Delta, delta, TE = (np.repeat([t[k] for t in _DUVAL_2D_TIMINGS], n) for k in range(3))
    return acquisition_scheme_from_gradient_strengths(G, bvecs, delta, Delta, TE)
