//! `ModelComponent`: one entry of a multi-compartment model, a compartment or a distributed model; `Distribution`: which distribution.

use super::distributed::DistributedModel;
use crate::compartments::{AnyCompartment, Compartment, ParameterSpec, SphericalMean};
use crate::{AcquisitionScheme, Error, Scalar};
use serde_json::json;

/// One component of a [`MultiCompartmentModel`](super::MultiCompartmentModel): what Dmipy 1.x puts
/// in the `models` list of `MultiCompartmentModel(models=[...])`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ModelComponent {
    /// A single compartment, e.g. `C1Stick`.
    Compartment(AnyCompartment),
    /// Several kernels sharing one distribution, e.g. `SD1WatsonDistributed([stick, zeppelin])`.
    Distributed(DistributedModel),
}

impl From<AnyCompartment> for ModelComponent {
    fn from(c: AnyCompartment) -> Self {
        Self::Compartment(c)
    }
}

impl From<DistributedModel> for ModelComponent {
    fn from(d: DistributedModel) -> Self {
        Self::Distributed(d)
    }
}

impl ModelComponent {
    /// The component named as in Dmipy 1.x (a compartment class name such as `"G2Zeppelin"`).
    pub fn by_name(name: &str) -> Result<Self, Error> {
        AnyCompartment::by_name(name).map(Self::Compartment)
    }

    /// The Dmipy class name, which prefixes the component's parameter names (`C1Stick_1_mu`,
    /// `SD1WatsonDistributed_1_SD1Watson_1_odi`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Compartment(c) => c.name(),
            Self::Distributed(d) => d.distribution().class_name(),
        }
    }

    /// The component's own parameters, in the order its parameter slice follows: the name it
    /// has inside the component (`lambda_par`; `C1Stick_1_lambda_par` inside a distributed
    /// model) and its specification.
    pub fn parameters(&self) -> Vec<(String, ParameterSpec)> {
        match self {
            Self::Compartment(c) => c
                .parameters()
                .iter()
                .map(|s| (s.name.to_string(), *s))
                .collect(),
            Self::Distributed(d) => d.named_parameters(),
        }
    }

    /// Number of scalar values in the component's parameter slice.
    pub fn parameter_count(&self) -> usize {
        match self {
            Self::Compartment(c) => c.parameter_count(),
            Self::Distributed(d) => d.parameter_count(),
        }
    }

    /// Writes the signal of every measurement of `scheme` into `out`; `params` is the component's
    /// own parameter slice (SI).
    pub fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        match self {
            Self::Compartment(c) => c.signal(scheme, params, out),
            Self::Distributed(d) => d.signal(scheme, params, out),
        }
    }

    /// Writes the spherical mean of every shell of `scheme` into `out_per_shell` (see
    /// [`SphericalMean`]).
    pub fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        match self {
            Self::Compartment(c) => c.spherical_mean(scheme, params, out_per_shell),
            Self::Distributed(d) => d.spherical_mean(scheme, params, out_per_shell),
        }
    }

    /// The model-file entry of this component: a quoted name, or a `{"distributed": …}` object.
    pub(crate) fn to_json(&self) -> String {
        match self {
            Self::Compartment(c) => json!(c.name()).to_string(),
            Self::Distributed(d) => d.to_json(),
        }
    }
}
