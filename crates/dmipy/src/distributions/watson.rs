//! `SD1Watson`: the Watson distribution of orientations, its exact normalisation and its Legendre coefficients.

use super::dispersion::{DispersionCoefficients, MAX_KAPPA, ORDERS, even_legendre_series};
use super::dispersion::{QUADRATURE_NODES, legendre_moments, node_table};
use crate::special::dawson;
use crate::{Error, ParameterKind, ParameterSpec, Scalar, axial_gaussian_mean, unit_vector};

/// Dmipy 1.x's ODI range of the Watson and Bingham distributions (dimensionless).
pub(crate) const ODI_BOUNDS: &[(f64, f64)] = &[(0.02, 0.99)];

/// The mean orientation `mu = [θ, φ]` (rad), with Dmipy's ranges [0, π] × [−π, π].
pub(crate) const MEAN_ORIENTATION: ParameterSpec = ParameterSpec {
    name: "mu",
    unit: "rad",
    bounds: &[
        (0.0, std::f64::consts::PI),
        (-std::f64::consts::PI, std::f64::consts::PI),
    ],
    scale: 1.0,
    kind: ParameterKind::Orientation,
};

/// The orientation dispersion index (dimensionless), Dmipy's range 0.02–0.99.
pub(crate) const ODI: ParameterSpec = ParameterSpec {
    name: "odi",
    unit: "",
    bounds: ODI_BOUNDS,
    scale: 1.0,
    kind: ParameterKind::Dispersion,
};

const PARAMETERS: &[ParameterSpec] = &[MEAN_ORIENTATION, ODI];

/// The concentration $\kappa = 1/\tan(\mathrm{ODI}\,\pi/2)$ of an orientation dispersion index
/// (Zhang et al. 2012, NeuroImage 61:1000–1016, doi:10.1016/j.neuroimage.2012.03.072, where
/// $\mathrm{ODI} = \frac{2}{\pi}\arctan(1/\kappa)$; equation number not checked here), as Dmipy's
/// `odi2kappa`. Dimensionless.
pub fn odi_to_kappa<D: Scalar>(odi: D) -> D {
    let (s, c) = (odi * std::f64::consts::FRAC_PI_2).sin_cos();
    c / s
}

/// The orientation dispersion index $\mathrm{ODI} = \frac{2}{\pi}\arctan(1/\kappa)$ of a
/// concentration κ ≥ 0 (Zhang et al. 2012, doi:10.1016/j.neuroimage.2012.03.072), as Dmipy's
/// `kappa2odi`; κ = 0 gives 1.
pub fn kappa_to_odi(kappa: f64) -> f64 {
    std::f64::consts::FRAC_2_PI * kappa.recip().atan()
}

/// $e^{-\kappa}\,{}_1F_1(\tfrac12; \tfrac32; \kappa) = \int_0^1 e^{\kappa(t^2-1)}\,dt$, the Watson
/// normalisation scaled so that it cannot overflow, for κ ≥ 0 (dimensionless).
///
/// ${}_1F_1(\tfrac12;\tfrac32;\kappa) = \int_0^1 e^{\kappa t^2}dt$ (DLMF 13.4.1 with a = ½, b = 3/2),
/// hence $e^{\kappa}D(\sqrt\kappa)/\sqrt\kappa$ with Dawson's D (DLMF 7.2.5) for κ ≥ 1, and the
/// term-wise series of [`axial_gaussian_mean`] below, so that κ → 0 has no 0/0 and duals stay exact.
pub fn watson_scaled_normaliser<D: Scalar>(kappa: D) -> D {
    if kappa.re() < 1.0 {
        (-kappa).exp() * axial_gaussian_mean(-kappa)
    } else {
        let s = kappa.sqrt();
        dawson(s) / s
    }
}

