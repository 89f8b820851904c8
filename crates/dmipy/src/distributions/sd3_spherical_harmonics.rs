//! `SD3SphericalHarmonics`: an orientation density in real even spherical harmonics, and `SD3Dispersed<K>`, a kernel dispersed by it.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::sync::{Mutex, OnceLock};

use super::dispersion::{MAX_ORDER, QUADRATURE_NODES, legendre_moments, node_table};
use crate::{
    AcquisitionScheme, AxiallySymmetric, Compartment, Error, ParameterKind, ParameterSpec, Pulse,
    Scalar, SphericalMean, real_sh_count, real_sh_mrtrix,
};

/// The coefficient table of one order: `sh_coeff` with one entry per basis function, built once per
/// order and kept for the life of the process, because parameter tables are `&'static`.
///
/// Dmipy 1.x leaves the coefficients unbounded; here each is bounded by what a non-negative
/// unit-integral density allows, $|c_{lm}| \le \max_{\mathbf n}|Y_{lm}(\mathbf n)| \le
/// \sqrt{(2l+1)/(4\pi)}$ (Unsöld's theorem, DLMF 14.30.9), so that fitting has finite bounds.
fn coefficient_spec(sh_order: usize) -> &'static [ParameterSpec] {
    static TABLES: OnceLock<Mutex<HashMap<usize, &'static [ParameterSpec]>>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut tables = tables
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tables.entry(sh_order).or_insert_with(|| {
        let mut bounds = Vec::with_capacity(real_sh_count(sh_order));
        for l in (0..=sh_order).step_by(2) {
            let b = ((2 * l + 1) as f64 / (4.0 * PI)).sqrt();
            bounds.extend(std::iter::repeat_n((-b, b), 2 * l + 1));
        }
        let spec = ParameterSpec {
            name: "sh_coeff",
            unit: "1/sr",
            bounds: Box::leak(bounds.into_boxed_slice()),
            scale: 1.0,
            kind: ParameterKind::Other,
        };
        Box::leak(Box::new([spec]))
    })
}

/// `InvalidArgument` unless `sh_order` is even and at most [`MAX_ORDER`].
fn check_order(sh_order: usize) -> Result<(), Error> {
    if sh_order.is_multiple_of(2) && sh_order <= MAX_ORDER {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "sh_order".into(),
            reason: format!("must be even and at most {MAX_ORDER}, got {sh_order}"),
        })
    }
}

/// Polar angle θ and azimuth φ (rad) of a direction (any length; the zero vector gives the pole).
fn polar_angles(n: &[f64; 3]) -> (f64, f64) {
    let rho = (n[0] * n[0] + n[1] * n[1]).sqrt();
    (rho.atan2(n[2]), n[1].atan2(n[0]))
}

/// Dmipy 1.x's `SD3SphericalHarmonics`: an orientation density on the sphere given by its
/// coefficients in the real even spherical-harmonic basis of [`real_sh_mrtrix`] (DIPY's
/// `real_sym_sh_mrtrix`, Tournier et al. 2007, doi:10.1016/j.neuroimage.2007.02.016):
///
/// $$ P(\mathbf n) = \sum_{l = 0, 2, \dots, L}\ \sum_{m=-l}^{l} c_{lm}\,Y_{lm}(\mathbf n) $$
///
/// in 1/sr. Since $\oint Y_{lm} = 2\sqrt\pi\,\delta_{l0}$, a unit-integral density has
/// $c_{00} = 1/(2\sqrt\pi)$; nothing forces P ≥ 0.
///
/// Parameter: `sh_coeff` (1/sr), $(L+1)(L+2)/2$ values in the order of [`real_sh_mrtrix`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SD3SphericalHarmonics {
    sh_order: usize,
}

impl SD3SphericalHarmonics {
    /// The Dmipy 1.x class name.
    pub const NAME: &'static str = "SD3SphericalHarmonics";

    /// The density of maximum order `sh_order`. Errors unless it is even and ≤ [`MAX_ORDER`].
    pub fn new(sh_order: usize) -> Result<Self, Error> {
        check_order(sh_order)?;
        Ok(Self { sh_order })
    }

