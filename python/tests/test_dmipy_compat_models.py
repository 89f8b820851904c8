"""Dmipy 1.x drop-in behaviour of models: orientation-free planes, Dmipy's refusals, callable
distributed models, parameter_links and multi-tissue fractions, against closed forms."""

import math

import numpy as np
import pytest

from dmipy_rs import DmipyError
from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_qvalues
from dmipy_rs.core.modeling_framework import (
    MultiCompartmentModel,
    MultiCompartmentSphericalMeanModel,
)
from dmipy_rs.distributions.distribute_models import DD1GammaDistributed, SD1WatsonDistributed
from dmipy_rs.signal_models import cylinder_models, gaussian_models, plane_models

from conftest import fibonacci_directions


@pytest.fixture(scope="module")
def oblique():
    """q along random directions, δ → 0 and Δ = 1e10 s (the long-time, narrow-pulse limit)."""
    n = 40
    q = np.linspace(0, 2e5, n)
    with pytest.warns(UserWarning):
        return acquisition_scheme_from_qvalues(q, fibonacci_directions(n), 1e-10, 1e10)


def test_plane_without_normal_depends_on_q_alone(oblique):
    L = 10e-6
    E = plane_models.P2PlaneStejskalTannerApproximation(diameter=L)(oblique)
    # Balinov et al. 1993: E(q) = 2(1 − cos 2πqL)/(2πqL)², 1 at q = 0.
    x = 2 * np.pi * oblique.qvalues * L
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(x > 0, 2 * (1 - np.cos(x)) / x**2, 1.0)
    np.testing.assert_allclose(E, expected, rtol=1e-10, atol=1e-15)
    # With a normal, only the projection of q on it restricts.
    along_z = plane_models.P2PlaneStejskalTannerApproximation(diameter=L)(oblique, mu=[0, 0])
    xz = x * np.abs(oblique.gradient_directions[:, 2])
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_z = np.where(xz > 0, 2 * (1 - np.cos(xz)) / xz**2, 1.0)
    np.testing.assert_allclose(along_z, expected_z, rtol=1e-8, atol=1e-15)


def test_dmipy_refusals():
    ball, stick = gaussian_models.G1Ball(), cylinder_models.C1Stick()
    with pytest.raises(ValueError, match="1-D plane"):
        MultiCompartmentModel([ball, plane_models.P3PlaneCallaghanApproximation()])
    with pytest.raises(ValueError, match="spherical-mean"):
        MultiCompartmentSphericalMeanModel([plane_models.P3PlaneCallaghanApproximation()])
    # A plane with a normal is a 3-D compartment and combines.
    oriented = plane_models.P2PlaneStejskalTannerApproximation(mu=[0.0, 0.0])
    assert "partial_volume_1" in MultiCompartmentModel([ball, oriented]).parameter_names
    with pytest.raises(ValueError, match="same C1Stick instance"):
        MultiCompartmentModel([stick, stick])
    with pytest.raises(ValueError, match="S0 tissue responses"):
        MultiCompartmentModel([ball, stick], S0_tissue_responses=[1.0])
    cylinder = SD1WatsonDistributed([cylinder_models.C2CylinderStejskalTannerApproximation()])
    lpar = "C2CylinderStejskalTannerApproximation_1_lambda_par"
    diameter = "C2CylinderStejskalTannerApproximation_1_diameter"
    cylinder.set_equal_parameter(lpar, diameter)
    with pytest.warns(UserWarning, match="nothing changed"):
        assert cylinder.set_equal_parameter(lpar, diameter) is None
    assert diameter not in cylinder.parameter_names
    bundle = SD1WatsonDistributed([cylinder_models.C1Stick()])
    for name, value in [("SD1Watson_1_odi", [1]), ("SD1Watson_1_mu", [1]), ("blabla", [1])]:
        with pytest.raises(ValueError):
            bundle.set_fixed_parameter(name, value)


def test_distributed_model_is_callable_with_exact_spherical_mean(hcp):
    bundle = SD1WatsonDistributed([cylinder_models.C1Stick()])
    lpar = 1.7e-9
    params = dict(SD1Watson_1_mu=[0.2, 0.4], SD1Watson_1_odi=0.3, C1Stick_1_lambda_par=lpar)
    signal = bundle(hcp, **params)
    assert signal.shape == (len(hcp),)
    # Dispersion keeps the spherical mean: the stick's √π erf(√(bλ)) / (2√(bλ)).
    means = bundle.spherical_mean(hcp, **params)
    expected = [
        1.0 if b < 1e7 else math.sqrt(math.pi) * math.erf(math.sqrt(b * lpar))
        / (2 * math.sqrt(b * lpar)) for b in hcp.shell_bvalues
    ]
    np.testing.assert_allclose(means, expected, rtol=1e-10)
    # The same as the bundle inside a multi-compartment model.
    model = MultiCompartmentModel([bundle])
    wrapped = model(hcp, **{"SD1WatsonDistributed_1_" + k: v for k, v in params.items()})
    np.testing.assert_allclose(signal, wrapped, rtol=1e-15)


