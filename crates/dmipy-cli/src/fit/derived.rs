//! Maps derived from fitted parameters: the rotation invariants of each `Tensor` compartment.

use dmipy::ModelFit;

/// The eigenvalues λ₁ ≥ λ₂ ≥ λ₃ (m²/s) of a tensor whose eigenvalues are given in any order (the
/// `Tensor` compartment imposes no ordering). NaN sorts first, so a NaN voxel stays NaN.
pub fn sorted_eigenvalues(lambdas: [f64; 3]) -> [f64; 3] {
    let mut l = lambdas;
    l.sort_by(|a, b| b.total_cmp(a));
    l
}

/// Mean diffusivity $\mathrm{MD} = \bar\lambda = (\lambda_1 + \lambda_2 + \lambda_3)/3 =
/// \operatorname{tr}\mathbf D/3$ (Basser & Pierpaoli 1996, J. Magn. Reson. B 111:209–219,
/// doi:10.1006/jmrb.1996.0086; equation number not checked here). λ and MD in m²/s.
pub fn mean_diffusivity(lambdas: [f64; 3]) -> f64 {
    lambdas.iter().sum::<f64>() / 3.0
}

/// Fractional anisotropy (Basser & Pierpaoli 1996, doi:10.1006/jmrb.1996.0086; equation number
/// not checked here):
/// $\mathrm{FA} = \sqrt{\tfrac32}\,\sqrt{\sum_i(\lambda_i - \bar\lambda)^2}\,/\,\sqrt{\sum_i\lambda_i^2}$,
/// dimensionless, in [0, 1] for non-negative λ (m²/s). 0 for the zero tensor, as DIPY.
pub fn fractional_anisotropy(lambdas: [f64; 3]) -> f64 {
    let md = mean_diffusivity(lambdas);
    let deviation: f64 = lambdas.iter().map(|l| (l - md) * (l - md)).sum();
    let norm: f64 = lambdas.iter().map(|l| l * l).sum();
    if norm == 0.0 {
        return 0.0;
    }
    (1.5 * deviation / norm).sqrt()
}

/// Axial diffusivity $\mathrm{AD} = \lambda_1$, the largest eigenvalue (m²/s).
pub fn axial_diffusivity(lambdas: [f64; 3]) -> f64 {
    sorted_eigenvalues(lambdas)[0]
}

/// Radial diffusivity $\mathrm{RD} = (\lambda_2 + \lambda_3)/2$, the mean of the two smallest
/// eigenvalues (m²/s).
pub fn radial_diffusivity(lambdas: [f64; 3]) -> f64 {
    let l = sorted_eigenvalues(lambdas);
    0.5 * (l[1] + l[2])
}

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
/// `Tensor_k_FA`, `Tensor_k_MD`, `Tensor_k_AD`, `Tensor_k_RD` (one value per fitted voxel).
pub fn tensor_maps(fit: &ModelFit) -> Vec<(String, Vec<f64>)> {
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
            maps.push((format!("{prefix}_{suffix}"), values));
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

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn prolate_tensor_by_hand() {
        // λ = (1.7, 0.3, 0.3)e-9: MD = 0.7667e-9; Σ(λ−MD)² = (0.9333² + 2·0.4667²)e-18
        // = 1.30667e-18; Σλ² = 3.07e-18; FA = √(1.5·1.30667/3.07) = √0.638436 = 0.799022.
        let l = [0.3e-9, 1.7e-9, 0.3e-9];
        assert!(close(mean_diffusivity(l), 2.3e-9 / 3.0, 1e-15));
        let fa = (1.5f64 * (1.96 / 1.5) / 3.07).sqrt();
        assert!(close(fractional_anisotropy(l), fa, 1e-14));
        assert!(close(fractional_anisotropy(l), 0.799_022, 1e-6));
        assert!(close(axial_diffusivity(l), 1.7e-9, 1e-15));
        assert!(close(radial_diffusivity(l), 0.3e-9, 1e-15));
    }

    #[test]
    fn general_tensor_by_hand() {
        // λ = (1, 2, 3)e-9 in scrambled order: MD = 2e-9, Σ(λ−MD)² = 2e-18, Σλ² = 14e-18,
        // FA = √(3/14) = 0.462910; AD = 3e-9, RD = 1.5e-9.
        let l = [2e-9, 3e-9, 1e-9];
        assert_eq!(sorted_eigenvalues(l), [3e-9, 2e-9, 1e-9]);
        assert!(close(mean_diffusivity(l), 2e-9, 1e-15));
        assert!(close(
            fractional_anisotropy(l),
            (3.0f64 / 14.0).sqrt(),
            1e-14
        ));
        assert!(close(axial_diffusivity(l), 3e-9, 1e-15));
        assert!(close(radial_diffusivity(l), 1.5e-9, 1e-15));
    }

    #[test]
    fn fa_limits() {
        assert_eq!(fractional_anisotropy([1e-9; 3]), 0.0);
        assert_eq!(fractional_anisotropy([0.0; 3]), 0.0);
        // One non-zero eigenvalue (a stick): FA = 1.
        assert!(close(fractional_anisotropy([0.0, 2e-9, 0.0]), 1.0, 1e-15));
        assert!(fractional_anisotropy([f64::NAN, 1e-9, 1e-9]).is_nan());
    }

    #[test]
    fn only_tensor_compartments_get_metrics() {
        assert!(is_tensor_instance("Tensor_1") && is_tensor_instance("Tensor_12"));
        assert!(!is_tensor_instance("Tensor_") && !is_tensor_instance("G2Zeppelin_1"));
        assert!(!is_tensor_instance("SD1WatsonDistributed_1_Tensor_1"));
    }
}