    /// The maximum spherical-harmonic order L.
    pub fn sh_order(&self) -> usize {
        self.sh_order
    }

    /// The parameter table: `sh_coeff` of cardinality [`real_sh_count`]`(L)`.
    pub fn parameters(&self) -> &'static [ParameterSpec] {
        coefficient_spec(self.sh_order)
    }

    /// The density P(n) (1/sr) at direction `n` for `params` = `sh_coeff`. Errors when `params`
    /// does not hold [`real_sh_count`]`(L)` values.
    pub fn pdf<D: Scalar>(&self, params: &[D], n: &[f64; 3]) -> Result<D, Error> {
        self.check_coefficients(params)?;
        let (theta, phi) = polar_angles(n);
        let mut y = vec![0.0; params.len()];
        real_sh_mrtrix(self.sh_order, theta, phi, &mut y)?;
        Ok(params
            .iter()
            .zip(&y)
            .fold(D::zero(), |acc, (&c, &v)| acc + c * v))
    }

    /// `ParameterCount` unless `coefficients` has one value per basis function.
    fn check_coefficients<D>(&self, coefficients: &[D]) -> Result<(), Error> {
        let expected = real_sh_count(self.sh_order);
        if coefficients.len() == expected {
            Ok(())
        } else {
            Err(Error::ParameterCount {
                model: Self::NAME.into(),
                expected,
                found: coefficients.len(),
            })
        }
    }

    /// Adds `weight` × the signal of `kernel` dispersed by this density to every entry of `out`
    /// (one per measurement), by the Funk–Hecke theorem (Groemer 1996, Geometric Applications of
    /// Fourier Series and Spherical Harmonics, Theorem 3.4.1, not checked here):
    ///
    /// $$ E(\mathbf g) = \oint P(\mathbf n)\,K(\mathbf g\cdot\mathbf n)\,d\mathbf n
    ///    = \sum_{l,m} c_{lm}\,\lambda_l\,Y_{lm}(\mathbf g), \qquad
    ///    \lambda_l = 2\pi\int_{-1}^{1} K(t)P_l(t)\,dt = 4\pi\int_0^1 K(t)P_l(t)\,dt, $$
    ///
    /// the last step because the kernel is even in t. The kernel is evaluated once per group of
    /// measurements with exactly equal b, δ, Δ, TE ([`AcquisitionScheme::pulse_groups`]), as in
    /// [`disperse_add`](crate::disperse_add), and its
    /// moments are formed by the dispersion engine's quadrature. `kernel_params` is the kernel's
    /// full parameter slice (its `mu` is ignored), `coefficients` the `sh_coeff`.
    ///
    /// Errors when `coefficients` or `out` has the wrong length or the kernel lacks a scheme field.
    pub fn disperse_add<D: Scalar, K: AxiallySymmetric>(
        &self,
        kernel: &K,
        kernel_params: &[D],
        coefficients: &[D],
        scheme: &AcquisitionScheme,
        weight: D,
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_coefficients(coefficients)?;
        if out.len() != scheme.len() {
            return Err(Error::LengthMismatch {
                what: "SH-dispersed signal buffer".into(),
                expected: scheme.len(),
                found: out.len(),
            });
        }
        let orders = self.sh_order / 2 + 1;
        let mut moments = vec![D::zero(); orders];
        let mut y = vec![0.0; coefficients.len()];
        for group in scheme.pulse_groups() {
            let pulse = Pulse::of_shell(group);
            rotational_harmonics(kernel, &pulse, kernel_params, &mut moments)?;
            for &i in &group.indices {
                let (theta, phi) = polar_angles(&scheme.directions()[i]);
                real_sh_mrtrix(self.sh_order, theta, phi, &mut y)?;
                out[i] += weight * funk_hecke_sum(&moments, coefficients, &y);
            }
        }
        Ok(())
    }
}

