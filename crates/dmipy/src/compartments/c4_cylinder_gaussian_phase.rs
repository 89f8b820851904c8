//! C4CylinderGaussianPhaseApproximation: a cylinder with Van Gelderen's Gaussian-phase perpendicular signal.

use super::c2_cylinder_stejskal_tanner::{CYLINDER_PARAMETERS, CylinderParameters};
use super::{Compartment, ParameterSpec};
use crate::special::bessel_jn_prime_zeros;
use crate::{AcquisitionScheme, Error, GYROMAGNETIC_RATIO, Scalar};

/// Cylinder of diameter d whose perpendicular signal is the Gaussian phase distribution result
/// for finite pulses, with free diffusion along its axis (Dmipy 1.x
/// `C4CylinderGaussianPhaseApproximation`).
///
/// $$ \ln E_\perp = -2\gamma^2 G_\perp^2 \sum_{k} \frac{2 a_k\delta - 2 + 2e^{-a_k\delta} +
///    2e^{-a_k\Delta} - e^{-a_k(\Delta-\delta)} - e^{-a_k(\Delta+\delta)}}
///    {D_\perp^2\,\alpha_k^6\,(R^2\alpha_k^2 - 1)}, \qquad
///    \alpha_k = \frac{u_k}{R},\quad a_k = \alpha_k^2 D_\perp $$
///
/// with u_k the zeros of J₁′ ([`bessel_jn_prime_zeros`]), G⊥ = |G| |n − (n·μ)μ| (T/m), γ the
/// proton gyromagnetic ratio (rad s⁻¹ T⁻¹), δ and Δ (s) from the scheme. Van Gelderen, DesPres,
/// van Zijl & Moonen 1994, "Evaluation of restricted diffusion in cylinders. Phosphocreatine in
/// rabbit leg muscle", J. Magn. Reson. B 103:255–260, doi:10.1006/jmrb.1994.1038 (cylinder
/// attenuation with the roots of J₁′), in Dmipy's formulation. Parameters: `mu` (rad),
/// `lambda_par` (m²/s), `diameter` (m). For δ ≫ R²/D⊥ it tends to Neuman's motional-narrowing
/// limit ln E⊥ = −(7/48) γ²G⊥²R⁴δ/D⊥.
#[derive(Debug, Clone, PartialEq)]
pub struct C4CylinderGaussianPhaseApproximation {
    diffusion_perpendicular: f64,
    /// Zeros u_k of J₁′.
    roots: Vec<f64>,
}

impl Default for C4CylinderGaussianPhaseApproximation {
    /// Dmipy's defaults: D⊥ = 1.7e-9 m²/s and the first 100 zeros of J₁′.
    fn default() -> Self {
        Self {
            diffusion_perpendicular: 1.7e-9,
            roots: bessel_jn_prime_zeros(1, 100),
        }
    }
}

