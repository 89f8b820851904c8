"""Exact Jacobians from the core's dual numbers: against closed forms and finite differences."""

import numpy as np
import pytest

from dmipy_rs.signal_models import cylinder_models, gaussian_models, sphere_models

from test_signal_models import ALL, VALUES, params_of, unit


def finite_differences(model, scheme, params):
    """Central differences of the signal for every parameter value, step 1e-6 × its scale."""
    columns = []
    for name in model.parameter_names:
        value = np.atleast_1d(np.asarray(params[name], dtype=float))
        scale = np.broadcast_to(model.parameter_scales[name], value.shape)
        for k in range(value.size):
            h = 1e-6 * scale[k]
            up, down = value.copy(), value.copy()
            up[k] += h
            down[k] -= h
            shape = np.shape(params[name])
            plus = model(scheme, **{**params, name: up.reshape(shape)})
            minus = model(scheme, **{**params, name: down.reshape(shape)})
            columns.append((plus - minus) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_jacobian_equals_finite_differences(cls, hcp):
    model = cls()
    params = params_of(model)
    result = model.jacobian(hcp, **params)
    n_values = sum(model.parameter_cardinality.values())
    assert result.jacobian.shape == (288, n_values)
    # The dual pass may differ from the f64 pass in the last bit.
    np.testing.assert_allclose(result.signal, model(hcp, **params), rtol=1e-14)
    if n_values == 0:
        return
    numeric = finite_differences(model, hcp, params)
    # Per column: the error of central differences is O(h²) relative to the column's magnitude.
    magnitude = np.abs(numeric).max(axis=0)
    assert np.all(magnitude > 0)
    np.testing.assert_allclose(result.jacobian, numeric, rtol=1e-5, atol=1e-6 * magnitude.max())
    for k in range(n_values):
        np.testing.assert_allclose(
            result.jacobian[:, k], numeric[:, k], rtol=0, atol=1e-6 * magnitude[k]
        )


def test_stick_jacobian_matches_its_analytic_derivatives(hcp):
    mu, lpar = VALUES["mu"], VALUES["lambda_par"]
    b, g = hcp.bvalues, hcp.gradient_directions
    n = unit(mu)
    cosine = g @ n
    E = np.exp(-b * lpar * cosine**2)
    theta, phi = mu
    dn_dtheta = np.array([np.cos(theta) * np.cos(phi), np.cos(theta) * np.sin(phi), -np.sin(theta)])
    dn_dphi = np.array([-np.sin(theta) * np.sin(phi), np.sin(theta) * np.cos(phi), 0.0])
    expected = np.stack(
        [
            -2 * b * lpar * cosine * (g @ dn_dtheta) * E,
            -2 * b * lpar * cosine * (g @ dn_dphi) * E,
            -b * cosine**2 * E,
        ],
        axis=-1,
    )
    result = cylinder_models.C1Stick().jacobian(hcp, mu=mu, lambda_par=lpar)
    np.testing.assert_allclose(result.jacobian, expected, rtol=1e-12, atol=1e-14 * np.abs(expected).max())
    assert result.parameter_order == [("mu", 0), ("mu", 1), ("lambda_par", 0)]


def test_jacobian_broadcasts_like_the_signal(hcp):
    zeppelin = gaussian_models.G2Zeppelin()
    mus = np.array([[0.2, 0.3], [1.2, -0.4]]).reshape(2, 1, 2)
    lpars = np.array([1e-9, 2e-9, 3e-9])
    result = zeppelin.jacobian(hcp, mu=mus, lambda_par=lpars, lambda_perp=0.5e-9)
    assert result.jacobian.shape == (2, 3, 288, 4)
    assert result.signal.shape == (2, 3, 288)
    single = zeppelin.jacobian(hcp, mu=mus[1, 0], lambda_par=lpars[2], lambda_perp=0.5e-9)
    np.testing.assert_array_equal(result.jacobian[1, 2], single.jacobian)
    assert [name for name, _ in single.parameter_order] == ["mu", "mu", "lambda_par", "lambda_perp"]


def test_ball_diffusivity_derivative_is_minus_b_times_signal(hcp):
    result = gaussian_models.G1Ball().jacobian(hcp, lambda_iso=np.array([1e-9, 3e-9]))
    E = np.exp(-np.outer([1e-9, 3e-9], hcp.bvalues))
    np.testing.assert_allclose(result.jacobian[..., 0], -hcp.bvalues * E, rtol=1e-14)


def test_dot_has_an_empty_jacobian(hcp):
    result = sphere_models.S1Dot().jacobian(hcp)
    assert result.jacobian.shape == (288, 0) and result.parameter_order == []
    np.testing.assert_array_equal(result.signal, np.ones(288))


def test_grad_of_a_squared_error_equals_finite_differences(hcp):
    """grad(L) with L = ½‖E(p) − y‖² against central differences of L itself."""
    model = cylinder_models.C1Stick()
    truth = {"mu": [0.4, 1.2], "lambda_par": 1.9e-9}
    data = model(hcp, **truth)
    here = {"mu": [0.5, 1.0], "lambda_par": 1.5e-9}

    def loss(params):
        return 0.5 * np.sum((model(hcp, **params) - data) ** 2)

    grads = model.grad(hcp, lambda e: e - data, **here)
    h = 1e-7
    for name, step in [("lambda_par", 1e-9 * h)]:
        up, down = dict(here), dict(here)
        up[name], down[name] = here[name] + step, here[name] - step
        fd = (loss(up) - loss(down)) / (2 * step)
        assert abs(grads[name] - fd) <= 1e-6 * abs(fd)
    for k in range(2):
        up, down = dict(here), dict(here)
        up["mu"], down["mu"] = list(here["mu"]), list(here["mu"])
        up["mu"][k] += h
        down["mu"][k] -= h
        fd = (loss(up) - loss(down)) / (2 * h)
        assert abs(grads["mu"][k] - fd) <= 1e-6 * abs(fd)
