//! Spherical means per shell: the `SphericalMean` trait, the closed form for axially symmetric Gaussians, and Gauss–Legendre quadrature for any axially symmetric kernel.

use crate::compartments::{AxiallySymmetric, Compartment, Pulse};
use crate::special::{dawson, erf};
use crate::{AcquisitionScheme, Error, Scalar, Shell};

/// A compartment whose signal averaged over all gradient directions of a shell is known.
///
/// The spherical mean $\bar E(b) = \frac{1}{4\pi}\oint E(b, \mathbf g)\,d\mathbf g$ is independent
/// of the compartment's orientation, so `params` is the same full slice as for
/// [`Compartment::signal`] (orientation entries are ignored). One value per entry of
/// [`AcquisitionScheme::shells`], evaluated at the shell's mean b-value (and its δ, Δ): a b0 shell
/// with b > 0 gets the exact mean at that b, not Dmipy's hard-coded 1.
pub trait SphericalMean: Compartment {
    /// Writes the spherical mean of every shell of `scheme` into `out_per_shell`.
    ///
    /// Errors when `params` or `out_per_shell` has the wrong length, or the scheme lacks a field
    /// the model needs.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error>;

    /// Checks the lengths of `params` and `out_per_shell` against the model and scheme.
    fn check_mean_call<D>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &[D],
    ) -> Result<(), Error> {
        if params.len() != self.parameter_count() {
            return Err(Error::ParameterCount {
                model: self.name().into(),
                expected: self.parameter_count(),
                found: params.len(),
            });
        }
        if out_per_shell.len() != scheme.shells().len() {
            return Err(Error::LengthMismatch {
                what: format!("{} spherical-mean buffer (one per shell)", self.name()),
                expected: scheme.shells().len(),
                found: out_per_shell.len(),
            });
        }
        Ok(())
    }
}

/// Below this |β| the series of [`axial_gaussian_mean`] is used (its terms fall as 1/k!).
const SERIES_LIMIT: f64 = 1.0;
/// Terms of that series: 1/25! ≈ 6e-26, far below f64 resolution for |β| ≤ 1.
const SERIES_TERMS: usize = 25;

/// Mean over the sphere of $e^{-\beta\cos^2\theta}$:
/// $\int_0^1 e^{-\beta c^2}\,dc$, for any real β (dimensionless).
///
/// - β > 0: $\frac{\sqrt\pi\,\operatorname{erf}(\sqrt\beta)}{2\sqrt\beta}$ — the stick and
///   zeppelin spherical mean of Kaden et al. 2016, NeuroImage 139:346–359,
///   doi:10.1016/j.neuroimage.2016.06.002 (equation for the axially symmetric tensor kernel of the
///   spherical mean technique; equation number not checked here).
/// - β < 0 (λ⊥ > λ∥): with γ = −β, $\int_0^1 e^{\gamma c^2}dc = e^{\gamma} D(\sqrt\gamma)/\sqrt\gamma$,
///   with Dawson's D; callers multiply by $e^{-b\lambda_\perp}$ so no $e^{\gamma}$ overflows
///   (see [`axially_symmetric_gaussian_mean`]).
/// - |β| < 1: the series $\sum_k (-\beta)^k / (k!\,(2k+1))$, so that β → 0 (λ∥ = λ⊥) has no
///   0/0 and derivatives on duals stay exact.
pub fn axial_gaussian_mean<D: Scalar>(beta: D) -> D {
    if beta.re().abs() < SERIES_LIMIT {
        series_mean(beta)
    } else if beta.re() > 0.0 {
        let s = beta.sqrt();
        erf(s) / s * (std::f64::consts::PI.sqrt() / 2.0)
    } else {
        let s = (-beta).sqrt();
        (-beta).exp() * dawson(s) / s
    }
}

/// $\int_0^1 e^{-\beta c^2}dc = \sum_{k\ge0} \frac{(-\beta)^k}{k!\,(2k+1)}$ (term-wise integration of
/// the exponential series), for |β| < 1.
fn series_mean<D: Scalar>(beta: D) -> D {
    let mut power = D::one();
    let mut sum = D::one();
    for k in 1..SERIES_TERMS {
        power = power * (-beta) / k as f64;
        sum += power / (2 * k + 1) as f64;
    }
    sum
}

