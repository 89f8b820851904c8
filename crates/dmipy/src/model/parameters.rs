//! The parameter table of a multi-compartment model: Dmipy 1.x names, bounds, scales, and the layout of the full vector.

use super::component::ModelComponent;
use crate::ParameterKind;
use crate::compartments::ParameterSpec;

/// Bounds of every `partial_volume_i` in Dmipy 1.x (`parameter_ranges`, scale 1).
pub(crate) const PARTIAL_VOLUME_BOUNDS: (f64, f64) = (0.01, 0.99);

/// One parameter of a multi-compartment model, named as Dmipy 1.x names it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParameter {
    name: String,
    bounds: Vec<(f64, f64)>,
    scales: Vec<f64>,
    kind: ParameterKind,
    offset: usize,
    pub(crate) source: ValueSource,
}

/// How a parameter gets its value when the full vector is built from the free one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueSource {
    /// Taken from the free vector.
    Free,
    /// Fixed per voxel: `values` holds `n_voxels × cardinality` numbers, voxel-major. The
    /// parameter stays in Dmipy's `parameter_names` but is not optimised.
    PerVoxel(Vec<f64>),
    /// Computed by link `index` of the model (fixed value, equality, tortuosity, fraction).
    Linked(usize),
}

impl ModelParameter {
    pub(crate) fn new(
        name: String,
        bounds: Vec<(f64, f64)>,
        scales: Vec<f64>,
        kind: ParameterKind,
        offset: usize,
    ) -> Self {
        Self {
            name,
            bounds,
            scales,
            kind,
            offset,
            source: ValueSource::Free,
        }
    }

    /// The Dmipy name, e.g. `"C1Stick_1_mu"` or `"partial_volume_0"`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of scalar values (2 for an orientation).
    pub fn cardinality(&self) -> usize {
        self.bounds.len()
    }

    /// Lower and upper bound of every component, SI (Dmipy's `parameter_ranges × parameter_scales`).
    pub fn bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }

    /// Typical magnitude of every component (Dmipy's `parameter_scales`), SI.
    pub fn scales(&self) -> &[f64] {
        &self.scales
    }

    /// What kind of quantity it is.
    pub fn kind(&self) -> ParameterKind {
        self.kind
    }

    /// Position of its first value in the full vector.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Whether it is fixed per voxel (still a Dmipy parameter, but not optimised).
    pub fn is_fixed_per_voxel(&self) -> bool {
        matches!(self.source, ValueSource::PerVoxel(_))
    }

    pub(crate) fn set_bounds(&mut self, bounds: Vec<(f64, f64)>, scale: f64) {
        self.scales = vec![scale; bounds.len()];
        self.bounds = bounds;
    }
}

/// Where a component's parameter slice comes from in the full vector.
#[derive(Debug, Clone)]
pub(crate) struct ComponentLayout {
    /// The component.
    pub component: ModelComponent,
    /// For each scalar of the component's own parameter slice, its position in the full vector;
    /// `None` for orientations dropped by a spherical-mean model (passed as 0, unused there).
    pub offsets: Vec<Option<usize>>,
}

/// The table Dmipy builds in `_prepare_parameters` and `_prepare_partial_volumes`: each
/// component's parameters prefixed `<Class>_<k>_` (k counts components of the same class from 1),
/// orientations left out when `spherical_mean` (as `_delete_orientation_parameters` does), then
/// `partial_volume_0 … partial_volume_{N-1}` when N > 1. A distributed model's parameters keep
/// their inner names behind the prefix (`SD1WatsonDistributed_1_SD1Watson_1_odi`). Returns the parameters in full-vector
/// order, the component layouts and the indices of the partial volumes.
pub(crate) fn build_table(
    components: Vec<ModelComponent>,
    spherical_mean: bool,
) -> (Vec<ModelParameter>, Vec<ComponentLayout>, Vec<usize>) {
    let mut params = Vec::new();
    let mut layouts = Vec::new();
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut offset = 0;
    for component in components {
        let class = component.name();
        let k = match counts.iter_mut().find(|(n, _)| *n == class) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                counts.push((class, 1));
                1
            }
        };
        let mut offsets = Vec::with_capacity(component.parameter_count());
        for (name, spec) in component.parameters() {
            if spherical_mean && spec.kind == ParameterKind::Orientation {
                offsets.extend(std::iter::repeat_n(None, spec.cardinality()));
                continue;
            }
            offsets.extend((0..spec.cardinality()).map(|i| Some(offset + i)));
            params.push(from_spec(&spec, format!("{class}_{k}_{name}"), offset));
            offset += spec.cardinality();
        }
        layouts.push(ComponentLayout { component, offsets });
    }
    let mut partial_volumes = Vec::new();
    if layouts.len() > 1 {
        for i in 0..layouts.len() {
            partial_volumes.push(params.len());
            params.push(ModelParameter::new(
                format!("partial_volume_{i}"),
                vec![PARTIAL_VOLUME_BOUNDS],
                vec![1.0],
                ParameterKind::Fraction,
                offset,
            ));
            offset += 1;
        }
    }
    (params, layouts, partial_volumes)
}

fn from_spec(spec: &ParameterSpec, name: String, offset: usize) -> ModelParameter {
    ModelParameter::new(
        name,
        spec.bounds.to_vec(),
        vec![spec.scale; spec.cardinality()],
        spec.kind,
        offset,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(components: &[&str], spherical_mean: bool) -> Vec<String> {
        let comps = components
            .iter()
            .map(|c| ModelComponent::by_name(c).unwrap())
            .collect();
        let (params, _, _) = build_table(comps, spherical_mean);
        params.iter().map(|p| p.name().to_string()).collect()
    }

    #[test]
    fn names_count_components_per_class() {
        assert_eq!(
            names(&["C1Stick", "G2Zeppelin", "C1Stick"], false),
            [
                "C1Stick_1_mu",
                "C1Stick_1_lambda_par",
                "G2Zeppelin_1_mu",
                "G2Zeppelin_1_lambda_par",
                "G2Zeppelin_1_lambda_perp",
                "C1Stick_2_mu",
                "C1Stick_2_lambda_par",
                "partial_volume_0",
                "partial_volume_1",
                "partial_volume_2"
            ]
        );
        assert_eq!(
            names(&["C1Stick"], false),
            ["C1Stick_1_mu", "C1Stick_1_lambda_par"]
        );
        assert_eq!(
            names(&["G1Ball", "C1Stick"], true),
            [
                "G1Ball_1_lambda_iso",
                "C1Stick_1_lambda_par",
                "partial_volume_0",
                "partial_volume_1"
            ]
        );
    }

    #[test]
    fn offsets_are_contiguous_and_spherical_mean_drops_orientations() {
        let comps = vec![
            ModelComponent::by_name("G2Zeppelin").unwrap(),
            ModelComponent::by_name("G1Ball").unwrap(),
        ];
        let (params, layouts, pv) = build_table(comps, true);
        assert_eq!(layouts[0].offsets, [None, None, Some(0), Some(1)]);
        assert_eq!(layouts[1].offsets, [Some(2)]);
        assert_eq!(pv, [3, 4]);
        assert_eq!(params[4].offset(), 4);
    }
}
