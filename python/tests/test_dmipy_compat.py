"""Dmipy 1.x drop-in helpers: densities, rotations, tortuosity, spherical means, saved schemes,
scheme utilities and the unit leniency — each against a closed form or an exact identity."""

import math
import warnings

import numpy as np
import pytest

from dmipy_rs import DmipyError
from dmipy_rs.core.acquisition_scheme import (
    acquisition_scheme_from_bvalues,
    acquisition_scheme_from_qvalues,
    acquisition_scheme_from_schemefile,
    calculate_shell_bvalues_and_indices,
    gtab_dmipy2dipy,
)
from dmipy_rs.data.saved_acquisition_schemes import duval_cat_spinal_cord_2d_acquisition_scheme
from dmipy_rs.distributions.distributions import DD1Gamma, SD1Watson, SD2Bingham, odi2kappa
from dmipy_rs.signal_models import gaussian_models
from dmipy_rs.utils import utils
from dmipy_rs.utils.spherical_mean import (
    estimate_spherical_mean_multi_shell,
    estimate_spherical_mean_shell,
)

from conftest import fibonacci_directions

GAMMA = 267.513e6  # rad/(s·T), the core's gyromagnetic ratio of 1H


def erfi_series(x):
    """erfi(x) = 2/√π Σ x^(2n+1) / (n! (2n+1)) (DLMF 7.6.2 with erfi(x) = −i erf(ix))."""
    return 2 / math.sqrt(math.pi) * sum(
        x ** (2 * n + 1) / (math.factorial(n) * (2 * n + 1)) for n in range(60)
    )


def test_watson_density_closed_form_and_unit_integral():
    kappa = 2.0
    odi = 2 / np.pi * np.arctan(1 / kappa)
    mu = [0.4, -1.0]
    axis = utils.unitsphere2cart_1d(np.array(mu))
    # ₁F₁(½; 3/2; κ) = √π erfi(√κ) / (2√κ) (DLMF 13.6.7 with erfi).
    hyp = math.sqrt(math.pi) * erfi_series(math.sqrt(kappa)) / (2 * math.sqrt(kappa))
    watson = SD1Watson(mu=mu, odi=odi)
    assert watson(n=axis) == pytest.approx(math.exp(kappa) / (4 * math.pi * hyp), rel=1e-12)
    perpendicular = utils.perpendicular_vector(axis)
    assert watson(n=perpendicular) == pytest.approx(1 / (4 * math.pi * hyp), rel=1e-12)
    # Equal-area points: the mean density × 4π is the integral, 1 up to the rule's error
    # (~1e-5 for 20,000 golden-spiral points on this smooth density).
    n = fibonacci_directions(20000)
    assert watson(n=n).mean() * 4 * np.pi == pytest.approx(1.0, abs=1e-4)
    # ODI = 1 is the uniform density, 1/(4π) to the last bit (Dmipy's exact check).
    assert SD1Watson(mu=mu, odi=1.0)(n=axis) * 4 * np.pi == 1.0


def test_bingham_without_beta_is_watson_and_integrates_to_one():
    n = fibonacci_directions(20000)
    mu, odi = [1.1, 0.3], 0.25
    watson = SD1Watson(mu=mu, odi=odi)(n=n)
    bingham = SD2Bingham(mu=mu, psi=0.7, odi=odi, beta_fraction=0.0)(n=n)
    np.testing.assert_allclose(bingham, watson, rtol=1e-10)
    skewed = SD2Bingham(mu=mu, psi=0.7, odi=odi, beta_fraction=0.8)
    assert skewed(n=n).mean() * 4 * np.pi == pytest.approx(1.0, abs=1e-4)
    # The second axis ν = R(θ, φ, ψ)·ŷ is where the density exceeds the third axis's.
    R = utils.rotation_matrix_100_to_theta_phi_psi(mu[0], mu[1], 0.7)
    assert skewed(n=R @ [0, 1, 0]) > skewed(n=R @ [0, 0, 1])
    kappa = odi2kappa(odi)
    ratio = skewed(n=R @ [0, 1, 0]) / skewed(n=R @ [0, 0, 1])
    assert ratio == pytest.approx(math.exp(0.8 * kappa), rel=1e-12)


