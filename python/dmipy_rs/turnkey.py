"""Turnkey models and model files from Python: the models ``dmipy models`` lists, as ready
``MultiCompartmentModel`` objects with Dmipy's parameter names::

    import dmipy_rs
    dmipy_rs.turnkey_names()                  # [('ball_stick', 'ball and one stick ...'), ...]
    noddi = dmipy_rs.turnkey("noddi_watson")  # a MultiCompartmentModel, links already set
    fitted = noddi.fit(scheme, data)

``model_from_json`` builds a model from a model file (the JSON the ``dmipy`` CLI reads and
``MultiCompartmentModel.to_json`` writes) by making the same Python calls a Dmipy script makes,
so the result is an ordinary model: it pickles, and its links can be changed further.
"""

import json

from . import _core
from ._core import ParameterError
from .distributions import distribute_models
from .signal_models import (
    capped_cylinder_models,
    cylinder_models,
    gaussian_models,
    plane_models,
    sphere_models,
)
from .signal_models._base import CompartmentModel

__all__ = ["turnkey", "turnkey_names", "model_from_json"]

_DISTRIBUTED = {
    "SD1Watson": distribute_models.SD1WatsonDistributed,
    "SD2Bingham": distribute_models.SD2BinghamDistributed,
    "DD1Gamma": distribute_models.DD1GammaDistributed,
    "Bundle": distribute_models.BundleModel,
}
_LINKS = (
    "set_fixed_parameter",
    "set_equal_parameter",
    "set_tortuous_parameter",
    "set_initial_guess_parameter",
    "set_fractional_parameter",
    "set_parameter_optimization_bounds",
)


def _compartment_classes():
    classes = {}
    for module in (cylinder_models, gaussian_models, sphere_models, plane_models,
                   capped_cylinder_models):
        for name in module.__all__:
            classes[name] = getattr(module, name)
    return classes


def _compartment(name, classes):
    if name in classes:
        return classes[name]()
    if name not in _core.Model.names():
        raise ParameterError(f"model file: unknown compartment '{name}'")
    # A core compartment without a Dmipy module (e.g. Tensor): the generic wrapper.
    return type(name, (CompartmentModel,), {"_core_name": name})()


def _value(value, where):
    if isinstance(value, dict):
        raise ParameterError(f"model file: {where}: per-voxel values are not read from JSON here")
    return value


def _apply_calls(target, pairs, where):
    for key, calls in pairs:
        if key not in _LINKS:
            raise ParameterError(f"model file: {where}: unknown key '{key}'")
        for args in calls:
            args = list(args)
            if key in ("set_fixed_parameter", "set_initial_guess_parameter"):
                args[1] = _value(args[1], where)
            getattr(target, key)(*args)


def _build(pairs, classes):
    from .core.modeling_framework import (
        MultiCompartmentModel,
        MultiCompartmentSphericalMeanModel,
    )

    spec = dict(pairs)
    models = []
    for entry in spec.get("compartments", []):
        if isinstance(entry, str):
            models.append(_compartment(entry, classes))
            continue
        inner = dict(entry)
        kind = inner.get("distributed")
        if kind not in _DISTRIBUTED:
            raise ParameterError(f"model file: unknown distributed model '{kind}'")
        dist = _DISTRIBUTED[kind]([_compartment(n, classes) for n in inner.get("compartments", [])])
        _apply_calls(
            dist, [(k, v) for k, v in entry if k not in ("distributed", "compartments")], kind
        )
        models.append(dist)
    cls = MultiCompartmentSphericalMeanModel if spec.get("spherical_mean") else (
        MultiCompartmentModel
    )
    model = cls(models, S0_tissue_responses=spec.get("S0_tissue_responses"))
    constructor = ("compartments", "spherical_mean", "S0_tissue_responses")
    _apply_calls(model, [(k, v) for k, v in pairs if k not in constructor], "model")
    return model


def model_from_json(text):
    """The model of a model file (JSON text; keys in file order, repeats allowed)."""
    pairs = json.loads(text, object_pairs_hook=lambda items: items)
    if isinstance(pairs, str):
        pairs = [("compartments", [pairs])]
    return _build(pairs, _compartment_classes())


def turnkey_names():
    """The turnkey models as (name, description) pairs, the list ``dmipy models`` prints."""
    return list(_core.turnkey_names())


def turnkey(name):
    """The turnkey model ``name`` (see ``turnkey_names``) as a ``MultiCompartmentModel`` (or a
    ``MultiCompartmentSphericalMeanModel`` for the spherical-mean ones), built by the calls of
    the core's definition (``MultiCompartmentModel::turnkey``)."""
    return model_from_json(_core.turnkey_model(name).to_json())
