//! `Tensor`: a full diffusion tensor with three eigenvalues and an orientation frame.

use std::sync::OnceLock;

use super::c1_stick::{MU, diffusivity};
use super::spherical_mean::{HalfRangeGaussLegendre, SphericalMean};
use super::{Compartment, ParameterKind, ParameterSpec};
use crate::{AcquisitionScheme, Error, Scalar, dot, unit_vector};

const PARAMETERS: &[ParameterSpec] = &[
    MU,
    ParameterSpec {
        name: "psi",
        unit: "rad",
        bounds: &[(0.0, std::f64::consts::PI)],
        scale: 1.0,
        kind: ParameterKind::PeriodicAngle,
    },
    diffusivity("lambda_1"),
    diffusivity("lambda_2"),
    diffusivity("lambda_3"),
];

/// Points of the trapezoidal rule over the azimuth in [`Tensor`]'s spherical mean: the integrand
/// is a smooth π-periodic function of φ, for which the rule converges geometrically; 64 points
/// reach < 1e-13 for b·|λ₂ − λ₃| ≤ 60 (tested against the zeppelin's closed form).
const AZIMUTH_POINTS: usize = 64;

/// A full diffusion tensor (Basser, Mattiello & LeBihan 1994, J. Magn. Reson. B 103:247–254,
/// doi:10.1006/jmrb.1994.1037, DOI not checked here). Dmipy 1.x has no such compartment; this one completes the
/// Gaussian family (ball ⊂ zeppelin ⊂ tensor).
///
/// Parameters, in order (all bounds as Dmipy's diffusivities, 0.1e-9–3e-9 m²/s):
/// - `mu = [θ, φ]` (rad): the first eigenvector $\mathbf e_1 = (\sin\theta\cos\phi,
///   \sin\theta\sin\phi, \cos\theta)$;
/// - `psi` (rad, [0, π]): rotation of the other two about e₁, as Dmipy's Bingham `psi`:
///   $\mathbf e_2 = \cos\psi\,\hat{\boldsymbol\theta} + \sin\psi\,\hat{\boldsymbol\phi}$,
///   $\mathbf e_3 = -\sin\psi\,\hat{\boldsymbol\theta} + \cos\psi\,\hat{\boldsymbol\phi}$ with the
///   spherical unit vectors $\hat{\boldsymbol\theta} = \partial_\theta\mathbf e_1$ and
///   $\hat{\boldsymbol\phi} = (-\sin\phi, \cos\phi, 0)$ (a right-handed frame, smooth in θ, φ, ψ;
///   not Dmipy's Bingham reference frame, which is built from the x-axis);
/// - `lambda_1`, `lambda_2`, `lambda_3` (m²/s): eigenvalues of e₁, e₂, e₃. No ordering is imposed,
///   so the parametrisation stays smooth for fitting; sort afterwards if λ₁ ≥ λ₂ ≥ λ₃ is wanted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tensor;

/// The orthonormal eigenvector frame [e₁, e₂, e₃] of [`Tensor`] from θ, φ, ψ (rad).
pub(crate) fn tensor_frame<D: Scalar>(theta: D, phi: D, psi: D) -> [[D; 3]; 3] {
    let e1 = unit_vector(theta, phi);
    let (st, ct) = theta.sin_cos();
    let (sp, cp) = phi.sin_cos();
    let (ss, cs) = psi.sin_cos();
    let e_theta = [ct * cp, ct * sp, -st];
    let e_phi = [-sp, cp, D::zero()];
    let e2 = [0, 1, 2].map(|k| e_theta[k] * cs + e_phi[k] * ss);
    let e3 = [0, 1, 2].map(|k| e_phi[k] * cs - e_theta[k] * ss);
    [e1, e2, e3]
}

impl Tensor {
    /// The diffusion tensor $\mathbf D = \sum_{i=1}^3 \lambda_i\,\mathbf e_i\mathbf e_i^\top$ of
    /// this parametrisation (θ, φ, ψ in rad, λ in m²/s) as its six distinct entries in DIPY's
    /// lower-triangular order `[Dxx, Dxy, Dyy, Dxz, Dyz, Dzz]` (m²/s), the layout of
    /// [`tensor_from_lower_triangular`](crate::tensor_from_lower_triangular) and of tensor volumes
    /// that tractography reads.
    pub fn lower_triangular<D: Scalar>(theta: D, phi: D, psi: D, lambdas: [D; 3]) -> [D; 6] {
        let frame = tensor_frame(theta, phi, psi);
        let entry = |r: usize, c: usize| {
            frame
                .iter()
                .zip(lambdas)
                .fold(D::zero(), |acc, (e, l)| acc + l * e[r] * e[c])
        };
        [
            entry(0, 0),
            entry(0, 1),
            entry(1, 1),
            entry(0, 2),
            entry(1, 2),
            entry(2, 2),
        ]
    }
}