/// The rotational harmonics of an axially symmetric kernel K(t), t the cosine to its axis, for
/// one pulse: the Funk–Hecke eigenvalues (Groemer 1996, Theorem 3.4.1; Tournier et al. 2004,
/// NeuroImage 23:1176, doi:10.1016/j.neuroimage.2004.07.037, eq. 3 for their use in
/// deconvolution)
///
/// $$ \lambda_l = 2\pi\int_{-1}^{1} K(t)\,P_l(t)\,dt = 4\pi\int_0^1 K(t)\,P_l(t)\,dt,
///    \qquad l = 0, 2, \dots, 2(\texttt{out.len()} - 1), $$
///
/// so that a density $P = \sum c_{lm} Y_{lm}$ convolved with K gives
/// $\sum_{lm} \lambda_l c_{lm} Y_{lm}(\mathbf g)$, in any basis whose zonal functions are
/// $\sqrt{(2l+1)/4\pi}\,P_l$ (Dmipy's and both of MRtrix's). Formed by the dispersion engine's
/// 64-node half-range Gauss–Legendre rule (exact for polynomial kernels of degree < 128 − l).
/// `params` is the kernel's full parameter slice (its `mu` is ignored). Errors when `out` asks for
/// orders beyond [`MAX_ORDER`] or the kernel cannot be evaluated on `pulse`.
pub(crate) fn rotational_harmonics<D: Scalar, K: AxiallySymmetric>(
    kernel: &K,
    pulse: &Pulse,
    params: &[D],
    out: &mut [D],
) -> Result<(), Error> {
    if out.len() > MAX_ORDER / 2 + 1 {
        return Err(Error::InvalidArgument {
            what: "rotational-harmonic order".into(),
            reason: format!("at most {MAX_ORDER}, asked {}", 2 * (out.len() - 1)),
        });
    }
    let mut at_nodes = [D::zero(); QUADRATURE_NODES];
    for (v, &t) in at_nodes.iter_mut().zip(node_table().rule.nodes()) {
        *v = kernel.axial_signal(pulse, D::from(t), params)?;
    }
    legendre_moments(&at_nodes, out);
    for o in out.iter_mut() {
        *o *= 4.0 * PI;
    }
    Ok(())
}

/// $\sum_l \lambda_l \sum_m c_{lm} Y_{lm}$ for the rotational harmonics $\lambda_l$ (one per even
/// order), the coefficients and the basis values at one direction (both in Dmipy's order).
fn funk_hecke_sum<D: Scalar>(moments: &[D], coefficients: &[D], y: &[f64]) -> D {
    let mut sum = D::zero();
    for (j, &k) in moments.iter().enumerate() {
        let l = 2 * j;
        let start = l * l.saturating_sub(1) / 2; // the first index of order l
        let block = coefficients[start..start + 2 * l + 1]
            .iter()
            .zip(&y[start..start + 2 * l + 1])
            .fold(D::zero(), |acc, (&c, &v)| acc + c * v);
        sum += k * block;
    }
    sum
}

/// An axially symmetric kernel (stick, zeppelin, cylinder) dispersed by a spherical-harmonic
/// orientation density: Dmipy 1.x's `SD3SphericalHarmonicsDistributed([kernel], sh_order)`,
/// $E(\mathbf g) = \oint P(\mathbf n)\,K(\mathbf g\cdot\mathbf n)\,d\mathbf n$, evaluated exactly
/// by the Funk–Hecke theorem (see [`SD3SphericalHarmonics::disperse_add`]).
///
/// Parameters, in order: the kernel's own without its orientation `mu` (the first kernel
/// parameter, which the density replaces), then `sh_coeff` (1/sr, [`real_sh_count`]`(L)` values;
/// $c_{00} = 1/(2\sqrt\pi)$ for a unit-integral density).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SD3Dispersed<K> {
    /// The dispersed kernel.
    pub kernel: K,
    /// The orientation density.
    pub distribution: SD3SphericalHarmonics,
}

impl<K: AxiallySymmetric> SD3Dispersed<K> {
    /// The dispersion of `kernel` by a density of maximum order `sh_order`. Errors unless
    /// `sh_order` is even and ≤ [`MAX_ORDER`].
    pub fn new(kernel: K, sh_order: usize) -> Result<Self, Error> {
        Ok(Self {
            kernel,
            distribution: SD3SphericalHarmonics::new(sh_order)?,
        })
    }

