"""The one base class of every compartment: parameter metadata in Dmipy's format, broadcasting of
parameter values over voxels, and the calls into the core (signal, Jacobian, spherical mean)."""

import warnings
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .. import _core
from .._core import ParameterError
from ..core.acquisition_scheme import AcquisitionScheme

__all__ = ["CompartmentModel", "Jacobian"]


class Jacobian(NamedTuple):
    """The result of ``model.jacobian``.

    ``jacobian`` has shape (..., N_measurements, n_parameter_values): the exact derivative of each
    measurement's signal with respect to each parameter value, per SI unit (so ∂E/∂λ for a
    diffusivity in m²/s is of order 1e9). ``parameter_order`` names its last axis as
    ``(parameter name, component)`` pairs, e.g. ``("mu", 0), ("mu", 1), ("lambda_par", 0)``.
    ``signal`` (..., N_measurements) is the signal itself, computed in the same pass.
    """

    jacobian: np.ndarray
    parameter_order: list
    signal: np.ndarray


def _scaled(value, scale):
    """``value / scale``, rounded to 12 digits when scaled so that 1e-10 / 1e-9 reads 0.1 as in
    Dmipy's literal ranges (unscaled bounds such as π stay exact)."""
    return value if scale == 1 else float(f"{value / scale:.12g}")


def _scheme(acquisition_scheme):
    if not isinstance(acquisition_scheme, AcquisitionScheme):
        raise TypeError(
            "expected a dmipy_rs AcquisitionScheme (from dmipy_rs.core.acquisition_scheme), "
            f"got {type(acquisition_scheme).__name__}"
        )
    return acquisition_scheme._core


