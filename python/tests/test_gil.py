"""The GIL is released during prediction: Python keeps running while the core computes."""

import threading
import time

import numpy as np

from dmipy_rs.signal_models import cylinder_models


def workload(hcp, seconds=0.3):
    """Parameters of a C4 prediction that takes at least `seconds` here (calibrated, doubling)."""
    model = cylinder_models.C4CylinderGaussianPhaseApproximation()
    n = 2000
    while True:
        diameters = np.linspace(1e-6, 10e-6, n)
        start = time.perf_counter()
        model(hcp, mu=[0.4, 0.9], lambda_par=1.7e-9, diameter=diameters)
        if time.perf_counter() - start >= seconds or n >= 2_000_000:
            return model, diameters
        n *= 2


def test_main_thread_runs_python_while_a_thread_predicts(hcp):
    model, diameters = workload(hcp)
    result = {}

    def predict():
        result["signal"] = model(hcp, mu=[0.4, 0.9], lambda_par=1.7e-9, diameter=diameters)

    worker = threading.Thread(target=predict)
    ticks = [time.perf_counter()]
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())  # pure Python: needs the GIL
    worker.join()
    ticks.append(time.perf_counter())
    # Holding the GIL for the whole call would keep this loop from running while the thread
    # predicts: it would count a handful of iterations, not thousands.
    assert len(ticks) > 1000
    np.testing.assert_array_equal(
        result["signal"], model(hcp, mu=[0.4, 0.9], lambda_par=1.7e-9, diameter=diameters)
    )


def test_two_threads_predicting_concurrently_finish_with_serial_results(hcp):
    model, diameters = workload(hcp, seconds=0.1)
    halves = (diameters[::2], diameters[1::2])
    serial = [model(hcp, mu=[0.4, 0.9], lambda_par=1.7e-9, diameter=d) for d in halves]
    results = [None, None]

    def predict(k):
        results[k] = model(hcp, mu=[0.4, 0.9], lambda_par=1.7e-9, diameter=halves[k])

    threads = [threading.Thread(target=predict, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)