    /// Number of kernel parameters this model takes (the kernel's, less the 2 of `mu`).
    fn kernel_count(&self) -> usize {
        self.kernel.parameter_count() - self.mu_count()
    }

    /// Cardinality of the kernel's first parameter, its `mu`.
    fn mu_count(&self) -> usize {
        self.kernel
            .parameters()
            .first()
            .map_or(0, ParameterSpec::cardinality)
    }

    /// The kernel's full parameter slice: a zero `mu` followed by `own`.
    fn kernel_params<D: Scalar>(&self, own: &[D]) -> Vec<D> {
        let mut full = vec![D::zero(); self.mu_count()];
        full.extend_from_slice(own);
        full
    }
}

/// The kernel's table without `mu`, followed by `sh_coeff` of the order, built once per
/// (kernel, order) pair and kept for the life of the process.
fn dispersed_parameters(
    kernel: &'static [ParameterSpec],
    sh_order: usize,
) -> &'static [ParameterSpec] {
    type Tables = HashMap<(usize, usize), &'static [ParameterSpec]>;
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut tables = tables
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tables
        .entry((kernel.as_ptr() as usize, sh_order))
        .or_insert_with(|| {
            let table: Vec<ParameterSpec> = kernel
                .iter()
                .skip(1)
                .chain(coefficient_spec(sh_order))
                .copied()
                .collect();
            Box::leak(table.into_boxed_slice())
        })
}

impl<K: AxiallySymmetric> Compartment for SD3Dispersed<K> {
    fn name(&self) -> &'static str {
        "SD3SphericalHarmonicsDistributed"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        dispersed_parameters(self.kernel.parameters(), self.distribution.sh_order)
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let (own, coefficients) = params.split_at(self.kernel_count());
        let kernel_params = self.kernel_params(own);
        out.fill(D::zero());
        self.distribution.disperse_add(
            &self.kernel,
            &kernel_params,
            coefficients,
            scheme,
            D::one(),
            out,
        )
    }
}

