//! `ModelComponent`: one entry of a multi-compartment model, a compartment or a distributed model; `Distribution`: which distribution.

use super::distributed::DistributedModel;
use crate::compartments::{AnyCompartment, Compartment, ParameterSpec, SphericalMean};
use crate::distributions::SD3SphericalHarmonics;
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

/// The distribution shared by the kernels of a [`DistributedModel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// No distribution: Dmipy's `BundleModel`, kernels with their own orientations, grouped so
    /// that links (tortuosity) can refer to fractions inside the group.
    Bundle,
    /// Dmipy's `SD1WatsonDistributed`: the kernels' axes follow one Watson distribution.
    Watson,
    /// Dmipy's `SD2BinghamDistributed`: the kernels' axes follow one Bingham distribution.
    Bingham,
    /// Dmipy's `DD1GammaDistributed`: the kernels' diameters follow one Gamma distribution.
    Gamma,
    /// Dmipy's `SD3SphericalHarmonicsDistributed(models, sh_order)`: the kernels' axes follow
    /// one orientation density in real even spherical harmonics up to order `sh_order` (see
    /// [`SD3SphericalHarmonics`](crate::distributions::SD3SphericalHarmonics)).
    SphericalHarmonics {
        /// The maximum spherical-harmonic order L (even; Dmipy has no default).
        sh_order: usize,
    },
}

impl Distribution {
    /// The names a model file may give in `"distributed"`.
    pub const NAMES: &'static [&'static str] = &[
        "SD1Watson",
        "SD2Bingham",
        "SD3SphericalHarmonics",
        "DD1Gamma",
        "Bundle",
    ];

    /// Dmipy's `SD3SphericalHarmonicsDistributed(models, sh_order)`. Errors unless `sh_order`
    /// is even and at most 96 (see [`SD3SphericalHarmonics::new`]).
    pub fn spherical_harmonics(sh_order: usize) -> Result<Self, Error> {
        SD3SphericalHarmonics::new(sh_order)?;
        Ok(Self::SphericalHarmonics { sh_order })
    }

    /// The distribution called `name`: `SD1Watson`, `SD2Bingham`, `DD1Gamma` or `Bundle` (the
    /// Dmipy class names `SD1WatsonDistributed`, … and `BundleModel` are accepted too). The
    /// spherical-harmonic distribution needs its order: see [`Self::by_name_and_order`].
    pub fn by_name(name: &str) -> Result<Self, Error> {
        Self::by_name_and_order(name, None)
    }

    /// As [`Self::by_name`], with the `sh_order` that `SD3SphericalHarmonics` (or
    /// `SD3SphericalHarmonicsDistributed`) requires, as Dmipy's constructor does; the other
    /// distributions take none.
    pub fn by_name_and_order(name: &str, sh_order: Option<usize>) -> Result<Self, Error> {
        let plain = match name {
            "SD1Watson" | "SD1WatsonDistributed" => Self::Watson,
            "SD2Bingham" | "SD2BinghamDistributed" => Self::Bingham,
            "DD1Gamma" | "DD1GammaDistributed" => Self::Gamma,
            "Bundle" | "BundleModel" => Self::Bundle,
            "SD3SphericalHarmonics" | "SD3SphericalHarmonicsDistributed" => {
                return match sh_order {
                    Some(l) => Self::spherical_harmonics(l),
                    None => Err(Error::InvalidArgument {
                        what: format!("distribution {name}"),
                        reason: "needs sh_order (Dmipy has no default)".into(),
                    }),
                };
            }
            _ => {
                return Err(Error::UnknownModel {
                    name: name.into(),
                    known: Self::NAMES.join(", "),
                });
            }
        };
        match sh_order {
            None => Ok(plain),
            Some(_) => Err(Error::InvalidArgument {
                what: format!("distribution {name}"),
                reason: "takes no sh_order".into(),
            }),
        }
    }

    /// The short name a model file writes (`SD1Watson`, …, `Bundle`).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Watson => "SD1Watson",
            Self::Bingham => "SD2Bingham",
            Self::Gamma => "DD1Gamma",
            Self::SphericalHarmonics { .. } => SD3SphericalHarmonics::NAME,
            Self::Bundle => "Bundle",
        }
    }

    /// Dmipy's class name of the distributed model (the prefix of its parameters in a
    /// multi-compartment model).
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Watson => "SD1WatsonDistributed",
            Self::Bingham => "SD2BinghamDistributed",
            Self::Gamma => "DD1GammaDistributed",
            Self::SphericalHarmonics { .. } => "SD3SphericalHarmonicsDistributed",
            Self::Bundle => "BundleModel",
        }
    }
}
