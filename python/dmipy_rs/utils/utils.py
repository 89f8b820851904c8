"""Coordinate conversions, rotations and the tortuosity link with Dmipy's conventions.

Spherical coordinates are ``[r, theta, phi]`` with inclination ``theta`` in [0, π] from +z and
azimuth ``phi`` in [-π, π] from +x; orientations ``mu = [theta, phi]`` are unit vectors
``(sinθ cosφ, sinθ sinφ, cosθ)``.
"""

import numpy as np

__all__ = [
    "sphere2cart",
    "cart2sphere",
    "unitsphere2cart_1d",
    "unitsphere2cart_Nd",
    "cart2mu",
    "perpendicular_vector",
    "rotation_matrix_around_100",
    "rotation_matrix_100_to_theta_phi",
    "rotation_matrix_100_to_xyz",
    "rotation_matrix_001_to_xyz",
    "rotation_matrix_100_to_theta_phi_psi",
    "T1_tortuosity",
]


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


def unitsphere2cart_1d(mu):
    """One orientation ``[theta, phi]`` to its unit vector (3,)."""
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (2,):
        raise ValueError(f"mu must have shape (2,), got {mu.shape}")
    return unitsphere2cart_Nd(mu)


def perpendicular_vector(v):
    """A unit vector perpendicular to the vector ``v`` (3,): v × x̂ normalised, or v × ŷ when v
    lies along x̂ (Dmipy's choice). A zero vector is a ``ValueError``."""
    v = np.asarray(v, dtype=float)
    if v.shape != (3,):
        raise ValueError(f"v must have shape (3,), got {v.shape}")
    if v[1] == 0 and v[2] == 0:
        if v[0] == 0:
            raise ValueError("perpendicular_vector: zero vector")
        w = np.cross(v, [0.0, 1.0, 0.0])
    else:
        w = np.cross(v, [1.0, 0.0, 0.0])
    return w / np.linalg.norm(w)


def rotation_matrix_around_100(psi):
    """The rotation by ``psi`` (rad) about x̂ (right-handed)."""
    c, s = np.cos(psi), np.sin(psi)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rotation_matrix_100_to_xyz(x, y, z):
    """The minimal rotation (about x̂ × v) taking x̂ to the unit vector v = (x, y, z): Rodrigues'
    formula, whose columns are v, (−y, 1 − y²/(1+x), −yz/(1+x)) and (−z, −yz/(1+x),
    1 − z²/(1+x)). At v = −x̂ (undefined) the half turn about ẑ."""
    if np.isclose(x, -1.0, rtol=0, atol=1e-15):
        return np.diag([-1.0, -1.0, 1.0])
    s = 1.0 / (1.0 + x)
    return np.array(
        [[x, -y, -z], [y, 1 - y * y * s, -y * z * s], [z, -y * z * s, 1 - z * z * s]]
    )


def rotation_matrix_001_to_xyz(x, y, z):
    """The minimal rotation taking ẑ to the unit vector (x, y, z) (Rodrigues' formula); at −ẑ
    the half turn about x̂."""
    if np.isclose(z, -1.0, rtol=0, atol=1e-15):
        return np.diag([1.0, -1.0, -1.0])
    s = 1.0 / (1.0 + z)
    return np.array(
        [[1 - x * x * s, -x * y * s, x], [-x * y * s, 1 - y * y * s, y], [-x, -y, z]]
    )


def rotation_matrix_100_to_theta_phi(theta, phi):
    """The minimal rotation taking x̂ to the orientation ``[theta, phi]``."""
    x, y, z = sphere2cart(np.array([1.0, theta, phi]))
    return rotation_matrix_100_to_xyz(x, y, z)


def rotation_matrix_100_to_theta_phi_psi(theta, phi, psi):
    """First ``psi`` about x̂, then x̂ to ``[theta, phi]``: the frame of Dmipy's Bingham
    distribution (its second axis is this matrix times ŷ)."""
    return rotation_matrix_100_to_theta_phi(theta, phi) @ rotation_matrix_around_100(psi)


class T1_tortuosity:
    """Dmipy's tortuosity link λ⊥ = (1 − f) λ∥ (Szafer, Zhong & Gore 1995, Magn. Reson. Med.
    33:697, doi:10.1002/mrm.1910330516; Bruggeman 1935; Sen et al. 1981), computed exactly as
    Dmipy 1.0.5 and the core's tortuosity link (``tortuous_lambda_perp``) compute it:
    ṽ = v_i/(v_i + v_e), f = ṽ S0_e / (ṽ S0_e + v_e S0_i).

    Dmipy normalises the intra fraction but not the extra one, so with a third compartment
    (v_i + v_e < 1) f is not the intra share v_i/(v_i + v_e) of Szafer's model: for v_i = 0.7,
    v_e = 0.2 it gives λ⊥ = 0.2045 λ∥ where v_e/(v_i + v_e) λ∥ = 0.2222 λ∥. Kept for Dmipy's
    numbers (the core's fits and fixtures use the same formula)."""

    def __init__(self, S0_intra=1.0, S0_extra=1.0):
        self.S0_intra = S0_intra
        self.S0_extra = S0_extra

    def __call__(self, lambda_par, vf_intra, vf_extra=None):
        """λ⊥ (units of ``lambda_par``). Without ``vf_extra``, ``vf_intra`` is the nested intra
        fraction of the bundle (extra = 1 − intra)."""
        vf_intra = np.asarray(vf_intra, dtype=float)
        if vf_extra is None:
            vf_extra = 1.0 - vf_intra
        else:
            vf_extra = np.asarray(vf_extra, dtype=float)
            vf_intra = vf_intra / (vf_intra + vf_extra)
        f = vf_intra * self.S0_extra / (vf_intra * self.S0_extra + vf_extra * self.S0_intra)
        return (1.0 - f) * np.asarray(lambda_par, dtype=float)