/// Spherical mean of the axially symmetric Gaussian $E = \exp(-b[\lambda_\perp +
/// (\lambda_\parallel - \lambda_\perp)(\mathbf n\cdot\mathbf g)^2])$:
/// $\bar E = e^{-b\lambda_\perp}\int_0^1 e^{-b(\lambda_\parallel-\lambda_\perp)c^2}dc$ (Kaden et al.
/// 2016, doi:10.1016/j.neuroimage.2016.06.002), written for λ⊥ > λ∥ as
/// $e^{-b\lambda_\parallel} D(\sqrt{\gamma})/\sqrt{\gamma}$, γ = b(λ⊥ − λ∥), which cannot overflow.
/// b in s/m², λ in m²/s.
pub fn axially_symmetric_gaussian_mean<D: Scalar>(b: f64, lambda_par: D, lambda_perp: D) -> D {
    let beta = (lambda_par - lambda_perp) * b;
    if beta.re() <= -SERIES_LIMIT {
        let s = (-beta).sqrt();
        return (-lambda_par * b).exp() * dawson(s) / s;
    }
    (-lambda_perp * b).exp() * axial_gaussian_mean(beta)
}

/// A Gauss–Legendre rule folded onto [0, 1] for even integrands: the positive half of a
/// `2n`-point rule on [−1, 1], with weights summing to 1, so that
/// $\int_0^1 f(c)\,dc \approx \sum_i w_i f(c_i)$ is exact for even polynomials of degree < 4n.
///
/// Nodes are the roots of the Legendre polynomial $P_{2n}$, found by Newton's method from the
/// Tricomi-type guess $\cos(\pi(i - 1/4)/(2n + 1/2))$, with $P_{2n}$ and $P'_{2n}$ from the
/// three-term recurrence $(k+1)P_{k+1} = (2k+1)xP_k - kP_{k-1}$ and weights
/// $2/((1-x^2)P'^2_{2n}(x))$ (Abramowitz & Stegun 1964, eq. 25.4.29).
#[derive(Debug, Clone, PartialEq)]
pub struct HalfRangeGaussLegendre {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

/// Half-range nodes of [`HalfRangeGaussLegendre::default`]: a 128-point rule, which integrates
/// the Gaussian kernels of this crate to < 1e-14 relative for b·|λ∥ − λ⊥| ≤ 200 (tested).
pub const DEFAULT_HALF_NODES: usize = 64;

impl Default for HalfRangeGaussLegendre {
    fn default() -> Self {
        Self::new(DEFAULT_HALF_NODES)
    }
}

impl HalfRangeGaussLegendre {
    /// The rule with `n` nodes in (0, 1] (a `2n`-point Gauss–Legendre rule folded); `n ≥ 1`,
    /// `n = 0` is taken as 1.
    pub fn new(n: usize) -> Self {
        let m = 2 * n.max(1);
        let mut nodes = Vec::with_capacity(m / 2);
        let mut weights = Vec::with_capacity(m / 2);
        for i in 1..=m / 2 {
            let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (m as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (p, d) = legendre_and_derivative(m, x);
                dp = d;
                let step = p / d;
                x -= step;
                if step.abs() <= 1e-16 * x.abs().max(1e-3) {
                    break;
                }
            }
            let (_, d) = legendre_and_derivative(m, x);
            dp = if d.is_finite() { d } else { dp };
            nodes.push(x);
            // The [−1, 1] weight 2/((1−x²)P'²); folding the mirror node doubles it and the mean
            // over [0, 1] halves it again.
            weights.push(2.0 / ((1.0 - x * x) * dp * dp));
        }
        Self { nodes, weights }
    }

    /// The default rule, built once per process and shared: use it in per-voxel code, where
    /// building a rule (Newton on 64 roots) would cost more than the integral.
    pub fn shared_default() -> &'static Self {
        static RULE: std::sync::OnceLock<HalfRangeGaussLegendre> = std::sync::OnceLock::new();
        RULE.get_or_init(Self::default)
    }

    /// Nodes c_i in (0, 1), descending.
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// Weights w_i, summing to 1.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// $\sum_i w_i f(c_i) \approx \int_0^1 f(c)\,dc$.
    pub fn integrate<D: Scalar>(&self, mut f: impl FnMut(f64) -> D) -> D {
        self.nodes
            .iter()
            .zip(&self.weights)
            .fold(D::zero(), |acc, (&c, &w)| acc + f(c) * w)
    }
}

