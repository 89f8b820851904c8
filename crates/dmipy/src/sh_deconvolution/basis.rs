//! Dmipy's real SH coefficients (MRtrix 0.2 / DIPY `tournier07` legacy) converted to MRtrix3's orthonormal `tournier07` basis.

/// Rewrites coefficients `c` (Dmipy's order l = 0, 2, …, m = −l … l; [`real_sh_mrtrix`]
/// (crate::real_sh_mrtrix)) in place into MRtrix3's basis (= DIPY `tournier07`, `legacy=False`),
/// so that MRtrix and DIPY read the same function from a file. The two bases share the order and
/// the sign; MRtrix3's m ≠ 0 functions are √2 times Dmipy's (the table in `dmipy-track`'s
/// `field/sh_basis.rs`; Tournier et al. 2019, NeuroImage 202:116137,
/// doi:10.1016/j.neuroimage.2019.116137, "SH basis"), so their coefficients are Dmipy's / √2;
/// m = 0 is unchanged.
pub fn dmipy_to_mrtrix3(c: &mut [f64]) {
    let mut l = 0;
    let mut start = 0;
    while start + 2 * l < c.len() {
        for (j, v) in c[start..start + 2 * l + 1].iter_mut().enumerate() {
            if j != l {
                *v /= std::f64::consts::SQRT_2;
            }
        }
        start += 2 * l + 1;
        l += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::real_sh_mrtrix;

    #[test]
    fn same_function_in_both_bases() {
        // f = Σ c Y_dmipy at a direction equals Σ c' Y_mrtrix3 with Y_mrtrix3 = √2·Y_dmipy (m ≠ 0).
        let c: Vec<f64> = (0..15).map(|i| 0.1 * i as f64 - 0.4).collect();
        let mut y = vec![0.0; 15];
        real_sh_mrtrix(4, 0.7, -1.9, &mut y).unwrap();
        let want: f64 = c.iter().zip(&y).map(|(a, b)| a * b).sum();
        let mut converted = c.clone();
        dmipy_to_mrtrix3(&mut converted);
        let mut got = 0.0;
        for l in [0usize, 2, 4] {
            let centre = l * (l + 1) / 2;
            for j in centre - l..=centre + l {
                let scale = if j == centre {
                    1.0
                } else {
                    std::f64::consts::SQRT_2
                };
                got += converted[j] * y[j] * scale;
            }
        }
        assert!((got - want).abs() < 1e-14 * want.abs().max(1.0));
        assert_eq!(converted[0], c[0]);
        assert!((converted[1] - c[1] / std::f64::consts::SQRT_2).abs() < 1e-16);
    }
}
