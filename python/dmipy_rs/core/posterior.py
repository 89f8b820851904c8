"""Posterior sampling results (``MultiCompartmentModel.sample``): summaries and diagnostics on the
data's voxel grid, the draws of the sampled voxels, and their ArviZ ``InferenceData``.

The names are those of ``dmipy sample``: maps ``P_mean``, ``P_std``, ``P_qNN`` (``q05``,
``q50``, ``q95``), ``P_mean_vector`` and ``P_cone95`` for an orientation, ``rhat``,
``ess_bulk``, ``ess_tail``, ``divergences``, ``sigma``, ``flags``; draws and NUTS statistics
(``lp``, ``energy``, ``acceptance_rate``, ``step_size``, ``tree_depth``, ``n_steps``,
``diverging``) with dimensions ``(chain, draw, voxel[, P_dim_0])``, as in the Zarr store that
``dmipy sample --save-draws`` writes.
"""

import json

import numpy as np

__all__ = ["PosteriorResult"]

#: Names of the grid-index coordinates along ``voxel``, one per grid axis (i, j, k as in the
#: draws store of ``dmipy sample``).
_GRID_AXES = "ijklmnopq"


def _core_settings(chains, warmup, draws, seed, noise, sigma, priors, quantiles,
                   number_of_processors, return_draws):
    """The keyword arguments of ``_core.MultiModel.sample`` (priors as JSON text)."""
    if priors is not None and not isinstance(priors, str):
        priors = json.dumps(priors)
    return dict(
        chains=chains,
        warmup=warmup,
        draws=draws,
        seed=seed,
        noise=noise,
        sigma=None if sigma is None or sigma == "sample" else float(sigma),
        sample_sigma=isinstance(sigma, str) and sigma == "sample",
        priors=priors,
        quantiles=[float(q) for q in quantiles],
        return_draws=bool(return_draws),
        threads=number_of_processors,
    )


def _selection(shape, mask):
    """The voxels to sample, flat in C order: all, or those where ``mask`` (broadcast to the
    grid) is true."""
    if mask is None:
        return np.ones(int(np.prod(shape)), dtype=bool)
    return np.broadcast_to(np.asarray(mask, dtype=bool), shape).ravel()


def _sample_rows(model, scheme, rows, selected, keys, settings):
    """The core's sample of ``rows[selected]`` (seed keys ``keys``): a dict of ``summaries``,
    ``diagnostics`` (first axis: the selected voxels), ``draws`` and ``sample_stats`` (voxel
    axis 2), the last two None without draws."""
    keys = [int(k) for k in keys]
    if model._core.voxel_count is None:
        picked = np.ascontiguousarray(rows[selected], dtype=float)
        out = model._core.sample(scheme._core, picked, voxel_keys=keys, **settings)
    else:
        # Per-voxel fixed values index every row: all rows go, those not selected as NaN
        # (flagged, not sampled), and the selected ones are picked from the result.
        every = np.array(rows, dtype=float, order="C")
        every[~selected] = np.nan
        all_keys = np.zeros(len(rows), dtype=np.uint64)
        all_keys[selected] = keys
        out = model._core.sample(
            scheme._core, every, voxel_keys=[int(k) for k in all_keys], **settings
        )
        for group in ("summaries", "diagnostics"):
            out[group] = {k: v[selected] for k, v in out[group].items()}
        for group in ("draws", "sample_stats"):
            if group in out:
                out[group] = {k: v[:, :, selected] for k, v in out[group].items()}
    out.setdefault("draws", None)
    out.setdefault("sample_stats", None)
    return out


def _sample_numpy(model, scheme, data, mask, settings):
    """Samples the NumPy array ``data`` (..., N) in the voxels of ``mask``; each voxel's seed
    key is its position among those voxels in C order, as the Dask path gives it."""
    shape = data.shape[:-1]
    rows = data.reshape(-1, data.shape[-1])
    selected = _selection(shape, mask)
    keys = np.arange(np.count_nonzero(selected))
    parts = _sample_rows(model, scheme, rows, selected, keys, settings)
    return PosteriorResult(model, selected.reshape(shape), **parts)


def _on_grid(values, mask):
    """``values`` of the voxels of ``mask`` (first axis) placed on its grid; NaN elsewhere
    (floats), 0 (integers, flags)."""
    fill = np.nan if np.issubdtype(values.dtype, np.floating) else 0
    out = np.full(mask.shape + values.shape[1:], fill, dtype=values.dtype)
    out[mask] = values
    return out


