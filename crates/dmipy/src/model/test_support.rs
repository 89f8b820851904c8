//! Helpers shared by the model's test modules: the HCP scheme, models from compartment names, and noise-free signals of parameter rows.

use super::{ModelComponent, MultiCompartmentModel};
use crate::AcquisitionScheme;

/// The WU-Minn HCP scheme.
pub(crate) fn hcp() -> AcquisitionScheme {
    AcquisitionScheme::hcp_wu_minn().unwrap()
}

/// `MultiCompartmentModel` of the compartments `names`.
pub(crate) fn model(names: &[&str]) -> MultiCompartmentModel {
    MultiCompartmentModel::new(components(names)).unwrap()
}

/// `MultiCompartmentSphericalMeanModel` of the compartments `names`.
pub(crate) fn spherical_mean_model(names: &[&str]) -> MultiCompartmentModel {
    MultiCompartmentModel::spherical_mean(components(names)).unwrap()
}

fn components(names: &[&str]) -> Vec<ModelComponent> {
    names
        .iter()
        .map(|n| ModelComponent::by_name(n).unwrap())
        .collect()
}

/// Raw signals S0 · E of public parameter rows (back to back), one S0 per row.
pub(crate) fn simulate(
    m: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    rows: &[f64],
    s0: &[f64],
) -> Vec<f64> {
    let width: usize = m.parameter_cardinality().iter().map(|c| c.1).sum();
    let (n, out_len) = (scheme.len(), m.output_len(scheme));
    let mut full = vec![0.0; m.full_len()];
    let mut data = vec![0.0; s0.len() * n];
    let mut e = vec![0.0; out_len];
    for ((row, d), &s) in rows.chunks(width).zip(data.chunks_mut(n)).zip(s0) {
        m.full_from_parameters(row, &mut full).unwrap();
        m.signal(scheme, &full, &mut e).unwrap();
        d.iter_mut().zip(&e).for_each(|(d, e)| *d = s * e);
    }
    data
}