/// The Watson distribution of orientations on the sphere (Mardia & Jupp 2000, Directional
/// Statistics, Wiley, §9.4.2, eq. 9.4.21, not checked here; Zhang et al. 2012,
/// doi:10.1016/j.neuroimage.2012.03.072, eq. 4 in the NODDI paper, not checked here):
///
/// $$ W(\mathbf n) = \frac{e^{\kappa(\boldsymbol\mu\cdot\mathbf n)^2}}
///    {4\pi\,{}_1F_1(\tfrac12;\tfrac32;\kappa)}, \qquad \kappa = 1/\tan(\mathrm{ODI}\,\pi/2), $$
///
/// a density with respect to the area element of the unit sphere (1/sr), so that
/// $\oint W\,d\mathbf n = 1$.
///
/// Parameters, in order: `mu = [θ, φ]` (rad), the mean axis; `odi` (dimensionless, Dmipy's range
/// 0.02–0.99; κ from 31.8 to 0.016).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SD1Watson;

impl SD1Watson {
    /// The Dmipy 1.x class name.
    pub const NAME: &'static str = "SD1Watson";

    /// The parameter table: `mu`, `odi`.
    pub fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// The density W(n) (1/sr) at unit vector `n`, for `params = [θ, φ, odi]`, computed as
    /// $e^{\kappa((\boldsymbol\mu\cdot\mathbf n)^2-1)} / (4\pi\,e^{-\kappa}{}_1F_1)$ so no term
    /// overflows for any κ. Errors when `params` does not hold 3 values or odi is outside (0, 1].
    pub fn pdf<D: Scalar>(&self, params: &[D], n: &[f64; 3]) -> Result<D, Error> {
        let [theta, phi, odi] = three(params)?;
        let kappa = checked_kappa(odi, f64::INFINITY)?;
        let mu = unit_vector(theta, phi);
        let c = mu[0] * n[0] + mu[1] * n[1] + mu[2] * n[2];
        let numerator = (kappa * (c * c - 1.0)).exp();
        Ok(numerator / (watson_scaled_normaliser(kappa) * (4.0 * std::f64::consts::PI)))
    }
}

/// The three values of a Watson parameter slice.
fn three<D: Scalar>(params: &[D]) -> Result<[D; 3], Error> {
    match params {
        &[a, b, c] => Ok([a, b, c]),
        _ => Err(Error::ParameterCount {
            model: SD1Watson::NAME.into(),
            expected: 3,
            found: params.len(),
        }),
    }
}

/// κ of `odi`, checked: odi in (0, 1] and κ ≤ `max_kappa`.
pub(crate) fn checked_kappa<D: Scalar>(odi: D, max_kappa: f64) -> Result<D, Error> {
    let o = odi.re();
    if !(o > 0.0 && o <= 1.0) {
        return Err(Error::InvalidArgument {
            what: "odi".into(),
            reason: format!("must lie in (0, 1], got {o}"),
        });
    }
    let kappa = odi_to_kappa(odi);
    if kappa.re() > max_kappa {
        return Err(Error::InvalidArgument {
            what: "odi".into(),
            reason: format!(
                "{o} gives κ = {:.4e} > {max_kappa}, beyond what the dispersion quadrature resolves",
                kappa.re()
            ),
        });
    }
    Ok(kappa)
}

/// A Watson distribution prepared for dispersing kernels: its axis and its Legendre coefficients
/// $w_l = \int_0^1 e^{\kappa(t^2-1)}P_l(t)\,dt \,/\, (e^{-\kappa}{}_1F_1(\tfrac12;\tfrac32;\kappa))$,
/// i.e. $w_l = 2\pi\int_{-1}^{1} W(t)P_l(t)\,dt$ with $w_0 = 1$, for even l ≤
/// [`MAX_ORDER`](super::MAX_ORDER) (128-point Gauss–Legendre in t, error ≤ 2e-11 for κ ≤ 128).
///
/// Build it once per voxel and pass it to [`disperse_add`](super::disperse_add) for every kernel that
/// shares the distribution (Dmipy's `SD1WatsonDistributed(models=[stick, zeppelin])`). By
/// Funk–Hecke the dispersed signal is
/// $E(\mathbf g) = \sum_l (2l+1)\,\tilde k_l\, w_l\, P_l(\mathbf g\cdot\boldsymbol\mu)$
/// with the kernel moments $\tilde k_l = \int_0^1 K(t)P_l(t)\,dt$.
#[derive(Debug, Clone, Copy)]
pub struct WatsonCoefficients<D> {
    axis: [D; 3],
    coefficients: [D; ORDERS],
    count: usize,
}

