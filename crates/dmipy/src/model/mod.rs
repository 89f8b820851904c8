//! Multi-compartment models: components, Dmipy-named parameters, links, volume fractions, prediction and model files.
//!
//! Four vectors describe one voxel of a [`MultiCompartmentModel`]:
//!
//! - the **full vector** ([`MultiCompartmentModel::full_parameter_names`]): every parameter of
//!   every component, then `partial_volume_0 … partial_volume_{N-1}` (N > 1), in Dmipy's order,
//!   followed by the `…_fraction` parameters that [`set_fractional_parameter`] created. Links are
//!   resolved in it; it is what [`signal`] takes.
//! - the **public parameters** ([`parameter_names`]): Dmipy 1.x's `parameter_names` after the
//!   same calls — linked parameters removed, `…_fraction` parameters first. What a Dmipy user
//!   reads and writes.
//! - the **free vector** ([`free_parameter_names`], [`free_bounds`], [`free_scales`]): the public
//!   parameters minus those fixed per voxel, one entry per scalar, SI units.
//! - the **solver's vector** ([`SolverModel`], what fitting and samplers see): the free vector
//!   with the free partial volumes replaced by nested (stick-breaking) fractions in [0, 1], so
//!   that any vector inside the bounds has fractions that sum to one.
//!
//! Files, in the order of their dependencies (none imports a later one): `calls`, `tortuosity`,
//! `distribution` (pure data and formulas) → `distributed` ([`DistributedModel`]) → `component`
//! ([`ModelComponent`]) → `parameters` (the parameter table) → `links` → `vectors` (free and
//! full vectors) → `predict`, `fractions`, `fit` ([`SolverModel`], [`fit_model`]), `file` (model
//! files), `turnkey`; this file holds the [`MultiCompartmentModel`] type.
//!
//! [`set_fractional_parameter`]: MultiCompartmentModel::set_fractional_parameter
//! [`signal`]: MultiCompartmentModel::signal
//! [`parameter_names`]: MultiCompartmentModel::parameter_names
//! [`free_parameter_names`]: MultiCompartmentModel::free_parameter_names
//! [`free_bounds`]: MultiCompartmentModel::free_bounds
//! [`free_scales`]: MultiCompartmentModel::free_scales

mod amico;
mod calls;
mod component;
mod distributed;
mod distribution;
mod file;
mod fit;
mod fractions;
mod links;
mod mix;
mod parameters;
mod predict;
#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
mod tortuosity;
mod turnkey;
mod vectors;
mod vjp;

pub use amico::{AmicoOptions, AmicoWeights, MAX_AMICO_ATOMS, amico_weights, fit_model_amico};
pub use component::ModelComponent;
pub use distributed::DistributedModel;
pub(crate) use distributed::axial_dispatch;
pub use distribution::Distribution;
pub use fit::{ModelFit, SolverModel, SolverScratch, fit_model};
pub use fractions::{nested_from_fractions, nested_to_fractions};
pub use links::ParameterValue;
pub use mix::{MixOptions, fit_model_mix};
pub use parameters::ModelParameter;
pub use predict::ModelScratch;
pub use tortuosity::tortuous_lambda_perp;
pub use turnkey::TURNKEY_NAMES;
pub use vjp::VjpScratch;

use crate::Error;
use links::Link;
use parameters::{ComponentLayout, ValueSource, build_table};

/// Components, their volume fractions and parameter links: Dmipy 1.x's `MultiCompartmentModel`
/// (and, with `spherical_mean`, its `MultiCompartmentSphericalMeanModel`).
///
/// The signal is $E = \sum_i f_i E_i$ with volume fractions $f_i$ (`partial_volume_i`) and the
/// components' signals $E_i$ (or their per-shell spherical means). Parameter names, the order of
/// the parameter vector and the effect of every `set_…` call on the parameter list follow Dmipy
/// 1.0.5, so scripts port one call at a time; see the module documentation for the vectors.
#[derive(Debug, Clone)]
pub struct MultiCompartmentModel {
    components: Vec<ComponentLayout>,
    /// Every parameter, in full-vector order (`…_fraction` parameters last).
    params: Vec<ModelParameter>,
    /// Dmipy's `parameter_names`: indices into `params`.
    public: Vec<usize>,
    /// Indices into `params` of `partial_volume_0 …` (empty for one component).
    partial_volumes: Vec<usize>,
    links: Vec<Link>,
    /// Initial guesses per parameter (`set_initial_guess_parameter`).
    initial: Vec<Option<ParameterValue>>,
    /// Voxel count shared by every per-voxel array given so far.
    n_voxels: Option<usize>,
    spherical_mean: bool,
    s0_responses: Option<Vec<f64>>,
    full_len: usize,
    /// Position in the full vector of every free scalar.
    free_offsets: Vec<usize>,
    /// Every successful `set_…` call with its arguments, for [`to_json`](Self::to_json).
    calls: Vec<(&'static str, serde_json::Value)>,
}

impl MultiCompartmentModel {
    /// Dmipy's `MultiCompartmentModel(models)`: the components' signals weighted by volume
    /// fractions. Errors if `components` is empty.
    pub fn new(components: Vec<ModelComponent>) -> Result<Self, Error> {
        Self::build(components, false)
    }

