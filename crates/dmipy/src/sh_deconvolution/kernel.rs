//! Convolution kernels: the rotational harmonics of a tissue response at every measurement of a scheme, from a compartment or from data.

use crate::distributions::rotational_harmonics;
use crate::model::axial_dispatch;
use crate::{AcquisitionScheme, AnyCompartment, Compartment, Error, ParameterKind, Pulse, Shell};
use std::f64::consts::PI;

/// A tissue response ready for deconvolution: for each measurement i of one scheme its rotational
/// harmonics $\lambda_l(i)$, l = 0, 2, …, L, such that an orientation density
/// $P = \sum_{lm} c_{lm}Y_{lm}$ produces the signal (attenuation)
/// $E_i = \sum_{lm}\lambda_l(i)\,c_{lm}\,Y_{lm}(\mathbf g_i)$ (Funk–Hecke; see
/// [`SD3SphericalHarmonics::disperse_add`](crate::SD3SphericalHarmonics::disperse_add)). The
/// response of one fibre along $\mathbf n$ is then
/// $K(t) = \sum_l \lambda_l\,\tfrac{2l+1}{4\pi}\,P_l(t)$, $t = \mathbf g\cdot\mathbf n$.
///
/// An isotropic response (ball, dot, sphere, or a data-driven GM/CSF response) has only
/// $\lambda_0 = 4\pi S_i$, with $S_i$ its signal at measurement i; its "density" is then a
/// constant whose integral $2\sqrt\pi\,c_{00}$ is the compartment's fraction, as in Dmipy.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvolutionKernel {
    name: String,
    sh_order: usize,
    isotropic: bool,
    /// `rh[i * orders + j]` = λ_{2j} at measurement i.
    rh: Vec<f64>,
    measurements: usize,
}

impl ConvolutionKernel {
    /// The kernel of `compartment` with all its non-orientation parameters fixed to `params`
    /// (the full parameter slice, SI, in the compartment's order; an orientation `mu` in it is
    /// ignored), up to order `sh_order`, evaluated once per group of equal pulses of `scheme`
    /// ([`AcquisitionScheme::pulse_groups`]).
    ///
    /// Axially symmetric compartments (sticks, zeppelins, cylinders, planes) give anisotropic
    /// kernels; compartments without an orientation (balls, dots, spheres) isotropic ones.
    /// Errors for other compartments (the tensor has no axial symmetry), an odd `sh_order`, a
    /// wrong parameter count or a scheme that lacks a field the compartment needs.
    pub fn from_compartment(
        compartment: &AnyCompartment,
        params: &[f64],
        scheme: &AcquisitionScheme,
        sh_order: usize,
    ) -> Result<Self, Error> {
        check_order(sh_order)?;
        if params.len() != compartment.parameter_count() {
            return Err(Error::ParameterCount {
                model: compartment.name().into(),
                expected: compartment.parameter_count(),
                found: params.len(),
            });
        }
        let orders = sh_order / 2 + 1;
        let n = scheme.len();
        let mut rh = vec![0.0; n * orders];
        let mut per_group = vec![0.0; orders];
        let oriented = compartment
            .parameters()
            .iter()
            .any(|p| p.kind == ParameterKind::Orientation);
        let axial = axial_dispatch!(compartment, k => {
            for group in scheme.pulse_groups() {
                rotational_harmonics(k, &Pulse::of_shell(group), params, &mut per_group)?;
                for &i in &group.indices {
                    rh[i * orders..(i + 1) * orders].copy_from_slice(&per_group);
                }
            }
            true
        }, false);
        if !axial {
            if oriented {
                return Err(Error::InvalidArgument {
                    what: format!("{} as a deconvolution kernel", compartment.name()),
                    reason: "it has an orientation but no axial symmetry".into(),
                });
            }
            let mut signal = vec![0.0; n];
            compartment.signal(scheme, params, &mut signal)?;
            for (i, &s) in signal.iter().enumerate() {
                rh[i * orders] = 4.0 * PI * s;
            }
        }
        Ok(Self {
            name: compartment.name().into(),
            sh_order,
            isotropic: !axial,
            rh,
            measurements: n,
        })
    }

