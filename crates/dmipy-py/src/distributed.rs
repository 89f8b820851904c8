//! `Distributed`: the core's distributed model (Watson, Bingham, Gamma, bundle) as a frozen Python object; every link returns a new one.

use crate::errors::CoreError;
use crate::model::{PyModel, kind_name};
use dmipy::{Compartment, DistributedModel, Distribution, Error, ModelComponent};
use pyo3::prelude::*;

/// Kernels sharing one distribution: Dmipy's `SD1WatsonDistributed(models)`,
/// `SD2BinghamDistributed(models)`, `DD1GammaDistributed(models)`, `BundleModel(models)`.
/// Frozen: the `with_…` methods return a changed copy.
#[pyclass(frozen, module = "dmipy_rs._core", name = "Distributed")]
pub struct PyDistributed {
    pub(crate) inner: DistributedModel,
}

/// One parameter as Python sees it: (name, SI bounds per component, scale, kind).
type ParameterTuple = (String, Vec<(f64, f64)>, f64, &'static str);

impl PyDistributed {
    fn with(
        &self,
        change: impl FnOnce(&mut DistributedModel) -> Result<(), Error>,
    ) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        change(&mut inner).map_err(CoreError)?;
        Ok(Self { inner })
    }
}

#[pymethods]
impl PyDistributed {
    /// The distribution called `distribution` (`SD1WatsonDistributed`, `SD2BinghamDistributed`,
    /// `DD1GammaDistributed`, `BundleModel`, or the short model-file names) over `kernels`.
    #[new]
    fn new(distribution: &str, kernels: Vec<PyRef<'_, PyModel>>) -> PyResult<Self> {
        let distribution = Distribution::by_name(distribution).map_err(CoreError)?;
        let kernels = kernels.iter().map(|k| k.inner.clone()).collect();
        let inner = DistributedModel::new(distribution, kernels).map_err(CoreError)?;
        Ok(Self { inner })
    }

    /// Dmipy's class name, e.g. `SD1WatsonDistributed`.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.distribution().class_name()
    }

    /// The public parameters (links removed), in Dmipy's order: (name, SI bounds, scale, kind).
    fn parameters(&self) -> Vec<ParameterTuple> {
        let component = ModelComponent::Distributed(self.inner.clone());
        let table = component.parameters().into_iter();
        table
            .map(|(name, s)| (name, s.bounds.to_vec(), s.scale, kind_name(s.kind)))
            .collect()
    }

    /// Dmipy's `set_fixed_parameter(name, value)`: one value (SI) per component of `name`.
    fn with_fixed(&self, name: &str, values: Vec<f64>) -> PyResult<Self> {
        self.with(|d| d.set_fixed_parameter(name, &values))
    }

    /// Dmipy's `set_equal_parameter(name_in, name_out)`.
    fn with_equal(&self, name_in: &str, name_out: &str) -> PyResult<Self> {
        self.with(|d| d.set_equal_parameter(name_in, name_out))
    }

    /// Dmipy's `set_tortuous_parameter(lambda_perp, lambda_par, volume_fraction_intra)`.
    fn with_tortuous(&self, lambda_perp: &str, lambda_par: &str, vf_intra: &str) -> PyResult<Self> {
        self.with(|d| d.set_tortuous_parameter(lambda_perp, lambda_par, vf_intra))
    }

    fn __repr__(&self) -> String {
        let kernels: Vec<&str> = self.inner.kernels().iter().map(|k| k.name()).collect();
        format!("{}({})", self.name(), kernels.join(", "))
    }
}