impl C4CylinderGaussianPhaseApproximation {
    /// A Gaussian-phase cylinder with perpendicular diffusivity `diffusion_perpendicular` (m²/s)
    /// summing over the first `number_of_roots` zeros of J₁′ (Dmipy fixes 100).
    ///
    /// Errors unless the diffusivity is finite and positive and `number_of_roots` ≥ 1.
    pub fn new(diffusion_perpendicular: f64, number_of_roots: usize) -> Result<Self, Error> {
        if !(diffusion_perpendicular.is_finite() && diffusion_perpendicular > 0.0) {
            return Err(Error::InvalidArgument {
                what: "diffusion_perpendicular".into(),
                reason: format!(
                    "must be finite and positive (m²/s), got {diffusion_perpendicular}"
                ),
            });
        }
        if number_of_roots == 0 {
            return Err(Error::InvalidArgument {
                what: "number_of_roots".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(Self {
            diffusion_perpendicular,
            roots: bessel_jn_prime_zeros(1, number_of_roots),
        })
    }

    /// Perpendicular diffusivity inside the cylinder (m²/s).
    pub fn diffusion_perpendicular(&self) -> f64 {
        self.diffusion_perpendicular
    }

    /// Number of zeros of J₁′ summed over.
    pub fn number_of_roots(&self) -> usize {
        self.roots.len()
    }

    /// The root sum of ln E⊥ / (−2γ²G⊥²) for radius R (m), δ and Δ (s); unit m²·s³… per T²·rad².
    ///
    /// Each summand is rewritten with α = u/R as R⁶ N(a)/(D² u⁶ (u² − 1)), and N uses expm1 so
    /// that the O(1) constants cancel exactly: N = 2aδ + 2(e^{−aδ}−1) + 2(e^{−aΔ}−1)
    /// − (e^{−a(Δ−δ)}−1) − (e^{−a(Δ+δ)}−1).
    fn root_sum<D: Scalar>(&self, radius: D, delta: f64, big_delta: f64) -> D {
        let d = self.diffusion_perpendicular;
        let inv_r2 = (radius * radius).recip();
        let r6 = (radius * radius).powi(3);
        let mut sum = D::zero();
        for &u in &self.roots {
            let u2 = u * u;
            let a = inv_r2 * (u2 * d);
            let n =
                a * (2.0 * delta) + (-a * delta).exp_m1() * 2.0 + (-a * big_delta).exp_m1() * 2.0
                    - (-a * (big_delta - delta)).exp_m1()
                    - (-a * (big_delta + delta)).exp_m1();
            sum += n / (d * d * u2 * u2 * u2 * (u2 - 1.0));
        }
        sum * r6
    }
}

impl Compartment for C4CylinderGaussianPhaseApproximation {
    fn name(&self) -> &'static str {
        "C4CylinderGaussianPhaseApproximation"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        CYLINDER_PARAMETERS
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let delta = scheme.require_delta(self.name())?;
        let big_delta = scheme.require_big_delta(self.name())?;
        let strength = scheme
            .gradient_strengths()
            .ok_or_else(|| Error::MissingSchemeField {
                model: self.name().into(),
                field: "gradient strengths (from delta and Delta)",
            })?;
        let cylinder = CylinderParameters::from_slice(params);
        // one root sum per distinct (δ, Δ): schemes have a handful of them
        let mut cache: Vec<(f64, f64, D)> = Vec::new();
        for (i, value) in out.iter_mut().enumerate() {
            let (parallel2, perpendicular2) = cylinder.split(&scheme.directions()[i]);
            let parallel = cylinder.parallel_attenuation(scheme.bvalues()[i], parallel2);
            let g = strength[i] * GYROMAGNETIC_RATIO;
            if g == 0.0 {
                *value = parallel;
                continue;
            }
            let key = (delta[i], big_delta[i]);
            let sum = match cache.iter().find(|c| (c.0, c.1) == key) {
                Some(c) => c.2,
                None => {
                    let s = self.root_sum(cylinder.radius, key.0, key.1);
                    cache.push((key.0, key.1, s));
                    s
                }
            };
            *value = parallel * (-(perpendicular2 * sum) * (2.0 * g * g)).exp();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::c2_cylinder_stejskal_tanner::tests::{
        check_attenuation_range, check_dual_vs_finite_difference, compare_with_dmipy, test_scheme,
    };
    use super::*;
    use crate::{PulseTiming, SchemeOptions};

    fn perpendicular_scheme(b: f64, delta: f64, big_delta: f64) -> AcquisitionScheme {
        AcquisitionScheme::from_bvalues(
            &[0.0, b],
            &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
            PulseTiming::pgse(delta, big_delta),
            &SchemeOptions::default(),
        )
        .expect("scheme")
    }

    fn perpendicular_signal(
        model: &C4CylinderGaussianPhaseApproximation,
        s: &AcquisitionScheme,
        d: f64,
    ) -> f64 {
        let mut out = [0.0; 2];
        model
            .signal(s, &[0.0, 0.0, 1e-9, d], &mut out)
            .expect("signal");
        assert_eq!(out[0], 1.0);
        out[1]
    }

    /// Long pulses in thin cylinders: Neuman 1974, "Spin echo of spins diffusing in a bounded
    /// medium", J. Chem. Phys. 60:4508 (cylinder, long-pulse limit; DOI not checked here):
    /// ln E = −(7/48) γ²G²R⁴δ/D.
    #[test]
    fn long_pulses_give_neuman_motional_narrowing() {
        let model = C4CylinderGaussianPhaseApproximation::default();
        let d = 1.7e-9;
        let radius = 1e-6; // R²/D ≈ 0.6 ms ≪ δ
        let scheme = perpendicular_scheme(3e9, 0.04, 0.05);
        let g = scheme.gradient_strengths().expect("G")[1] * GYROMAGNETIC_RATIO;
        let e = perpendicular_signal(&model, &scheme, 2.0 * radius);
        let neuman = -7.0 / 48.0 * g * g * radius.powi(4) * 0.04 / d;
        // corrections are O(R²/(u₁²Dδ)) ≈ 3 %, of known sign (less attenuation)
        let ratio = e.ln() / neuman;
        assert!(ratio < 1.0 && ratio > 0.95, "ratio {ratio}");
        // and they vanish as δ grows
        let scheme = perpendicular_scheme(3e9, 0.4, 0.45);
        let g = scheme.gradient_strengths().expect("G")[1] * GYROMAGNETIC_RATIO;
        let e = perpendicular_signal(&model, &scheme, 2.0 * radius);
        let neuman = -7.0 / 48.0 * g * g * radius.powi(4) * 0.4 / d;
        let ratio2 = e.ln() / neuman;
        assert!((1.0 - ratio2) < 0.15 * (1.0 - ratio), "{ratio2} vs {ratio}");
    }

    /// Wide cylinders at short times approach free diffusion exp(−bD⊥): the deficit of the
    /// apparent diffusivity is a surface-to-volume effect, so it halves when R doubles
    /// (Mitra et al. 1992, doi:10.1103/PhysRevLett.68.3555, eq. 1: deficit ∝ (S/V)√(Dt)).
    #[test]
    fn wide_cylinders_tend_to_free_diffusion() {
        let model = C4CylinderGaussianPhaseApproximation::default();
        let b = 1e9;
        let scheme = perpendicular_scheme(b, 0.002, 0.01);
        let free = -b * 1.7e-9;
        let deficits: Vec<f64> = [1e-5, 2e-5, 4e-5]
            .iter()
            .map(|&d| 1.0 - perpendicular_signal(&model, &scheme, d).ln() / free)
            .collect();
        for pair in deficits.windows(2) {
            let halving = pair[1] / pair[0];
            assert!(halving > 0.4 && halving < 0.6, "{deficits:?}");
        }
        assert!(deficits[2] > 0.0 && deficits[2] < 0.2, "{deficits:?}");
    }

    #[test]
    fn dual_derivatives_equal_finite_differences() {
        let model = C4CylinderGaussianPhaseApproximation::default();
        check_dual_vs_finite_difference(&model, &[0.8, -1.2, 1.3e-9, 5e-6]);
        check_dual_vs_finite_difference(&model, &[2.0, 0.5, 2.6e-9, 1.5e-5]);
        check_dual_vs_finite_difference(&model, &[1.0, 0.1, 2.0e-9, 2e-7]);
    }

    #[test]
    fn matches_dmipy_reference_values() {
        compare_with_dmipy(
            "C4CylinderGaussianPhaseApproximation",
            |settings| {
                C4CylinderGaussianPhaseApproximation::new(settings["diffusion_perpendicular"], 100)
                    .expect("valid settings")
            },
            1e-12,
        );
    }

    #[test]
    fn settings_and_errors() {
        assert!(C4CylinderGaussianPhaseApproximation::new(-1.0, 10).is_err());
        assert!(C4CylinderGaussianPhaseApproximation::new(1e-9, 0).is_err());
        let d = C4CylinderGaussianPhaseApproximation::default();
        assert_eq!(d.number_of_roots(), 100);
        let scheme = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[1.0, 0.0, 0.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .expect("scheme");
        let mut out = [0.0];
        let err = d
            .signal(&scheme, &[0.0, 0.0, 1e-9, 1e-6], &mut out)
            .unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
        let mut out = vec![0.0; test_scheme().len()];
        d.signal(&test_scheme(), &[0.0, 0.0, 1e-9, 1e-6], &mut out)
            .expect("signal");
        assert_eq!(out[0], 1.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn attenuation_is_finite_and_in_unit_interval(
            theta in 0.0..=std::f64::consts::PI,
            phi in -std::f64::consts::PI..=std::f64::consts::PI,
            lambda in 0.1e-9..=3e-9,
            diameter in 1e-8..=2e-5,
        ) {
            check_attenuation_range(&C4CylinderGaussianPhaseApproximation::default(), &[theta, phi, lambda, diameter]);
        }
    }
}