impl<D: Scalar> WatsonCoefficients<D> {
    /// The coefficients of the Watson distribution with mean axis `mu = [θ, φ]` (rad) and `odi`.
    /// Errors when odi is outside (0, 1] or gives κ > [`MAX_KAPPA`] (odi < 0.00497).
    pub fn new(theta: D, phi: D, odi: D) -> Result<Self, Error> {
        let kappa = checked_kappa(odi, MAX_KAPPA)?;
        let table = node_table();
        let mut at_nodes = [D::zero(); QUADRATURE_NODES];
        for (v, &t) in at_nodes.iter_mut().zip(table.rule.nodes()) {
            *v = (kappa * (t * t - 1.0)).exp();
        }
        let mut coefficients = [D::zero(); ORDERS];
        legendre_moments(&at_nodes, &mut coefficients);
        let norm = watson_scaled_normaliser(kappa);
        for c in coefficients.iter_mut() {
            *c /= norm;
        }
        let count = coefficients
            .iter()
            .enumerate()
            .filter(|(j, c)| c.re().abs() * (4 * j + 1) as f64 > 1e-16)
            .map(|(j, _)| j + 1)
            .last()
            .unwrap_or(1);
        Ok(Self {
            axis: unit_vector(theta, phi),
            coefficients,
            count,
        })
    }

    /// The coefficients $w_0, w_2, \dots$ kept (those above 1e-16).
    pub fn coefficients(&self) -> &[D] {
        &self.coefficients[..self.count]
    }
}

impl<D: Scalar> DispersionCoefficients<D> for WatsonCoefficients<D> {
    fn order_count(&self) -> usize {
        self.count
    }

    fn order_bound(&self, j: usize) -> f64 {
        (4 * j + 1) as f64 * self.coefficients[j].re().abs()
    }