/// $P_m(x)$ and $P'_m(x)$ by the three-term recurrence; $P'_m = m(xP_m - P_{m-1})/(x^2 - 1)$.
fn legendre_and_derivative(m: usize, x: f64) -> (f64, f64) {
    let (mut p_prev, mut p) = (1.0, x);
    for k in 1..m {
        let next = ((2 * k + 1) as f64 * x * p - k as f64 * p_prev) / (k + 1) as f64;
        p_prev = p;
        p = next;
    }
    (p, m as f64 * (x * p - p_prev) / (x * x - 1.0))
}

/// Spherical mean of every shell of an axially symmetric kernel, by Gauss–Legendre quadrature
/// over $c = |\cos\angle(\mathbf g, \mathbf n)|$:
/// $\bar E_s = \int_0^1 E(s, c)\,dc$ (the polar-angle measure on the sphere is $dc$).
///
/// `kernel(shell, c)` returns the signal of a measurement of `shell` (b, δ, Δ, TE) whose gradient
/// makes angle arccos c with the symmetry axis; a restricted cylinder plugs in its signal as a
/// function of q∥ = q c and q⊥ = q √(1 − c²). Errors if `out_per_shell` is not one per shell;
/// the first error the kernel returns (e.g. a missing δ) is passed on.
pub fn axially_symmetric_mean<D: Scalar>(
    rule: &HalfRangeGaussLegendre,
    scheme: &AcquisitionScheme,
    out_per_shell: &mut [D],
    mut kernel: impl FnMut(&Shell, f64) -> Result<D, Error>,
) -> Result<(), Error> {
    if out_per_shell.len() != scheme.shells().len() {
        return Err(Error::LengthMismatch {
            what: "spherical-mean buffer (one per shell)".into(),
            expected: scheme.shells().len(),
            found: out_per_shell.len(),
        });
    }
    for (shell, out) in scheme.shells().iter().zip(out_per_shell.iter_mut()) {
        let mut acc = D::zero();
        for (&c, &w) in rule.nodes().iter().zip(rule.weights()) {
            acc += kernel(shell, c)? * w;
        }
        *out = acc;
    }
    Ok(())
}

/// Nodes evaluated per call of [`AxiallySymmetric::axial_signals`] in [`axial_model_mean`]: the
/// whole default rule at once, in a stack buffer (no allocation per voxel).
const NODE_CHUNK: usize = DEFAULT_HALF_NODES;

/// Spherical mean of every shell of an [`AxiallySymmetric`] model by Gauss–Legendre quadrature
/// of its own kernel: $\bar E_s = \int_0^1 E(s, c)\,dc \approx \sum_i w_i E(s, c_i)$, with
/// `model.axial_signals` at the shell's b, δ, Δ (see [`axially_symmetric_mean`] for the measure).
///
/// The kernel is even in c for every model of this crate (the signal of −g equals that of g), so
/// the folded rule integrates the whole sphere. Errors on a wrong `params` or `out_per_shell`
/// length, or when a shell lacks a field the model needs.
pub fn axial_model_mean<M: AxiallySymmetric, D: Scalar>(
    model: &M,
    rule: &HalfRangeGaussLegendre,
    scheme: &AcquisitionScheme,
    params: &[D],
    out_per_shell: &mut [D],
) -> Result<(), Error> {
    model.check_axial_params(params)?;
    if out_per_shell.len() != scheme.shells().len() {
        return Err(Error::LengthMismatch {
            what: format!("{} spherical-mean buffer (one per shell)", model.name()),
            expected: scheme.shells().len(),
            found: out_per_shell.len(),
        });
    }
    let mut buffer = [D::zero(); NODE_CHUNK];
    for (shell, out) in scheme.shells().iter().zip(out_per_shell.iter_mut()) {
        let pulse = Pulse::of_shell(shell);
        let (mut acc, mut weight_sum) = (D::zero(), 0.0);
        for (nodes, weights) in rule
            .nodes()
            .chunks(NODE_CHUNK)
            .zip(rule.weights().chunks(NODE_CHUNK))
        {
            let values = &mut buffer[..nodes.len()];
            model.axial_signals(&pulse, nodes, params, values)?;
            for (&v, &w) in values.iter().zip(weights) {
                acc += v * w;
                weight_sum += w;
            }
        }
        // The weights sum to 1 only up to rounding: normalising makes a constant kernel (b = 0)
        // come out exactly 1, not 1 + 4e-16.
        *out = acc / weight_sum;
    }
    Ok(())
}