    /// Dmipy's `MultiCompartmentSphericalMeanModel(models)`: one value per shell (the spherical
    /// mean of each component, in the order of [`AcquisitionScheme::shells`](crate::AcquisitionScheme::shells)),
    /// orientation parameters removed from the parameter list. Every component has one.
    pub fn spherical_mean(components: Vec<ModelComponent>) -> Result<Self, Error> {
        Self::build(components, true)
    }

    fn build(components: Vec<ModelComponent>, spherical_mean: bool) -> Result<Self, Error> {
        if components.is_empty() {
            return Err(Error::Empty {
                what: "component list of a multi-compartment model".into(),
            });
        }
        if components.len() > vectors::MAX_COMPONENTS {
            return Err(Error::InvalidArgument {
                what: "component list of a multi-compartment model".into(),
                reason: format!(
                    "{} components; at most {} are supported",
                    components.len(),
                    vectors::MAX_COMPONENTS
                ),
            });
        }
        let (params, components, partial_volumes) = build_table(components, spherical_mean);
        let full_len = params.iter().map(ModelParameter::cardinality).sum();
        let mut model = Self {
            public: (0..params.len()).collect(),
            initial: vec![None; params.len()],
            components,
            params,
            partial_volumes,
            links: Vec::new(),
            n_voxels: None,
            spherical_mean,
            s0_responses: None,
            full_len,
            free_offsets: Vec::new(),
            calls: Vec::new(),
        };
        model.rebuild_free();
        Ok(model)
    }

    /// A short description for error messages, e.g. `MultiCompartmentModel(G1Ball, C1Stick)`.
    pub fn description(&self) -> String {
        let names: Vec<&str> = self.components.iter().map(|c| c.component.name()).collect();
        let kind = if self.spherical_mean {
            "MultiCompartmentSphericalMeanModel"
        } else {
            "MultiCompartmentModel"
        };
        format!("{kind}({})", names.join(", "))
    }

    /// Whether this is a spherical-mean model (one value per shell).
    pub fn is_spherical_mean(&self) -> bool {
        self.spherical_mean
    }

    /// The components, in order.
    pub fn components(&self) -> impl Iterator<Item = &ModelComponent> {
        self.components.iter().map(|c| &c.component)
    }

    /// Number of components N.
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// Dmipy's `parameter_names`, in its order.
    pub fn parameter_names(&self) -> Vec<&str> {
        self.public.iter().map(|&i| self.params[i].name()).collect()
    }

    /// Dmipy's `parameter_cardinality`: name and number of scalars, in `parameter_names` order.
    pub fn parameter_cardinality(&self) -> Vec<(&str, usize)> {
        self.public
            .iter()
            .map(|&i| (self.params[i].name(), self.params[i].cardinality()))
            .collect()
    }

    /// The public parameter called `name` (bounds, scales, kind, offset in the full vector).
    pub fn parameter(&self, name: &str) -> Option<&ModelParameter> {
        self.public
            .iter()
            .map(|&i| &self.params[i])
            .find(|p| p.name() == name)
    }

    /// Every parameter of the full vector, in its order (links included).
    pub fn full_parameters(&self) -> &[ModelParameter] {
        &self.params
    }

    /// Names of the full vector's parameters, in its order.
    pub fn full_parameter_names(&self) -> Vec<&str> {
        self.params.iter().map(ModelParameter::name).collect()
    }

    /// Length of the full vector (scalars).
    pub fn full_len(&self) -> usize {
        self.full_len
    }

    /// Number of voxels of the per-voxel arrays given to [`set_fixed_parameter`](Self::set_fixed_parameter)
    /// or [`set_initial_guess_parameter`](Self::set_initial_guess_parameter), if any.
    pub fn voxel_count(&self) -> Option<usize> {
        self.n_voxels
    }

    /// Index into `params` of the public parameter `name`, or an error naming the valid ones
    /// (and saying so when `name` was fixed or linked by an earlier call).
    pub(crate) fn lookup(&self, name: &str) -> Result<usize, Error> {
        if let Some(&i) = self.public.iter().find(|&&i| self.params[i].name() == name) {
            return Ok(i);
        }
        let valid = self.parameter_names().join(", ");
        match self.params.iter().position(|p| p.name() == name) {
            Some(i) => Err(Error::ParameterAlreadyLinked {
                model: self.description(),
                name: name.into(),
                how: match self.params[i].source {
                    ValueSource::Linked(k) => self.links[k].describe(),
                    _ => "not a parameter".into(),
                },
                valid,
            }),
            None => Err(Error::UnknownParameter {
                model: self.description(),
                name: name.into(),
                valid,
            }),
        }
    }

    /// Recomputes the free layout after a `set_…` call.
    fn rebuild_free(&mut self) {
        self.free_offsets.clear();
        for &i in &self.public {
            let p = &self.params[i];
            if p.source != ValueSource::Free {
                continue;
            }
            self.free_offsets
                .extend((0..p.cardinality()).map(|k| p.offset() + k));
        }
    }
}
