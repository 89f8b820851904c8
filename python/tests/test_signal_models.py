"""Compartments: values against closed forms and the `dmipy predict` CLI, broadcasting, metadata, errors."""

import numpy as np
import pytest

import dmipy_rs
from dmipy_rs import _core
from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy_rs.signal_models import (
    capped_cylinder_models,
    cylinder_models,
    gaussian_models,
    plane_models,
    sphere_models,
)

MODULES = (cylinder_models, gaussian_models, sphere_models, plane_models, capped_cylinder_models)
ALL = [getattr(m, name) for m in MODULES for name in m.__all__]

#: Parameters inside every model's range, in SI, for each parameter name.
VALUES = {
    "mu": [0.7, -2.1],
    "lambda_par": 1.7e-9,
    "lambda_perp": 0.6e-9,
    "lambda_iso": 2.9e-9,
    "lambda_inf": 0.5e-9,
    "A": 3e-12,
    "diameter": 6e-6,
    "length": 9e-6,
}
OTHER = {
    "mu": [2.9, 0.4],
    "lambda_par": 0.9e-9,
    "lambda_perp": 0.2e-9,
    "lambda_iso": 1.0e-9,
    "lambda_inf": 1.1e-9,
    "A": 8e-12,
    "diameter": 2e-6,
    "length": 4e-6,
}


def params_of(model, table=VALUES):
    return {name: table[name] for name in model.parameter_names}


def unit(mu):
    theta, phi = mu
    return np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


def test_every_core_model_of_dmipy_is_exposed_under_its_dmipy_name():
    exposed = {cls.__name__ for cls in ALL}
    # Tensor and Ivim are core models without a Dmipy 1.x compartment class.
    assert exposed == set(_core.Model.names()) - {"Tensor", "Ivim"}
    assert len(ALL) == 15


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_signal_equals_the_cli_for_the_same_parameters(cls, hcp, cli_predict):
    model = cls()
    sets = [params_of(model, VALUES), params_of(model, OTHER)]
    expected = cli_predict(cls.__name__, hcp, sets)
    got = np.stack([model(hcp, **p) for p in sets])
    assert got.shape == (2, 288)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    assert np.all(got <= 1 + 1e-12) and np.all(got >= 0)


def test_stick_ball_zeppelin_dot_match_closed_forms(hcp):
    b, g = hcp.bvalues, hcp.gradient_directions
    mu, lpar, lperp, liso = VALUES["mu"], 1.7e-9, 0.6e-9, 2.9e-9
    cos2 = (g @ unit(mu)) ** 2
    np.testing.assert_allclose(
        cylinder_models.C1Stick()(hcp, mu=mu, lambda_par=lpar), np.exp(-b * lpar * cos2), rtol=1e-14
    )
    np.testing.assert_allclose(
        gaussian_models.G1Ball()(hcp, lambda_iso=liso), np.exp(-b * liso), rtol=1e-14
    )
    zeppelin = gaussian_models.G2Zeppelin()(hcp, mu=mu, lambda_par=lpar, lambda_perp=lperp)
    np.testing.assert_allclose(zeppelin, np.exp(-b * (lperp + (lpar - lperp) * cos2)), rtol=1e-14)
    np.testing.assert_array_equal(sphere_models.S1Dot()(hcp), np.ones(288))


def test_temporal_zeppelin_is_a_zeppelin_with_burcaw_perpendicular_diffusivity(hcp):
    p = dict(mu=VALUES["mu"], lambda_par=1.7e-9, lambda_inf=0.5e-9, A=3e-12)
    d, D = hcp.delta, hcp.Delta
    lperp = p["lambda_inf"] + p["A"] * (np.log(D / d) + 1.5) / (D - d / 3)
    cos2 = (hcp.gradient_directions @ unit(p["mu"])) ** 2
    expected = np.exp(-hcp.bvalues * (lperp + (p["lambda_par"] - lperp) * cos2))
    np.testing.assert_allclose(gaussian_models.G3TemporalZeppelin()(hcp, **p), expected, rtol=1e-13)


