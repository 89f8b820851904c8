"""Fitted multi-compartment models (Dmipy 1.x ``core.fitted_modeling_framework``): parameter maps
shaped like the data's voxel grid, predictions, and goodness of fit."""

from collections import OrderedDict

import numpy as np

from .._core import ParameterError

__all__ = ["FittedMultiCompartmentModel", "FittedMultiCompartmentSphericalHarmonicsModel"]


def _s0(scheme, rows):
    """Dmipy's S0: the mean b0 signal of each voxel (V,), or with several echo times the mean
    b0 of each measurement's echo time (V, N)."""
    b0 = np.asarray(scheme.b0_mask)
    te = scheme.TE
    with np.errstate(invalid="ignore", divide="ignore"):
        if te is None or len(np.unique(te)) == 1:
            return rows[:, b0].mean(axis=-1)
        s0 = np.empty_like(rows)
        for value in np.unique(te):
            same = te == value
            s0[:, same] = rows[:, b0 & same].mean(axis=-1)[:, None]
        return s0


def _fit_numpy(model, scheme, data, mask, settings):
    """Fits ``model`` to the NumPy array ``data`` (..., N); returns (S0, mask, fitted parameter
    vector, standard deviations or None, the core's fit) with Dmipy's shapes."""
    shape = data.shape[:-1]
    rows = np.array(data.reshape(-1, data.shape[-1]), dtype=float, order="C")
    fit_mask = rows[:, 0] > 0
    if mask is not None:
        fit_mask &= np.broadcast_to(np.asarray(mask, dtype=bool), shape).ravel()
    s0 = _s0(scheme, rows)
    rows[~fit_mask] = np.nan  # the core skips (and flags) voxels with non-finite data
    core_fit = model._core.fit(scheme._core, rows, **settings)
    fit_mask &= core_fit.flags == 0
    vector = _public_vector(model, core_fit.names, core_fit.parameters, len(rows))
    vector[~fit_mask] = 0
    std = None
    if core_fit.std is not None:
        std = _public_vector(model, core_fit.names, core_fit.std, len(rows), per_voxel=False)
        std[~fit_mask] = 0
        std = std.reshape(shape + std.shape[-1:])
    return (
        s0.reshape(shape + s0.shape[1:]),
        fit_mask.reshape(shape),
        vector.reshape(shape + vector.shape[-1:]),
        std,
        core_fit,
    )


def _public_vector(model, names, free, n_voxels, per_voxel=True):
    """Dmipy's parameter vector (V, n_values) from the core's free columns, with the values of
    parameters fixed per voxel filled in (``per_voxel``; else 0 there)."""
    columns, k = {}, 0
    for name, card in names:
        columns[name] = (k, card)
        k += card
    cardinality = model.parameter_cardinality
    vector = np.zeros((n_voxels, sum(cardinality.values())))
    k = 0
    for name, card in cardinality.items():
        if name in columns:
            start, _ = columns[name]
            vector[:, k : k + card] = free[:, start : start + card]
        elif per_voxel and name in model._per_voxel_fixed:
            vector[:, k : k + card] = model._per_voxel_fixed[name].reshape(n_voxels, card)
        k += card
    return vector