impl Compartment for Tensor {
    fn name(&self) -> &'static str {
        "Tensor"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// $E = \exp(-b\,\mathbf g^\top\mathbf D\mathbf g) = \exp\!\big(-b\sum_{i=1}^3 \lambda_i
    /// (\mathbf e_i\cdot\mathbf g)^2\big)$ (Basser et al. 1994, doi:10.1006/jmrb.1994.1037,
    /// Stejskal–Tanner relation with the effective tensor; equation number not checked here). b in s/m², λ in m²/s.
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let frame = tensor_frame(params[0], params[1], params[2]);
        let lambdas = [params[3], params[4], params[5]];
        for ((o, &b), g) in out
            .iter_mut()
            .zip(scheme.bvalues())
            .zip(scheme.directions())
        {
            let mut exponent = D::zero();
            for (e, &l) in frame.iter().zip(&lambdas) {
                let c = dot(e, g);
                exponent += l * c * c;
            }
            *o = (-exponent * b).exp();
        }
        Ok(())
    }
}

/// cos² of the trapezoid points (j + ½)π/M, j < M = [`AZIMUTH_POINTS`], computed once.
fn azimuth_cos2() -> &'static [f64; AZIMUTH_POINTS] {
    static TABLE: OnceLock<[f64; AZIMUTH_POINTS]> = OnceLock::new();
    TABLE.get_or_init(|| {
        std::array::from_fn(|j| {
            let phi = (j as f64 + 0.5) * std::f64::consts::PI / AZIMUTH_POINTS as f64;
            phi.cos().powi(2)
        })
    })
}

