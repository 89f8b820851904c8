//! `Distribution`: which distribution a distributed model applies to its kernels (Watson, Bingham, SH density, Gamma, or none).

use crate::Error;
use crate::distributions::SD3SphericalHarmonics;

/// The distribution shared by the kernels of a [`DistributedModel`](super::DistributedModel).
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
