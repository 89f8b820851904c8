"""Posterior sampling from Python (``MultiCompartmentModel.sample``, the engine of ``dmipy
sample``): recovery of simulated parameters, summaries equal to the draws' own statistics,
masks, Dask blocks bit-identical to one NumPy call, errors, and the ArviZ InferenceData.

Every run is seeded: the numbers are fixed, so a statistical tolerance below is a statement of
how unlikely a failure would be under a correct sampler, not of flakiness."""

import sys

import numpy as np
import pytest
from conftest import fibonacci_directions

from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy_rs.core.modeling_framework import MultiCompartmentModel
from dmipy_rs.core.posterior import PosteriorResult
from dmipy_rs.signal_models import cylinder_models, gaussian_models

SIGMA = 0.01  # noise σ relative to S0 (SNR 100)
QUICK = dict(chains=2, warmup=100, draws=100, sigma=SIGMA, number_of_processors=2)
SCALARS = ("G1Ball_1_lambda_iso", "C1Stick_1_lambda_par", "partial_volume_0", "partial_volume_1")


@pytest.fixture(scope="module")
def scheme():
    """Two b0s and two shells (1 and 3 ms/µm²) of 20 directions each: 42 measurements."""
    n = fibonacci_directions(20)
    dirs = np.vstack([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], n, n[::-1]])
    b = np.r_[0.0, 0.0, [1e9] * 20, [3e9] * 20]
    return acquisition_scheme_from_bvalues(b, dirs, delta=0.01, Delta=0.03)


@pytest.fixture(scope="module")
def ball_stick():
    return MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])


