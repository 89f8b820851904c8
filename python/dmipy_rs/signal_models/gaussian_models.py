"""Gaussian compartments (Dmipy 1.x ``signal_models.gaussian_models``): ball and zeppelins.

Parameters: ``mu`` = [θ, φ] (rad), diffusivities ``lambda_iso``, ``lambda_par``, ``lambda_perp``,
``lambda_inf`` (m²/s), ``A`` (m²).
"""

from ._base import CompartmentModel

__all__ = ["G1Ball", "G2Zeppelin", "G3TemporalZeppelin"]


class G1Ball(CompartmentModel):
    """Ball: isotropic Gaussian diffusion, E = exp(−b λ_iso)."""

    _core_name = "G1Ball"


class G2Zeppelin(CompartmentModel):
    """Zeppelin: axially symmetric tensor with λ∥ along μ and λ⊥ across it."""

    _core_name = "G2Zeppelin"


class G3TemporalZeppelin(CompartmentModel):
    """Zeppelin whose perpendicular diffusivity depends on diffusion time,
    λ⊥ = λ∞ + A (ln(Δ/δ) + 3/2)/(Δ − δ/3) (Burcaw et al. 2015). Needs δ, Δ."""

    _core_name = "G3TemporalZeppelin"
