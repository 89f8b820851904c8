"""Acquisition schemes that ship with dmipy_rs."""

from .. import _core
from ..core.acquisition_scheme import AcquisitionScheme

__all__ = ["wu_minn_hcp_acquisition_scheme"]


def wu_minn_hcp_acquisition_scheme():
    """The WU-Minn Human Connectome Project scheme (288 measurements: 18 b0 and 90 directions on
    each of b = 1000, 2000, 3000 s/mm²; δ = 10.6 ms, Δ = 43.1 ms), as in Dmipy 1.x."""
    return AcquisitionScheme(_core.hcp_wu_minn())