def simulate(model, scheme, shape, seed=3):
    """Ball & stick truth away from the bounds, and its signal (S0 = 1) plus N(0, SIGMA²)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    f = rng.uniform(0.45, 0.7, n)
    truth = dict(
        G1Ball_1_lambda_iso=rng.uniform(1.8e-9, 2.4e-9, n),
        C1Stick_1_mu=np.stack([np.arccos(rng.uniform(0.2, 0.9, n)), rng.uniform(-3, 3, n)], -1),
        C1Stick_1_lambda_par=rng.uniform(1.4e-9, 1.9e-9, n),
        partial_volume_0=1 - f,
        partial_volume_1=f,
    )
    truth = {k: v.reshape(shape + v.shape[1:]) for k, v in truth.items()}
    signal = model(scheme, **truth)
    return truth, signal + SIGMA * rng.standard_normal(signal.shape)


def unit(mu):
    theta, phi = mu[..., 0], mu[..., 1]
    return np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], -1)


def test_posterior_means_recover_the_simulated_parameters(ball_stick, scheme):
    truth, data = simulate(ball_stick, scheme, (4,))
    result = ball_stick.sample(scheme, data, **QUICK)
    assert isinstance(result, PosteriorResult)
    np.testing.assert_array_equal(result.diagnostics["flags"], 1)  # all sampled
    np.testing.assert_array_equal(result.diagnostics["sigma"], SIGMA)
    # With 42 measurements at SNR 100 the posterior is close to Gaussian around the truth: the
    # error of its mean, in posterior SDs, is about N(0, 1) (plus Monte Carlo error, SD
    # 1/√ESS ≈ 0.1). |z| > 4 has probability 6e-5 each, 1e-3 for all 16 values.
    for name in SCALARS:
        mean, sd = result.summaries[f"{name}_mean"], result.summaries[f"{name}_std"]
        assert np.all(sd > 0), name
        z = (mean - truth[name]) / sd
        assert np.all(np.abs(z) < 4), (name, z)
    # The SD of a diffusivity at this SNR is a few percent of it, not more: the posterior is
    # informative, so the check above is not passed by a wide posterior.
    lambda_par = truth["C1Stick_1_lambda_par"]
    assert np.all(result.summaries["C1Stick_1_lambda_par_std"] < 0.05 * lambda_par)
    # The true axis is about one posterior draw: its angle to the mean axis exceeds twice the
    # 95th percentile of the draws' angles (a Rayleigh tail, exp(-4.9²/2)) with probability 6e-6.
    mean_axis = result.summaries["C1Stick_1_mu_mean_vector"]
    cosine = np.abs(np.sum(mean_axis * unit(truth["C1Stick_1_mu"]), -1))
    angle = np.degrees(np.arccos(np.minimum(cosine, 1)))
    assert np.all(angle < 2 * result.summaries["C1Stick_1_mu_cone95"]), angle
    assert np.all(result.summaries["C1Stick_1_mu_cone95"] < 10)  # degrees: informative


def test_summaries_are_the_statistics_of_the_draws(ball_stick, scheme):
    _, data = simulate(ball_stick, scheme, (3,), seed=5)
    result = ball_stick.sample(scheme, data, quantiles=(0.05, 0.5, 0.95, 0.025), **QUICK)
    for name in SCALARS:
        draws = result.draws[name]
        assert draws.shape == (2, 100, 3)
        s = result.summaries
        np.testing.assert_allclose(s[f"{name}_mean"], draws.mean(axis=(0, 1)), rtol=1e-12)
        np.testing.assert_allclose(s[f"{name}_std"], draws.std(axis=(0, 1), ddof=1), rtol=1e-10)
        # Type-7 quantiles (Hyndman & Fan 1996), NumPy's method='linear'.
        for p, label in ((0.05, "q05"), (0.5, "q50"), (0.95, "q95"), (0.025, "q2.5")):
            q = np.quantile(draws, p, axis=(0, 1), method="linear")
            np.testing.assert_allclose(s[f"{name}_{label}"], q, rtol=1e-14)
    # The mean axis is the principal eigenvector of the draws' mean dyadic tensor (z ≥ 0), and
    # cone95 the 95th percentile of their angles to it.
    n = unit(result.draws["C1Stick_1_mu"]).reshape(-1, 3, 3)  # (draws, voxel, xyz)
    for v in range(3):
        _, vectors = np.linalg.eigh(np.einsum("si,sj->ij", n[:, v], n[:, v]) / len(n))
        axis = vectors[:, -1] * np.sign(vectors[2, -1])
        mean_axis = result.summaries["C1Stick_1_mu_mean_vector"][v]
        np.testing.assert_allclose(mean_axis, axis, atol=1e-12)
        angles = np.degrees(np.arccos(np.minimum(np.abs(n[:, v] @ axis), 1)))
        np.testing.assert_allclose(
            result.summaries["C1Stick_1_mu_cone95"][v], np.quantile(angles, 0.95), rtol=1e-9
        )
    stats = result.sample_stats
    assert set(stats) == {
        "lp", "energy", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging"
    }
    assert stats["diverging"].dtype == bool and stats["tree_depth"].dtype == np.int64
    np.testing.assert_array_equal(
        result.diagnostics["divergences"], stats["diverging"].sum(axis=(0, 1))
    )
    np.testing.assert_array_equal(stats["n_steps"] >= 1, True)
    np.testing.assert_allclose(
        result.diagnostics["mean_accept"], stats["acceptance_rate"].mean(axis=(0, 1)), rtol=1e-12
    )


def test_mask_places_the_masked_voxels_on_the_grid(ball_stick, scheme):
    _, data = simulate(ball_stick, scheme, (2, 3), seed=11)
    mask = np.array([[True, False, True], [True, True, False]])
    result = ball_stick.sample(scheme, data, mask=mask, **QUICK)
    alone = ball_stick.sample(scheme, data[mask], **QUICK)  # the 4 voxels, in C order
    np.testing.assert_array_equal(result.mask, mask)
    np.testing.assert_array_equal(result.voxel_indices, np.argwhere(mask))
    assert result.summaries["C1Stick_1_mu_mean_vector"].shape == (2, 3, 3)
    for name, values in result.summaries.items():
        assert values.shape[:2] == (2, 3), name
        assert np.all(np.isnan(values[~mask])), name
        np.testing.assert_array_equal(values[mask], alone.summaries[name])
    np.testing.assert_array_equal(result.diagnostics["flags"], mask.astype(np.uint8))
    for name in ("rhat", "ess_bulk", "sigma"):
        assert np.all(np.isnan(result.diagnostics[name][~mask]))
        np.testing.assert_array_equal(result.diagnostics[name][mask], alone.diagnostics[name])
    for name, values in result.draws.items():
        np.testing.assert_array_equal(values, alone.draws[name])


def test_per_voxel_fixed_values_follow_the_mask(scheme):
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    truth, data = simulate(model, scheme, (2, 2), seed=13)
    mask = np.array([[True, False], [True, True]])
    model.set_fixed_parameter("G1Ball_1_lambda_iso", truth["G1Ball_1_lambda_iso"])
    result = model.sample(scheme, data, mask=mask, **QUICK)
    alone = MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    alone.set_fixed_parameter("G1Ball_1_lambda_iso", truth["G1Ball_1_lambda_iso"][mask])
    reference = alone.sample(scheme, data[mask], **QUICK)
    # A parameter fixed per voxel: its value exactly, SD 0.
    iso = result.summaries["G1Ball_1_lambda_iso_mean"]
    np.testing.assert_array_equal(iso[mask], truth["G1Ball_1_lambda_iso"][mask])
    np.testing.assert_array_equal(result.summaries["G1Ball_1_lambda_iso_std"][mask], 0)
    for name, values in result.summaries.items():
        np.testing.assert_array_equal(values[mask], reference.summaries[name])
    for name, values in result.draws.items():
        np.testing.assert_array_equal(values, reference.draws[name])


def test_dask_blocks_on_a_local_cluster_equal_one_numpy_call(ball_stick, scheme):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    _, data = simulate(ball_stick, scheme, (3, 4), seed=17)
    mask = np.ones((3, 4), dtype=bool)
    mask[0, :2] = False  # the first block (2 × 2) has no voxel to sample
    mask[2, 3] = False
    reference = ball_stick.sample(scheme, data, mask=mask, **QUICK)
    lazy = da.from_array(data, chunks=(2, 2, 20))  # blocks also split the measurements
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        result = ball_stick.sample(scheme, lazy, mask=mask, **QUICK)
    # Each voxel's seed key is its position among the masked voxels of the whole grid, and the
    # scheme rebuilt on the workers is bit-identical: the numbers are the same, not just close.
    for group in ("summaries", "diagnostics", "draws", "sample_stats"):
        ours, theirs = getattr(result, group), getattr(reference, group)
        assert ours.keys() == theirs.keys()
        for name in ours:
            np.testing.assert_array_equal(ours[name], theirs[name], err_msg=f"{group} {name}")
    np.testing.assert_array_equal(result.voxel_indices, reference.voxel_indices)


def test_dask_refuses_per_voxel_fixed_values(scheme):
    da = pytest.importorskip("dask.array")
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    truth, data = simulate(model, scheme, (2,))
    model.set_fixed_parameter("G1Ball_1_lambda_iso", truth["G1Ball_1_lambda_iso"])
    with pytest.raises(ValueError, match="per-voxel fixed values"):
        model.sample(scheme, da.from_array(data), **QUICK)


@pytest.mark.parametrize(
    "bad, says",
    [
        (dict(chains=0), "sampling option chains: must be at least 1"),
        (dict(draws=2), "sampling option draws: must be at least 4"),
        (dict(sigma=0.0), "sampling option sigma: must be positive"),
        (dict(sigma=-0.1), "sampling option sigma: must be positive"),
        (dict(quantiles=(0.5, 1.5)), "sampling option quantiles"),
        (dict(noise="laplace"), "noise 'laplace' is not available"),
        (
            dict(priors={"G1Ball_1_lambda_isotropic": {"normal": {"mean": 2e-9, "sd": 1e-10}}}),
            "prior for G1Ball_1_lambda_isotropic: the model has no such parameter",
        ),
        (
            dict(priors={"C1Stick_1_lambda_par": {"gamma": {"k": 2}}}),
            "prior for C1Stick_1_lambda_par",
        ),
        (
            dict(priors={"C1Stick_1_mu": {"normal": {"mean": 1, "sd": 1}}}),
            "orientations and angles are always uniform",
        ),
    ],
)
def test_bad_input_is_a_value_error_naming_the_problem(ball_stick, scheme, bad, says):
    _, data = simulate(ball_stick, scheme, (1,))
    settings = {**QUICK, **bad}
    with pytest.raises(ValueError, match=says):
        ball_stick.sample(scheme, data, **settings)


def test_priors_move_the_posterior(ball_stick, scheme):
    """A normal prior on λ_par, SD 1e-11 m²/s (the posterior SD without it is 2.5e-11), 0.5e-9
    m²/s below the truth, pulls the posterior mean most of the way to the prior mean but not
    all of it (precision-weighted, 1/(1 + 1e-22/2.5e-11²) ≈ 0.86 of the way): the priors reach
    the sampler and combine with the likelihood."""
    truth, data = simulate(ball_stick, scheme, (1,), seed=19)
    target = truth["C1Stick_1_lambda_par"][0] - 0.5e-9
    prior = {"C1Stick_1_lambda_par": {"normal": {"mean": target, "sd": 1e-11}}}
    free = ball_stick.sample(scheme, data, **QUICK)
    pulled = ball_stick.sample(scheme, data, priors=prior, **QUICK)
    far = abs(free.summaries["C1Stick_1_lambda_par_mean"][0] - target)
    near = abs(pulled.summaries["C1Stick_1_lambda_par_mean"][0] - target)
    assert far > 4e-10 and 0.05 * far < near < 0.3 * far, (far, near)


def test_to_inference_data_has_the_layout_of_the_draws_store(ball_stick, scheme):
    az = pytest.importorskip("arviz")
    _, data = simulate(ball_stick, scheme, (2, 2), seed=23)
    mask = np.array([[True, True], [False, True]])
    result = ball_stick.sample(scheme, data, mask=mask, **QUICK)
    idata = result.to_inference_data()
    posterior, stats = idata["posterior"], idata["sample_stats"]
    assert set(posterior.data_vars) == set(ball_stick.parameter_names)
    mu = posterior["C1Stick_1_mu"]
    assert mu.dims == ("chain", "draw", "voxel", "C1Stick_1_mu_dim_0")
    assert posterior["partial_volume_1"].dims == ("chain", "draw", "voxel")
    np.testing.assert_array_equal(mu.values, result.draws["C1Stick_1_mu"])
    assert stats["diverging"].dims == ("chain", "draw", "voxel")
    np.testing.assert_array_equal(stats["tree_depth"].values, result.sample_stats["tree_depth"])
    np.testing.assert_array_equal(posterior["voxel"].values, [0, 1, 2])
    np.testing.assert_array_equal(posterior["voxel_i"].values, [0, 0, 1])
    np.testing.assert_array_equal(posterior["voxel_j"].values, [0, 1, 1])
    np.testing.assert_array_equal(stats["voxel_j"].values, [0, 1, 1])


def test_to_inference_data_explains_what_is_missing(ball_stick, scheme, monkeypatch):
    _, data = simulate(ball_stick, scheme, (1,))
    summaries_only = ball_stick.sample(scheme, data, return_draws=False, **QUICK)
    assert summaries_only.draws is None and summaries_only.sample_stats is None
    with pytest.raises(ValueError, match="return_draws=True"):
        summaries_only.to_inference_data()
    with_draws = ball_stick.sample(scheme, data, **QUICK)
    monkeypatch.setitem(sys.modules, "arviz", None)  # import arviz now raises ImportError
    with pytest.raises(ImportError, match="needs ArviZ"):
        with_draws.to_inference_data()


def test_sigma_can_be_sampled(ball_stick, scheme):
    """``sigma='sample'`` samples σ as a parameter ``sigma``: with 42 measurements and 5
    parameters its posterior SD is about σ/√(2·37) ≈ 12 %, so the mean over 4 voxels of the
    posterior means is within 25 % of the true σ (4 standard errors: fails with probability
    ~1e-4 under a correct sampler); the reported σ is that posterior mean."""
    _, data = simulate(ball_stick, scheme, (4,), seed=23)
    settings = {**QUICK, "sigma": "sample"}
    result = ball_stick.sample(scheme, data, **settings)
    mean = result.summaries["sigma_mean"]
    assert abs(mean.mean() / SIGMA - 1) < 0.25, mean
    np.testing.assert_allclose(result.diagnostics["sigma"], mean, rtol=1e-12)
    draws = result.draws["sigma"]
    assert draws.shape == (2, 100, 4) and np.all((draws > 1e-3) & (draws < 1))
