"""Distributed models (Dmipy 1.x ``distributions.distribute_models``): kernels whose orientations
follow one Watson or Bingham distribution, or whose diameters follow one Gamma distribution.

As in Dmipy, a distributed model is a component of a ``MultiCompartmentModel``::

    stick, zeppelin = cylinder_models.C1Stick(), gaussian_models.G2Zeppelin()
    bundle = SD1WatsonDistributed(models=[stick, zeppelin])
    bundle.set_tortuous_parameter('G2Zeppelin_1_lambda_perp', 'C1Stick_1_lambda_par',
                                  'partial_volume_0')
    bundle.set_equal_parameter('G2Zeppelin_1_lambda_par', 'C1Stick_1_lambda_par')
    bundle.set_fixed_parameter('G2Zeppelin_1_lambda_par', 1.7e-9)
    noddi = MultiCompartmentModel(models=[gaussian_models.G1Ball(), bundle])

The model lives in the core (``dmipy_rs._core.Distributed``); each link replaces it by a changed
copy, and the Python object records the calls so that it can be pickled. Units are SI.
"""

import warnings
from collections import OrderedDict

import numpy as np

from .. import _core
from .._core import ParameterError
from ..signal_models._base import CompartmentModel, _scaled

__all__ = [
    "BundleModel",
    "DD1GammaDistributed",
    "SD1WatsonDistributed",
    "SD2BinghamDistributed",
]


class DistributedModel:
    """Kernels sharing one distribution; its parameters are named as in Dmipy
    (``SD1Watson_1_mu``, ``SD1Watson_1_odi``, ``C1Stick_1_lambda_par``, ``partial_volume_0``)."""

    #: Dmipy's class name (and the core's name of the distribution).
    _core_name = None

    def __init__(self, models):
        models = list(models)
        for model in models:
            if isinstance(model, DistributedModel):
                raise ParameterError(
                    f"{type(self).__name__}: a distributed model inside a distributed model "
                    f"({type(model).__name__}) is not available in dmipy_rs; distribute the "
                    "compartments in one model instead"
                )
            if not isinstance(model, CompartmentModel):
                raise TypeError(
                    f"{type(self).__name__}: models must be dmipy_rs compartment models, "
                    f"got {type(model).__name__}"
                )
        self.models = models
        self._calls = []
        self._core = _core.Distributed(self._core_name, [m._core for m in models])

    def __reduce__(self):
        return (_unpickle, (type(self), self.models, self._calls))

    def __repr__(self):
        return repr(self._core)

    @property
    def _table(self):
        return self._core.parameters()

    @property
    def parameter_names(self):
        """Parameter names in Dmipy's order (links removed)."""
        return [p[0] for p in self._table]

    @property
    def parameter_cardinality(self):
        """Number of values of every parameter (2 for ``mu``)."""
        return OrderedDict((p[0], len(p[1])) for p in self._table)

    @property
    def parameter_scales(self):
        """Typical magnitude of every parameter in SI (an array for ``mu``)."""
        return OrderedDict(
            (name, np.full(len(bounds), scale) if len(bounds) > 1 else scale)
            for name, bounds, scale, _ in self._table
        )

    @property
    def parameter_ranges(self):
        """Bounds divided by the scale, as Dmipy."""
        ranges = OrderedDict()
        for name, bounds, scale, _ in self._table:
            scaled = [[_scaled(lo, scale), _scaled(hi, scale)] for lo, hi in bounds]
            ranges[name] = tuple(scaled) if len(scaled) > 1 else tuple(scaled[0])
        return ranges

    def _apply(self, method, *args):
        self._core = getattr(self._core, method)(*args)
        self._calls.append((method, args))
        self._wrappers = {}

    # Signals: the distributed model as the one component of a multi-compartment model, whose
    # parameter names carry the prefix ``<class>_1_``.

    def _wrapper(self, spherical_mean):
        cache = self.__dict__.setdefault("_wrappers", {})
        if spherical_mean not in cache:
            from ..core.modeling_framework import (
                MultiCompartmentModel,
                MultiCompartmentSphericalMeanModel,
            )

            cls = MultiCompartmentSphericalMeanModel if spherical_mean else MultiCompartmentModel
            cache[spherical_mean] = cls([self])
        return cache[spherical_mean]

    def _signal(self, acquisition_scheme, kwargs, spherical_mean):
        unknown = sorted(set(kwargs) - set(self.parameter_names))
        if unknown:
            raise ParameterError(
                f"{type(self).__name__}: unknown parameter '{unknown[0]}'; "
                f"expected: {', '.join(self.parameter_names)}"
            )
        model = self._wrapper(spherical_mean)
        prefix = model.model_names[0]
        wanted = set(model.parameter_names)
        values = {
            prefix + name: value for name, value in kwargs.items() if prefix + name in wanted
        }
        return model(acquisition_scheme, **values)

    def __call__(self, acquisition_scheme, **kwargs):
        """The signal (..., N) of the distributed kernels for the parameters in ``kwargs``
        (names as in ``parameter_names``; scalars or arrays broadcast over voxels), as Dmipy."""
        return self._signal(acquisition_scheme, kwargs, spherical_mean=False)

    def spherical_mean(self, acquisition_scheme, **kwargs):
        """The spherical mean per shell (..., n_shells); orientation parameters may be left out
        (they do not change it)."""
        return self._signal(acquisition_scheme, kwargs, spherical_mean=True)

    def set_fixed_parameter(self, parameter_name, value):
        """Fixes a parameter to one value (SI; a list for ``mu``) and removes it from the list;
        a wrong number of values is a ``ParameterError`` (a ``ValueError``)."""
        card = self.parameter_cardinality.get(parameter_name)
        if card is None:
            raise ParameterError(
                f"{parameter_name} does not exist or has already been fixed; "
                f"parameters: {', '.join(self.parameter_names)}"
            )
        if card == 1 and not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(
                f"{parameter_name} can only be fixed to a number in a distributed model, got "
                f"{value!r}"
            )
        values = np.atleast_1d(np.asarray(value, dtype=float))
        if values.shape != (card,):
            raise ParameterError(
                f"{parameter_name} takes {card} value(s) in a distributed model, got {values.shape}"
            )
        self._apply("with_fixed", parameter_name, [float(v) for v in values])

    def set_equal_parameter(self, parameter_name_in, parameter_name_out):
        """``parameter_name_out`` takes the value of ``parameter_name_in``. As in Dmipy, a name
        that does not exist or is already linked leaves the model unchanged (with a warning
        here; Dmipy prints) and returns None."""
        names = set(self.parameter_names)
        for name in (parameter_name_in, parameter_name_out):
            if name not in names:
                warnings.warn(
                    f"{type(self).__name__}.set_equal_parameter: {name} does not exist or has "
                    "already been fixed or linked; nothing changed",
                    stacklevel=2,
                )
                return None
        self._apply("with_equal", parameter_name_in, parameter_name_out)

    def set_tortuous_parameter(
        self,
        lambda_perp_parameter_name,
        lambda_par_parameter_name,
        volume_fraction_intra_parameter_name,
    ):
        """λ⊥ = (1 − v_intra) λ∥ with the inner intra fraction (Szafer et al. 1995), as Dmipy."""
        self._apply(
            "with_tortuous",
            lambda_perp_parameter_name,
            lambda_par_parameter_name,
            volume_fraction_intra_parameter_name,
        )


