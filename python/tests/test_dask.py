"""Fitting a Dask array block by block on a local Dask cluster (worker processes), compared with
the fit of the same NumPy array. scripts/test-python.sh installs dask[distributed]."""

import numpy as np
import pytest

from dmipy_rs.core.modeling_framework import MultiCompartmentModel
from dmipy_rs.signal_models import cylinder_models, gaussian_models

import dask.array as da
import distributed

def test_dask_fit_on_a_local_cluster_equals_the_numpy_fit(hcp):
    model = MultiCompartmentModel(models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    rng = np.random.default_rng(7)
    shape = (12, 25)  # 300 voxels
    n = int(np.prod(shape))
    f = rng.uniform(0.3, 0.8, n).reshape(shape)
    mu = np.stack([np.arccos(rng.uniform(-1, 1, n)), rng.uniform(-np.pi, np.pi, n)], -1)
    truth = dict(
        G1Ball_1_lambda_iso=rng.uniform(2e-9, 3e-9, n).reshape(shape),
        C1Stick_1_mu=mu.reshape(shape + (2,)),
        C1Stick_1_lambda_par=rng.uniform(1.2e-9, 2.2e-9, n).reshape(shape),
        partial_volume_0=1 - f,
        partial_volume_1=f,
    )
    data = 80.0 * model(hcp, **truth)
    mask = np.ones(shape, dtype=bool)
    mask[0, :5] = False
    lazy = da.from_array(data, chunks=(4, 10, 96))  # blocks also split the measurements
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        fitted = model.fit(hcp, lazy, mask=mask, number_of_processors=1)
    reference = model.fit(hcp, data, mask=mask, number_of_processors=1)
    np.testing.assert_array_equal(fitted.mask, reference.mask)
    # Workers get the scheme rebuilt from its b-values (pickled), equal to rounding: the fits
    # agree to rounding, not bit for bit.
    np.testing.assert_allclose(
        fitted.fitted_parameters_vector, reference.fitted_parameters_vector, rtol=1e-12, atol=0
    )
    np.testing.assert_allclose(fitted.S0, 80.0, rtol=1e-14)  # everywhere, as Dmipy
    np.testing.assert_allclose(
        fitted.fitted_parameters["partial_volume_1"][mask], f[mask], rtol=1e-6
    )
