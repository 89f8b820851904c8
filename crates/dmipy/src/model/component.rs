//! `ModelComponent`: one entry of a multi-compartment model (a compartment; distributed models to come).

use crate::compartments::{AnyCompartment, Compartment, ParameterSpec, SphericalMean};
use crate::{AcquisitionScheme, Error, Scalar};

/// One component of a [`MultiCompartmentModel`](super::MultiCompartmentModel): what Dmipy 1.x puts
/// in the `models` list of `MultiCompartmentModel(models=[...])`.
///
/// Today every component is a plain compartment. Orientation- and size-distributed models
/// (Dmipy's `SD1WatsonDistributed`, `SD2BinghamDistributed`, `DD1GammaDistributed`) will be a
/// further variant with their own nested parameter names; the enum is `#[non_exhaustive]` so that
/// adding it breaks no caller.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ModelComponent {
    /// A single compartment, e.g. `C1Stick`.
    Compartment(AnyCompartment),
}

impl From<AnyCompartment> for ModelComponent {
    fn from(c: AnyCompartment) -> Self {
        Self::Compartment(c)
    }
}

impl ModelComponent {
    /// The component named as in Dmipy 1.x (a compartment class name such as `"G2Zeppelin"`).
    pub fn by_name(name: &str) -> Result<Self, Error> {
        AnyCompartment::by_name(name).map(Self::Compartment)
    }

    /// The Dmipy class name, which prefixes the component's parameter names (`C1Stick_1_mu`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Compartment(c) => c.name(),
        }
    }

    /// The component's own parameter table, in the order its parameter slice follows.
    pub fn parameters(&self) -> &'static [ParameterSpec] {
        match self {
            Self::Compartment(c) => c.parameters(),
        }
    }

    /// Number of scalar values in the component's parameter slice.
    pub fn parameter_count(&self) -> usize {
        match self {
            Self::Compartment(c) => c.parameter_count(),
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
        }
    }
}