class FittedMultiCompartmentModel:
    """The result of ``MultiCompartmentModel.fit``, as Dmipy's.

    Attributes: ``model``; ``S0`` (the mean b0 signal, shaped like the voxels, or like the data
    with several echo times); ``mask`` (voxels fitted); ``fitted_parameters_vector`` (voxels +
    (n_values,), 0 outside the mask); ``fitted_parameters`` (a dict of arrays shaped like the
    voxels, + (2,) for orientations). Not in Dmipy: ``std`` (Cramér–Rao standard deviations when
    the fit was asked for them, else None) and ``core_fit`` (the core's per-voxel diagnostics:
    ``iterations``, ``converged``, ``mse``, ``r2``, ``flags``; None after a Dask fit).
    """

    def __init__(
        self, model, acquisition_scheme, S0, mask, fitted_parameters_vector, std=None, core_fit=None
    ):
        self.model = model
        self.acquisition_scheme = acquisition_scheme
        self.S0 = S0
        self.mask = mask
        self.fitted_parameters_vector = fitted_parameters_vector
        self.std = std
        self.core_fit = core_fit

    @property
    def fitted_parameters(self):
        """The fitted parameters by name, each shaped like the voxels (+ cardinality)."""
        return self.model.parameter_vector_to_parameters(self.fitted_parameters_vector)

    @property
    def fitted_and_linked_parameters(self):
        """Every parameter of the model before links (fixed, equal and tortuous ones included,
        with Dmipy's names), by name, shaped like the voxels (+ cardinality); 0 outside the
        mask. The links are evaluated by the core, as Dmipy's
        ``add_linked_parameters_to_parameters``."""
        from .. import _core

        model = self.model
        shape = self.fitted_parameters_vector.shape[:-1]
        rows = self.fitted_parameters_vector.reshape(-1, self.fitted_parameters_vector.shape[-1])
        mask = self.mask.reshape(-1)
        table = _core.full_parameter_table(model._core)
        width = max((offset + card for _, card, offset in table), default=0)
        full = np.zeros((rows.shape[0], width))
        if mask.any():
            full[mask] = _core.full_vectors(model._core, np.ascontiguousarray(rows[mask]))
        out = {}
        for name, card, offset in table:
            block = full[:, offset:offset + card]
            out[name] = (block[:, 0] if card == 1 else block).reshape(
                shape + (() if card == 1 else (card,))
            )
        return out

    # FODs and peaks of the orientation distributions (Watson, Bingham) in the model.

    def _fod_terms(self):
        """(weight array, distribution, parameter arrays) of every Watson/Bingham component."""
        from ..distributions.distribute_models import (
            SD1WatsonDistributed,
            SD2BinghamDistributed,
        )

        kinds = {SD1WatsonDistributed: ("SD1Watson", ("mu", "odi")),
                 SD2BinghamDistributed: ("SD2Bingham", ("mu", "psi", "odi", "beta_fraction"))}
        linked = self.fitted_and_linked_parameters
        terms = []
        for i, (component, prefix) in enumerate(zip(self.model.models, self.model.model_names)):
            kind = kinds.get(type(component))
            if kind is None:
                continue
            name, keys = kind
            values = [linked[f"{prefix}{name}_1_{k}"] for k in keys]
            weight = linked.get(f"partial_volume_{i}", np.ones(self.mask.shape))
            terms.append((weight, name, values))
        if not terms:
            raise ValueError(
                "FODs are not available for this model: it has no Watson or Bingham "
                "distributed component"
            )
        return terms

    def fod(self, vertices, visual_odi_lower_bound=0.0):
        """The fibre orientation distribution at unit ``vertices`` (M, 3) for every voxel,
        shape voxels + (M,): the densities (1/sr) of the model's Watson/Bingham components
        weighted by their partial volumes, as Dmipy; 0 outside the mask. ODIs below
        ``visual_odi_lower_bound`` are raised to it (for display, as Dmipy)."""
        from .. import _core

        vertices = np.ascontiguousarray(np.asarray(vertices, dtype=float))
        if vertices.ndim != 2 or vertices.shape[1] != 3:
            raise ValueError(f"vertices must have shape (M, 3), got {vertices.shape}")
        fods = np.zeros(self.mask.shape + (len(vertices),))
        for weight, name, values in self._fod_terms():
            for pos in zip(*np.nonzero(self.mask)):
                p = [np.atleast_1d(v[pos]) for v in values]
                p[-1 if name == "SD1Watson" else -2] = np.maximum(
                    p[-1 if name == "SD1Watson" else -2], visual_odi_lower_bound
                )
                flat = [float(x) for x in np.concatenate(p)]
                pdf = _core.watson_pdf if name == "SD1Watson" else _core.bingham_pdf
                fods[pos] += weight[pos] * pdf(flat, vertices)
        return fods

    def fod_sh(self, sh_order=8, basis_type=None):
        """Real SH coefficients of ``fod`` sampled on DIPY's ``repulsion724`` sphere, by DIPY's
        ``sh_to_sf_matrix(sphere, sh_order, basis_type, return_inv=True)`` (DIPY's default
        basis when ``basis_type`` is None), as Dmipy; shape voxels + (n_coefficients,). Needs
        DIPY."""
        try:
            from dipy.data import get_sphere
            from dipy.reconst.shm import sh_to_sf_matrix
        except ImportError as error:
            raise ImportError("fod_sh needs DIPY (pip install dipy)") from error
        sphere = get_sphere(name="repulsion724")
        _, inverse = sh_to_sf_matrix(sphere, sh_order, basis_type=basis_type, return_inv=True)
        sf = self.fod(sphere.vertices)
        sh = sf @ inverse
        sh[~self.mask] = 0
        return sh

    def peaks_spherical(self):
        """The fitted orientations ``[theta, phi]`` of the model's K ``…mu`` parameters, shape
        voxels + (K, 2). (Dmipy 1.0.5 returns voxels + (2, K) for K > 1, and its
        ``peaks_cartesian`` then converts along the wrong axis; K = 1 is the same.)"""
        mus = [self.fitted_parameters[name]
               for name, card in self.model.parameter_cardinality.items()
               if name.endswith("mu") and card == 2]
        if not mus:
            raise ValueError("peaks are not available: the model has no fitted orientation")
        return np.stack(mus, axis=-2)

    def peaks_cartesian(self):
        """The unit vectors of ``peaks_spherical``, shape voxels + (K, 3)."""
        from ..utils.utils import unitsphere2cart_Nd

        return unitsphere2cart_Nd(self.peaks_spherical())

    def _multi_tissue_fractions(self, normalized):
        responses = self.model.S0_tissue_responses
        if responses is None:
            raise AttributeError(
                "fitted_multi_tissue_fractions needs a model built with S0_tissue_responses"
            )
        names = self.model.partial_volume_names or ["partial_volume_0"]
        fitted = self.fitted_parameters
        signal = np.stack(
            [fitted[n] if n in fitted else np.ones(self.mask.shape) for n in names], axis=-1
        )
        s0 = np.asarray(self.S0, dtype=float)
        if s0.shape != self.mask.shape:  # several echo times: S0 per measurement
            s0 = s0.mean(axis=-1)
        volume = signal * s0[..., None] / np.asarray(responses, dtype=float)
        if normalized:
            total = volume.sum(axis=-1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                volume = np.where(total > 0, volume / total, 0.0)
        volume[~self.mask] = 0
        return {name: volume[..., i] for i, name in enumerate(names)}

    @property
    def fitted_multi_tissue_fractions(self):
        """Volume fractions of the tissues, as Dmipy: v_i = S0 · f_i / S0_i with the fitted
        signal fractions f_i, the voxel's S0 and the tissue responses S0_i (Dell'Acqua &
        Tournier 2019, NMR Biomed. 32:e3945, doi:10.1002/nbm.3945). Dmipy estimates them by a
        second non-negative fit of the raw data on the S0_i-weighted compartment signals; for
        a model that fits the data the two agree."""
        return self._multi_tissue_fractions(normalized=False)

    @property
    def fitted_multi_tissue_fractions_normalized(self):
        """``fitted_multi_tissue_fractions`` divided by their sum: v_i ∝ f_i / S0_i."""
        return self._multi_tissue_fractions(normalized=True)

    def predict(self, acquisition_scheme=None, S0=None, mask=None):
        """The signal of the fitted parameters on ``acquisition_scheme`` (default: the fitted
        one) times ``S0`` (default: the fitted S0; a number for all voxels), zero outside
        ``mask`` (default: the voxels fitted)."""
        scheme = self.acquisition_scheme if acquisition_scheme is None else acquisition_scheme
        shape = self.fitted_parameters_vector.shape[:-1]
        if S0 is None:
            S0 = self.S0
        elif np.ndim(S0) == 0:
            S0 = np.full(shape, float(S0))
        mask = self.mask if mask is None else np.broadcast_to(np.asarray(mask, bool), shape)
        signal = self.model.simulate_signal(scheme, self.fitted_parameters_vector[mask])
        S0 = np.asarray(S0)[mask]
        predicted = np.zeros(shape + (signal.shape[-1],))
        predicted[mask] = signal * (S0[..., None] if S0.ndim == 1 else S0)
        return predicted

    def _normalised(self, data):
        """data / S0; for a spherical-mean model, then averaged over each shell's measurements
        (the arithmetic mean; Dmipy fits spherical harmonics per shell instead)."""
        data = np.asarray(data, dtype=float)
        S0 = self.S0 if np.ndim(self.S0) == data.ndim else self.S0[..., None]
        with np.errstate(invalid="ignore", divide="ignore"):
            data = data / S0
        if not self.model._spherical_mean:
            return data
        shells = np.asarray(self.acquisition_scheme.shell_indices)
        return np.stack(
            [data[..., shells == k].mean(axis=-1) for k in range(shells.max() + 1)], axis=-1
        )

    def mean_squared_error(self, data):
        """Mean squared residual of the S0-normalised signal per voxel (0 outside the mask)."""
        residual = self._normalised(data) - self.predict(S0=1.0)
        mse = np.mean(residual**2, axis=-1)
        mse[~self.mask] = 0
        return mse

    def R2_coefficient_of_determination(self, data):
        """1 − SS_res/SS_tot of the S0-normalised signal per voxel (0 outside the mask)."""
        data = self._normalised(data)
        ss_res = np.sum((data - self.predict(S0=1.0)) ** 2, axis=-1)
        ss_tot = np.sum((data - data.mean(axis=-1, keepdims=True)) ** 2, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            r2 = 1 - ss_res / ss_tot
        r2[~self.mask] = 0
        return r2


class FittedMultiCompartmentSphericalHarmonicsModel:
    """The result of ``MultiCompartmentSphericalHarmonicsModel.fit``, as Dmipy's: ``S0``,
    ``mask``, ``fitted_parameters`` (``sh_coeff`` and the volume fractions; fixed kernel
    parameters broadcast), ``fod(vertices)``, ``fod_sh()``, ``anisotropy_index()``,
    ``norm_of_laplacian_fod()``, ``peaks_directions(sphere)``, ``predict()``,
    ``mean_squared_error(data)`` and
    ``R2_coefficient_of_determination(data)``. Values outside the mask are 0."""

    def __init__(self, model, acquisition_scheme, core_fit, mask):
        self.model = model
        self.acquisition_scheme = acquisition_scheme
        self.core_fit = core_fit
        self.mask = mask
        self._shape = mask.shape

    def _shaped(self, rows):
        """(V, ...) core values as voxels + (...), 0 outside the mask. The core hands out a new
        array on every call, so it is changed in place rather than copied (FODs can be large)."""
        rows = np.asarray(rows, dtype=float)
        rows[~self.mask.reshape(-1)] = 0
        return rows.reshape(self._shape + rows.shape[1:])

    @property
    def S0(self):
        return self._shaped(self.core_fit.s0)

    @property
    def fitted_parameters(self):
        out = OrderedDict()
        fractions = self._shaped(self.core_fit.fractions)
        for name, card in self.model.parameter_cardinality.items():
            if name == "sh_coeff":
                out[name] = self.fod_sh()
            elif name.startswith("partial_volume_"):
                out[name] = fractions[..., int(name.rsplit("_", 1)[1])]
            else:
                value = np.broadcast_to(self.model._kernel_parameter(name), self._shape + (card,))
                out[name] = value[..., 0] if card == 1 else value
        return out

    @property
    def fitted_parameters_vector(self):
        return np.concatenate(
            [np.asarray(v).reshape(self._shape + (-1,)) for v in self.fitted_parameters.values()],
            axis=-1,
        )

    def fod_sh(self):
        """FOD coefficients, voxels + ((L+1)(L+2)/2,), Dmipy's basis."""
        return self._shaped(self.core_fit.fod_sh)

    def fod(self, vertices, visual_odi_lower_bound=0.0):
        """The FOD (1/sr) at the unit vectors ``vertices`` (n, 3): voxels + (n,).
        ``visual_odi_lower_bound`` is Dmipy's visualisation argument of parametric FODs and has
        no effect on an SH FOD."""
        vertices = np.ascontiguousarray(np.asarray(vertices, dtype=float).reshape(-1, 3))
        return self._shaped(self.core_fit.fod(vertices))

    def anisotropy_index(self):
        return self._shaped(self.core_fit.anisotropy_index())

    def peaks_directions(self, sphere=None, max_peaks=5, relative_peak_threshold=0.5,
                         min_separation_angle=25):
        """Dmipy's ``peaks_directions``: (directions voxels + (max_peaks, 3), values and sphere
        indices voxels + (max_peaks,)), zero-padded, by DIPY's ``peak_directions`` rules (local
        maxima of ``fod(sphere.vertices)`` over the sphere's edges, relative threshold, minimum
        separation). ``sphere``: any object with ``vertices`` and ``edges`` (a DIPY Sphere); when
        omitted, a geodesic sphere of 2562 directions with each maximum refined to the FOD's
        continuous maximum (indices then refer to that sphere)."""
        if sphere is None:
            d, v, i = self.core_fit.peaks(max_peaks, relative_peak_threshold, min_separation_angle)
        else:
            d, v, i = self.core_fit.peaks(
                max_peaks, relative_peak_threshold, min_separation_angle,
                np.ascontiguousarray(np.asarray(sphere.vertices, dtype=float)),
                np.ascontiguousarray(np.asarray(sphere.edges, dtype=np.int64)))
        i = np.maximum(i, 0)  # Dmipy pads with 0
        return self._shaped(d), self._shaped(v), self._shaped(i).astype(int)

    def norm_of_laplacian_fod(self):
        return self._shaped(self.core_fit.norm_of_laplacian_fod())

    def predict(self, acquisition_scheme=None, S0=None, mask=None):
        """The fitted signal on the fitted scheme, voxels + (N,), times S0 (each voxel's mean
        b0, or ``S0`` when given)."""
        if acquisition_scheme is not None and acquisition_scheme is not self.acquisition_scheme:
            raise ParameterError("an SH fit predicts on the scheme it was fitted on")
        signal = self._shaped(self.core_fit.predict())
        if S0 is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                signal = signal / self.S0[..., None] * np.asarray(S0, dtype=float)[..., None]
        return signal

    def mean_squared_error(self, data=None):
        """Mean squared error of the normalised signal per voxel (the fit's own data)."""
        return self._shaped(self.core_fit.mse)

    def R2_coefficient_of_determination(self, data=None):
        """R² of the normalised signal per voxel (the fit's own data)."""
        return self._shaped(self.core_fit.r2)