impl<K: AxiallySymmetric + SphericalMean> SphericalMean for SD3Dispersed<K> {
    /// $2\sqrt\pi\,c_{00}$ × the kernel's spherical mean: averaging over all gradient directions
    /// leaves only the l = 0 term, $c_{00}\lambda_0 Y_{00} = 2\sqrt\pi\,c_{00}\int_0^1 K$.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        let k = self.kernel_count();
        let kernel_params = self.kernel_params(&params[..k]);
        self.kernel
            .spherical_mean(scheme, &kernel_params, out_per_shell)?;
        let factor = params[k] * (2.0 * PI.sqrt());
        out_per_shell.iter_mut().for_each(|v| *v *= factor);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_derivatives, brute_force, dense_sphere, rel};
    use super::*;
    use crate::compartments::test_support::shelled_scheme;
    use crate::{C1Stick, G2Zeppelin, SD1Watson, WatsonDispersed, erf};

    /// The unit-integral c₀₀ = 1/(2√π).
    const C00: f64 = 0.282_094_791_773_878_14;

    /// Deterministic pseudo-random coefficients in (−0.1, 0.1) after c₀₀.
    fn coefficients(sh_order: usize) -> Vec<f64> {
        (0..real_sh_count(sh_order))
            .map(|i| {
                if i == 0 {
                    C00
                } else {
                    0.1 * (1.7 * i as f64 + 0.3).sin()
                }
            })
            .collect()
    }

    /// The stick's spherical mean √π erf(√(bλ)) / (2√(bλ)) (Kaden et al. 2016,
    /// doi:10.1002/mrm.25734, eq. 7, not checked here).
    fn stick_mean(b: f64, lambda: f64) -> f64 {
        let x = (b * lambda).sqrt();
        if x == 0.0 {
            1.0
        } else {
            PI.sqrt() * erf(x) / (2.0 * x)
        }
    }

    #[test]
    fn pdf_integrates_to_one_and_rejects_bad_input() {
        let sd3 = SD3SphericalHarmonics::new(8).unwrap();
        let c = coefficients(8);
        let total: f64 = dense_sphere([0.0, 0.0, 1.0], 32, 32)
            .iter()
            .map(|(n, w)| w * sd3.pdf(&c, n).unwrap())
            .sum();
        assert!(rel(total, 1.0, 1.0) < 1e-13, "{total}");
        assert!(SD3SphericalHarmonics::new(7).is_err());
        assert!(SD3SphericalHarmonics::new(MAX_ORDER + 2).is_err());
        assert!(matches!(
            sd3.pdf(&c[1..], &[0.0, 0.0, 1.0]),
            Err(Error::ParameterCount { .. })
        ));
        let model = SD3Dispersed::new(C1Stick, 4).unwrap();
        assert_eq!(model.parameter_count(), 1 + 15);
        assert_eq!(model.parameters()[1].name, "sh_coeff");
        assert_eq!(model.parameters()[0].name, "lambda_par");
    }

    #[test]
    fn sd3_dispersed_equals_brute_force_quadrature() {
        let scheme = shelled_scheme(25, false);
        let model = SD3Dispersed::new(G2Zeppelin, 8).unwrap();
        let c = coefficients(8);
        let mut params = vec![2.2e-9, 0.4e-9];
        params.extend_from_slice(&c);
        let mut got = vec![0.0; scheme.len()];
        model.signal(&scheme, &params, &mut got).unwrap();
        let points = dense_sphere([0.0, 0.0, 1.0], 96, 96);
        let pdf: Vec<f64> = points
            .iter()
            .map(|(n, _)| model.distribution.pdf(&c, n).unwrap())
            .collect();
        let kernel_params = [0.0, 0.0, 2.2e-9, 0.4e-9];
        let mut worst: f64 = 0.0;
        for (i, g) in scheme.directions().iter().enumerate() {
            let pulse = Pulse::of_measurement(&scheme, i);
            let want = brute_force(&points, &pdf, &G2Zeppelin, &kernel_params, &pulse, g);
            worst = worst.max(rel(got[i], want, 1e-2));
        }
        assert!(worst < 1e-10, "worst relative error {worst:e}");
    }

    #[test]
    fn isotropic_density_gives_the_kernel_spherical_mean() {
        let scheme = shelled_scheme(20, false);
        let model = SD3Dispersed::new(C1Stick, 6).unwrap();
        let mut params = vec![0.0; 1 + real_sh_count(6)];
        params[0] = 1.7e-9;
        params[1] = C00;
        let mut got = vec![0.0; scheme.len()];
        model.signal(&scheme, &params, &mut got).unwrap();
        for (i, &v) in got.iter().enumerate() {
            let want = stick_mean(scheme.bvalues()[i], 1.7e-9);
            assert!(rel(v, want, 1.0) < 1e-13, "{i}: {v} vs {want}");
        }
        let mut means = vec![0.0; scheme.shells().len()];
        params[3] = 0.05; // a non-zero l = 2 coefficient does not change the mean
        model.spherical_mean(&scheme, &params, &mut means).unwrap();
        for (shell, &m) in scheme.shells().iter().zip(&means) {
            let want = stick_mean(scheme.bvalues()[shell.indices[0]], 1.7e-9);
            assert!(rel(m, want, 1.0) < 1e-13, "{m} vs {want}");
        }
    }

    /// The SH coefficients of the Watson density by a dense product rule, with the basis norms
    /// taken from the same rule (they are 1 for m = 0 and 1/2 otherwise in this basis).
    fn watson_coefficients(watson: &[f64], sh_order: usize) -> Vec<f64> {
        let count = real_sh_count(sh_order);
        let (mut projection, mut norm) = (vec![0.0; count], vec![0.0; count]);
        let mut y = vec![0.0; count];
        for (n, w) in dense_sphere([0.0, 0.0, 1.0], 128, 128) {
            let p = SD1Watson.pdf(watson, &n).unwrap();
            let (theta, phi) = polar_angles(&n);
            real_sh_mrtrix(sh_order, theta, phi, &mut y).unwrap();
            for k in 0..count {
                projection[k] += w * p * y[k];
                norm[k] += w * y[k] * y[k];
            }
        }
        projection.iter().zip(&norm).map(|(p, n)| p / n).collect()
    }

    /// Σ_{L<l≤96} (2l+1)|k̃_l w_l|, with k̃_l = ∫₀¹ K P_l and w_l = ∮ W P_l(μ·n) = 4π∫₀¹ W P_l:
    /// a bound on the truncation error of the order-L Watson expansion at any direction.
    fn truncation_bound(odi: f64, lambda: f64, b: f64, sh_order: usize) -> f64 {
        let nodes = node_table().rule.nodes();
        let kernel: Vec<f64> = nodes.iter().map(|t| (-b * lambda * t * t).exp()).collect();
        let watson: Vec<f64> = nodes
            .iter()
            .map(|&t| SD1Watson.pdf(&[0.0, 0.0, odi], &[(1.0 - t * t).sqrt(), 0.0, t]))
            .map(|p| 4.0 * PI * p.unwrap())
            .collect();
        let orders = MAX_ORDER / 2 + 1;
        let (mut k, mut w) = (vec![0.0; orders], vec![0.0; orders]);
        legendre_moments(&kernel, &mut k);
        legendre_moments(&watson, &mut w);
        (sh_order / 2 + 1..orders)
            .map(|j| (4 * j + 1) as f64 * (k[j] * w[j]).abs())
            .sum()
    }

    #[test]
    fn watson_expansion_reproduces_the_watson_dispersed_stick() {
        let scheme = shelled_scheme(30, false);
        let (theta, phi, odi, lambda) = (0.7, 1.1, 0.3, 2.0e-9);
        let mut want = vec![0.0; scheme.len()];
        WatsonDispersed::new(C1Stick)
            .signal(&scheme, &[theta, phi, lambda, odi], &mut want)
            .unwrap();
        for sh_order in [8, 10, 12] {
            let mut params = vec![lambda];
            params.extend(watson_coefficients(&[theta, phi, odi], sh_order));
            let mut got = vec![0.0; scheme.len()];
            SD3Dispersed::new(C1Stick, sh_order)
                .unwrap()
                .signal(&scheme, &params, &mut got)
                .unwrap();
            let error = got
                .iter()
                .zip(&want)
                .map(|(g, w)| (g - w).abs())
                .fold(0.0, f64::max);
            let bound = truncation_bound(odi, lambda, 3e9, sh_order);
            println!("L = {sh_order}: max error {error:e}, bound {bound:e}");
            assert!(
                error <= bound + 1e-12,
                "L = {sh_order}: {error:e} > {bound:e}"
            );
            assert!(
                error > 0.05 * bound,
                "L = {sh_order}: {error:e} ≪ {bound:e}"
            );
        }
    }

    #[test]
    fn sd3_derivatives_match_finite_differences() {
        let scheme = shelled_scheme(12, false);
        let mut stick = vec![2.2e-9];
        stick.extend(coefficients(6));
        assert_derivatives(
            &SD3Dispersed::new(C1Stick, 6).unwrap(),
            &scheme,
            &stick,
            1e-6,
        );
        let mut zeppelin = vec![2.0e-9, 0.6e-9];
        zeppelin.extend(coefficients(4));
        let model = SD3Dispersed::new(G2Zeppelin, 4).unwrap();
        assert_derivatives(&model, &scheme, &zeppelin, 1e-6);
    }

    #[test]
    fn sd3_rejects_wrong_lengths() {
        let scheme = shelled_scheme(5, false);
        let model = SD3Dispersed::new(C1Stick, 2).unwrap();
        let mut out = vec![0.0; scheme.len()];
        let short = [2e-9, C00, 0.0];
        assert!(matches!(
            model.signal(&scheme, &short, &mut out),
            Err(Error::ParameterCount { .. })
        ));
    }
}
