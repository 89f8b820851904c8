//! Rotation invariants of a diffusion tensor (FA, MD, AD, RD) and the eigen-decomposition of a symmetric 3 × 3 tensor.

use crate::Scalar;

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

/// A symmetric 3 × 3 tensor from its six distinct entries in DIPY's lower-triangular order
/// `[Dxx, Dxy, Dyy, Dxz, Dyz, Dzz]` (the order of `dipy.reconst.dti.lower_triangular`).
pub fn tensor_from_lower_triangular<D: Scalar>(d: &[D; 6]) -> [[D; 3]; 3] {
    [[d[0], d[1], d[3]], [d[1], d[2], d[4]], [d[3], d[4], d[5]]]
}

/// The eigenvalues λ₁ ≥ λ₂ ≥ λ₃ of a symmetric 3 × 3 matrix by the trigonometric closed form of
/// Smith (1961, Commun. ACM 4(4):168, doi:10.1145/355578.366316): with q = tr A / 3,
/// p = √(‖A − qI‖²_F / 6), B = (A − qI)/p and r = det B / 2,
/// $\lambda_k = q + 2p\cos\!\big(\tfrac13\arccos r + \tfrac{2\pi k}{3}\big)$, k = 0, 2, 1.
///
/// Written once for `f64` and dual numbers, so derivatives of the eigenvalues are exact where the
/// eigenvalues are distinct. r is clamped to [−1, 1] against rounding (on the real part); for an
/// isotropic matrix (p = 0) all three eigenvalues are q and derivatives are not defined.
pub fn symmetric_eigenvalues<D: Scalar>(a: &[[D; 3]; 3]) -> [D; 3] {
    let q = (a[0][0] + a[1][1] + a[2][2]) / 3.0;
    let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
    let (d0, d1, d2) = (a[0][0] - q, a[1][1] - q, a[2][2] - q);
    let p2 = (d0 * d0 + d1 * d1 + d2 * d2 + off * 2.0) / 6.0;
    if p2.re() <= 0.0 {
        return [q; 3];
    }
    let p = p2.sqrt();
    let b = [
        [d0 / p, a[0][1] / p, a[0][2] / p],
        [a[1][0] / p, d1 / p, a[1][2] / p],
        [a[2][0] / p, a[2][1] / p, d2 / p],
    ];
    let det = b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1])
        - b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0])
        + b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
    let r = det / 2.0;
    let phi = if r.re() <= -1.0 {
        D::from(std::f64::consts::PI / 3.0)
    } else if r.re() >= 1.0 {
        D::zero()
    } else {
        r.acos() / 3.0
    };
    let third = 2.0 * std::f64::consts::PI / 3.0;
    let l1 = q + p * phi.cos() * 2.0;
    let l3 = q + p * (phi + third).cos() * 2.0;
    let l2 = q * 3.0 - l1 - l3;
    [l1, l2, l3]
}

/// The unit eigenvector of a symmetric 3 × 3 matrix for its eigenvalue `lambda`: the largest of
/// the three cross products of pairs of rows of A − λI (each is orthogonal to the row space, hence
/// in the null space when λ is a simple eigenvalue), normalised. Which cross product is used is
/// chosen on the real part; its sign is arbitrary (an axis). Generic, so dual numbers give the
/// exact derivative of the eigenvector. Returns `None` when λ is not simple (all products vanish).
pub fn symmetric_eigenvector<D: Scalar>(a: &[[D; 3]; 3], lambda: D) -> Option<[D; 3]> {
    let m = [
        [a[0][0] - lambda, a[0][1], a[0][2]],
        [a[1][0], a[1][1] - lambda, a[1][2]],
        [a[2][0], a[2][1], a[2][2] - lambda],
    ];
    let cross = |u: &[D; 3], v: &[D; 3]| {
        [
            u[1] * v[2] - u[2] * v[1],
            u[2] * v[0] - u[0] * v[2],
            u[0] * v[1] - u[1] * v[0],
        ]
    };
    let candidates = [
        cross(&m[0], &m[1]),
        cross(&m[0], &m[2]),
        cross(&m[1], &m[2]),
    ];
    let norm2 = |v: &[D; 3]| v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
    let best = candidates
        .iter()
        .max_by(|u, v| norm2(u).re().total_cmp(&norm2(v).re()))?;
    let n2 = norm2(best);
    if n2.re().is_nan() || n2.re() <= 0.0 {
        return None;
    }
    let n = n2.sqrt();
    Some([best[0] / n, best[1] / n, best[2] / n])
}

