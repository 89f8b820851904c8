"""Multi-compartment models (Dmipy 1.x ``core.modeling_framework``): compartments combined with
volume fractions and parameter links, simulated and fitted by the Rust core.

A Dmipy script ports by replacing its import root::

    from dmipy_rs.core.modeling_framework import MultiCompartmentModel
    from dmipy_rs.signal_models import cylinder_models, gaussian_models

    ball_and_stick = MultiCompartmentModel(
        models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()])
    ball_and_stick.parameter_names
    # ['G1Ball_1_lambda_iso', 'C1Stick_1_mu', 'C1Stick_1_lambda_par',
    #  'partial_volume_0', 'partial_volume_1']
    fitted = ball_and_stick.fit(scheme, data, mask=data[..., 0] > 0)
    fitted.fitted_parameters['partial_volume_1']   # shaped like data.shape[:-1]

The model lives in the core (``dmipy_rs._core.MultiModel``, built from the compartments' core
models); every ``set_…`` call replaces it by a changed copy, so the Python object only records
the calls (to be pickled, e.g. to Dask workers) and converts arrays. Units are SI.
"""

from collections import OrderedDict

import numpy as np

from .. import _core
from .._core import ParameterError
from ..distributions.distribute_models import DistributedModel
from ..signal_models._base import CompartmentModel, _scaled
from .acquisition_scheme import AcquisitionScheme

__all__ = [
    "MultiCompartmentModel",
    "MultiCompartmentSphericalMeanModel",
    "MultiCompartmentSphericalHarmonicsModel",
]


def _core_scheme(acquisition_scheme):
    if not isinstance(acquisition_scheme, AcquisitionScheme):
        raise TypeError(
            "expected a dmipy_rs AcquisitionScheme (from dmipy_rs.core.acquisition_scheme), "
            f"got {type(acquisition_scheme).__name__}"
        )
    return acquisition_scheme._core


