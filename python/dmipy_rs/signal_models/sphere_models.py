"""Sphere compartments (Dmipy 1.x ``signal_models.sphere_models``): dot and restricted spheres.

Parameter: ``diameter`` (m). The restricted models need δ and Δ in the scheme.
"""

from ._base import CompartmentModel

__all__ = [
    "S1Dot",
    "S2SphereStejskalTannerApproximation",
    "S3SphereCallaghanApproximation",
    "S4SphereGaussianPhaseApproximation",
]


class S1Dot(CompartmentModel):
    """Dot: a sphere of zero radius, E = 1."""

    _core_name = "S1Dot"


class S2SphereStejskalTannerApproximation(CompartmentModel):
    """Sphere, short-pulse long-time limit (Balinov et al. 1993). Needs δ, Δ."""

    _core_name = "S2SphereStejskalTannerApproximation"
    _size_type = "sphere"


class S3SphereCallaghanApproximation(CompartmentModel):
    """Sphere, Callaghan's short-pulse model at finite diffusion time (Callaghan 1995; Dmipy's
    private ``_S3SphereCallaghanApproximation``).

    Settings: ``diffusion_constant`` (m²/s, default 1.7e-9), ``number_of_roots`` (20),
    ``number_of_functions`` (50). Needs δ, Δ.
    """

    _core_name = "S3SphereCallaghanApproximation"
    _size_type = "sphere"
    _settings = ("diffusion_constant", "number_of_roots", "number_of_functions")


class S4SphereGaussianPhaseApproximation(CompartmentModel):
    """Sphere, Gaussian phase approximation (Murday & Cotts 1968).

    Settings: ``diffusion_constant`` (m²/s, default 1.7e-9), ``number_of_roots`` (100).
    Needs δ, Δ.
    """

    _core_name = "S4SphereGaussianPhaseApproximation"
    _size_type = "sphere"
    _settings = ("diffusion_constant", "number_of_roots")