/// The spherical mean of an isotropic model, whose signal is the same along every direction:
/// `kernel(pulse)` evaluated at each shell's b, δ, Δ (Dmipy 1.x evaluates these models at the
/// shell b-value too). Errors as [`SphericalMean::spherical_mean`].
pub(crate) fn isotropic_mean<M: SphericalMean, D: Scalar>(
    model: &M,
    scheme: &AcquisitionScheme,
    params: &[D],
    out_per_shell: &mut [D],
    mut kernel: impl FnMut(&Pulse) -> Result<D, Error>,
) -> Result<(), Error> {
    model.check_mean_call(scheme, params, out_per_shell)?;
    for (shell, out) in scheme.shells().iter().zip(out_per_shell.iter_mut()) {
        *out = kernel(&Pulse::of_shell(shell))?;
    }
    Ok(())
}

/// Shared helpers for the compartment tests (in their own file).
#[cfg(test)]
pub(crate) use super::test_support;

#[cfg(test)]
mod tests {
    use super::test_support::{rel, shelled_scheme};
    use super::*;
    use num_dual::{Dual64, HyperDual64};

    #[test]
    fn rule_integrates_even_polynomials_exactly() {
        let rule = HalfRangeGaussLegendre::new(10);
        assert!(rel(rule.weights().iter().sum::<f64>(), 1.0, 1.0) < 1e-14);
        for k in 0..20 {
            let got: f64 = rule.integrate(|c| c.powi(2 * k));
            assert!(
                rel(got, 1.0 / (2 * k + 1) as f64, 1.0) < 1e-14,
                "c^{}",
                2 * k
            );
        }
    }

    #[test]
    fn rule_nodes_are_legendre_roots() {
        // Roots of P_4: ±sqrt(3/7 ∓ 2/7 sqrt(6/5)), weights (18 ± sqrt 30)/36 on [−1, 1].
        let rule = HalfRangeGaussLegendre::new(2);
        let r = (6.0f64 / 5.0).sqrt() * 2.0 / 7.0;
        assert!(rel(rule.nodes()[0], (3.0 / 7.0 + r).sqrt(), 1.0) < 1e-15);
        assert!(rel(rule.nodes()[1], (3.0 / 7.0 - r).sqrt(), 1.0) < 1e-15);
        let w = 30f64.sqrt() / 36.0;
        assert!(rel(rule.weights()[0], 0.5 - w, 1.0) < 1e-14);
        assert!(rel(rule.weights()[1], 0.5 + w, 1.0) < 1e-14);
    }

    #[test]
    fn default_rule_reaches_1e_12_on_gaussians() {
        let rule = HalfRangeGaussLegendre::default();
        for &beta in &[-30.0, -5.0, -0.5, 1e-8, 0.3, 2.0, 9.0, 40.0, 100.0, 200.0] {
            let numeric: f64 = rule.integrate(|c| (-beta * c * c).exp());
            let exact = axial_gaussian_mean(beta);
            assert!(
                rel(numeric, exact, 1e-300) < 1e-12,
                "beta {beta}: {numeric} vs {exact}"
            );
        }
    }

    #[test]
    fn closed_forms_known_values() {
        // ∫0^1 e^{-c²} dc = √π erf(1)/2 = 0.746824132812427 (A&S 7.1 tables), ∫0^1 e^{c²} dc
        // = √π erfi(1)/2 = 1.46265174590718.
        assert!(rel(axial_gaussian_mean(1.0), 0.746824132812427, 1.0) < 1e-14);
        assert!(rel(axial_gaussian_mean(-1.0), 1.46265174590718, 1.0) < 1e-14);
        assert_eq!(axial_gaussian_mean(0.0), 1.0);
    }