def test_sphere_and_plane_short_pulse_limits_match_closed_forms(hcp):
    diameter = 6e-6
    x = 2 * np.pi * hcp.qvalues * diameter / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        sphere = np.where(x > 0, (3 * (np.sin(x) - x * np.cos(x)) / x**3) ** 2, 1.0)
    got = sphere_models.S2SphereStejskalTannerApproximation()(hcp, diameter=diameter)
    np.testing.assert_allclose(got, sphere, rtol=1e-9)
    mu = VALUES["mu"]
    q_perp = hcp.qvalues * np.abs(hcp.gradient_directions @ unit(mu))
    got = plane_models.P2PlaneStejskalTannerApproximation()(hcp, mu=mu, diameter=diameter)
    np.testing.assert_allclose(got, np.sinc(q_perp * diameter) ** 2, rtol=1e-9)


def test_arrays_broadcast_over_voxels_with_the_values_of_scalar_calls(hcp):
    stick = cylinder_models.C1Stick()
    mus = np.array([[0.1, 0.2], [1.0, -1.0], [2.0, 3.0], [0.5, 0.5]]).reshape(4, 1, 2)
    lambdas = np.array([0.5e-9, 1.5e-9, 2.5e-9])
    E = stick(hcp, mu=mus, lambda_par=lambdas)
    assert E.shape == (4, 3, 288)
    for i in range(4):
        for j in range(3):
            np.testing.assert_array_equal(E[i, j], stick(hcp, mu=mus[i, 0], lambda_par=lambdas[j]))
    # A scalar broadcasts against a voxel grid; a single voxel gives (N,).
    ball = gaussian_models.G1Ball()
    grid = np.full((2, 3, 4), 1e-9)
    assert ball(hcp, lambda_iso=grid).shape == (2, 3, 4, 288)
    assert ball(hcp, lambda_iso=1e-9).shape == (288,)
    np.testing.assert_array_equal(ball(hcp, lambda_iso=grid)[1, 2, 3], ball(hcp, lambda_iso=1e-9))
    # Python lists and integer arrays work as NumPy arrays of floats.
    assert stick(hcp, mu=[[0, 0], [1, 1]], lambda_par=[1e-9, 2e-9]).shape == (2, 288)
    # The dot does not attenuate: 1 at every measurement.
    np.testing.assert_array_equal(sphere_models.S1Dot()(hcp), np.ones(288))


def test_parameters_fixed_in_the_constructor_are_used_and_can_be_overridden(hcp):
    fixed = gaussian_models.G2Zeppelin(lambda_par=1.7e-9, lambda_perp=0.6e-9)
    free = gaussian_models.G2Zeppelin()
    mu = VALUES["mu"]
    np.testing.assert_array_equal(
        fixed(hcp, mu=mu), free(hcp, mu=mu, lambda_par=1.7e-9, lambda_perp=0.6e-9)
    )
    np.testing.assert_array_equal(
        fixed(hcp, mu=mu, lambda_perp=0.1e-9),
        free(hcp, mu=mu, lambda_par=1.7e-9, lambda_perp=0.1e-9),
    )
    assert "lambda_par=1.7e-09" in repr(fixed)


def test_settings_reach_the_core(hcp):
    default = cylinder_models.C3CylinderCallaghanApproximation()
    assert dict(default._core.settings()) == {
        "diffusion_perpendicular": 1.7e-9,
        "number_of_roots": 20,
        "number_of_functions": 50,
    }
    slow = cylinder_models.C3CylinderCallaghanApproximation(diffusion_perpendicular=0.5e-9)
    p = params_of(default)
    assert not np.allclose(default(hcp, **p), slow(hcp, **p), rtol=1e-6)
    few = sphere_models.S4SphereGaussianPhaseApproximation(number_of_roots=3)
    assert dict(few._core.settings())["number_of_roots"] == 3
    assert "number_of_roots=3" in repr(few)