def test_gamma_density_grid_and_quantiles():
    alpha, beta = 1.0, 3e-6
    for normalization, k in [("standard", 0), ("plane", 1), ("cylinder", 2), ("sphere", 3)]:
        gamma = DD1Gamma(alpha=alpha, beta=beta, normalization=normalization)
        radii, density = gamma()
        assert len(radii) == 30
        assert np.trapezoid(density, x=radii) == pytest.approx(1.0, rel=1e-12)
        # Exact density of Gamma(α + k, β) at one radius.
        r = 4e-6
        a = alpha + k
        exact = math.exp((a - 1) * math.log(r / beta) - r / beta - math.lgamma(a)) / beta
        assert gamma.pdf(np.array([r])) == pytest.approx(exact, rel=1e-12)
    # Shape 3 (cylinder weighting of α = 1): CDF(u) = 1 − e^{−u}(1 + u + u²/2).
    radii, _ = DD1Gamma(alpha=alpha, beta=beta, normalization="cylinder")()

    def cdf(u):
        return 1 - math.exp(-u) * (1 + u + u * u / 2)

    assert cdf(radii[0] / beta) == pytest.approx(0.005, rel=1e-4)
    assert cdf(radii[-1] / beta) == pytest.approx(0.995, rel=1e-6)


def test_rotations_and_perpendicular_vector():
    theta, phi, psi = 0.9, -2.1, 0.4
    R = utils.rotation_matrix_100_to_theta_phi_psi(theta, phi, psi)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-15)
    assert np.linalg.det(R) == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_allclose(R @ [1, 0, 0], utils.sphere2cart([1, theta, phi]), atol=1e-15)
    np.testing.assert_allclose(
        utils.rotation_matrix_around_100(np.pi) @ [0, 1, 0], [0, -1, 0], atol=1e-15
    )
    v = utils.sphere2cart([1.0, 2.5, 0.3])
    np.testing.assert_allclose(utils.rotation_matrix_001_to_xyz(*v) @ [0, 0, 1], v, atol=1e-15)
    w = utils.perpendicular_vector(v)
    assert abs(w @ v) < 1e-15 and np.linalg.norm(w) == pytest.approx(1.0, rel=1e-15)
    np.testing.assert_array_equal(utils.perpendicular_vector(np.array([2.0, 0, 0])), [0, 0, 1])
    with pytest.raises(ValueError):
        utils.perpendicular_vector(np.zeros(3))


def test_t1_tortuosity_is_dmipys_formula():
    # Two compartments (v_i + v_e = 1): Szafer's λ⊥ = (1 − v_i) λ∥.
    assert utils.T1_tortuosity()(1.7e-9, 0.7) == pytest.approx(0.3 * 1.7e-9, rel=1e-13)
    assert utils.T1_tortuosity()(1.7e-9, 0.7, 0.3) == pytest.approx(0.3 * 1.7e-9, rel=1e-13)
    # A third compartment: Dmipy 1.0.5 (and the core's link) normalise only v_i,
    # ṽ = 0.7/0.9, f = ṽ/(ṽ + 0.2) = 35/44, λ⊥ = 9/44 λ∥ = 0.2045 λ∥ (Dmipy 1.0.5 printed
    # 0.20454545454545459 here), not Szafer's 0.2/0.9 = 0.2222 λ∥.
    assert utils.T1_tortuosity()(1.7e-9, 0.7, 0.2) == pytest.approx(1.7e-9 * 9 / 44, rel=1e-13)
    # S0 responses 3000 (intra) and 4000 (extra): f = ṽ·4000/(ṽ·4000 + 0.2·3000) = 140/167.
    tortuosity = utils.T1_tortuosity(S0_intra=3000.0, S0_extra=4000.0)
    assert tortuosity(1.7e-9, 0.7, 0.2) == pytest.approx(1.7e-9 * 27 / 167, rel=1e-13)


def test_spherical_mean_of_data_matches_the_analytic_mean(hcp):
    lpar, lperp = 1.7e-9, 0.5e-9
    zeppelin = gaussian_models.G2Zeppelin()
    signal = zeppelin(hcp, mu=[0.3, 0.2], lambda_par=lpar, lambda_perp=lperp)
    estimated = estimate_spherical_mean_multi_shell(signal, hcp)
    # Axially symmetric Gaussian: mean = e^{−bλ⊥} √π erf(√(bΔλ)) / (2√(bΔλ)).
    expected = [
        1.0 if b < 1e7 else math.exp(-b * lperp) * math.sqrt(math.pi)
        * math.erf(math.sqrt(b * (lpar - lperp))) / (2 * math.sqrt(b * (lpar - lperp)))
        for b in hcp.shell_bvalues
    ]
    # The SH fit is exact up to the order the shell's 90 directions support; the rest of the
    # zeppelin's harmonics alias into the mean by < 1e-6 here (Dmipy's test allows 1.5e-6).
    np.testing.assert_allclose(estimated, expected, rtol=0, atol=1.5e-6)
    shell = hcp.shell_indices == 2
    one = estimate_spherical_mean_shell(signal[shell], hcp.gradient_directions[shell])
    assert one == pytest.approx(estimated[2], rel=1e-12)


