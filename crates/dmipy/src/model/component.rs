//! `ModelComponent`: one entry of a multi-compartment model (a compartment; distributed models to come).

use crate::compartments::{
    AnyCompartment, C1Stick, Compartment, G1Ball, G2Zeppelin, G3TemporalZeppelin, Ivim,
    ParameterSpec, SphericalMean, Tensor,
};
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

    /// Whether [`spherical_mean`](Self::spherical_mean) is available for this component.
    pub fn has_spherical_mean(&self) -> bool {
        matches!(
            self,
            Self::Compartment(
                AnyCompartment::C1Stick(_)
                    | AnyCompartment::G1Ball(_)
                    | AnyCompartment::G2Zeppelin(_)
                    | AnyCompartment::G3TemporalZeppelin(_)
                    | AnyCompartment::Tensor(_)
                    | AnyCompartment::Ivim(_)
            )
        )
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
    /// [`SphericalMean`]); errors for a component without one.
    pub fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        let Self::Compartment(c) = self;
        match c {
            AnyCompartment::C1Stick(m) => m.spherical_mean(scheme, params, out_per_shell),
            AnyCompartment::G1Ball(m) => m.spherical_mean(scheme, params, out_per_shell),
            AnyCompartment::G2Zeppelin(m) => m.spherical_mean(scheme, params, out_per_shell),
            AnyCompartment::G3TemporalZeppelin(m) => {
                m.spherical_mean(scheme, params, out_per_shell)
            }
            AnyCompartment::Tensor(m) => m.spherical_mean(scheme, params, out_per_shell),
            AnyCompartment::Ivim(m) => m.spherical_mean(scheme, params, out_per_shell),
            _ => Err(no_spherical_mean(c.name())),
        }
    }
}

/// The error for a spherical-mean model over a component that has no spherical mean.
pub(crate) fn no_spherical_mean(name: &str) -> Error {
    Error::InvalidArgument {
        what: format!("component {name} of a spherical-mean model"),
        reason: format!(
            "{name} has no spherical mean in this crate yet; components with one: {}",
            [
                C1Stick.name(),
                G1Ball.name(),
                G2Zeppelin.name(),
                G3TemporalZeppelin.name(),
                Tensor.name(),
                Ivim.name(),
            ]
            .join(", ")
        ),
    }
}
