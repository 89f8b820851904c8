"""MultiCompartmentSphericalHarmonicsModel from Python: Dmipy's MC-CSD calls on Watson-dispersed
data with known fractions."""

import numpy as np
import pytest

from dmipy_rs.core.modeling_framework import (
    MultiCompartmentModel,
    MultiCompartmentSphericalHarmonicsModel,
)
from dmipy_rs.distributions import distribute_models
from dmipy_rs.signal_models import cylinder_models, gaussian_models


def watson_stick_and_ball(hcp, vf_intra, odi=0.15, mu=(0.3, 1.2)):
    stick, ball = cylinder_models.C1Stick(), gaussian_models.G1Ball()
    mc = MultiCompartmentModel([distribute_models.SD1WatsonDistributed([stick]), ball])
    return mc.simulate_signal(hcp, mc.parameters_to_parameter_vector(
        G1Ball_1_lambda_iso=3e-9, SD1WatsonDistributed_1_SD1Watson_1_mu=np.array(mu),
        SD1WatsonDistributed_1_C1Stick_1_lambda_par=1.7e-9,
        SD1WatsonDistributed_1_SD1Watson_1_odi=odi, partial_volume_0=vf_intra,
        partial_volume_1=1 - vf_intra))


def test_two_kernel_csd_recovers_the_fractions_and_the_signal(hcp):
    # Dmipy's MC-CSD example: a stick kernel and a ball kernel with fixed parameters, fractions
    # fitted. Watson-dispersed data are a convolution of the stick kernel with the Watson
    # density, so the fit is exact up to the density's SH content beyond order 8.
    stick, ball = cylinder_models.C1Stick(), gaussian_models.G1Ball()
    sh = MultiCompartmentSphericalHarmonicsModel([stick, ball])
    assert sh.parameter_names == [
        "C1Stick_1_lambda_par", "G1Ball_1_lambda_iso", "partial_volume_0", "partial_volume_1",
        "sh_coeff"]
    sh.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9)
    sh.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
    data = 100 * np.stack([watson_stick_and_ball(hcp, f) for f in (0.7, 0.4)])
    fit = sh.fit(hcp, data, solver="csd_cvxpy", lambda_lb=0.0)
    p = fit.fitted_parameters
    np.testing.assert_allclose(p["partial_volume_0"], [0.7, 0.4], atol=1e-3)
    np.testing.assert_allclose(p["partial_volume_0"] + p["partial_volume_1"], 1, atol=1e-9)
    assert p["sh_coeff"].shape == (2, 45)
    np.testing.assert_allclose(fit.predict(), data, rtol=2e-3)
    # The FOD integrates to the stick fraction: 2 sqrt(pi) c00.
    np.testing.assert_allclose(2 * np.sqrt(np.pi) * p["sh_coeff"][:, 0], [0.7, 0.4], atol=1e-3)
    # Its peak is the bundle's axis.
    theta, phi = 0.3, 1.2
    axis = np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])
    rng = np.random.default_rng(0)
    others = rng.normal(size=(500, 3))
    others /= np.linalg.norm(others, axis=1)[:, None]
    fod = fit.fod(np.vstack([axis, others]))
    assert np.all(fod[:, 0] >= fod[:, 1:].max(axis=1))
    assert np.all(fit.anisotropy_index() > 0.5)
    # One peak per voxel (single bundle), on the axis: refined on the default sphere to the
    # FOD's maximum, and on a given sphere (the random directions plus the axis, neighbours by
    # the 6 nearest) at its best vertex, the axis itself.
    directions, values, _ = fit.peaks_directions()
    assert np.all(values[:, 1:] == 0)
    np.testing.assert_allclose(np.abs(directions[:, 0] @ axis), 1, atol=1e-4)
    vertices = np.vstack([axis, others])
    near = np.argsort(-np.abs(vertices @ vertices.T), axis=1)[:, 1:7]
    edges = np.array([[a, b] for a in range(len(vertices)) for b in near[a] if a < b])

    class Sphere:
        pass

    sphere = Sphere()
    sphere.vertices, sphere.edges = vertices, edges
    directions, values, indices = fit.peaks_directions(sphere, max_peaks=3)
    assert directions.shape == (2, 3, 3) and np.all(indices[:, 0] == 0)
    np.testing.assert_allclose(values[:, 0], fod[:, 0])


def test_unfixed_kernels_and_bad_settings_are_refused(hcp):
    sh = MultiCompartmentSphericalHarmonicsModel([cylinder_models.C1Stick()])
    data = 100 * watson_stick_and_ball(hcp, 1.0)[None]
    with pytest.raises(ValueError, match="Kernel parameter C1Stick_1_lambda_par is not fixed"):
        sh.fit(hcp, data)
    sh.set_fixed_parameter("C1Stick_1_lambda_par", 1.7e-9)
    with pytest.raises(ValueError, match="solver 'mix'"):
        sh.fit(hcp, data, solver="mix")
    with pytest.raises(ValueError, match="sh_coeff"):
        sh.set_fixed_parameter("sh_coeff", 1.0)
    with pytest.raises(ValueError, match="one anisotropic kernel"):
        MultiCompartmentSphericalHarmonicsModel([gaussian_models.G1Ball()])
    with pytest.raises(ValueError, match="S0_tissue responses"):
        MultiCompartmentSphericalHarmonicsModel([cylinder_models.C1Stick()], S0_tissue_responses=[1, 2])
    # One kernel: Tournier 2007's CSD by default ('csd'); its regularised solution reproduces the
    # normalised signal to Dmipy's 2 decimals.
    fit = sh.fit(hcp, data)
    np.testing.assert_allclose(fit.predict() / 100, data / 100, atol=0.015)
