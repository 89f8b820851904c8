"""IVIM with a fixed pseudo-diffusion coefficient (Dmipy 1.x
``custom_optimizers.intra_voxel_incoherent_motion.ivim_Dstar_fixed``).

The signal is two balls, E = (1 − f) e^{−bD} + f e^{−bD*} (Le Bihan et al. 1988, Radiology
168:497, doi:10.1148/radiology.168.2.3393671), fitted by non-linear least squares with D* fixed
to 7e-9 m²/s (Gurney-Champion et al. 2018, PLoS One 13:e0194590,
doi:10.1371/journal.pone.0194590, the second-best algorithm of their comparison; the D* value
from Ahlgren et al. 2016, NMR Biomed. 29:1280) and D bounded to [0.5, 6]e-9 m²/s (Park et al.
2017, Radiology 283:773), as Dmipy does.
"""

from ..core.modeling_framework import MultiCompartmentModel
from ..signal_models.gaussian_models import G1Ball

__all__ = ["ivim_Dstar_fixed"]


def ivim_Dstar_fixed(acquisition_scheme, data, mask=None, Dstar_value=7e-9,
                     solver="brute2fine", **fit_args):
    """Fits IVIM with D* = ``Dstar_value`` (m²/s) to ``data`` (..., N); returns the fitted
    model: ``partial_volume_0`` and ``G1Ball_1_lambda_iso`` are the tissue fraction and
    diffusivity, ``partial_volume_1`` the blood (pseudo-diffusion) fraction. ``fit_args`` go
    to ``MultiCompartmentModel.fit``."""
    model = MultiCompartmentModel([G1Ball(), G1Ball()])
    model.set_fixed_parameter("G1Ball_2_lambda_iso", Dstar_value)
    model.set_parameter_optimization_bounds("G1Ball_1_lambda_iso", [0.5e-9, 6e-9])
    return model.fit(acquisition_scheme, data, mask=mask, solver=solver, **fit_args)