class _MultiCompartmentBase:
    """What the plain and spherical-mean multi-compartment models share."""

    _spherical_mean = False

    def __init__(self, models, S0_tissue_responses=None):
        models = list(models)
        for model in models:
            if not isinstance(model, (CompartmentModel, DistributedModel)):
                raise TypeError(
                    f"{type(self).__name__}: models must be dmipy_rs compartment or "
                    "distributed models, "
                    f"got {type(model).__name__}"
                )
        _check_components(type(self).__name__, models, self._spherical_mean)
        if S0_tissue_responses is not None and len(S0_tissue_responses) != len(models):
            raise ParameterError(
                f"{type(self).__name__}: {len(S0_tissue_responses)} S0 tissue responses for "
                f"{len(models)} models; give one per model"
            )
        self.models = models
        self.N_models = len(models)
        self.S0_tissue_responses = S0_tissue_responses
        #: Dmipy's initial guesses, by parameter name.
        self.x0_parameters = {}
        self._per_voxel_fixed = OrderedDict()
        self._calls = []
        self._core = _core.MultiModel([m._core for m in models], self._spherical_mean)
        if S0_tissue_responses is not None:
            self._core = self._core.with_s0_responses([float(r) for r in S0_tissue_responses])

    # Pickling (Dask workers): the compartments and the recorded calls, replayed on load.

    def __reduce__(self):
        state = (self.models, self.S0_tissue_responses, self._calls)
        return (_rebuild, (type(self), state))

    def __repr__(self):
        return repr(self._core).replace("MultiCompartmentModel", type(self).__name__, 1)

    def to_json(self):
        """The model file (JSON) that rebuilds this model in the ``dmipy`` CLI."""
        return self._core.to_json()

    # Parameter metadata, in Dmipy's formats.

    @property
    def _table(self):
        return self._core.parameters()

    @property
    def parameter_names(self):
        """Parameter names in the order of the parameter vector (Dmipy's)."""
        return [p[0] for p in self._table]

    @property
    def parameter_cardinality(self):
        """Number of values of every parameter (2 for an orientation)."""
        return OrderedDict((p[0], len(p[1])) for p in self._table)

    @property
    def parameter_scales(self):
        """Typical magnitude of every parameter in SI (an array for an orientation)."""
        return OrderedDict(
            (name, np.array(scales) if len(scales) > 1 else scales[0])
            for name, _, scales, _ in self._table
        )

    @property
    def parameter_ranges(self):
        """Bounds divided by the scale, as Dmipy: ``(lo, hi)``, or ``([lo, hi], ...)``."""
        ranges = OrderedDict()
        for name, bounds, scales, _ in self._table:
            scaled = [[_scaled(lo, s), _scaled(hi, s)] for (lo, hi), s in zip(bounds, scales)]
            ranges[name] = tuple(scaled) if len(scaled) > 1 else tuple(scaled[0])
        return ranges

    @property
    def parameter_optimization_flags(self):
        """Whether each parameter is optimised (False when fixed per voxel), as Dmipy."""
        return OrderedDict((n, n not in self._per_voxel_fixed) for n in self.parameter_names)

    @property
    def partial_volume_names(self):
        """``partial_volume_0 …`` (empty for one compartment)."""
        n = self.N_models if self.N_models > 1 else 0
        return [f"partial_volume_{i}" for i in range(n)]

    @property
    def model_names(self):
        """Dmipy's component prefixes, e.g. ``['G1Ball_1_', 'C1Stick_1_']``."""
        counts, names = {}, []
        for model in self.models:
            counts[model._core_name] = counts.get(model._core_name, 0) + 1
            names.append(f"{model._core_name}_{counts[model._core_name]}_")
        return names

    # Links (Dmipy's set_… methods); each replaces the core model by a changed copy.

    def _apply(self, method, *args):
        self._core = getattr(self._core, method)(*args)
        self._calls.append((method, args))

    def _split_value(self, parameter_name, value):
        """(flat values, per_voxel, array) of a fixed value or initial guess, by Dmipy's rules:
        a number or a length-card vector is one value for all voxels, anything larger per voxel."""
        card = self.parameter_cardinality.get(parameter_name)
        if card is None:
            raise ParameterError(
                f"{parameter_name} does not exist or has already been fixed; "
                f"parameters: {', '.join(self.parameter_names)}"
            )
        array = np.asarray(value, dtype=float)
        if card > 1 and (array.ndim == 0 or array.shape[-1] != card):
            raise ParameterError(
                f"{parameter_name} can only be fixed to an array or list with last dimension {card}"
            )
        per_voxel = array.ndim > (1 if card > 1 else 0)
        return [float(v) for v in array.ravel()], per_voxel, array

    def set_fixed_parameter(self, parameter_name, value):
        """Fixes a parameter (SI) for every voxel, or per voxel with an array shaped like the
        data's voxels (+ cardinality); a per-voxel parameter stays in ``parameter_names``."""
        values, per_voxel, array = self._split_value(parameter_name, value)
        self._apply("with_fixed", parameter_name, values, per_voxel)
        if per_voxel:
            self._per_voxel_fixed[parameter_name] = array

    def set_initial_guess_parameter(self, parameter_name, value):
        """A starting value for the fit, for every voxel or per voxel (as ``set_fixed_parameter``)."""
        values, per_voxel, array = self._split_value(parameter_name, value)
        self._apply("with_initial_guess", parameter_name, values, per_voxel)
        self.x0_parameters[parameter_name] = array

    def set_equal_parameter(self, parameter_name_in, parameter_name_out):
        """``parameter_name_out`` takes the value of ``parameter_name_in``."""
        self._apply("with_equal", parameter_name_in, parameter_name_out)

    def set_tortuous_parameter(
        self,
        lambda_perp_parameter_name,
        lambda_par_parameter_name,
        volume_fraction_intra_parameter_name,
        volume_fraction_extra_parameter_name,
        S0_correction=False,
    ):
        """λ⊥ = (1 − f_intra/(f_intra + f_extra)) λ∥ (Szafer et al. 1995), as Dmipy."""
        self._apply(
            "with_tortuous",
            lambda_perp_parameter_name,
            lambda_par_parameter_name,
            volume_fraction_intra_parameter_name,
            volume_fraction_extra_parameter_name,
            bool(S0_correction),
        )

    def set_fractional_parameter(self, parameter1_smaller_equal_than, parameter2):
        """Replaces ``parameter1`` by ``<parameter1>_fraction`` ∈ [0, 1] times ``parameter2``."""
        self._apply("with_fractional", parameter1_smaller_equal_than, parameter2)

    def set_parameter_optimization_bounds(self, parameter_name, bounds):
        """New SI bounds ``[lo, hi]`` (``[[lo, hi], ...]`` for multi-value parameters)."""
        array = np.atleast_2d(np.asarray(bounds, dtype=float))
        self._apply(
            "with_bounds", parameter_name, [(float(lo), float(hi)) for lo, hi in array]
        )

    @property
    def parameter_links(self):
        """Dmipy's list of links, in the order they were set: ``[model, parameter, function,
        [(model, parameter), ...]]`` with the compartment object and its own parameter name
        (e.g. ``lambda_perp``); the functions are Dmipy's (``T1_tortuosity`` with the S0
        responses when ``S0_correction``, equality, fraction, fixed value). A record for
        scripts that inspect links: the links themselves live in the core model."""
        from ..utils.utils import T1_tortuosity

        prefixes = self.model_names

        def split(name):
            for model, prefix in zip(self.models, prefixes):
                if name.startswith(prefix):
                    return (model, name[len(prefix):])
            return (None, name)

        links = []
        for method, args in self._calls:
            if method == "with_fixed":
                model, name = split(args[0])
                value = args[1][0] if len(args[1]) == 1 else np.array(args[1])
                links.append([model, name, _ReturnFixedValue(value), []])
            elif method == "with_equal":
                model, name = split(args[1])
                links.append([model, name, _parameter_equality, [split(args[0])]])
            elif method == "with_tortuous":
                perp, par, intra, extra, s0_correction = args
                s0_intra = s0_extra = 1.0
                if s0_correction and self.S0_tissue_responses is not None:
                    s0_intra = self.S0_tissue_responses[int(intra.rsplit("_", 1)[-1])]
                    s0_extra = self.S0_tissue_responses[int(extra.rsplit("_", 1)[-1])]
                model, name = split(perp)
                links.append([model, name, T1_tortuosity(s0_intra, s0_extra),
                              [split(par), split(intra), split(extra)]])
            elif method == "with_fractional":
                model, name = split(args[0])
                links.append([model, name, _fractional_parameter,
                              [split(args[0] + "_fraction"), split(args[1])]])
        return links

    # Parameter vectors.

    def parameter_vector_to_parameters(self, parameter_vector):
        """The parameter dict of a vector (..., n_values) in ``parameter_names`` order."""
        vector = np.asarray(parameter_vector, dtype=float)
        parameters, k = {}, 0
        for name, card in self.parameter_cardinality.items():
            parameters[name] = vector[..., k] if card == 1 else vector[..., k : k + card]
            k += card
        return parameters

    def parameters_to_parameter_vector(self, **parameters):
        """The vector (..., n_values) of a parameter dict; scalars (and length-card vectors)
        broadcast to the voxel shape of the arrays."""
        unknown = sorted(set(parameters) - set(self.parameter_names))
        if unknown:
            raise ParameterError(
                f"{type(self).__name__}: unknown parameter '{unknown[0]}'; "
                f"expected: {', '.join(self.parameter_names)}"
            )
        columns, shapes = [], []
        for name, card in self.parameter_cardinality.items():
            if name not in parameters:
                raise ParameterError(
                    f"{type(self).__name__}: missing parameter '{name}'; "
                    f"expected: {', '.join(self.parameter_names)}"
                )
            value = np.asarray(parameters[name], dtype=float)
            if card > 1 and (value.ndim == 0 or value.shape[-1] != card):
                raise ParameterError(f"parameter '{name}' needs shape (..., {card})")
            columns.append(value if card > 1 else value[..., None])
            shapes.append(columns[-1].shape[:-1])
        try:
            shape = np.broadcast_shapes(*shapes) if shapes else ()
        except ValueError as error:
            raise ParameterError("parameter shapes are inconsistent") from error
        columns = [np.broadcast_to(c, shape + c.shape[-1:]) for c in columns]
        if not columns:
            return np.empty(shape + (0,))
        return np.concatenate(columns, axis=-1)

    # Signals.

    def simulate_signal(self, acquisition_scheme, parameters_array_or_dict):
        """The signal (..., N) of a parameter vector (..., n_values) or dict, as Dmipy (N is the
        number of shells for a spherical-mean model)."""
        if isinstance(parameters_array_or_dict, dict):
            vector = self.parameters_to_parameter_vector(**parameters_array_or_dict)
        else:
            vector = np.asarray(parameters_array_or_dict, dtype=float)
        scheme = _core_scheme(acquisition_scheme)
        n_values = sum(self.parameter_cardinality.values())
        if vector.shape[-1:] != (n_values,):
            raise ParameterError(
                f"{type(self).__name__}: a parameter vector has {n_values} values "
                f"({', '.join(self.parameter_names)}), got shape {vector.shape}"
            )
        shape = vector.shape[:-1]
        rows = np.ascontiguousarray(vector.reshape(-1, n_values))
        signal = self._core.simulate(scheme, rows)
        return signal.reshape(shape + (signal.shape[-1],))

    def __call__(self, acquisition_scheme, **kwargs):
        """The signal (..., N) of the parameters given as keywords (scalars or arrays that
        broadcast over voxels)."""
        vector = self.parameters_to_parameter_vector(**kwargs)
        return self.simulate_signal(acquisition_scheme, vector)

    def jacobian(self, acquisition_scheme, parameters_array_or_dict=None, **kwargs):
        """The exact derivative of the signal with respect to every public parameter value, by
        dual numbers in the core through the links (not in Dmipy), as a ``Jacobian``
        (jacobian, parameter_order, signal): ``jacobian`` has shape (..., N, n_values) in
        ``parameter_names`` order (``(name, component)`` pairs), per SI unit. Parameters as
        ``simulate_signal`` takes them (a vector or dict), or as keywords."""
        from ..signal_models._base import Jacobian

        if parameters_array_or_dict is None:
            parameters_array_or_dict = kwargs
        elif kwargs:
            raise ParameterError("give the parameters as one vector/dict or as keywords")
        if isinstance(parameters_array_or_dict, dict):
            vector = self.parameters_to_parameter_vector(**parameters_array_or_dict)
        else:
            vector = np.asarray(parameters_array_or_dict, dtype=float)
        n_values = sum(self.parameter_cardinality.values())
        if vector.shape[-1:] != (n_values,):
            raise ParameterError(
                f"{type(self).__name__}: a parameter vector has {n_values} values "
                f"({', '.join(self.parameter_names)}), got shape {vector.shape}"
            )
        scheme = _core_scheme(acquisition_scheme)
        shape = vector.shape[:-1]
        rows = np.ascontiguousarray(vector.reshape(-1, n_values))
        both = _core.multi_jacobian(self._core, scheme, rows)
        n = both.shape[1] // (n_values + 1)
        order = [(name, k) for name, card in self.parameter_cardinality.items()
                 for k in range(card)]
        return Jacobian(
            both[:, n:].reshape(shape + (n, n_values)), order, both[:, :n].reshape(shape + (n,))
        )

    # Fitting.

    def fit(
        self,
        acquisition_scheme,
        data,
        mask=None,
        solver="brute2fine",
        Ns=5,
        maxiter=300,
        N_sphere_samples=30,
        use_parallel_processing=True,
        number_of_processors=None,
        starts=None,
        uncertainties=False,
        lambda_1=None,
        lambda_2=None,
        Nt=12,
    ):
        """Fits the model to every voxel of ``data`` (..., N), raw signals with b0s.

        As Dmipy: S0 is the mean b0 signal (per echo time); voxels outside ``mask`` or whose
        first measurement is not positive are not fitted (0 in the outputs); ``Ns`` grid points
        per parameter and ``N_sphere_samples`` directions make the brute-force start, refined by
        a bounded Levenberg–Marquardt solver (``solver='brute2fine'``). ``solver='mix'`` starts
        that solver from MIX's global search instead of the grid (Farooq 2016, as Dmipy's
        ``MixOptimizer``: differential evolution of the non-linear parameters for ``maxiter``
        generations, the fractions projected out by non-negative least squares).
        ``solver='amico'`` fits by AMICO (Daducci 2015, as Dmipy's ``AmicoCvxpyOptimizer``): a
        dictionary of each compartment's signals over ``Nt`` values of each of its parameters,
        orientations from a tensor fit, and non-negative least squares with per-compartment L1
        and L2 weights ``lambda_1`` and ``lambda_2`` (lists, one per compartment; default 0).
        ``number_of_processors`` threads run in parallel with the GIL released
        (``use_parallel_processing=False``: one); Ctrl-C cancels. Not in Dmipy: ``starts``
        (solver starts from the best grid points) and ``uncertainties`` (Cramér–Rao standard
        deviations, ``fitted.std``).

        ``data`` may be a Dask array: the fit then runs block by block (``map_blocks``) on the
        Dask scheduler, and the result is gathered into NumPy arrays.
        """
        from .fitted_modeling_framework import FittedMultiCompartmentModel, _fit_numpy

        if solver not in ("brute2fine", "mix", "amico"):
            raise ParameterError(
                f"solver '{solver}' is not available in dmipy_rs; use solver='brute2fine', "
                "'mix' or 'amico'"
            )
        settings = dict(
            ns=None if Ns is None else int(Ns),
            n_sphere_samples=None if N_sphere_samples is None else int(N_sphere_samples),
            starts=starts,
            uncertainties=bool(uncertainties),
            threads=(number_of_processors if use_parallel_processing else 1),
        )
        if solver == "mix":
            settings.update(solver="mix", maxiter=int(maxiter))
        if solver == "amico":
            settings.update(
                solver="amico",
                amico_grid_points=int(Nt),
                lambda_1=None if lambda_1 is None else [float(v) for v in lambda_1],
                lambda_2=None if lambda_2 is None else [float(v) for v in lambda_2],
            )
        if hasattr(data, "map_blocks") and hasattr(data, "chunks"):
            from ._dask import fit_dask

            return fit_dask(self, acquisition_scheme, data, mask, settings)
        parts = _fit_numpy(self, acquisition_scheme, np.asarray(data, dtype=float), mask, settings)
        return FittedMultiCompartmentModel(self, acquisition_scheme, *parts)


    # Posterior sampling.

    def sample(
        self,
        acquisition_scheme,
        data,
        mask=None,
        chains=4,
        warmup=300,
        draws=600,
        seed=0,
        noise="gaussian",
        sigma=None,
        priors=None,
        quantiles=(0.05, 0.5, 0.95),
        number_of_processors=None,
        return_draws=True,
    ):
        """Samples the posterior of the model's parameters in every voxel of ``data`` with
        NUTS (not in Dmipy; the engine of ``dmipy sample``, crate ``dmipy-bayes``).

        Per voxel: the data are divided by the mean b0 (per echo time), the least-squares fit
        of ``fit`` gives the start, and ``chains`` NUTS chains (Hoffman & Gelman 2014, JMLR
        15:1593) run ``warmup`` adaptation iterations, then keep ``draws`` draws each, in an
        unconstrained space with exact log-Jacobians, preconditioned by the Laplace
        covariance at the start.

        Parameters
        ----------
        acquisition_scheme : AcquisitionScheme
            The acquisition of ``data``.
        data : array, shape (..., N)
            Raw signals with b0s, NumPy or Dask. A Dask array is sampled block by block on the
            current Dask scheduler (e.g. a ``distributed.Client``), with the same numbers as
            the NumPy array; per-voxel fixed values are then refused.
        mask : array of bool, shape data.shape[:-1], optional
            Voxels to sample (default: all). Voxels with NaN data or b0 ≤ 0 are flagged.
        chains, warmup, draws : int
            Chains per voxel (≥ 1; R-hat needs 2), warm-up iterations per chain (discarded)
            and draws kept per chain (≥ 4).
        seed : int
            Seed. Chain c of voxel v draws from a stream keyed by (seed, v, c), v the voxel's
            position among the masked voxels in C order: the numbers depend neither on the
            thread count nor on Dask's blocks.
        noise : {'gaussian', 'rician'}
            Noise distribution of the likelihood.
        sigma : float or 'sample', optional
            Noise σ relative to S0 (e.g. 0.05 for SNR 20), or ``'sample'`` to sample it as
            one more parameter ``sigma`` (log-uniform prior on [0.001, 1]); default: per voxel
            from the residuals of the least-squares fit, √(RSS/(m − n)).
        priors : dict, optional
            Priors by parameter name (SI), e.g. ``{'C1Stick_1_lambda_par': {'normal':
            {'mean': 1.7e-9, 'sd': 0.3e-9}}}``; also ``uniform`` {lower, upper},
            ``lognormal`` {mu, sigma}, ``halfnormal`` {sd}. Default: uniform on the parameter
            ranges, orientations uniform on the sphere, fractions uniform on the simplex.
        quantiles : sequence of float
            Quantiles (in [0, 1]) to report, as ``P_q05``, ``P_q50``, ``P_q95`` …
        number_of_processors : int, optional
            Threads (default: all cores); the GIL is released and Ctrl-C cancels.
        return_draws : bool
            Keep every draw and NUTS's per-draw statistics (``draws``, ``sample_stats``,
            ``to_inference_data()``).

        Returns
        -------
        PosteriorResult
            ``summaries`` and ``diagnostics`` on the voxel grid, ``draws`` and
            ``sample_stats`` of the masked voxels (see ``dmipy_rs.core.posterior``).

        Errors (bad options, unknown or invalid priors, a model that cannot be sampled) raise
        ``ParameterError``, a ``ValueError``, with the library's message.
        """
        from .posterior import _core_settings, _sample_numpy

        settings = _core_settings(
            chains, warmup, draws, seed, noise, sigma, priors, quantiles,
            number_of_processors, return_draws,
        )
        if hasattr(data, "map_blocks") and hasattr(data, "chunks"):
            from ._dask import sample_dask

            return sample_dask(self, acquisition_scheme, data, mask, settings)
        return _sample_numpy(self, acquisition_scheme, np.asarray(data, dtype=float), mask,
                             settings)

