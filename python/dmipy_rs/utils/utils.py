"""Coordinate conversions with Dmipy's conventions, vectorised over any leading shape.

Spherical coordinates are ``[r, theta, phi]`` with inclination ``theta`` in [0, π] from +z and
azimuth ``phi`` in [-π, π] from +x; orientations ``mu = [theta, phi]`` are unit vectors
``(sinθ cosφ, sinθ sinφ, cosθ)``.
"""

import numpy as np

__all__ = ["sphere2cart", "cart2sphere", "unitsphere2cart_Nd", "cart2mu"]


def _last_axis(array, size, name):
    array = np.asarray(array, dtype=float)
    if array.ndim == 0 or array.shape[-1] != size:
        raise ValueError(f"{name} must have shape (..., {size}), got {array.shape}")
    return array


def sphere2cart(spherical_coordinates):
    """``[r, theta, phi]`` (..., 3) to ``[x, y, z]`` (..., 3)."""
    rtp = _last_axis(spherical_coordinates, 3, "spherical coordinates")
    r, theta, phi = rtp[..., 0], rtp[..., 1], rtp[..., 2]
    sin_theta = np.sin(theta)
    return np.stack(
        [r * sin_theta * np.cos(phi), r * sin_theta * np.sin(phi), r * np.cos(theta)], axis=-1
    )


def cart2sphere(cartesian_coordinates):
    """``[x, y, z]`` (..., 3) to ``[r, theta, phi]`` (..., 3); the origin gets theta = 0."""
    xyz = _last_axis(cartesian_coordinates, 3, "cartesian coordinates")
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    r = np.sqrt(x**2 + y**2 + z**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = np.where(r > 0, np.arccos(np.clip(z / np.where(r > 0, r, 1.0), -1.0, 1.0)), 0.0)
    return np.stack([r, theta, np.arctan2(y, x)], axis=-1)


def unitsphere2cart_Nd(mu):
    """Orientations ``[theta, phi]`` (..., 2) to unit vectors (..., 3)."""
    mu = _last_axis(mu, 2, "mu")
    ones = np.ones(mu.shape[:-1])
    return sphere2cart(np.stack([ones, mu[..., 0], mu[..., 1]], axis=-1))


def cart2mu(xyz):
    """Vectors (..., 3) to orientations ``[theta, phi]`` (..., 2)."""
    return cart2sphere(xyz)[..., 1:]