def _unpickle(cls, models, calls):
    model = cls(models)
    for method, args in calls:
        model._apply(method, *args)
    return model


def _unpickle_gamma(cls, models, calls, target_parameter):
    model = cls(models, target_parameter=target_parameter)
    for method, args in calls:
        model._apply(method, *args)
    return model


class SD1WatsonDistributed(DistributedModel):
    """Kernels whose axes follow one Watson distribution (``mu``, ``odi``)."""

    _core_name = "SD1WatsonDistributed"


class SD2BinghamDistributed(DistributedModel):
    """Kernels whose axes follow one Bingham distribution (``mu``, ``psi``, ``odi``, ``beta_fraction``)."""

    _core_name = "SD2BinghamDistributed"


class DD1GammaDistributed(DistributedModel):
    """Kernels whose diameters follow one Gamma distribution (``alpha``, ``beta``).

    ``target_parameter`` (Dmipy's keyword, default ``'diameter'``) names the distributed size:
    ``'diameter'`` or a kernel's own ``<Model>_1_diameter``. Distributing a parameter of a
    nested distributed model (Dmipy's Gamma of a Watson bundle) is not available: the core
    distributes compartments, not distributed models, and says so."""

    _core_name = "DD1GammaDistributed"

    def __init__(self, models, target_parameter="diameter"):
        models = list(models)
        nested = [m for m in models if isinstance(m, DistributedModel)]
        if nested:
            raise ParameterError(
                f"DD1GammaDistributed: distributing '{target_parameter}' of a distributed "
                f"model ({type(nested[0]).__name__}) is not available in dmipy_rs; distribute "
                "the compartments and disperse them in one model instead"
            )
        names = {"diameter"}
        counts = {}
        for m in models:
            if isinstance(m, CompartmentModel):
                counts[m._core_name] = counts.get(m._core_name, 0) + 1
                names.add(f"{m._core_name}_{counts[m._core_name]}_diameter")
        if target_parameter not in names:
            raise ParameterError(
                f"DD1GammaDistributed: target_parameter '{target_parameter}' is not a diameter "
                f"of the kernels; expected one of {', '.join(sorted(names))}"
            )
        self.target_parameter = target_parameter
        super().__init__(models)

    def __reduce__(self):
        return (_unpickle_gamma, (type(self), self.models, self._calls, self.target_parameter))


class BundleModel(DistributedModel):
    """Kernels grouped without a distribution, so that links can use their inner fractions."""

    _core_name = "BundleModel"
