"""Plane compartments (Dmipy 1.x ``signal_models.plane_models``): diffusion between two planes.

Parameters: ``mu`` = [θ, φ] (rad), the plane normal, and ``diameter`` (m), the plane distance.
Unlike Dmipy, whose plane models have no orientation and restrict the whole q, these restrict
the component of q along the normal ``mu``; with ``mu`` along every gradient they equal Dmipy's.
Called without ``mu`` (neither fixed nor given), they are Dmipy's models: the signal depends on
|q| alone. Such an orientation-free plane cannot be combined with other compartments or used in
a spherical-mean model (``ValueError``, as Dmipy); fix its normal (``P2…(mu=[θ, φ])``) to do so.
The models need δ and Δ in the scheme.
"""

from ._base import CompartmentModel

__all__ = ["P2PlaneStejskalTannerApproximation", "P3PlaneCallaghanApproximation"]


class P2PlaneStejskalTannerApproximation(CompartmentModel):
    """Planes, short-pulse long-time limit (Balinov et al. 1993)."""

    _core_name = "P2PlaneStejskalTannerApproximation"
    _size_type = "plane"
    _orientation_optional = True


class P3PlaneCallaghanApproximation(CompartmentModel):
    """Planes, Callaghan's short-pulse model at finite diffusion time (Callaghan 1995).

    Settings: ``diffusion_constant`` (m²/s, default 1.7e-9), ``number_of_roots`` (40).
    """

    _core_name = "P3PlaneCallaghanApproximation"
    _size_type = "plane"
    _orientation_optional = True
    _settings = ("diffusion_constant", "number_of_roots")
