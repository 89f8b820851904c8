"""Spherical means: closed forms, agreement with averaging the signal, and which models have one."""

import math

import numpy as np
import pytest

from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy_rs.signal_models import cylinder_models, gaussian_models

from conftest import fibonacci_directions
from test_signal_models import ALL, params_of

def test_stick_mean_is_kaden_closed_form(hcp):
    lpar = 1.7e-9
    means = cylinder_models.C1Stick().spherical_mean(hcp, lambda_par=lpar)
    assert means.shape == (4,)
    expected = [1.0] + [
        math.sqrt(math.pi) * math.erf(math.sqrt(b * lpar)) / (2 * math.sqrt(b * lpar))
        for b in hcp.shell_bvalues[1:]
    ]
    np.testing.assert_allclose(means, expected, rtol=1e-13)


def test_ball_mean_is_the_signal(hcp):
    means = gaussian_models.G1Ball().spherical_mean(hcp, lambda_iso=np.array([1e-9, 2e-9]))
    np.testing.assert_allclose(means, np.exp(-np.outer([1e-9, 2e-9], hcp.shell_bvalues)), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(c.__name__ for c in ALL))
def test_mean_equals_the_average_over_many_directions(name):
    """Every model has a spherical mean: isotropic ones their signal, the others the average."""
    dirs = fibonacci_directions(4000)
    scheme = acquisition_scheme_from_bvalues(
        np.full(4000, 2e9), dirs, delta=0.01, Delta=0.03
    )
    cls = next(c for c in ALL if c.__name__ == name)
    model = cls()
    params = params_of(model)
    mean = model.spherical_mean(scheme, **{k: v for k, v in params.items() if k != "mu"})
    np.testing.assert_allclose(mean, [model(scheme, **params).mean()], rtol=1e-4)


def test_mean_broadcasts_and_ignores_orientation(hcp):
    zeppelin = gaussian_models.G2Zeppelin()
    lpar = np.array([[1e-9], [2e-9]])
    a = zeppelin.spherical_mean(hcp, lambda_par=lpar, lambda_perp=[0.1e-9, 0.2e-9, 0.3e-9])
    b = zeppelin.spherical_mean(hcp, mu=[1.0, 2.0], lambda_par=lpar, lambda_perp=[0.1e-9, 0.2e-9, 0.3e-9])
    assert a.shape == (2, 3, 4)
    np.testing.assert_array_equal(a, b)
