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


def fit_dask(model, scheme, data, mask, settings):
    """Fits ``model`` to the Dask array ``data`` (..., N) block by block; returns a
    ``FittedMultiCompartmentModel`` of NumPy arrays."""
    import dask.array as da

    if model._core.voxel_count is not None:
        raise ParameterError(
            "per-voxel fixed values or initial guesses index the whole volume; "
            "they cannot be used with a Dask array (fit a NumPy array instead)"
        )
    data = data.astype(float).rechunk({data.ndim - 1: -1})
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
