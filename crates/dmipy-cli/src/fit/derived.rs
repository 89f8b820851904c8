//! Maps derived from fitted parameters: the rotation invariants of each `Tensor` compartment (formulas in `dmipy::tensor_metrics`).

use dmipy::{
    ModelFit, Tensor, axial_diffusivity, fractional_anisotropy, mean_diffusivity,
    radial_diffusivity,
};

/// A scalar function of a tensor's eigenvalues.
type Metric = fn([f64; 3]) -> f64;

/// The derived scalar metrics, in the order they are written, with their file-name suffixes.
const METRICS: [(&str, Metric); 4] = [
    ("FA", fractional_anisotropy),
    ("MD", mean_diffusivity),
    ("AD", axial_diffusivity),
    ("RD", radial_diffusivity),
];

/// For every `Tensor_k` compartment whose three eigenvalues were fitted, the maps
/// `Tensor_k_FA`, `Tensor_k_MD`, `Tensor_k_AD`, `Tensor_k_RD` (one value per fitted voxel) and,
/// when its orientation and ψ were fitted too, `Tensor_k_tensor`: the six entries of the tensor
/// in DIPY's lower-triangular order (what `dmipy track --tensor` reads). Each map comes with its
/// number of values per voxel.
pub fn tensor_maps(fit: &ModelFit) -> Vec<(String, Vec<f64>, usize)> {
    let width = fit.width().max(1);
    let mut maps = Vec::new();
    for (name, _) in &fit.names {
        let Some(prefix) = name.strip_suffix("_lambda_1") else {
            continue;
        };
        if !is_tensor_instance(prefix) {
            continue;
        }
        let columns: Option<Vec<usize>> = (1..=3)
            .map(|i| {
                fit.parameter(&format!("{prefix}_lambda_{i}"))
                    .map(|(c, _)| c)
            })
            .collect();
        let Some(columns) = columns else {
            continue;
        };
        let lambdas: Vec<[f64; 3]> = fit
            .parameters
            .chunks(width)
            .map(|row| [row[columns[0]], row[columns[1]], row[columns[2]]])
            .collect();
        for (suffix, metric) in METRICS {
            let values = lambdas.iter().map(|&l| metric(l)).collect();
            maps.push((format!("{prefix}_{suffix}"), values, 1));
        }
        let mu = fit.parameter(&format!("{prefix}_mu")).map(|(c, _)| c);
        let psi = fit.parameter(&format!("{prefix}_psi")).map(|(c, _)| c);
        if let (Some(mu), Some(psi)) = (mu, psi) {
            let tensors = fit
                .parameters
                .chunks(width)
                .zip(&lambdas)
                .flat_map(|(row, &l)| Tensor::lower_triangular(row[mu], row[mu + 1], row[psi], l))
                .collect();
            maps.push((format!("{prefix}_tensor"), tensors, 6));
        }
    }
    maps
}

/// Whether `prefix` names a top-level tensor compartment, `Tensor_<k>`.
fn is_tensor_instance(prefix: &str) -> bool {
    prefix
        .strip_prefix("Tensor_")
        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tensor_compartments_get_metrics() {
        assert!(is_tensor_instance("Tensor_1") && is_tensor_instance("Tensor_12"));
        assert!(!is_tensor_instance("Tensor_") && !is_tensor_instance("G2Zeppelin_1"));
        assert!(!is_tensor_instance("SD1WatsonDistributed_1_Tensor_1"));
    }
}