def _check_components(owner, models, spherical_mean):
    """Dmipy's refusals: one model object twice (its parameters would be shared by accident),
    and an orientation-free plane (Dmipy's 1-D plane) next to other models or in a
    spherical-mean model."""
    seen = set()
    for model in models:
        if id(model) in seen:
            raise ParameterError(
                f"{owner}: the same {type(model).__name__} instance is given twice; create one "
                "instance per compartment"
            )
        seen.add(id(model))
    free_planes = [
        m for m in models
        if isinstance(m, CompartmentModel) and m._orientation_optional and m.mu is None
    ]
    if free_planes and (len(models) > 1 or spherical_mean):
        where = "in a spherical-mean model" if spherical_mean else "with other compartments"
        raise ParameterError(
            f"{owner}: {type(free_planes[0]).__name__} without a normal is Dmipy's 1-D plane "
            f"model and cannot be used {where}; give it a normal, e.g. "
            f"{type(free_planes[0]).__name__}(mu=[theta, phi])"
        )


class _ReturnFixedValue:
    """Dmipy's link object of a fixed parameter: calling it returns the value."""

    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value


def _parameter_equality(param):
    """Dmipy's equality link: returns its argument."""
    return param


def _fractional_parameter(fractional_parameter, parameter2):
    """Dmipy's fractional link: fraction × the larger parameter."""
    return fractional_parameter * parameter2