def test_gamma_target_parameter():
    cylinder = cylinder_models.C2CylinderStejskalTannerApproximation()
    named = DD1GammaDistributed(
        [cylinder], target_parameter="C2CylinderStejskalTannerApproximation_1_diameter"
    )
    assert named.parameter_names == DD1GammaDistributed([cylinder]).parameter_names
    with pytest.raises(ValueError, match="not a diameter"):
        DD1GammaDistributed([cylinder], target_parameter="lambda_par")
    with pytest.raises(ValueError, match="not available"):
        DD1GammaDistributed([SD1WatsonDistributed([cylinder])])
    with pytest.raises(ValueError, match="not available"):
        SD1WatsonDistributed([DD1GammaDistributed([cylinder])])


def test_parameter_links_record_tortuosity_with_s0_correction():
    stick, zeppelin, ball = (
        cylinder_models.C1Stick(), gaussian_models.G2Zeppelin(), gaussian_models.G1Ball()
    )
    model = MultiCompartmentModel([stick, zeppelin, ball], S0_tissue_responses=[3e3, 4e3, 1e4])
    model.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0",
        "partial_volume_1", True,
    )
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    (m, name, tortuosity, args), (m2, name2, fixed, _) = model.parameter_links
    assert m is zeppelin and name == "lambda_perp" and args[0] == (stick, "lambda_par")
    assert (tortuosity.S0_intra, tortuosity.S0_extra) == (3e3, 4e3)
    assert m2 is ball and name2 == "lambda_iso" and fixed() == 3e-9


def test_multi_tissue_fractions(hcp):
    ball, stick = gaussian_models.G1Ball(), cylinder_models.C1Stick()
    model = MultiCompartmentModel([ball, stick], S0_tissue_responses=[1.0, 2.0])
    model.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
    model.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    model.set_fixed_parameter("C1Stick_1_mu", [0.0, 0.0])
    data = 100.0 * model.simulate_signal(hcp, {"partial_volume_0": 0.5, "partial_volume_1": 0.5})
    fitted = model.fit(hcp, data)
    # Signal fractions 1/2, 1/2 with responses 1 and 2: volumes S0·f/S0_i = 50 and 25.
    volumes = fitted.fitted_multi_tissue_fractions
    assert volumes["partial_volume_0"] == pytest.approx(50.0, rel=1e-6)
    assert volumes["partial_volume_1"] == pytest.approx(25.0, rel=1e-6)
    normalised = fitted.fitted_multi_tissue_fractions_normalized
    assert normalised["partial_volume_0"] == pytest.approx(2 / 3, rel=1e-6)
    with pytest.raises(AttributeError):
        MultiCompartmentModel([gaussian_models.G1Ball()]).fit(
            hcp, data
        ).fitted_multi_tissue_fractions


def test_dmipy_error_is_a_value_error():
    assert issubclass(DmipyError, ValueError)


