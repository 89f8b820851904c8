"""dmipy_rs.simulation: free diffusion against exp(−bD), a cylinder along and across its axis,
Dask tasks that combine into exactly one run, and errors that name the field."""

import json

import numpy as np
import pytest

import distributed

from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy_rs.simulation import simulate

D = 2e-9


def scheme(directions):
    b = np.array([0.0, 0.5e9, 1e9, 2e9, 3e9])
    dirs = np.array([[1.0, 0.0, 0.0]] + [directions] * 4)
    return acquisition_scheme_from_bvalues(b, dirs, delta=0.01, Delta=0.03)


def test_free_diffusion_is_exp_minus_bd():
    s = scheme([0.0, 0.6, 0.8])
    r = simulate({"kind": "free", "diffusivity": D}, s, walkers=4000, steps=200, seed=3)
    exact = np.exp(-s.bvalues * D)
    # 4 standard errors per measurement: false-failure rate < 3e-4 over the 4 non-zero b.
    assert r["signal"][0] == 1.0
    assert np.all(np.abs(r["signal"] - exact) <= 4 * r["std_error"] + 1e-12), (r["signal"], exact)
    assert r["walkers"] == 4000 and r["steps"] == 200


def test_cylinder_is_free_along_its_axis(tmp_path):
    path = tmp_path / "cyl.json"
    path.write_text(json.dumps({"kind": "cylinder", "radius": 3e-6, "axis": [0, 0, 1],
                                "diffusivity": D}))
    along = simulate(str(path), scheme([0.0, 0.0, 1.0]), walkers=3000, steps=100, seed=4)
    exact = np.exp(-np.array([0.0, 0.5e9, 1e9, 2e9, 3e9]) * D)
    assert np.all(np.abs(along["signal"] - exact) <= 4 * along["std_error"] + 1e-12)
    across = simulate(str(path), scheme([1.0, 0.0, 0.0]), walkers=3000, steps=100, seed=4)
    # Restricted across: far above the free signal at b = 3e9 (e^-6 = 0.0025).
    assert across["signal"][-1] > 0.5
    assert across["compartments"]["intra"]["walkers"] == 3000


def test_dask_tasks_on_a_local_cluster_combine_into_exactly_one_run():
    s = scheme([0.0, 0.6, 0.8])
    sphere = {"kind": "sphere", "radius": 4e-6, "diffusivity": D}
    one = simulate(sphere, s, walkers=2000, steps=60, seed=9)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        split = simulate(sphere, s, walkers=2000, steps=60, seed=9, tasks=3)
    for key in ("signal", "std_error", "mean_sin"):
        np.testing.assert_array_equal(split[key], one[key])
    assert split["walkers"] == 2000


def test_bad_input_names_the_problem():
    s = scheme([1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="kind"):
        simulate({"kind": "torus", "diffusivity": D}, s, walkers=10, steps=5)
    with pytest.raises(ValueError, match="radius"):
        simulate({"kind": "sphere", "radius": -1e-6, "diffusivity": D}, s, walkers=10, steps=5)
    with pytest.raises(ValueError, match="steps or dt"):
        simulate({"kind": "free", "diffusivity": D}, s, walkers=10, steps=5, dt=1e-4)
    with pytest.raises(ValueError, match="waveform"):
        simulate({"kind": "free", "diffusivity": D}, s, walkers=10, steps=5, waveform="sine")