def test_parameter_metadata_follows_dmipy():
    # Dmipy 1.0.5 cylinder_models.py / gaussian_models.py / sphere_models.py class attributes.
    stick = cylinder_models.C1Stick()
    assert stick.parameter_names == ["mu", "lambda_par"]
    assert stick.parameter_ranges == {"mu": ([0, np.pi], [-np.pi, np.pi]), "lambda_par": (0.1, 3)}
    np.testing.assert_array_equal(stick.parameter_scales["mu"], [1.0, 1.0])
    assert stick.parameter_scales["lambda_par"] == 1e-9
    assert stick.parameter_cardinality == {"mu": 2, "lambda_par": 1}
    assert stick.parameter_types == {"mu": "orientation", "lambda_par": "normal"}
    c4 = cylinder_models.C4CylinderGaussianPhaseApproximation()
    assert c4.parameter_ranges["diameter"] == (0.01, 20)
    assert c4.parameter_scales["diameter"] == 1e-6
    assert c4.parameter_types["diameter"] == "cylinder"
    assert sphere_models.S2SphereStejskalTannerApproximation().parameter_types == {"diameter": "sphere"}
    assert plane_models.P3PlaneCallaghanApproximation().parameter_types["diameter"] == "plane"
    g3 = gaussian_models.G3TemporalZeppelin()
    assert g3.parameter_ranges["A"] == (0, 10) and g3.parameter_scales["A"] == 1e-12
    assert gaussian_models.G1Ball().parameter_units == {"lambda_iso": "m^2/s"}
    assert sphere_models.S1Dot().parameter_names == []


def test_wrong_parameter_names_shapes_and_values_raise_parameter_errors(hcp):
    stick = cylinder_models.C1Stick()
    with pytest.raises(dmipy_rs.ParameterError, match="unknown parameter 'lambda_perp'; expected: mu, lambda_par"):
        stick(hcp, mu=[0, 0], lambda_par=1e-9, lambda_perp=1e-9)
    with pytest.raises(dmipy_rs.ParameterError, match="missing parameter 'lambda_par'"):
        stick(hcp, mu=[0, 0])
    with pytest.raises(dmipy_rs.ParameterError, match=r"'mu' needs shape \(\.\.\., 2\), got \(\)"):
        stick(hcp, mu=0.3, lambda_par=1e-9)
    with pytest.raises(dmipy_rs.ParameterError, match=r"'mu' needs shape \(\.\.\., 2\), got \(4, 3\)"):
        stick(hcp, mu=np.zeros((4, 3)), lambda_par=1e-9)
    with pytest.raises(dmipy_rs.ParameterError, match="do not broadcast"):
        stick(hcp, mu=np.zeros((4, 2)), lambda_par=np.ones(3) * 1e-9)
    with pytest.raises(dmipy_rs.ParameterError, match="not numeric"):
        stick(hcp, mu=[0, 0], lambda_par="fast")
    with pytest.raises(dmipy_rs.ParameterError, match="unknown constructor argument 'number_of_roots'"):
        cylinder_models.C1Stick(number_of_roots=3)
    with pytest.raises(TypeError, match="AcquisitionScheme"):
        stick(object(), mu=[0, 0], lambda_par=1e-9)
    # The core's own checks, with its messages.
    with pytest.raises(ValueError, match="invalid diffusion_perpendicular: must be finite and positive"):
        cylinder_models.C3CylinderCallaghanApproximation(diffusion_perpendicular=-1.0)
    with pytest.raises(dmipy_rs.ParameterError, match="C1Stick: expected 3 parameter values per voxel, found 2"):
        stick._core.predict(hcp._core, np.zeros((5, 2)))
    with pytest.raises(dmipy_rs.ParameterError, match="unknown model 'C9Banana'"):
        _core.Model("C9Banana")
    with pytest.raises(dmipy_rs.ParameterError, match="C1Stick takes no settings"):
        _core.Model("C1Stick", number_of_roots=3)


@pytest.mark.parametrize(
    "cls",
    [
        cylinder_models.C2CylinderStejskalTannerApproximation,
        cylinder_models.C3CylinderCallaghanApproximation,
        cylinder_models.C4CylinderGaussianPhaseApproximation,
        gaussian_models.G3TemporalZeppelin,
        sphere_models.S2SphereStejskalTannerApproximation,
        sphere_models.S3SphereCallaghanApproximation,
        sphere_models.S4SphereGaussianPhaseApproximation,
        plane_models.P2PlaneStejskalTannerApproximation,
        plane_models.P3PlaneCallaghanApproximation,
    ],
    ids=lambda c: c.__name__,
)
def test_restricted_models_need_pulse_timing(cls):
    no_timing = acquisition_scheme_from_bvalues([0.0, 1e9], [[0, 0, 1], [1, 0, 0]])
    model = cls()
    pattern = rf"{cls.__name__} needs .* in the acquisition scheme, but the scheme has none"
    with pytest.raises(dmipy_rs.MissingSchemeFieldError, match=pattern):
        model(no_timing, **params_of(model))