def test_multi_compartment_jacobian_closed_form(hcp):
    model = MultiCompartmentModel([gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    params = dict(G1Ball_1_lambda_iso=3e-9, C1Stick_1_mu=[0.4, 1.2], C1Stick_1_lambda_par=1.7e-9,
                  partial_volume_0=0.3, partial_volume_1=0.7)
    result = model.jacobian(hcp, params)
    order = [name for name, _ in result.parameter_order]
    b = hcp.bvalues
    ball = np.exp(-b * 3e-9)
    n = np.array([np.sin(0.4) * np.cos(1.2), np.sin(0.4) * np.sin(1.2), np.cos(0.4)])
    stick = np.exp(-b * 1.7e-9 * (hcp.gradient_directions @ n) ** 2)
    J = result.jacobian
    # E = f₀ e^{−bλ_iso} + f₁ e^{−bλ∥(g·μ)²}: ∂E/∂f are the compartment signals.
    np.testing.assert_allclose(J[:, order.index("partial_volume_0")], ball, rtol=1e-14)
    np.testing.assert_allclose(J[:, order.index("partial_volume_1")], stick, rtol=1e-14)
    np.testing.assert_allclose(
        J[:, order.index("G1Ball_1_lambda_iso")], -0.3 * b * ball, rtol=1e-13, atol=1e-30
    )
    np.testing.assert_allclose(result.signal, 0.3 * ball + 0.7 * stick, rtol=1e-14)


def test_turnkey_models_are_the_core_definitions():
    import dmipy_rs
    from dmipy_rs import _core

    names = [name for name, _ in dmipy_rs.turnkey_names()]
    assert {"ball_stick", "noddi_watson", "smt_noddi", "activeax", "axcaliber", "dti"} <= set(names)
    for name in names:
        model = dmipy_rs.turnkey(name)
        assert model.to_json() == _core.turnkey_model(name).to_json(), name
    noddi = dmipy_rs.turnkey("noddi_watson")
    assert noddi.parameter_names == [
        "SD1WatsonDistributed_1_SD1Watson_1_mu",
        "SD1WatsonDistributed_1_SD1Watson_1_odi",
        "SD1WatsonDistributed_1_partial_volume_0",
        "partial_volume_0",
        "partial_volume_1",
    ]
    with pytest.raises(DmipyError):
        dmipy_rs.turnkey("no_such_model")


def test_fitted_and_linked_parameters_evaluate_the_links(hcp):
    stick, zeppelin = cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()
    model = MultiCompartmentModel([stick, zeppelin])
    model.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1"
    )
    model.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
    model.set_equal_parameter("C1Stick_1_mu", "G2Zeppelin_1_mu")
    model.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
    truth = dict(C1Stick_1_mu=[0.5, 0.5], partial_volume_0=0.6, partial_volume_1=0.4)
    data = model.simulate_signal(hcp, model.parameters_to_parameter_vector(**truth))
    fitted = model.fit(hcp, np.stack([data, data]))
    linked = fitted.fitted_and_linked_parameters
    f0, f1 = linked["partial_volume_0"], linked["partial_volume_1"]
    np.testing.assert_array_equal(linked["C1Stick_1_lambda_par"], [1.7e-9, 1.7e-9])
    np.testing.assert_array_equal(linked["G2Zeppelin_1_lambda_par"], [1.7e-9, 1.7e-9])
    np.testing.assert_array_equal(linked["G2Zeppelin_1_mu"], linked["C1Stick_1_mu"])
    # Szafer tortuosity with the outer fractions: λ⊥ = (1 − f₀/(f₀ + f₁)) λ∥.
    np.testing.assert_allclose(
        linked["G2Zeppelin_1_lambda_perp"], (1 - f0 / (f0 + f1)) * 1.7e-9, rtol=1e-14
    )
    np.testing.assert_allclose(f0, 0.6, rtol=1e-6)


def test_ivim_dstar_fixed_recovers_the_fractions():
    from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
    from dmipy_rs.custom_optimizers.intra_voxel_incoherent_motion import ivim_Dstar_fixed

    b = np.repeat([0, 10, 20, 50, 100, 200, 400, 700, 1000], 6) * 1e6
    scheme = acquisition_scheme_from_bvalues(b, fibonacci_directions(len(b)), b0_threshold=1e6)
    f, D, Dstar = 0.12, 1.1e-9, 7e-9
    data = 500.0 * ((1 - f) * np.exp(-b * D) + f * np.exp(-b * Dstar))
    fitted = ivim_Dstar_fixed(scheme, np.stack([data, data]))
    p = fitted.fitted_parameters
    np.testing.assert_allclose(p["G1Ball_1_lambda_iso"], D, rtol=1e-6)
    np.testing.assert_allclose(p["partial_volume_1"], f, rtol=1e-5)


def test_fod_and_peaks_of_a_fitted_noddi_model(hcp):
    import dmipy_rs
    from dmipy_rs.distributions.distributions import SD1Watson

    noddi = dmipy_rs.turnkey("noddi_watson")
    truth = dict(
        SD1WatsonDistributed_1_SD1Watson_1_mu=[1.0, -0.5],
        SD1WatsonDistributed_1_SD1Watson_1_odi=0.2,
        SD1WatsonDistributed_1_partial_volume_0=0.6,
        partial_volume_0=0.25,
        partial_volume_1=0.75,
    )
    data = noddi.simulate_signal(hcp, noddi.parameters_to_parameter_vector(**truth))
    fitted = noddi.fit(hcp, data[None])
    p = fitted.fitted_parameters
    vertices = fibonacci_directions(4000)
    fod = fitted.fod(vertices)[0]
    watson = SD1Watson(
        mu=p["SD1WatsonDistributed_1_SD1Watson_1_mu"][0],
        odi=float(p["SD1WatsonDistributed_1_SD1Watson_1_odi"][0]),
    )
    # The FOD is the Watson density weighted by the bundle's fraction (1/sr).
    np.testing.assert_allclose(fod, p["partial_volume_1"][0] * watson(n=vertices), rtol=1e-13)
    assert fod.mean() * 4 * np.pi == pytest.approx(0.75, rel=1e-3)
    peaks = fitted.peaks_cartesian()
    assert peaks.shape == (1, 1, 3)
    axis = np.array([np.sin(1.0) * np.cos(-0.5), np.sin(1.0) * np.sin(-0.5), np.cos(1.0)])
    assert abs(peaks[0, 0] @ axis) == pytest.approx(1.0, abs=1e-8)
    with pytest.raises(ValueError, match="not available"):
        dmipy_rs.turnkey("ball_stick").fit(hcp, data[None]).fod(vertices)