impl SphericalMean for Tensor {
    /// $\bar E(b) = \int_0^1 \frac{1}{\pi}\int_0^\pi \exp\!\big(-b[\lambda_1 c^2 + (1-c^2)
    /// (\lambda_2\cos^2\phi + \lambda_3\sin^2\phi)]\big)\,d\phi\,dc$ in the eigenframe, by
    /// Gauss–Legendre in c ([`HalfRangeGaussLegendre::shared_default`]) and the trapezoidal rule in φ.
    /// (A closed form with confluent hypergeometric functions exists but is not needed here.)
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        let (l1, l2, l3) = (params[3], params[4], params[5]);
        let azimuth = azimuth_cos2();
        let rule = HalfRangeGaussLegendre::shared_default();
        for (o, shell) in out_per_shell.iter_mut().zip(scheme.shells()) {
            let b = shell.bvalue;
            *o = rule.integrate(|c| {
                let s2 = 1.0 - c * c;
                let ring: D = azimuth
                    .iter()
                    .map(|&cos2| (-(l1 * (c * c) + (l2 * cos2 + l3 * (1.0 - cos2)) * s2) * b).exp())
                    .sum();
                ring / AZIMUTH_POINTS as f64
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compartments::spherical_mean::test_support::*;
    use crate::compartments::{G1Ball, G2Zeppelin};

    fn signal(scheme: &AcquisitionScheme, p: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; scheme.len()];
        Tensor.signal(scheme, p, &mut out).unwrap();
        out
    }

    /// D eᵢ = λᵢ eᵢ for the frame's eigenvectors, and the closed-form eigenvalues of D are the λ.
    #[test]
    fn lower_triangular_tensor_has_the_frame_and_the_eigenvalues() {
        let lambdas = [2.1e-9, 0.9e-9, 0.4e-9];
        let d = Tensor::lower_triangular(0.7, 2.2, -0.4, lambdas);
        let full = crate::tensor_from_lower_triangular(&d);
        for (e, l) in tensor_frame(0.7, 2.2, -0.4).iter().zip(lambdas) {
            for (row, ek) in full.iter().zip(e) {
                let de: f64 = row.iter().zip(e).map(|(a, b)| a * b).sum();
                assert!((de - l * ek).abs() <= 1e-15 * 2.1e-9, "{de} vs {}", l * ek);
            }
        }
        let found = crate::symmetric_eigenvalues(&full);
        for (f, l) in found.iter().zip(lambdas) {
            assert!((f / l - 1.0).abs() < 1e-12, "{found:?}");
        }
    }

    #[test]
    fn frame_is_orthonormal_and_right_handed() {
        let [e1, e2, e3] = tensor_frame(1.1, -2.3, 0.7);
        let d = |a: &[f64; 3], b: &[f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        for (a, b, want) in [
            (&e1, &e1, 1.0),
            (&e2, &e2, 1.0),
            (&e3, &e3, 1.0),
            (&e1, &e2, 0.0),
            (&e1, &e3, 0.0),
            (&e2, &e3, 0.0),
        ] {
            assert!((d(a, b) - want).abs() < 1e-15);
        }
        let cross = [
            e1[1] * e2[2] - e1[2] * e2[1],
            e1[2] * e2[0] - e1[0] * e2[2],
            e1[0] * e2[1] - e1[1] * e2[0],
        ];
        assert!(d(&cross, &e3) > 1.0 - 1e-15);
    }

    #[test]
    fn two_equal_eigenvalues_give_the_zeppelin_and_three_the_ball() {
        let scheme = shelled_scheme(25, false);
        let t = signal(&scheme, &[0.6, 2.9, 1.3, 2.3e-9, 0.7e-9, 0.7e-9]);
        let mut z = vec![0.0; scheme.len()];
        G2Zeppelin
            .signal(&scheme, &[0.6, 2.9, 2.3e-9, 0.7e-9], &mut z)
            .unwrap();
        for (a, b) in t.iter().zip(&z) {
            assert!(rel(*a, *b, 1e-300) < 1e-13);
        }
        let t = signal(&scheme, &[0.6, 2.9, 1.3, 1.1e-9, 1.1e-9, 1.1e-9]);
        for (i, a) in t.iter().enumerate() {
            assert!(rel(*a, (-scheme.bvalues()[i] * 1.1e-9).exp(), 1e-300) < 1e-13);
        }
    }

    #[test]
    fn spherical_mean_reduces_to_zeppelin_and_ball_closed_forms() {
        let scheme = shelled_scheme(3, false);
        for (p, z) in [
            ([0.0, 0.0, 0.0, 2.9e-9, 0.2e-9, 0.2e-9], [2.9e-9, 0.2e-9]),
            ([0.0, 0.0, 0.0, 0.2e-9, 2.9e-9, 2.9e-9], [0.2e-9, 2.9e-9]),
        ] {
            let mut tm = vec![0.0; 4];
            let mut zm = vec![0.0; 4];
            Tensor.spherical_mean(&scheme, &p, &mut tm).unwrap();
            G2Zeppelin
                .spherical_mean(&scheme, &[0.0, 0.0, z[0], z[1]], &mut zm)
                .unwrap();
            for (a, b) in tm.iter().zip(&zm) {
                assert!(rel(*a, *b, 1e-300) < 1e-13, "{a} vs {b}");
            }
        }
        // Eigenvalues permuted (the zeppelin axis as e₂): the mean must not change.
        let mut tm = vec![0.0; 4];
        let mut zm = vec![0.0; 4];
        Tensor
            .spherical_mean(&scheme, &[0.0, 0.0, 0.0, 0.2e-9, 2.9e-9, 0.2e-9], &mut tm)
            .unwrap();
        G2Zeppelin
            .spherical_mean(&scheme, &[0.0, 0.0, 2.9e-9, 0.2e-9], &mut zm)
            .unwrap();
        for (a, b) in tm.iter().zip(&zm) {
            assert!(rel(*a, *b, 1e-300) < 1e-13, "{a} vs {b}");
        }
        let mut bm = vec![0.0; 4];
        Tensor
            .spherical_mean(&scheme, &[0.0, 0.0, 0.0, 1e-9, 1e-9, 1e-9], &mut tm)
            .unwrap();
        G1Ball.spherical_mean(&scheme, &[1e-9], &mut bm).unwrap();
        for (a, b) in tm.iter().zip(&bm) {
            assert!(rel(*a, *b, 1e-300) < 1e-13);
        }
    }

    #[test]
    fn spherical_mean_matches_dense_sphere_average() {
        let scheme = shelled_scheme(4000, false);
        let p = [0.9, -0.4, 2.0, 2.6e-9, 1.0e-9, 0.3e-9];
        let sig = signal(&scheme, &p);
        let mut mean = vec![0.0; scheme.shells().len()];
        Tensor.spherical_mean(&scheme, &p, &mut mean).unwrap();
        for (shell, m) in scheme.shells().iter().zip(&mean) {
            let avg =
                shell.indices.iter().map(|&i| sig[i]).sum::<f64>() / shell.indices.len() as f64;
            assert!(
                rel(avg, *m, 1e-300) < 1e-4,
                "b {}: {avg} vs {m}",
                shell.bvalue
            );
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let scheme = shelled_scheme(12, false);
        assert_derivatives(
            &Tensor,
            &scheme,
            &[0.9, 2.5, 0.4, 2.0e-9, 0.9e-9, 0.3e-9],
            1e-7,
        );
    }
}