class PosteriorResult:
    """The posterior of a model in the voxels of a mask, from ``MultiCompartmentModel.sample``.

    Attributes:

    - ``model``: the model sampled.
    - ``mask``: the voxels sampled (bool, the data's voxel grid).
    - ``voxel_indices``: (n_voxels, grid ndim) grid indices of the sampled voxels, in C order;
      row v is voxel v of ``draws`` and of ``to_inference_data()``.
    - ``summaries``: per public parameter P, ``P_mean``, ``P_std`` and ``P_qNN`` (one per
      quantile, e.g. ``P_q05``, ``P_q50``, ``P_q95``; type-7 quantiles of the draws), or for an
      orientation ``P_mean_vector`` (the mean axis, unit vector) and ``P_cone95`` (degrees),
      each shaped like the voxel grid (+ cardinality, + 3 for a mean vector); NaN outside the
      mask and in voxels not sampled.
    - ``diagnostics``: maps on the grid of ``rhat`` (largest rank-normalised split R-hat over
      the parameters), ``ess_bulk`` and ``ess_tail`` (smallest), ``mean_accept``, ``sigma`` (σ
      used, relative to S0) — NaN outside the mask — and ``divergences``, ``max_depth_hits``,
      ``flags`` (0 outside the mask, 1 sampled, 2 non-finite data, 3 b0 ≤ 0, 4 no
      least-squares start, 5 cancelled) — integers.
    - ``draws``: per public parameter P, the draws (chain, draw, voxel[, card]) in SI
      (orientations: θ, φ in radians), or None when sampled with ``return_draws=False``.
    - ``sample_stats``: NUTS's statistics of every draw (chain, draw, voxel): ``lp``,
      ``energy``, ``acceptance_rate``, ``step_size``, ``tree_depth``, ``n_steps``,
      ``diverging``, or None.
    """

    def __init__(self, model, mask, summaries, diagnostics, draws=None, sample_stats=None):
        self.model = model
        self.mask = mask
        self.voxel_indices = np.argwhere(mask)
        self.summaries = {k: _on_grid(v, mask) for k, v in summaries.items()}
        self.diagnostics = {k: _on_grid(v, mask) for k, v in diagnostics.items()}
        self.draws = draws
        self.sample_stats = sample_stats

    def __repr__(self):
        kept = "with draws" if self.draws is not None else "summaries only"
        return (
            f"PosteriorResult({self.model!r}, {len(self.voxel_indices)} voxels of a grid "
            f"{self.mask.shape}, {kept})"
        )

    def to_inference_data(self):
        """The draws as an ``arviz.InferenceData`` (groups ``posterior`` and ``sample_stats``,
        dimensions ``chain``, ``draw``, ``voxel`` and ``P_dim_0`` for a vector parameter,
        coordinates ``voxel`` = 0 … n − 1 and the grid indices ``voxel_i``, ``voxel_j``, …
        along it), the layout of the store of ``dmipy sample --save-draws``. Needs ArviZ."""
        if self.draws is None:
            raise ValueError(
                "no draws were kept: sample with return_draws=True to build an InferenceData"
            )
        try:
            import arviz as az
        except ImportError as error:
            raise ImportError(
                "PosteriorResult.to_inference_data needs ArviZ: pip install arviz"
            ) from error
        dims = {
            name: ["voxel"] if values.ndim == 3 else ["voxel", f"{name}_dim_0"]
            for name, values in self.draws.items()
        }
        dims.update({name: ["voxel"] for name in self.sample_stats})
        coords = {"voxel": np.arange(len(self.voxel_indices))}
        groups = {"posterior": self.draws, "sample_stats": self.sample_stats}
        if "posterior" in _parameters(az.from_dict):
            data = az.from_dict(**groups, coords=coords, dims=dims)  # ArviZ 0.x
        else:
            data = az.from_dict(groups, coords=coords, dims=dims)  # ArviZ 1.x
        grid = {
            f"voxel_{_GRID_AXES[axis]}": ("voxel", self.voxel_indices[:, axis])
            for axis in range(min(self.voxel_indices.shape[1], len(_GRID_AXES)))
        }
        for group in groups:
            data[group] = data[group].assign_coords(grid)
        return data


def _parameters(function):
    import inspect

    return inspect.signature(function).parameters