    #[test]
    fn closed_form_is_continuous_across_branches() {
        for &edge in &[SERIES_LIMIT, -SERIES_LIMIT] {
            let (a, b) = (edge * (1.0 - 1e-12), edge * (1.0 + 1e-12));
            let (fa, fb) = (axial_gaussian_mean(a), axial_gaussian_mean(b));
            assert!(rel(fa, fb, 1.0) < 1e-11, "{edge}: {fa} vs {fb}");
            let da = axial_gaussian_mean(Dual64::from(a).derivative()).eps;
            let db = axial_gaussian_mean(Dual64::from(b).derivative()).eps;
            assert!(rel(da, db, 1.0) < 1e-10, "{edge}: d {da} vs {db}");
        }
    }

    #[test]
    fn derivatives_exact_at_equal_diffusivities() {
        // d/dβ ∫0^1 e^{-βc²} dc at β = 0 is −1/3, the second derivative 1/5.
        let x = HyperDual64::new(0.0, 1.0, 1.0, 0.0);
        let m = axial_gaussian_mean(x);
        assert!(rel(m.eps1, -1.0 / 3.0, 1.0) < 1e-15);
        assert!(rel(m.eps1eps2, 1.0 / 5.0, 1.0) < 1e-15);
    }

    #[test]
    fn generic_helper_equals_closed_form_per_shell() {
        let scheme = shelled_scheme(30, false);
        let (lpar, lperp) = (2.1e-9, 0.6e-9);
        let mut numeric = vec![0.0; scheme.shells().len()];
        axially_symmetric_mean(
            &HalfRangeGaussLegendre::default(),
            &scheme,
            &mut numeric,
            |s, c| Ok((-s.bvalue * (lperp + (lpar - lperp) * c * c)).exp()),
        )
        .expect("mean");
        for (shell, got) in scheme.shells().iter().zip(&numeric) {
            let want = axially_symmetric_gaussian_mean(shell.bvalue, lpar, lperp);
            assert!(
                rel(*got, want, 1e-300) < 1e-13,
                "b {}: {got} vs {want}",
                shell.bvalue
            );
        }
        let mut short = vec![0.0; 1];
        let err = axially_symmetric_mean(
            &HalfRangeGaussLegendre::new(4),
            &scheme,
            &mut short,
            |_, _| Ok(1.0),
        );
        assert!(matches!(err, Err(Error::LengthMismatch { .. })));
    }

