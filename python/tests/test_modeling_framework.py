"""Multi-compartment models: Dmipy's parameter names and metadata, links, signals against closed
forms and the `dmipy` CLI, parameter vectors, pickling."""

import math
import pickle

import numpy as np
import pytest

from dmipy_rs import ParameterError
from dmipy_rs.core.modeling_framework import (
    MultiCompartmentModel,
    MultiCompartmentSphericalMeanModel,
)
from dmipy_rs.signal_models import cylinder_models, gaussian_models

PI = np.pi
erf = np.vectorize(math.erf)


def unit(mu):
    """Unit vectors of orientations [θ, φ] (..., 2)."""
    mu = np.asarray(mu, dtype=float)
    theta, phi = mu[..., 0], mu[..., 1]
    return np.stack(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1
    )


def ball_and_stick():
    return MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])


def test_ball_and_stick_metadata_equals_dmipy():
    # Values printed by Dmipy 1.0.5 for MultiCompartmentModel([G1Ball(), C1Stick()]).
    m = ball_and_stick()
    assert m.parameter_names == [
        "G1Ball_1_lambda_iso",
        "C1Stick_1_mu",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
    ]
    assert dict(m.parameter_cardinality) == {
        "G1Ball_1_lambda_iso": 1,
        "C1Stick_1_mu": 2,
        "C1Stick_1_lambda_par": 1,
        "partial_volume_0": 1,
        "partial_volume_1": 1,
    }
    ranges = m.parameter_ranges
    assert ranges["G1Ball_1_lambda_iso"] == (0.1, 3)
    assert ranges["C1Stick_1_lambda_par"] == (0.1, 3)
    assert ranges["C1Stick_1_mu"] == ([0, PI], [-PI, PI])
    assert ranges["partial_volume_0"] == (0.01, 0.99)
    scales = m.parameter_scales
    assert scales["G1Ball_1_lambda_iso"] == 1e-9
    np.testing.assert_array_equal(scales["C1Stick_1_mu"], [1.0, 1.0])
    assert scales["partial_volume_1"] == 1.0
    assert m.partial_volume_names == ["partial_volume_0", "partial_volume_1"]
    assert m.model_names == ["G1Ball_1_", "C1Stick_1_"]


