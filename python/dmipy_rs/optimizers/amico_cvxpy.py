"""Dmipy's ``AmicoCvxpyOptimizer``: AMICO (Daducci et al. 2015) on an observation matrix the
caller builds, with the same arguments and result. The solve is the core's exact two-stage
non-negative least squares (``_core.amico_weights``) where Dmipy calls CVXPY; ``model.fit(scheme,
data, solver='amico')`` builds the dictionary itself."""

import numpy as np

from .. import _core
from .._core import ParameterError

__all__ = ["AmicoCvxpyOptimizer"]


class AmicoCvxpyOptimizer:
    """AMICO on a given dictionary.

    ``model``: the multi-compartment model the atoms come from; ``acquisition_scheme``: its
    scheme (b0 rows are contracted to their mean); ``x0_vector``: the weight vector (one per atom,
    kept as ``self.x0_vector``); ``lambda_1``, ``lambda_2``: L1 and L2 weights per compartment.
    """

    def __init__(self, model, acquisition_scheme, x0_vector=None, lambda_1=None, lambda_2=None):
        self.model = model
        self.acquisition_scheme = acquisition_scheme
        self.x0_vector = x0_vector
        n = model.N_models
        if lambda_1 is None or lambda_2 is None or len(lambda_1) != n or len(lambda_2) != n:
            raise ParameterError(
                "Number of regularization weights should correspond to the number of "
                f"compartments ({n})!"
            )
        self.lambda_1 = [float(v) for v in lambda_1]
        self.lambda_2 = [float(v) for v in lambda_2]

    def __call__(self, data, M, grid, idx, x0_th=1.0e-4):
        """Fits the normalised signal ``data`` (N,) with the observation matrix ``M`` (N, atoms);
        ``grid`` holds each gridded parameter's value per atom, ``idx`` the atoms of each
        compartment (Dmipy's dictionaries). Returns, compartment by compartment, its volume
        fraction (when ``partial_volume_i`` is in ``grid``) then the weighted mean of each of its
        gridded parameters."""
        M = np.asarray(M, dtype=float)
        n_atoms = M.shape[1]
        l1, l2 = np.zeros(n_atoms), np.zeros(n_atoms)
        for m_idx, name in enumerate(self.model.model_names):
            l1[idx[name]] = self.lambda_1[m_idx]
            l2[idx[name]] = self.lambda_2[m_idx]
        weights = _core.amico_weights(
            np.ascontiguousarray(M.T), np.asarray(data, dtype=float),
            [bool(b) for b in self.acquisition_scheme.b0_mask], l1.tolist(), l2.tolist(),
            float(x0_th),
        )
        total = weights.sum()
        self.x0_vector = weights / total if total > 0 else weights
        fitted = []
        for m_idx, name in enumerate(self.model.model_names):
            atoms = self.x0_vector[idx[name]]
            weight = atoms.sum()
            if "partial_volume_" + str(m_idx) in grid:
                fitted.append(weight)
            for p in self.model.models[m_idx].parameter_names:
                if p.endswith("mu") or name + p not in grid:
                    continue
                values = np.asarray(grid[name + p])[idx[name]]
                fitted.append(np.sum(values * atoms) / weight if weight > 0 else np.mean(values))
        return fitted