    #[test]
    fn helper_takes_a_restricted_cylinder_kernel() {
        // The interface as restricted models will use it: the kernel evaluates C2 (Söderman) for
        // one gradient at angle arccos c to the axis, with the shell's b, δ, Δ. The result must
        // equal the plain average of C2's signal over 4000 near-uniform directions.
        use crate::compartments::C2CylinderStejskalTannerApproximation as C2;
        use crate::{Compartment, PulseTiming, SchemeOptions};
        let p = [0.0, 0.0, 1.7e-9, 6e-6];
        let kernel = |shell: &Shell, c: f64| -> Result<f64, Error> {
            let timing = match (shell.delta, shell.big_delta) {
                (Some(d), Some(big)) => PulseTiming::pgse(d, big),
                _ => PulseTiming::none(),
            };
            let g = [(1.0 - c * c).sqrt(), 0.0, c];
            let one = AcquisitionScheme::from_bvalues(
                &[shell.bvalue],
                &[g],
                timing,
                &SchemeOptions::default(),
            )?;
            let mut out = [0.0];
            C2.signal(&one, &p, &mut out)?;
            Ok(out[0])
        };
        let dense = shelled_scheme(4000, true);
        let mut mean = vec![0.0; dense.shells().len()];
        axially_symmetric_mean(
            HalfRangeGaussLegendre::shared_default(),
            &dense,
            &mut mean,
            kernel,
        )
        .expect("mean");
        let mut sig = vec![0.0; dense.len()];
        C2.signal(&dense, &[0.4, 1.1, p[2], p[3]], &mut sig)
            .expect("signal");
        for (shell, m) in dense.shells().iter().zip(&mean) {
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
    fn oblate_branch_does_not_overflow() {
        // λ⊥ ≫ λ∥ at huge b: e^{γ} alone would overflow; the mean must be finite and tiny.
        let m: f64 = axially_symmetric_gaussian_mean(1e12, 0.1e-9, 3e-9);
        assert!(m.is_finite() && m > 0.0 && m < 1e-40);
        let via_quadrature: f64 = HalfRangeGaussLegendre::new(200)
            .integrate(|c| (-1e10 * (3e-9 + (0.1e-9 - 3e-9) * c * c)).exp());
        let closed = axially_symmetric_gaussian_mean(1e10, 0.1e-9, 3e-9);
        assert!(rel(closed, via_quadrature, 1e-300) < 1e-12);
    }
}

/// Property tests over the whole parameter ranges of every Gaussian compartment.
#[cfg(test)]
mod properties {
    use super::SphericalMean;
    use super::test_support::{assert_derivatives, assert_mean_derivatives, draw, shelled_scheme};
    use crate::compartments::{C1Stick, G1Ball, G2Zeppelin, G3TemporalZeppelin, Ivim, Tensor};
    use crate::{AcquisitionScheme, Compartment};
    use proptest::prelude::*;

    fn bounded<C: SphericalMean>(model: &C, scheme: &AcquisitionScheme, unit: &[f64]) {
        let p = draw(model, unit);
        let mut out = vec![0.0; scheme.len()];
        model.signal(scheme, &p, &mut out).expect("signal");
        let mut mean = vec![0.0; scheme.shells().len()];
        model.spherical_mean(scheme, &p, &mut mean).expect("mean");
        // Quadrature means at b = 0 sum ~100 rounded weights: allow a few ulps above 1.
        for v in out.iter().chain(&mean) {
            assert!(
                v.is_finite() && (0.0..=1.0 + 1e-15).contains(v),
                "{} at {p:?}: {v}",
                model.name()
            );
        }
        for (&b, v) in scheme.bvalues().iter().zip(&out) {
            if b == 0.0 {
                assert!((v - 1.0).abs() <= 1e-15, "{} at b = 0: {v}", model.name());
            }
        }
        for (shell, v) in scheme.shells().iter().zip(&mean) {
            if shell.bvalue == 0.0 {
                assert!(
                    (v - 1.0).abs() <= 1e-15,
                    "{} mean at b = 0: {v}",
                    model.name()
                );
            }
        }
        assert_derivatives(model, scheme, &p, 1e-6);
        assert_mean_derivatives(model, scheme, &p, 1e-6);
    }

    /// Parameter names unique, bounds ordered and finite, scale inside the range's magnitude.
    fn table_is_physical<C: SphericalMean>(model: &C) {
        let specs = model.parameters();
        for (i, a) in specs.iter().enumerate() {
            assert!(
                specs[i + 1..].iter().all(|b| b.name != a.name),
                "{}: duplicate {}",
                model.name(),
                a.name
            );
            for &(lo, hi) in a.bounds {
                assert!(
                    lo.is_finite() && hi.is_finite() && lo < hi,
                    "{}.{}",
                    model.name(),
                    a.name
                );
                assert!(
                    a.scale > 0.0 && a.scale <= hi.abs().max(lo.abs()),
                    "{}.{} scale",
                    model.name(),
                    a.name
                );
            }
            if a.kind == crate::ParameterKind::Orientation {
                assert_eq!(a.cardinality(), 2);
            }
            if a.kind == crate::ParameterKind::Diffusivity {
                assert!(
                    a.bounds.iter().all(|&(lo, hi)| lo >= 0.0 && hi <= 1e-7),
                    "{}.{} in m²/s",
                    model.name(),
                    a.name
                );
            }
        }
    }

    #[test]
    fn parameter_tables_are_physical() {
        table_is_physical(&C1Stick);
        table_is_physical(&G1Ball);
        table_is_physical(&G2Zeppelin);
        table_is_physical(&G3TemporalZeppelin);
        table_is_physical(&Tensor);
        table_is_physical(&Ivim);
        assert_eq!(Tensor.parameter_count(), 6);
        assert_eq!(G3TemporalZeppelin.parameter_count(), 5);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn signals_and_means_are_attenuations_with_exact_derivatives(
            unit in proptest::collection::vec(0.0..1.0f64, 6)
        ) {
            let scheme = shelled_scheme(6, true);
            bounded(&C1Stick, &scheme, &unit);
            bounded(&G1Ball, &scheme, &unit);
            bounded(&G2Zeppelin, &scheme, &unit);
            bounded(&G3TemporalZeppelin, &scheme, &unit);
            bounded(&Tensor, &scheme, &unit);
            bounded(&Ivim, &scheme, &unit);
        }
    }
}
