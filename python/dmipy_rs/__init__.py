"""dmipy_rs — Dmipy 1.x's microstructure models on a fast, exact, differentiable Rust core.

The package mirrors Dmipy 1.x's layout, so a Dmipy script ports by replacing its import root::

    from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
    from dmipy_rs.signal_models import cylinder_models, gaussian_models
    from dmipy_rs.data.saved_acquisition_schemes import wu_minn_hcp_acquisition_scheme

    scheme = wu_minn_hcp_acquisition_scheme()
    stick = cylinder_models.C1Stick()
    E = stick(scheme, mu=[0.3, 1.1], lambda_par=1.7e-9)   # (288,)
    J = stick.jacobian(scheme, mu=[0.3, 1.1], lambda_par=1.7e-9).jacobian   # (288, 3), exact

What lives where:

- ``dmipy_rs.core.acquisition_scheme`` — ``AcquisitionScheme`` and its constructors from b-values,
  q-values, gradient strengths and DIPY gradient tables.
- ``dmipy_rs.signal_models.{cylinder,gaussian,sphere,plane}_models`` — the compartments, callable
  on a scheme with scalar or array parameters (broadcast over voxels), with exact Jacobians.
- ``dmipy_rs.core.modeling_framework`` — ``MultiCompartmentModel`` and
  ``MultiCompartmentSphericalMeanModel``: compartments with volume fractions and Dmipy's
  parameter links, ``simulate_signal``, and ``fit`` (NumPy or Dask arrays), which returns a
  ``FittedMultiCompartmentModel`` (``core.fitted_modeling_framework``).
- ``dmipy_rs.data.saved_acquisition_schemes`` — the built-in HCP WU-Minn scheme.
- ``dmipy_rs.utils.utils`` — ``sphere2cart``, ``cart2sphere`` and friends (Dmipy conventions).
- ``dmipy_rs._core`` — the Rust extension; everything above is a thin layer over it.

- ``dmipy_rs.distributions.distribute_models`` — ``SD1WatsonDistributed``,
  ``SD2BinghamDistributed``, ``DD1GammaDistributed`` (and ``BundleModel``): kernels sharing one
  orientation or size distribution, with their own links, as components of the models above.

- ``dmipy_rs.turnkey(name)`` / ``turnkey_names()`` / ``model_from_json(text)`` — the models
  ``dmipy models`` lists, and CLI model files, as ready multi-compartment models.

- ``dmipy_rs.tracking`` — ``track`` (streamlines on peaks, tensor or SH-FOD arrays in world mm,
  NumPy or Dask seeds), ``seeds_from_mask`` and ``seed_jacobian`` (exact d points / d seed).

Units are SI throughout (b in s/m², diffusivities in m²/s, sizes in m, times in s), as in Dmipy.
Every error raised for bad input is a ``DmipyError``, which is a ``ValueError``.
"""

from ._core import (
    AcquisitionError,
    DmipyError,
    MissingSchemeFieldError,
    ParameterError,
    __version__,
)

from .turnkey import model_from_json, turnkey, turnkey_names

__all__ = [
    "AcquisitionError",
    "DmipyError",
    "MissingSchemeFieldError",
    "ParameterError",
    "__version__",
    "model_from_json",
    "turnkey",
    "turnkey_names",
]
