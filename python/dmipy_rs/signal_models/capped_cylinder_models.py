"""Capped cylinders (Dmipy 1.x ``signal_models.capped_cylinder_models``): a cylinder of finite length.

Parameters: ``mu`` = [θ, φ] (rad), ``diameter`` (m), ``length`` (m). Signal = perpendicular cylinder
term × parallel term of planes ``length`` apart, at |q∥| (Dmipy 1.0.5 applies the parallel term
only for one sign of q∥ and its CC3 cannot be constructed; both are right here). Needs δ and Δ.
The core's default settings are used (Dmipy's defaults).
"""

from ._base import CompartmentModel

__all__ = [
    "CC2CappedCylinderStejskalTannerApproximation",
    "CC3CappedCylinderCallaghanApproximation",
]


class CC2CappedCylinderStejskalTannerApproximation(CompartmentModel):
    """Capped cylinder, short-pulse long-time limit of both terms (Söderman & Jönsson 1995)."""

    _core_name = "CC2CappedCylinderStejskalTannerApproximation"


class CC3CappedCylinderCallaghanApproximation(CompartmentModel):
    """Capped cylinder, Callaghan's finite-diffusion-time terms (Callaghan 1995)."""

    _core_name = "CC3CappedCylinderCallaghanApproximation"
