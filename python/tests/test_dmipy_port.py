"""Port test: Dmipy 1.x example code paths (written here in Dmipy's API, not copied from its
examples), run with the import root ``dmipy`` replaced by ``dmipy_rs`` and nothing else changed.

- NODDI-Watson (Dmipy's "example_noddi_watson"): ball + Watson bundle of stick and tortuous
  zeppelin, simulated on the HCP scheme and fitted; noise-free data must give back the truth.
- SMT (Dmipy's "example_spherical_mean_technique"): spherical-mean stick + tortuous zeppelin.
- Multi-tissue NODDI-style fractions and the distributed model's own call.
"""

import re
import textwrap

import numpy as np

IMPORT_RE = re.compile(r"(?m)^(\s*)(from|import)(\s+)dmipy(?=[\s.])")


def run_ported(source):
    """Executes Dmipy-style code with its imports rewritten to dmipy_rs; returns its globals."""
    code = IMPORT_RE.sub(r"\1\2\3dmipy_rs", textwrap.dedent(source))
    assert "dmipy_rs" in code and "import dmipy\n" not in code
    scope = {}
    exec(compile(code, "<ported Dmipy script>", "exec"), scope)
    return scope


NODDI = """
import numpy as np
from dmipy.signal_models import cylinder_models, gaussian_models
from dmipy.distributions import distribute_models
from dmipy.core import modeling_framework
from dmipy.data import saved_acquisition_schemes

scheme = saved_acquisition_schemes.wu_minn_hcp_acquisition_scheme()
ball = gaussian_models.G1Ball()
stick = cylinder_models.C1Stick()
zeppelin = gaussian_models.G2Zeppelin()

bundle = distribute_models.SD1WatsonDistributed(models=[stick, zeppelin])
bundle.set_tortuous_parameter(
    'G2Zeppelin_1_lambda_perp', 'C1Stick_1_lambda_par', 'partial_volume_0')
bundle.set_equal_parameter('G2Zeppelin_1_lambda_par', 'C1Stick_1_lambda_par')
bundle.set_fixed_parameter('G2Zeppelin_1_lambda_par', 1.7e-9)

noddi = modeling_framework.MultiCompartmentModel(models=[ball, bundle])
noddi.set_fixed_parameter('G1Ball_1_lambda_iso', 3e-9)

truth = noddi.parameters_to_parameter_vector(
    SD1WatsonDistributed_1_SD1Watson_1_mu=np.array([[0.4, 0.9], [1.3, -2.0], [2.2, 0.3]]),
    SD1WatsonDistributed_1_SD1Watson_1_odi=np.array([0.1, 0.25, 0.4]),
    SD1WatsonDistributed_1_partial_volume_0=np.array([0.5, 0.6, 0.7]),
    partial_volume_0=np.array([0.1, 0.2, 0.3]),
    partial_volume_1=np.array([0.9, 0.8, 0.7]))
data = 1000. * noddi.simulate_signal(scheme, truth)
fitted = noddi.fit(scheme, data)
odi = fitted.fitted_parameters['SD1WatsonDistributed_1_SD1Watson_1_odi']
icvf = fitted.fitted_parameters['SD1WatsonDistributed_1_partial_volume_0']
mse = fitted.mean_squared_error(data)
"""


def test_noddi_watson_example_recovers_the_truth():
    out = run_ported(NODDI)
    # Noise-free data: the solver stops at the truth to its tolerance.
    np.testing.assert_allclose(out["odi"], [0.1, 0.25, 0.4], rtol=1e-4)
    np.testing.assert_allclose(out["icvf"], [0.5, 0.6, 0.7], rtol=1e-4)
    assert np.all(out["mse"] < 1e-12)


SMT = """
import numpy as np
from dmipy.signal_models import cylinder_models, gaussian_models
from dmipy.core import modeling_framework
from dmipy.data.saved_acquisition_schemes import wu_minn_hcp_acquisition_scheme

scheme = wu_minn_hcp_acquisition_scheme()
stick = cylinder_models.C1Stick()
zeppelin = gaussian_models.G2Zeppelin()
smt = modeling_framework.MultiCompartmentSphericalMeanModel(models=[stick, zeppelin])
smt.set_tortuous_parameter(
    'G2Zeppelin_1_lambda_perp', 'C1Stick_1_lambda_par', 'partial_volume_0', 'partial_volume_1')
smt.set_equal_parameter('G2Zeppelin_1_lambda_par', 'C1Stick_1_lambda_par')

# Simulated with the full (directional) model, as Dmipy's example does with real data.
full = modeling_framework.MultiCompartmentModel(models=[stick, zeppelin])
full.set_tortuous_parameter(
    'G2Zeppelin_1_lambda_perp', 'C1Stick_1_lambda_par', 'partial_volume_0', 'partial_volume_1')
full.set_equal_parameter('G2Zeppelin_1_lambda_par', 'C1Stick_1_lambda_par')
full.set_equal_parameter('C1Stick_1_mu', 'G2Zeppelin_1_mu')
params = full.parameters_to_parameter_vector(
    C1Stick_1_mu=[0.7, 0.2], G2Zeppelin_1_lambda_par=1.9e-9,
    partial_volume_0=0.6, partial_volume_1=0.4)
data = full.simulate_signal(scheme, params)
fitted = smt.fit(scheme, data)
lambda_par = fitted.fitted_parameters['G2Zeppelin_1_lambda_par']
fraction = fitted.fitted_parameters['partial_volume_0']
"""


def test_spherical_mean_technique_example():
    out = run_ported(SMT)
    # The shell means of the directional data are estimated by an SH fit (exact to ~1e-6 on
    # HCP's shells; the stick's high orders alias a little), and the fit amplifies that: λ∥
    # and the fraction come back 7e-4 and 6.5e-4 off here (issue 14 reported 2 % for λ∥).
    np.testing.assert_allclose(out["lambda_par"], 1.9e-9, rtol=2e-3)
    np.testing.assert_allclose(out["fraction"], 0.6, rtol=2e-3)


MULTI_TISSUE = """
from dmipy.signal_models import cylinder_models, gaussian_models
from dmipy.core.modeling_framework import MultiCompartmentModel
from dmipy.data.saved_acquisition_schemes import wu_minn_hcp_acquisition_scheme

scheme = wu_minn_hcp_acquisition_scheme()
model = MultiCompartmentModel(
    models=[gaussian_models.G1Ball(), cylinder_models.C1Stick()],
    S0_tissue_responses=[3000., 1000.])
model.set_fixed_parameter('G1Ball_1_lambda_iso', 3e-9)
model.set_fixed_parameter('C1Stick_1_lambda_par', 1.7e-9)
data = 2000. * model.simulate_signal(scheme, model.parameters_to_parameter_vector(
    C1Stick_1_mu=[1.0, 1.0], partial_volume_0=0.25, partial_volume_1=0.75))
fitted = model.fit(scheme, data)
volume = fitted.fitted_multi_tissue_fractions_normalized
"""


def test_multi_tissue_example_fractions():
    out = run_ported(MULTI_TISSUE)
    # Signal fractions 1/4, 3/4 with S0 responses 3000 and 1000: volumes ∝ 1/12 : 9/12.
    np.testing.assert_allclose(out["volume"]["partial_volume_0"], 0.1, rtol=1e-5)
    np.testing.assert_allclose(out["volume"]["partial_volume_1"], 0.9, rtol=1e-5)