def test_shell_clustering_by_bvalue():
    b = np.array([0.0, 1005e6, 995e6, 2000e6, 10e6, 3010e6, 2990e6])
    indices, means = calculate_shell_bvalues_and_indices(b, max_distance=20e6)
    np.testing.assert_array_equal(indices, [0, 1, 1, 2, 0, 3, 3])
    np.testing.assert_allclose(means, [5e6, 1000e6, 2000e6, 3000e6], rtol=1e-15)


def test_duval_scheme_from_its_protocol():
    scheme = duval_cat_spinal_cord_2d_acquisition_scheme()
    assert len(scheme) == 1791
    # 4 b0s per block, plus the weakest gradients of the short blocks below the b0 threshold.
    assert np.all(scheme.b0_mask[np.r_[0:4, 199:203]])
    np.testing.assert_array_equal(np.unique(scheme.Delta), [0.007, 0.012, 0.015, 0.02, 0.025,
                                                           0.03, 0.035, 0.04])
    g = 0.848528
    # The strongest measurement of the (Δ, δ) = (40, 8) ms block: b = (γGδ)²(Δ − δ/3).
    last = slice(1592, 1791)
    b_max = (GAMMA * g * 0.008) ** 2 * (0.04 - 0.008 / 3)
    assert scheme.bvalues[last].max() == pytest.approx(b_max, rel=1e-12)
    np.testing.assert_allclose(
        np.abs(scheme.gradient_directions[4:199, :2]), np.sqrt(0.5), rtol=1e-15
    )
    with pytest.raises(ValueError, match="several delta"):
        gtab_dmipy2dipy(scheme)


def test_pruning_and_scheme_file_round_trip(hcp, tmp_path):
    data = np.arange(len(hcp), dtype=float)
    pruned, pruned_data = hcp.return_pruned_acquisition_scheme([2], data)
    keep = hcp.shell_indices == 2
    np.testing.assert_array_equal(pruned.bvalues, hcp.bvalues[keep])
    np.testing.assert_array_equal(pruned_data, data[keep])
    path = tmp_path / "hcp.scheme"
    hcp.to_schemefile(path)
    back = acquisition_scheme_from_schemefile(path)
    np.testing.assert_allclose(back.bvalues, hcp.bvalues, rtol=1e-12, atol=1e-3)
    np.testing.assert_allclose(back.Delta, hcp.Delta, rtol=1e-15)
    # Dmipy writes TE = Δ + 2δ + 1 ms when the scheme has none.
    np.testing.assert_allclose(back.TE, 0.0431 + 2 * 0.0106 + 0.001, rtol=1e-15)


def test_long_timings_warn_and_are_kept():
    q = np.linspace(0, 1e6, 5)
    with pytest.warns(UserWarning, match="longer than 1 s"):
        scheme = acquisition_scheme_from_qvalues(q, np.tile([1.0, 0, 0], (5, 1)), 1e-10, 1e10)
    np.testing.assert_allclose(
        scheme.bvalues, (2 * np.pi * q) ** 2 * (1e10 - 1e-10 / 3), rtol=1e-14
    )
    # b-values that look like s/mm² stay an error, long timings or not (the common mistake).
    with pytest.raises(DmipyError, match="look like s/mm"), pytest.warns(UserWarning):
        acquisition_scheme_from_bvalues(np.r_[0, 1000.0], np.tile([0, 0, 1.0], (2, 1)), 0.01, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        acquisition_scheme_from_bvalues(np.r_[0, 1e9], [[0, 0, 1.0], [0, 0, 1.0]], 0.01, 0.03)
    with pytest.raises(DmipyError, match="longer than Delta"), pytest.warns(UserWarning):
        acquisition_scheme_from_bvalues(np.r_[1e9], [[0, 0, 1.0]], 2.0, 1.5)