    /// A kernel from rotational harmonics given per shell of `scheme` (in the order of
    /// [`AcquisitionScheme::shells`]), each with `sh_order / 2 + 1` values λ₀, λ₂, …: what the
    /// data-driven responses produce. `isotropic` marks a response with λₗ = 0 for l > 0 (then
    /// only λ₀ is read). Errors when a shell's list has the wrong length or a value is not finite.
    pub fn from_shell_harmonics(
        name: &str,
        scheme: &AcquisitionScheme,
        per_shell: &[Vec<f64>],
        sh_order: usize,
        isotropic: bool,
    ) -> Result<Self, Error> {
        check_order(sh_order)?;
        let shells: &[Shell] = scheme.shells();
        if per_shell.len() != shells.len() {
            return Err(Error::LengthMismatch {
                what: format!("{name} response (one list per shell)"),
                expected: shells.len(),
                found: per_shell.len(),
            });
        }
        let orders = sh_order / 2 + 1;
        let mut rh = vec![0.0; scheme.len() * orders];
        for (shell, values) in shells.iter().zip(per_shell) {
            let needed = if isotropic { 1 } else { orders };
            if values.len() < needed || values.iter().any(|v| !v.is_finite()) {
                return Err(Error::InvalidArgument {
                    what: format!("{name} response at b = {} s/m²", shell.bvalue),
                    reason: format!("needs {needed} finite rotational harmonics, got {values:?}"),
                });
            }
            for &i in &shell.indices {
                for j in 0..needed.min(orders) {
                    rh[i * orders + j] = values[j];
                }
            }
        }
        Ok(Self {
            name: name.into(),
            sh_order,
            isotropic,
            rh,
            measurements: scheme.len(),
        })
    }

    /// The name (a compartment class or a response name such as `"WM"`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether only λ₀ is non-zero (no orientation).
    pub fn is_isotropic(&self) -> bool {
        self.isotropic
    }

    /// Highest order stored.
    pub fn sh_order(&self) -> usize {
        self.sh_order
    }

    /// Number of measurements of the scheme it was built on.
    pub fn measurements(&self) -> usize {
        self.measurements
    }

    /// λ₀, λ₂, … at measurement `i`.
    pub fn rotational_harmonics(&self, i: usize) -> &[f64] {
        let orders = self.sh_order / 2 + 1;
        &self.rh[i * orders..(i + 1) * orders]
    }
}

fn check_order(sh_order: usize) -> Result<(), Error> {
    if sh_order.is_multiple_of(2) && sh_order <= crate::MAX_ORDER {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "sh_order".into(),
            reason: format!(
                "must be even and at most {}, got {sh_order}",
                crate::MAX_ORDER
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::C1Stick;

    #[test]
    fn stick_rotational_harmonics_match_the_closed_form() {
        // Stick K(t) = exp(−βt²), β = bλ: with I₀ = ∫₀¹e^{−βt²}dt = ½√(π/β) erf(√β) and
        // I₂ = ∫₀¹t²e^{−βt²}dt = (I₀ − e^{−β})/(2β) (by parts), λ₀ = 4πI₀ and
        // λ₂ = 4π∫₀¹e^{−βt²}(3t² − 1)/2 dt = 4π(3I₂/2 − I₀/2).
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let lambda = 1.7e-9;
        let kernel = ConvolutionKernel::from_compartment(
            &AnyCompartment::C1Stick(C1Stick),
            &[0.0, 0.0, lambda],
            &scheme,
            8,
        )
        .unwrap();
        assert!(!kernel.is_isotropic());
        for i in [0, 1, 100, 287] {
            let beta = scheme.bvalues()[i] * lambda;
            let rh = kernel.rotational_harmonics(i);
            if beta == 0.0 {
                assert!((rh[0] - 4.0 * PI).abs() < 1e-13 && rh[1].abs() < 1e-13);
                continue;
            }
            let i0 = 0.5 * (PI / beta).sqrt() * crate::erf(beta.sqrt());
            let i2 = (i0 - (-beta).exp()) / (2.0 * beta);
            let want0 = 4.0 * PI * i0;
            let want2 = 4.0 * PI * (1.5 * i2 - 0.5 * i0);
            assert!((rh[0] / want0 - 1.0).abs() < 1e-12, "λ₀ at {i}");
            assert!((rh[1] / want2 - 1.0).abs() < 1e-10, "λ₂ at {i}");
        }
    }

    #[test]
    fn ball_is_isotropic_with_lambda0_four_pi_signal() {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let kernel = ConvolutionKernel::from_compartment(
            &AnyCompartment::by_name("G1Ball").unwrap(),
            &[3e-9],
            &scheme,
            8,
        )
        .unwrap();
        assert!(kernel.is_isotropic());
        let i = 100;
        let want = 4.0 * PI * (-scheme.bvalues()[i] * 3e-9).exp();
        assert!((kernel.rotational_harmonics(i)[0] / want - 1.0).abs() < 1e-14);
        assert_eq!(kernel.rotational_harmonics(i)[1], 0.0);
    }

    #[test]
    fn tensor_and_odd_orders_are_refused() {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let tensor = AnyCompartment::by_name("Tensor").unwrap();
        let p = vec![0.1; tensor.parameter_count()];
        assert!(ConvolutionKernel::from_compartment(&tensor, &p, &scheme, 8).is_err());
        let stick = AnyCompartment::C1Stick(C1Stick);
        assert!(
            ConvolutionKernel::from_compartment(&stick, &[0.0, 0.0, 1e-9], &scheme, 7).is_err()
        );
        assert!(matches!(
            ConvolutionKernel::from_compartment(&stick, &[1e-9], &scheme, 8),
            Err(Error::ParameterCount { .. })
        ));
    }
}
