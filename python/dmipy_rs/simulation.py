"""Monte Carlo diffusion simulation of a geometry: ``dmipy_rs.simulation`` (the ``dmipy simulate``
engine, ``dmipy_sim`` in Rust).

    from dmipy_rs.simulation import simulate
    r = simulate({"kind": "cylinder", "radius": 5e-6, "diffusivity": 2e-9}, scheme,
                 walkers=20000, steps=1000, seed=1)
    r["signal"], r["std_error"], r["compartments"]["intra"]["signal"]

Substrates are the JSON objects of ``dmipy simulate`` (a dict, JSON text, or the path of a JSON
file; mesh files are read relative to that file, or to ``base_dir``). Waveforms: ``'pgse'``,
``'trapezoid'`` (``ramp`` s) or ``'ogse'`` (``periods``) on the scheme's δ and Δ; ``steps`` or
``dt`` (s). Walker i's random numbers depend only on (seed, i), so the signal does not depend on
threads, and with ``tasks`` > 1 the walkers are split into that many Dask tasks (on a
``dask.distributed`` cluster when a client is active) whose chunk sums combine into exactly the
signal of one run.
"""

import json
import os

from . import _core


def _substrate_text(substrate, base_dir):
    if isinstance(substrate, dict):
        return json.dumps(substrate), base_dir or "."
    text = str(substrate)
    if text.lstrip().startswith("{"):
        return text, base_dir or "."
    with open(text) as f:
        return f.read(), base_dir or os.path.dirname(os.path.abspath(text))


def _chunks(text, base_dir, scheme, options, first, count):
    return _core.simulate_chunks(text, base_dir, scheme._core, first=first, count=count, **options)


def simulate(substrate, scheme, *, walkers=10_000, steps=None, dt=None, waveform="pgse", ramp=0.0,
             periods=1, seed=0, start="everywhere", permeability=0.0, base_dir=None, tasks=1):
    """Simulates the signal of ``scheme`` (an ``AcquisitionScheme`` with δ and Δ) in ``substrate``.

    ``start``: ``'everywhere'`` or a compartment name (``'intra'``, ``'extra'``);
    ``permeability`` in m/s (packings and meshes). Returns a dict of NumPy arrays: ``signal``,
    ``std_error``, ``mean_sin`` (per measurement), ``compartments`` ({name: {walkers, signal,
    std_error, mean_sin}}), ``walkers``, ``steps``, ``dt``, ``seed``, ``truncated_steps``.
    """
    text, base_dir = _substrate_text(substrate, base_dir)
    shape = dict(waveform=waveform, steps=steps, dt=dt, ramp=float(ramp), periods=int(periods))
    options = dict(shape, walkers=int(walkers), seed=int(seed), start=start,
                   permeability=float(permeability))
    n = _core.chunk_count(int(walkers))
    tasks = max(1, min(int(tasks), n))
    if tasks == 1:
        rows, layout = _chunks(text, base_dir, scheme, options, 0, None)
    else:
        import dask
        import numpy as np

        bounds = np.linspace(0, n, tasks + 1).round().astype(int)
        parts = dask.compute(*[
            dask.delayed(_chunks)(text, base_dir, scheme, options, int(a), int(b - a))
            for a, b in zip(bounds[:-1], bounds[1:])
        ])
        rows, layout = np.concatenate([p[0] for p in parts]), parts[0][1]
    return _core.combine_chunks(rows, layout, seed=int(seed))
