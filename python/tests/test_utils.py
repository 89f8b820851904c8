"""Coordinate conversions: Dmipy's conventions, round trips, shapes."""

import numpy as np
import pytest

from dmipy_rs.utils.utils import cart2mu, cart2sphere, sphere2cart, unitsphere2cart_Nd


def test_known_points():
    np.testing.assert_allclose(sphere2cart([2.0, np.pi / 2, np.pi / 2]), [0, 2, 0], atol=1e-15)
    np.testing.assert_allclose(sphere2cart([1.0, 0.0, 1.3]), [0, 0, 1], atol=1e-15)
    np.testing.assert_allclose(cart2sphere([0.0, 0.0, -3.0]), [3, np.pi, 0], atol=1e-15)
    np.testing.assert_allclose(cart2sphere([-1.0, 0.0, 0.0]), [1, np.pi / 2, np.pi], atol=1e-15)
    np.testing.assert_array_equal(cart2sphere([0.0, 0.0, 0.0]), [0, 0, 0])


def test_round_trips_over_any_leading_shape():
    rng = np.random.default_rng(7)
    xyz = rng.normal(size=(4, 5, 3))
    rtp = cart2sphere(xyz)
    assert rtp.shape == (4, 5, 3)
    assert np.all((rtp[..., 1] >= 0) & (rtp[..., 1] <= np.pi))
    assert np.all((rtp[..., 2] >= -np.pi) & (rtp[..., 2] <= np.pi))
    np.testing.assert_allclose(sphere2cart(rtp), xyz, rtol=1e-13, atol=1e-15)
    mu = cart2mu(xyz)
    np.testing.assert_allclose(
        unitsphere2cart_Nd(mu), xyz / np.linalg.norm(xyz, axis=-1, keepdims=True), rtol=1e-13, atol=1e-15
    )


def test_wrong_shapes_are_value_errors():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        sphere2cart(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        unitsphere2cart_Nd(1.0)
