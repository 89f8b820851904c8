"""Cylinder compartments (Dmipy 1.x ``signal_models.cylinder_models``): stick and restricted cylinders.

Parameters: ``mu`` = [θ, φ] (rad), ``lambda_par`` (m²/s), ``diameter`` (m). The restricted models
need δ and Δ in the scheme.
"""

from ._base import CompartmentModel

__all__ = [
    "C1Stick",
    "C2CylinderStejskalTannerApproximation",
    "C3CylinderCallaghanApproximation",
    "C4CylinderGaussianPhaseApproximation",
]


class C1Stick(CompartmentModel):
    """Stick: a cylinder of zero radius, E = exp(−b λ∥ (n·μ)²) (Behrens et al. 2003)."""

    _core_name = "C1Stick"


class C2CylinderStejskalTannerApproximation(CompartmentModel):
    """Cylinder, short-pulse long-time limit (Söderman & Jönsson 1995). Needs δ, Δ."""

    _core_name = "C2CylinderStejskalTannerApproximation"
    _size_type = "cylinder"


class C3CylinderCallaghanApproximation(CompartmentModel):
    """Cylinder, Callaghan's short-pulse model at finite diffusion time (Callaghan 1995).

    Settings: ``diffusion_perpendicular`` (m²/s, default 1.7e-9), ``number_of_roots`` (20),
    ``number_of_functions`` (50). Needs δ, Δ.
    """

    _core_name = "C3CylinderCallaghanApproximation"
    _size_type = "cylinder"
    _settings = ("diffusion_perpendicular", "number_of_roots", "number_of_functions")


class C4CylinderGaussianPhaseApproximation(CompartmentModel):
    """Cylinder, Gaussian phase approximation (Van Gelderen et al. 1994).

    Settings: ``diffusion_perpendicular`` (m²/s, default 1.7e-9), ``number_of_roots`` (100).
    Needs δ, Δ.
    """

    _core_name = "C4CylinderGaussianPhaseApproximation"
    _size_type = "cylinder"
    _settings = ("diffusion_perpendicular", "number_of_roots")