    fn evaluate(&self, kernel_moments: &[D], g: &[f64; 3]) -> D {
        let mut series = [D::zero(); ORDERS];
        for (j, (s, (&k, &w))) in series
            .iter_mut()
            .zip(kernel_moments.iter().zip(&self.coefficients))
            .enumerate()
        {
            *s = k * w * (4 * j + 1) as f64;
        }
        let x = self.axis[0] * g[0] + self.axis[1] * g[1] + self.axis[2] * g[2];
        even_legendre_series(&series[..kernel_moments.len()], x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::test_support::*;
    use num_dual::Dual64;

    #[test]
    fn scaled_normaliser_matches_scipy_hyp1f1() {
        // scipy.special.hyp1f1(0.5, 1.5, κ) · exp(−κ), SciPy 1.13.1.
        for (kappa, want) in [
            (1e-3, 0.9993335999238265),
            (0.5, 0.7247784590070763),
            (0.999, 0.5383867410640958),
            (1.0, 0.5380795069127684),
            (3.0, 0.21021155715355538),
            (31.8205159, 0.015972706776079575),
            (64.0, 0.007875024838444173),
            (500.0, 0.0010010030151059552),
        ] {
            let got: f64 = watson_scaled_normaliser(kappa);
            assert!(rel(got, want, 1e-300) < 1e-13, "κ {kappa}: {got} vs {want}");
        }
        assert_eq!(watson_scaled_normaliser(0.0), 1.0);
        // Far beyond exp's range the scaled form stays finite: D(x)/x → 1/(2x²).
        let big: f64 = watson_scaled_normaliser(1e6);
        assert!(rel(big, 0.5e-6, 1e-300) < 1e-5);
    }

    #[test]
    fn normaliser_derivative_is_continuous_and_exact() {
        // d/dκ ∫₀¹ e^{κ(t²−1)} dt = ∫₀¹ (t²−1) e^{κ(t²−1)} dt; compare with central differences on
        // both sides of the branch switch at κ = 1 and near 0.
        for kappa in [1e-6, 0.3, 1.0 - 1e-9, 1.0, 2.5, 40.0] {
            let d = watson_scaled_normaliser(Dual64::from(kappa).derivative()).eps;
            let h = 1e-5;
            let fd = (watson_scaled_normaliser(kappa + h) - watson_scaled_normaliser(kappa - h))
                / (2.0 * h);
            assert!(rel(d, fd, 1e-12) < 1e-7, "κ {kappa}: {d} vs {fd}");
        }
        // At κ = 0 exactly: ∫₀¹ (t² − 1) dt = −2/3.
        let d0 = watson_scaled_normaliser(Dual64::from(0.0).derivative()).eps;
        assert!(rel(d0, -2.0 / 3.0, 1e-300) < 1e-14);
    }

    #[test]
    fn odi_maps_to_kappa_as_dmipy() {
        // Dmipy's odi2kappa(0.02) = 1/tan(0.01π) = 31.820515953773956.
        assert!(rel(odi_to_kappa(0.02), 31.820515953773956, 1e-300) < 1e-14);
        assert!(rel(odi_to_kappa(0.5), 1.0, 1e-300) < 1e-15);
        assert!(odi_to_kappa(1.0f64).abs() < 1e-16);
    }

    #[test]
    fn pdf_integrates_to_one() {
        let mu = [0.8, -2.1];
        let points = dense_sphere(axis(mu[0], mu[1]), 400, 8);
        for odi in [1.0, 0.9, 0.5, 0.2, 0.0497, 0.02, 0.01, 0.005] {
            let total: f64 = points
                .iter()
                .map(|(n, w)| w * SD1Watson.pdf(&[mu[0], mu[1], odi], n).unwrap())
                .sum();
            assert!(rel(total, 1.0, 1.0) < 1e-12, "odi {odi}: {total}");
        }
    }

    #[test]
    fn pdf_matches_dmipy() {
        let f = fixture();
        for case in &f.watson_pdf {
            let mu = case.get("mu");
            let odi = case.get("odi")[0];
            for (n, &want) in f.pdf_directions.iter().zip(&case.pdf) {
                let got = SD1Watson.pdf(&[mu[0], mu[1], odi], n).unwrap();
                assert!(
                    rel(got, want, 1e-300) < 1e-12,
                    "{mu:?} {odi} {n:?}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn coefficients_are_the_legendre_moments_of_the_density() {
        // w_l = 2π ∫ W(t) P_l(t) dt: w_0 = 1 and, for κ → 0, w_l → 0 (l > 0); w_2 has the closed
        // form (3⟨t²⟩ − 1)/2 with ⟨t²⟩ = d/dκ ln ₁F₁ = (e^{κ}/(2κ M) − 1/(2κ)).
        for odi in [0.99, 0.6, 0.3, 0.1, 0.02] {
            let w = WatsonCoefficients::new(0.0, 0.0, odi).unwrap();
            let kappa: f64 = odi_to_kappa(odi);
            let m = watson_scaled_normaliser(kappa);
            let t2 = 1.0 / (2.0 * kappa * m) - 1.0 / (2.0 * kappa);
            assert!(rel(w.coefficients()[0], 1.0, 1.0) < 1e-13);
            let w2 = (3.0 * t2 - 1.0) / 2.0;
            assert!(rel(w.coefficients()[1], w2, 1e-12) < 1e-10, "odi {odi}");
        }
        assert!(WatsonCoefficients::new(0.0, 0.0, 0.004).is_err());
        assert!(WatsonCoefficients::new(0.0, 0.0, 1.2).is_err());
        assert!(SD1Watson.pdf(&[0.0, 0.0, -0.1], &[0.0, 0.0, 1.0]).is_err());
    }
}
