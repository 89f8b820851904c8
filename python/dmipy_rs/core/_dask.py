"""Fitting a Dask array block by block (``map_blocks``): every block of voxels is fitted where the
Dask scheduler runs it, and the blocks' results are gathered into one fitted model."""

import numpy as np

from .._core import ParameterError
from .fitted_modeling_framework import FittedMultiCompartmentModel, _fit_numpy


def _fit_block(block, mask_block, model, scheme, settings, s0_width):
    """One block's fit packed into one array: parameter vector, S0 (1 or N values), mask."""
    # Blocks sent between workers may arrive in misaligned buffers, which Rust cannot read.
    block = np.require(block, dtype=float, requirements=["C", "A"])
    mask_block = np.require(mask_block, requirements=["C", "A"])
    s0, mask, vector, _, _ = _fit_numpy(model, scheme, block, mask_block[..., 0], settings)
    shape = block.shape[:-1]
    return np.concatenate(
        [vector, s0.reshape(shape + (s0_width,)), mask.reshape(shape + (1,))], axis=-1
    )


def _whole_spectra(model, data, verb):
    """``data`` as floats with each voxel's measurements in one chunk; refuses a model with
    per-voxel values, which index the whole volume rather than a block."""
    if model._core.voxel_count is not None:
        raise ParameterError(
            "per-voxel fixed values or initial guesses index the whole volume; "
            f"they cannot be used with a Dask array ({verb} a NumPy array instead)"
        )
    return data.astype(float).rechunk({data.ndim - 1: -1})


def fit_dask(model, scheme, data, mask, settings):
    """Fits ``model`` to the Dask array ``data`` (..., N) block by block; returns a
    ``FittedMultiCompartmentModel`` of NumPy arrays."""
    import dask.array as da

    data = _whole_spectra(model, data, "fit")
    voxel_chunks = data.chunks[:-1]
    if mask is None:
        mask = da.ones(data.shape[:-1], dtype=bool, chunks=voxel_chunks)
    else:
        mask = da.asarray(mask).astype(bool).rechunk(voxel_chunks)
    n_values = sum(model.parameter_cardinality.values())
    te = scheme.TE
    s0_width = 1 if te is None or len(np.unique(te)) == 1 else data.shape[-1]
    width = n_values + s0_width + 1
    packed = da.map_blocks(
        _fit_block,
        data,
        mask[..., None],
        model=model,
        scheme=scheme,
        settings=settings,
        s0_width=s0_width,
        dtype=float,
        chunks=voxel_chunks + ((width,),),
    ).compute()
    vector = packed[..., :n_values]
    s0 = packed[..., n_values : n_values + s0_width]
    s0 = s0[..., 0] if s0_width == 1 else s0
    fitted_mask = packed[..., -1] > 0.5
    return FittedMultiCompartmentModel(model, scheme, s0, fitted_mask, vector)


def _sample_block(block, selected, keys, model, scheme, settings):
    """One block's posterior: the core's sample of its voxels in ``selected`` (flat, C order)
    with their global seed keys ``keys``."""
    from .posterior import _sample_rows

    block = np.require(block, dtype=float, requirements=["C", "A"])
    rows = block.reshape(-1, block.shape[-1])
    return _sample_rows(model, scheme, rows, selected, keys, settings)


def sample_dask(model, scheme, data, mask, settings):
    """Samples ``model``'s posterior in the Dask array ``data`` (..., N) block by block on the
    current Dask scheduler; returns a ``PosteriorResult`` of NumPy arrays equal to that of the
    NumPy array: every voxel's seed key is its position among the masked voxels of the whole
    grid in C order, whatever block it is in."""
    import dask

    from .posterior import PosteriorResult, _selection

    data = _whole_spectra(model, data, "sample")
    shape = data.shape[:-1]
    selected = _selection(shape, None if mask is None else np.asarray(mask)).reshape(shape)
    ordinal = (np.cumsum(selected.ravel()) - 1).reshape(shape)
    edges = [np.cumsum((0,) + chunks) for chunks in data.chunks[:-1]]
    blocks = data.to_delayed()
    model_, scheme_ = dask.delayed(model), dask.delayed(scheme)
    tasks, where = [], []
    for index in np.ndindex(*data.numblocks[:-1]):
        region = tuple(slice(e[i], e[i + 1]) for e, i in zip(edges, index))
        chosen = selected[region]
        keys = ordinal[region][chosen]
        where.append(keys)
        tasks.append(
            dask.delayed(_sample_block)(
                blocks[index + (0,)], chosen.ravel(), keys, model_, scheme_, settings
            )
        )
    parts = dask.compute(*tasks)
    n = int(np.count_nonzero(selected))
    gathered = {}
    for group, axis in (("summaries", 0), ("diagnostics", 0), ("draws", 2), ("sample_stats", 2)):
        if parts[0][group] is None:
            gathered[group] = None
            continue
        gathered[group] = {}
        for name, first in parts[0][group].items():
            shape_all = first.shape[:axis] + (n,) + first.shape[axis + 1:]
            out = np.empty(shape_all, dtype=first.dtype)
            for keys, part in zip(where, parts):
                np.moveaxis(out, axis, 0)[keys] = np.moveaxis(part[group][name], axis, 0)
            gathered[group][name] = out
    return PosteriorResult(model, selected, **gathered)