def _rebuild(cls, state):
    models, s0_responses, calls = state
    model = cls(models, S0_tissue_responses=s0_responses)
    for method, args in calls:
        model._apply(method, *args)
    return model


class MultiCompartmentModel(_MultiCompartmentBase):
    """Dmipy's ``MultiCompartmentModel(models, S0_tissue_responses=None)``: the compartments'
    signals weighted by volume fractions ``partial_volume_i`` that sum to one."""


class MultiCompartmentSphericalMeanModel(_MultiCompartmentBase):
    """Dmipy's ``MultiCompartmentSphericalMeanModel``: one value per shell, the spherical mean
    of every compartment; orientation parameters are not in the parameter list."""

    _spherical_mean = True


class MultiCompartmentSphericalHarmonicsModel:
    """Dmipy's ``MultiCompartmentSphericalHarmonicsModel(models, S0_tissue_responses=None,
    sh_order=8)``: multi-compartment spherical deconvolution (MC-CSD, MT-CSD). The FOD is a real
    SH series (Dmipy's basis) convolved with the kernel of each compartment, whose parameters
    other than the orientation must be fixed (``set_fixed_parameter`` or the compartment's
    constructor), as Dmipy requires; volume fractions are fitted unless all are fixed.

    Parameters, in Dmipy's order: each compartment's non-orientation parameters (prefixed as in
    ``MultiCompartmentModel``), ``partial_volume_i`` (several compartments), ``sh_coeff``.
    """

    def __init__(self, models, S0_tissue_responses=None, sh_order=8):
        _check_components("MultiCompartmentSphericalHarmonicsModel", models, False)
        for model in models:
            if not isinstance(model, CompartmentModel):
                raise ParameterError(
                    "MultiCompartmentSphericalHarmonicsModel takes compartment models (their "
                    f"kernels are convolved with the FOD), got {type(model).__name__}"
                )
        if not any("orientation" in m.parameter_types.values() for m in models):
            raise ParameterError(
                "MultiCompartmentSphericalHarmonicsModel must at least have one anisotropic "
                "kernel input model."
            )
        if S0_tissue_responses is not None and len(S0_tissue_responses) != len(models):
            raise ParameterError(
                f"Number of S0_tissue responses {len(S0_tissue_responses)} must be same as "
                f"number of input models {len(models)}."
            )
        self.models = list(models)
        self.N_models = len(models)
        self.S0_tissue_responses = (
            None if S0_tissue_responses is None else [float(s) for s in S0_tissue_responses]
        )
        self.sh_order = int(sh_order)
        self._fixed = {}

    model_names = _MultiCompartmentBase.model_names
    partial_volume_names = _MultiCompartmentBase.partial_volume_names

    @property
    def parameter_cardinality(self):
        """Number of values of every parameter, in Dmipy's order."""
        out = OrderedDict()
        for prefix, model in zip(self.model_names, self.models):
            for name, card in model.parameter_cardinality.items():
                if model.parameter_types[name] != "orientation":
                    out[prefix + name] = card
        for name in self.partial_volume_names:
            out[name] = 1
        out["sh_coeff"] = (self.sh_order + 1) * (self.sh_order + 2) // 2
        return out

    @property
    def parameter_names(self):
        return list(self.parameter_cardinality)

    def set_fixed_parameter(self, parameter_name, value):
        """Fixes a kernel parameter or a volume fraction to one value (SI)."""
        if parameter_name not in self.parameter_cardinality or parameter_name == "sh_coeff":
            raise ParameterError(
                f"MultiCompartmentSphericalHarmonicsModel: '{parameter_name}' is not a kernel "
                f"parameter or volume fraction; expected one of "
                f"{', '.join(n for n in self.parameter_names if n != 'sh_coeff')}"
            )
        array = np.asarray(value, dtype=float)
        if array.size != self.parameter_cardinality[parameter_name]:
            raise ParameterError(
                f"{parameter_name}: voxel-varying kernels are not available in dmipy_rs; give "
                "one value"
            )
        self._fixed[parameter_name] = array.ravel()

    def _kernel_parameter(self, name):
        """The fixed value (1-D array) of kernel parameter ``name`` (prefixed): set on this model,
        else by the compartment's constructor; an error when neither fixed it."""
        prefix = next(p for p in self.model_names if name.startswith(p))
        model = self.models[self.model_names.index(prefix)]
        value = self._fixed.get(name, getattr(model, name[len(prefix):]))
        if value is None:
            raise ParameterError(f"Kernel parameter {name} is not fixed.")
        return np.atleast_1d(np.asarray(value, dtype=float))

    def _kernels(self):
        """(core compartment, full parameter vector) of every kernel; orientations are 0."""
        kernels = []
        for prefix, model in zip(self.model_names, self.models):
            params = []
            for name, card in model.parameter_cardinality.items():
                if model.parameter_types[name] == "orientation":
                    params.extend([0.0] * card)
                else:
                    params.extend(self._kernel_parameter(prefix + name).tolist())
            kernels.append((model._core, params))
        return kernels

    def fit(self, acquisition_scheme, data, mask=None, solver="csd", lambda_lb=1e-5,
            unity_constraint="kernel_dependent", use_parallel_processing=True,
            number_of_processors=None, verbose=True):
        """Fits the FOD (and the volume fractions unless all are fixed) of every voxel of
        ``data`` (..., N), raw signals with b0s. ``solver``: ``'csd'`` or ``'csd_cvxpy'`` (least
        squares with the FOD ≥ 0 on a dense sphere, solved exactly where Dmipy calls CVXPY), or
        ``'csd_tournier07'`` (Tournier 2007's iterative CSD). Dmipy's ``'csd'`` picks Tournier 2007
        when the fractions are fixed; here it is always the exact solve, which is the constrained
        least-squares optimum and also the faster of the two. ``lambda_lb``: Laplace–Beltrami smoothing weight;
        ``unity_constraint``: ``'kernel_dependent'`` (Dmipy's default), True or False. Voxels
        outside ``mask`` are not fitted. One voxel's data (N,) give results shaped (1, ...), as
        in Dmipy."""
        from .fitted_modeling_framework import FittedMultiCompartmentSphericalHarmonicsModel

        volumes = [n for n in self.partial_volume_names if n in self._fixed]
        if volumes and len(volumes) != len(self.partial_volume_names):
            raise ParameterError("fix every partial volume or none of them")
        fixed_fractions = [float(self._fixed[n][0]) for n in volumes] or None
        if unity_constraint == "kernel_dependent":
            unity = None
        elif isinstance(unity_constraint, (bool, np.bool_)):
            unity = bool(unity_constraint)
        else:
            raise ParameterError(
                f"unity_constraint must be 'kernel_dependent', True or False, got {unity_constraint!r}"
            )
        data = np.atleast_2d(np.asarray(data, dtype=float))  # one voxel is (1, N), as in Dmipy
        shape = data.shape[:-1]
        rows = np.array(data.reshape(-1, data.shape[-1]), dtype=float, order="C")
        fit_mask = np.ones(len(rows), dtype=bool)
        if mask is not None:
            fit_mask &= np.broadcast_to(np.asarray(mask, dtype=bool), shape).ravel()
        rows[~fit_mask] = np.nan
        core = _core.sh_fit(
            _core_scheme(acquisition_scheme), self._kernels(), rows, self.sh_order,
            s0_responses=self.S0_tissue_responses, fixed_fractions=fixed_fractions,
            solver=solver, lambda_lb=float(lambda_lb), unity_constraint=unity,
            threads=(number_of_processors if use_parallel_processing else 1),
        )
        fit_mask &= core.flags <= 1
        return FittedMultiCompartmentSphericalHarmonicsModel(
            self, acquisition_scheme, core, fit_mask.reshape(shape))