/// The principal (largest-eigenvalue) unit eigenvector of a symmetric 3 × 3 tensor, the fibre
/// direction of DTI tractography (Basser et al. 2000, Magn. Reson. Med. 44:625,
/// doi:10.1002/1522-2594(200010)44:4<625::AID-MRM17>3.0.CO;2-O). `None` when λ₁ = λ₂.
pub fn principal_eigenvector<D: Scalar>(a: &[[D; 3]; 3]) -> Option<[D; 3]> {
    let l = symmetric_eigenvalues(a);
    symmetric_eigenvector(a, l[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

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

    /// R · diag(λ) · Rᵀ for the rotation by `angle` about z.
    fn rotated(l: [f64; 3], angle: f64) -> [[f64; 3]; 3] {
        let (s, c) = angle.sin_cos();
        let r = [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]];
        let mut a = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                a[i][j] = (0..3).map(|k| r[i][k] * l[k] * r[j][k]).sum();
            }
        }
        a
    }

    #[test]
    fn eigen_decomposition_of_a_rotated_diagonal_tensor() {
        // diag(1, 2, 3)e-9 rotated by 30° about z: eigenvalues 3, 2, 1 (e-9); the principal
        // axis is z, the second the rotated y axis (−sin 30°, cos 30°, 0).
        let a = rotated([1e-9, 2e-9, 3e-9], 30f64.to_radians());
        let l = symmetric_eigenvalues(&a);
        for (got, want) in l.iter().zip([3e-9, 2e-9, 1e-9]) {
            assert!(close(*got, want, 1e-13), "{got} vs {want}");
        }
        let e1 = principal_eigenvector(&a).unwrap();
        assert!(close(e1[2].abs(), 1.0, 1e-13));
        let e2 = symmetric_eigenvector(&a, l[1]).unwrap();
        let dot = -e2[0] * 0.5 + e2[1] * 0.75f64.sqrt();
        assert!(close(dot.abs(), 1.0, 1e-13), "{e2:?}");
        assert!(
            principal_eigenvector(&[[1e-9, 0.0, 0.0], [0.0, 1e-9, 0.0], [0.0, 0.0, 1e-9]])
                .is_none()
        );
        let t = tensor_from_lower_triangular(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(t, [[1.0, 2.0, 4.0], [2.0, 3.0, 5.0], [4.0, 5.0, 6.0]]);
    }

    #[test]
    fn principal_eigenvector_derivative_matches_perturbation_theory() {
        // A = diag(3, 1, 1) + t·(e1e2ᵀ + e2e1ᵀ): de₁/dt at t = 0 is e₂/(λ₁ − λ₂) = (0, ½, 0).
        let t = Dual64::from(0.0).derivative();
        let one = Dual64::from(1.0);
        let zero = Dual64::from(0.0);
        let a = [
            [one * 3.0, t, zero],
            [t, one, zero],
            [zero, zero, one * 1.5],
        ];
        let e1 = principal_eigenvector(&a).unwrap();
        let sign = e1[0].re.signum();
        assert!(close(e1[0].re * sign, 1.0, 1e-15));
        assert!(close(e1[1].eps * sign, 0.5, 1e-13), "{:?}", e1[1]);
        assert!(e1[2].eps.abs() < 1e-15);
    }
}