def test_links_remove_parameters_as_dmipy():
    # Dmipy 1.0.5: tortuous + equal + fixed leave the orientations and the partial volumes.
    m = MultiCompartmentModel([cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1"
    )
    m.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
    m.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
    assert m.parameter_names == [
        "C1Stick_1_mu",
        "G2Zeppelin_1_mu",
        "partial_volume_0",
        "partial_volume_1",
    ]
    sm = MultiCompartmentSphericalMeanModel([cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    sm.set_fractional_parameter("G2Zeppelin_1_lambda_perp", "G2Zeppelin_1_lambda_par")
    assert sm.parameter_names == [
        "G2Zeppelin_1_lambda_perp_fraction",
        "C1Stick_1_lambda_par",
        "G2Zeppelin_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
    ]
    assert sm.parameter_ranges["G2Zeppelin_1_lambda_perp_fraction"] == (0.0, 1.0)
    with pytest.raises(ParameterError, match="C1Stick_1_lambda_par"):
        m.set_fixed_parameter("C1Stick_1_lambda_par", 2e-9)
    with pytest.raises(ValueError, match="nope"):
        m.set_equal_parameter("nope", "C1Stick_1_mu")


def test_ball_and_stick_signal_equals_closed_form(hcp):
    m = ball_and_stick()
    mu = np.array([[0.3, 1.1], [1.2, -2.0], [2.9, 0.4]])
    lambda_par = np.array([1.7e-9, 2.2e-9, 0.9e-9])
    f_stick = np.array([0.6, 0.2, 0.9])
    E = m(
        hcp,
        G1Ball_1_lambda_iso=3e-9,
        C1Stick_1_mu=mu,
        C1Stick_1_lambda_par=lambda_par,
        partial_volume_0=1 - f_stick,
        partial_volume_1=f_stick,
    )
    b, g = hcp.bvalues, hcp.gradient_directions
    n = unit(mu)
    stick = np.exp(-b * lambda_par[:, None] * (n @ g.T) ** 2)
    want = (1 - f_stick)[:, None] * np.exp(-b * 3e-9) + f_stick[:, None] * stick
    np.testing.assert_allclose(E, want, rtol=1e-13, atol=0)


def test_tortuous_stick_zeppelin_equals_closed_form(hcp):
    m = MultiCompartmentModel([cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1"
    )
    m.set_equal_parameter("C1Stick_1_mu", "G2Zeppelin_1_mu")
    m.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
    assert m.parameter_names == [
        "C1Stick_1_mu",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
    ]
    mu, lam, f = np.array([0.8, -0.5]), 2.0e-9, 0.7
    E = m(hcp, C1Stick_1_mu=mu, C1Stick_1_lambda_par=lam, partial_volume_0=f, partial_volume_1=1 - f)
    b, g = hcp.bvalues, hcp.gradient_directions
    cos2 = (g @ unit(mu)) ** 2
    perp = (1 - f) * lam  # Szafer et al. 1995 tortuosity
    zeppelin = np.exp(-b * (lam * cos2 + perp * (1 - cos2)))
    want = f * np.exp(-b * lam * cos2) + (1 - f) * zeppelin
    np.testing.assert_allclose(E, want, rtol=1e-13, atol=0)


def test_spherical_mean_ball_and_stick_equals_closed_form(hcp):
    m = MultiCompartmentSphericalMeanModel([gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    assert m.parameter_names == [
        "G1Ball_1_lambda_iso",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
    ]
    lam, f = 1.7e-9, 0.4
    E = m(
        hcp,
        G1Ball_1_lambda_iso=3e-9,
        C1Stick_1_lambda_par=lam,
        partial_volume_0=1 - f,
        partial_volume_1=f,
    )
    b = hcp.shell_bvalues
    x = np.sqrt(b * lam)
    # Stick spherical mean: √π erf(√(bλ)) / (2√(bλ)) (Kaden et al. 2016, Eq. 7); 1 at b = 0.
    with np.errstate(invalid="ignore", divide="ignore"):
        stick = np.where(b > 0, np.sqrt(PI) * erf(x) / (2 * x), 1.0)
    want = (1 - f) * np.exp(-b * 3e-9) + f * stick
    np.testing.assert_allclose(E, want, rtol=1e-12, atol=0)


def test_parameter_vectors_round_trip():
    m = ball_and_stick()
    vector = m.parameters_to_parameter_vector(
        G1Ball_1_lambda_iso=3e-9,
        C1Stick_1_mu=[[0.1, 0.2], [0.3, 0.4]],
        C1Stick_1_lambda_par=1.7e-9,
        partial_volume_0=0.3,
        partial_volume_1=0.7,
    )
    want = np.array([[3e-9, 0.1, 0.2, 1.7e-9, 0.3, 0.7], [3e-9, 0.3, 0.4, 1.7e-9, 0.3, 0.7]])
    np.testing.assert_array_equal(vector, want)
    back = m.parameter_vector_to_parameters(vector)
    np.testing.assert_array_equal(back["C1Stick_1_mu"], [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(back["partial_volume_1"], [0.7, 0.7])
    with pytest.raises(ParameterError, match="missing parameter 'partial_volume_1'"):
        m.parameters_to_parameter_vector(
            G1Ball_1_lambda_iso=3e-9, C1Stick_1_mu=[0, 0], C1Stick_1_lambda_par=1e-9,
            partial_volume_0=1.0,
        )


def test_simulate_signal_takes_vectors_and_dicts(hcp):
    m = ball_and_stick()
    vector = np.array([2.5e-9, 0.4, 1.9, 1.5e-9, 0.25, 0.75])
    from_vector = m.simulate_signal(hcp, vector)
    from_dict = m.simulate_signal(hcp, m.parameter_vector_to_parameters(vector))
    assert from_vector.shape == (288,)
    np.testing.assert_array_equal(from_vector, from_dict)
    stack = m.simulate_signal(hcp, np.stack([vector, vector]))
    np.testing.assert_array_equal(stack[1], from_vector)
    with pytest.raises(ParameterError, match="6 values"):
        m.simulate_signal(hcp, vector[:5])


def test_per_voxel_fixed_parameter_stays_in_the_list(hcp):
    m = ball_and_stick()
    m.set_fixed_parameter("G1Ball_1_lambda_iso", np.array([2e-9, 3e-9]))
    assert "G1Ball_1_lambda_iso" in m.parameter_names
    assert m.parameter_optimization_flags["G1Ball_1_lambda_iso"] is False
    m.set_fixed_parameter("C1Stick_1_mu", [0.5, 0.5])
    assert "C1Stick_1_mu" not in m.parameter_names


def test_model_file_runs_in_the_cli(hcp, cli_predict, tmp_path):
    m = MultiCompartmentModel([cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1"
    )
    m.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
    path = tmp_path / "model.json"
    path.write_text(m.to_json())
    sets = [
        dict(C1Stick_1_mu=[0.4, 1.0], G2Zeppelin_1_mu=[1.4, -0.3], C1Stick_1_lambda_par=1.8e-9,
             partial_volume_0=0.65, partial_volume_1=0.35),
        dict(C1Stick_1_mu=[2.0, 2.5], G2Zeppelin_1_mu=[0.1, 0.2], C1Stick_1_lambda_par=1.1e-9,
             partial_volume_0=0.2, partial_volume_1=0.8),
    ]
    cli = cli_predict(str(path), hcp, sets)
    ours = np.stack([m(hcp, **s) for s in sets])
    np.testing.assert_allclose(ours, cli, rtol=1e-14, atol=1e-300)


def test_pickled_model_predicts_the_same(hcp):
    m = MultiCompartmentModel([cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    m.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1"
    )
    m.set_fixed_parameter("G2Zeppelin_1_lambda_par", 2.1e-9)
    copy = pickle.loads(pickle.dumps(m))
    assert copy.parameter_names == m.parameter_names
    scheme = pickle.loads(pickle.dumps(hcp))
    np.testing.assert_array_equal(scheme.bvalues, hcp.bvalues)
    p = dict(C1Stick_1_mu=[0.4, 1.0], G2Zeppelin_1_mu=[1.4, -0.3], C1Stick_1_lambda_par=1.8e-9,
             partial_volume_0=0.65, partial_volume_1=0.35)
    np.testing.assert_array_equal(copy(hcp, **p), m(hcp, **p))
    # The unpickled scheme is rebuilt from b-values: q and the directions agree to rounding.
    np.testing.assert_allclose(copy(scheme, **p), m(hcp, **p), rtol=1e-14)


def test_noddi_model_file_runs_in_the_cli_and_pickles(hcp, cli_predict, tmp_path):
    from dmipy_rs.distributions.distribute_models import SD1WatsonDistributed

    bundle = SD1WatsonDistributed(models=[cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()])
    bundle.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0"
    )
    bundle.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")
    bundle.set_fixed_parameter("G2Zeppelin_1_lambda_par", 1.7e-9)
    m = MultiCompartmentModel(models=[gaussian_models.G1Ball(), bundle])
    m.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    path = tmp_path / "noddi.json"
    path.write_text(m.to_json())
    sets = [
        {"SD1WatsonDistributed_1_SD1Watson_1_mu": [0.7, -1.2],
         "SD1WatsonDistributed_1_SD1Watson_1_odi": odi,
         "SD1WatsonDistributed_1_partial_volume_0": 0.6,
         "partial_volume_0": 0.2, "partial_volume_1": 0.8}
        for odi in (0.05, 0.3, 0.8)
    ]
    ours = np.stack([m(hcp, **p) for p in sets])
    np.testing.assert_allclose(ours, cli_predict(str(path), hcp, sets), rtol=1e-14, atol=1e-300)
    copy = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(np.stack([copy(hcp, **p) for p in sets]), ours)