class CompartmentModel:
    """A compartment of the core, called on a scheme with parameters as keyword arguments.

    Constructor keywords are either settings of the model (e.g. ``number_of_roots``) or parameter
    values to fix (as Dmipy's ``C1Stick(mu=..., lambda_par=...)``); call keywords override fixed
    values. Parameter values are in SI units and may be scalars or arrays: a parameter of
    cardinality 1 takes shape ``S``, ``mu`` takes ``S + (2,)``, and the shapes ``S`` of all
    parameters broadcast (NumPy rules) to the voxel shape of the result ``(..., N)``. As in
    Dmipy, one-element 1-D arrays (``np.random.rand(1) * scale``) count as plain values.
    """

    #: The core's (and Dmipy's) class name.
    _core_name = None
    #: Dmipy's ``parameter_types`` entry of size parameters: "cylinder", "sphere" or "plane".
    _size_type = "normal"
    #: The constructor settings the core takes for this model.
    _settings = ()

    def __init__(self, **kwargs):
        settings = {k: kwargs.pop(k) for k in list(kwargs) if k in self._settings}
        self._given_settings = settings
        self._core = _core.Model(self._core_name, **settings)
        self._table = self._core.parameters()
        unknown = sorted(set(kwargs) - set(self.parameter_names))
        if unknown:
            raise ParameterError(self._unknown_message(unknown[0], constructor=True))
        for name in self.parameter_names:
            setattr(self, name, kwargs.get(name))

    def __reduce__(self):
        # Pickled as its class, settings and fixed values (e.g. for Dask workers).
        fixed = {n: getattr(self, n) for n in self.parameter_names if getattr(self, n) is not None}
        return (_unpickle, (type(self), {**self._given_settings, **fixed}))

    def __repr__(self):
        settings = "".join(f", {k}={v:g}" for k, v in self._core.settings())
        fixed = "".join(
            f", {n}={getattr(self, n)!r}"
            for n in self.parameter_names
            if getattr(self, n) is not None
        )
        return f"{type(self).__name__}({(settings + fixed)[2:]})"

    # Parameter metadata, in Dmipy's formats.

    @property
    def parameter_names(self):
        """Parameter names in the order of the parameter vector."""
        return [p[0] for p in self._table]

    @property
    def parameter_cardinality(self):
        """Number of values of every parameter (2 for ``mu``)."""
        return OrderedDict((p[0], len(p[2])) for p in self._table)

    @property
    def parameter_scales(self):
        """Typical magnitude of every parameter in SI (an array of ones for ``mu``), as Dmipy."""
        return OrderedDict(
            (name, np.full(len(bounds), scale) if len(bounds) > 1 else scale)
            for name, _, bounds, scale, _ in self._table
        )

    @property
    def parameter_ranges(self):
        """Bounds divided by the scale, as Dmipy: ``(lo, hi)``, or ``([lo, hi], ...)`` for mu."""
        ranges = OrderedDict()
        for name, _, bounds, scale, _ in self._table:
            scaled = [[_scaled(lo, scale), _scaled(hi, scale)] for lo, hi in bounds]
            ranges[name] = tuple(scaled) if len(scaled) > 1 else tuple(scaled[0])
        return ranges

    @property
    def parameter_types(self):
        """Dmipy's parameter types: "orientation", the geometry of sizes, else "normal"."""
        kinds = {"orientation": "orientation", "size": self._size_type}
        return OrderedDict((p[0], kinds.get(p[4], "normal")) for p in self._table)

    @property
    def parameter_units(self):
        """SI unit of every parameter (not in Dmipy)."""
        return OrderedDict((p[0], p[1]) for p in self._table)

    # Broadcasting of parameter values.

    def _unknown_message(self, name, constructor=False):
        where = "constructor argument" if constructor else "parameter"
        expected = list(self.parameter_names)
        if constructor:
            expected += list(self._settings)
        return (
            f"{type(self).__name__}: unknown {where} '{name}'; "
            f"expected: {', '.join(expected) or 'none'}"
        )

    def _voxel_matrix(self, kwargs, fill_orientation=False):
        """The (V, P) parameter matrix of the call and the voxel shape it broadcasts to."""
        unknown = sorted(set(kwargs) - set(self.parameter_names))
        if unknown:
            raise ParameterError(self._unknown_message(unknown[0]))
        columns = []
        for name, _, bounds, _, kind in self._table:
            value = kwargs.get(name, getattr(self, name))
            if value is None and fill_orientation and kind == "orientation":
                value = np.zeros(len(bounds))
            columns.append(self._parameter_array(name, len(bounds), value))
        shape = self._voxel_shape(columns)
        n_values = sum(len(p[2]) for p in self._table)
        matrix = np.empty(shape + (n_values,))
        k = 0
        for (name, _, bounds, _, _), array in zip(self._table, columns):
            c = len(bounds)
            if c > 1:
                matrix[..., k : k + c] = array
            else:
                matrix[..., k] = array
            k += c
        n_voxels = int(np.prod(shape, dtype=np.int64))
        if shape == (1,) and all(
            a.ndim <= 1 if len(p[2]) == 1 else a.ndim == 1
            for p, a in zip(self._table, columns)
        ):
            # Dmipy's idiom `np.random.rand(1) * scale`: one-element vectors are one value, and
            # the result has no voxel axis, as NumPy broadcasting gives in Dmipy.
            shape = ()
        return np.ascontiguousarray(matrix.reshape(n_voxels, n_values)), shape

    def _parameter_array(self, name, cardinality, value):
        if value is None:
            raise ParameterError(
                f"{type(self).__name__}: missing parameter '{name}'; "
                f"expected: {', '.join(self.parameter_names)}"
            )
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            raise ParameterError(
                f"{type(self).__name__}: parameter '{name}' is not numeric: {value!r}"
            ) from error
        if cardinality > 1 and (array.ndim == 0 or array.shape[-1] != cardinality):
            raise ParameterError(
                f"{type(self).__name__}: parameter '{name}' needs shape (..., {cardinality}), "
                f"got {array.shape}"
            )
        return array

    def _voxel_shape(self, columns):
        shapes = [
            a.shape[:-1] if len(p[2]) > 1 else a.shape for p, a in zip(self._table, columns)
        ]
        try:
            return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
        except ValueError as error:
            described = ", ".join(f"{p[0]}: {s}" for p, s in zip(self._table, shapes))
            raise ParameterError(
                f"{type(self).__name__}: parameter shapes do not broadcast ({described})"
            ) from error

    # Calls into the core.

    #: Whether a missing ``mu`` means Dmipy's orientation-free model (the planes: the signal
    #: then depends on |q| alone, as if the normal followed every gradient direction).
    _orientation_optional = False

    def _orientation_free(self, acquisition_scheme, kwargs):
        """(core scheme, kwargs) for Dmipy's orientation-free evaluation when ``mu`` is absent:
        every direction replaced by ẑ and ``mu`` = [0, 0], which gives q·n = |q| exactly."""
        if not self._orientation_optional or "mu" in kwargs or getattr(self, "mu") is not None:
            return _scheme(acquisition_scheme), kwargs
        cache = acquisition_scheme.__dict__.setdefault("_along_z", {})
        if "scheme" not in cache:
            from ..core.acquisition_scheme import acquisition_scheme_from_qvalues

            s = acquisition_scheme
            if s.qvalues is None:
                raise ParameterError(
                    f"{type(self).__name__} needs delta and Delta in the acquisition scheme"
                )
            with warnings.catch_warnings():  # the scheme's own build has warned already
                warnings.simplefilter("ignore")
                cache["scheme"] = acquisition_scheme_from_qvalues(
                    s.qvalues, np.tile([0.0, 0.0, 1.0], (len(s), 1)), s.delta, s.Delta, s.TE,
                    min_b_shell_distance=s.min_b_shell_distance, b0_threshold=s.b0_threshold,
                )._core
        return cache["scheme"], dict(kwargs, mu=np.zeros(2))

    def __call__(self, acquisition_scheme, **kwargs):
        """The signal attenuation, shape (..., N_measurements), of the parameters in ``kwargs``
        (SI; scalars or arrays broadcast over voxels, ``mu`` as ``[theta, phi]`` or (..., 2))."""
        _scheme(acquisition_scheme)
        scheme, kwargs = self._orientation_free(acquisition_scheme, kwargs)
        matrix, shape = self._voxel_matrix(kwargs)
        signal = self._core.predict(scheme, matrix)
        return signal.reshape(shape + (len(scheme),))

    def jacobian(self, acquisition_scheme, **kwargs):
        """The exact derivative of the signal with respect to every parameter value (from dual
        numbers in the core, not finite differences), as a ``Jacobian`` (jacobian, parameter_order,
        signal); ``jacobian`` has shape (..., N_measurements, n_parameter_values)."""
        scheme = _scheme(acquisition_scheme)
        matrix, shape = self._voxel_matrix(kwargs)
        # One row per voxel: N signal values, then the N × P Jacobian; split into views.
        both = self._core.jacobian(scheme, matrix)
        n = len(scheme)
        order = [(p[0], k) for p in self._table for k in range(len(p[2]))]
        jacobian = both[:, n:].reshape(shape + (n, len(order)))
        return Jacobian(jacobian, order, both[:, :n].reshape(shape + (n,)))

    def grad(self, acquisition_scheme, dloss_dsignal, **kwargs):
        """Gradient of a scalar loss L(E) with respect to every parameter, by the chain rule
        through the exact Jacobian: dL/dp = Σₙ ∂L/∂Eₙ · ∂Eₙ/∂p.

        ``dloss_dsignal`` is ∂L/∂E, an array shaped like the signal (..., N_measurements), or a
        callable taking the signal and returning it (e.g. ``lambda e: e - data`` for
        L = ½‖E − data‖²). Returns a dict {parameter name: array (...,) or (..., cardinality)}.
        """
        jac = self.jacobian(acquisition_scheme, **kwargs)
        dl = dloss_dsignal(jac.signal) if callable(dloss_dsignal) else dloss_dsignal
        dl = np.broadcast_to(np.asarray(dl, dtype=float), jac.signal.shape)
        flat = np.einsum("...n,...np->...p", dl, jac.jacobian)
        out, column = {}, 0
        for entry in self._table:
            name, card = entry[0], len(entry[2])
            block = flat[..., column:column + card]
            out[name] = block[..., 0] if card == 1 else block
            column += card
        return out

    def spherical_mean(self, acquisition_scheme, **kwargs):
        """The signal averaged over gradient directions, one value per shell of the scheme
        (shape (..., n_shells), in the order of ``shell_bvalues``). ``mu`` may be left out."""
        scheme = _scheme(acquisition_scheme)
        matrix, shape = self._voxel_matrix(kwargs, fill_orientation=True)
        means = self._core.spherical_mean(scheme, matrix)
        return means.reshape(shape + (means.shape[1],))


def _unpickle(cls, kwargs):
    return cls(**kwargs)
