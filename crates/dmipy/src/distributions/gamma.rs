//! DD1Gamma: Dmipy's volume-weighted Gamma distribution of radii, its density and its quadrature.

use crate::{Error, ParameterKind, ParameterSpec, Scalar};

/// How the number density of sizes is weighted by the volume of one compartment of that size.
///
/// Dmipy 1.0.5 (`DD1Gamma(normalization=…)`) multiplies the Gamma density of radii by the
/// compartment's volume, because the signal comes from the spins inside, and renormalises:
/// a plane pair of separation 2R holds ∝ R, a cylinder ∝ πR², a sphere ∝ ⁴⁄₃πR³.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeWeighting {
    /// No weighting (Dmipy's `'standard'`): the plain number density.
    Standard,
    /// Weight ∝ R (Dmipy's `'plane'`, length 2R).
    Plane,
    /// Weight ∝ R² (Dmipy's `'cylinder'`, cross-section πR²).
    Cylinder,
    /// Weight ∝ R³ (Dmipy's `'sphere'`, volume ⁴⁄₃πR³).
    Sphere,
}

impl VolumeWeighting {
    /// The power k of the radius in the weight R^k (0, 1, 2 or 3).
    pub fn exponent(self) -> u32 {
        match self {
            Self::Standard => 0,
            Self::Plane => 1,
            Self::Cylinder => 2,
            Self::Sphere => 3,
        }
    }
}

/// Dmipy 1.0.5's `DD1Gamma` parameters: `alpha` ∈ (0.1, 30) scale 1, `beta` ∈ (1e-3, 2)·1e-6 m.
pub(crate) const GAMMA_PARAMETERS: &[ParameterSpec] = &[
    ParameterSpec {
        name: "alpha",
        unit: "",
        bounds: &[(0.1, 30.0)],
        scale: 1.0,
        kind: ParameterKind::Other,
    },
    ParameterSpec {
        name: "beta",
        unit: "m",
        bounds: &[(1e-9, 2e-6)],
        scale: 1e-6,
        kind: ParameterKind::Size,
    },
];

/// The Gamma distribution of compartment RADII used by Dmipy 1.x (`DD1Gamma`), volume-weighted.
///
/// Dmipy's docstring speaks of diameters, but its code samples radii R from Gamma(α, scale β) and
/// evaluates the compartment at diameter 2R (`integrated_model`; `ReturnConstrainedBeta` states
/// "Diameter = 2·alpha·beta"). We follow the code: R ~ Gamma(α, β), number density
/// $$ p(R) = \frac{R^{\alpha-1} e^{-R/\beta}}{\Gamma(\alpha)\,\beta^{\alpha}}, $$
/// and the volume-weighted density is p(R)R^k renormalised, which is exactly Gamma(α + k, β):
/// $$ p_k(R) = \frac{R^{\alpha+k-1} e^{-R/\beta}}{\Gamma(\alpha+k)\,\beta^{\alpha+k}}, \qquad
///    \langle R\rangle_k = (\alpha+k)\beta , $$
/// with k from [`VolumeWeighting::exponent`] (Assaf, Blumenfeld-Katzir, Yovel & Basser 2008,
/// "AxCaliber: a method for measuring axon diameter distribution from diffusion MRI", Magn. Reson.
/// Med. 59:1347–1354, doi:10.1002/mrm.21577, eq. 6 for the Gamma density; the R^k weighting is
/// Dmipy's `norm_func`; equation number not checked against the paper). Parameters: `alpha`
/// (dimensionless shape), `beta` (m, scale). Dmipy discretises the weighted density on 30 radii
/// between its 0.5 % and 99.5 % quantiles; we integrate it exactly (see
/// [`DD1GammaDistributed`](crate::DD1GammaDistributed)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DD1Gamma {
    weighting: VolumeWeighting,
}

impl DD1Gamma {
    /// A Gamma distribution of radii weighted by `weighting`.
    pub fn new(weighting: VolumeWeighting) -> Self {
        Self { weighting }
    }

    /// The volume weighting.
    pub fn weighting(&self) -> VolumeWeighting {
        self.weighting
    }

    /// The parameter table: `alpha` (dimensionless), `beta` (m), Dmipy's ranges and scales.
    pub fn parameters(&self) -> &'static [ParameterSpec] {
        GAMMA_PARAMETERS
    }

    /// Shape α + k of the weighted density, after checking α > 0 and β > 0 (both finite).
    fn weighted_shape(&self, alpha: f64, beta: f64) -> Result<f64, Error> {
        check_gamma_parameters(alpha, beta)?;
        Ok(alpha + f64::from(self.weighting.exponent()))
    }

    /// The volume-weighted density p_k(R) of radius `radius` (m), in 1/m (see the type's docs).
    ///
    /// Zero for R < 0; at R = 0 it is 0, 1/β or +∞ as α + k is above, at or below 1.
    /// Errors unless `alpha` > 0 and `beta` > 0 (m) are finite.
    pub fn pdf_radius(&self, radius: f64, alpha: f64, beta: f64) -> Result<f64, Error> {
        let a = self.weighted_shape(alpha, beta)?;
        if radius < 0.0 {
            return Ok(0.0);
        }
        if radius == 0.0 {
            return Ok(match a.partial_cmp(&1.0) {
                Some(std::cmp::Ordering::Greater) => 0.0,
                Some(std::cmp::Ordering::Equal) => 1.0 / beta,
                _ => f64::INFINITY,
            });
        }
        let u = radius / beta;
        Ok(((a - 1.0) * u.ln() - u - libm::lgamma(a)).exp() / beta)
    }

    /// The same density over the diameter d = 2R (m): p_k(d/2)/2, in 1/m.
    pub fn pdf_diameter(&self, diameter: f64, alpha: f64, beta: f64) -> Result<f64, Error> {
        Ok(0.5 * self.pdf_radius(0.5 * diameter, alpha, beta)?)
    }

    /// Mean radius (α + k)β (m) of the weighted density.
    pub fn mean_radius(&self, alpha: f64, beta: f64) -> Result<f64, Error> {
        Ok(self.weighted_shape(alpha, beta)? * beta)
    }
}

/// Checks α > 0 and β > 0, both finite.
pub(crate) fn check_gamma_parameters(alpha: f64, beta: f64) -> Result<(), Error> {
    for (what, value) in [("alpha", alpha), ("beta", beta)] {
        if !(value.is_finite() && value > 0.0) {
            return Err(Error::InvalidArgument {
                what: format!("DD1Gamma {what}"),
                reason: format!("must be finite and positive, got {value}"),
            });
        }
    }
    Ok(())
}

/// Log-weight below its maximum at which the quadrature range ends: e⁻³⁶ ≈ 2e-16.
const TAIL_LOG_WEIGHT: f64 = 36.0;
/// Refinement stops when no measurement changes by more than this, relative.
const RELATIVE_TOLERANCE: f64 = 1e-10;
/// Absolute floor of that test, for attenuations that are (nearly) zero.
const ABSOLUTE_TOLERANCE: f64 = 1e-15;
/// At most this many halvings of the first step.
const MAX_HALVINGS: u32 = 10;
/// At most this many nodes on the first level (a₀ = 0.01 needs 7,300).
const MAX_FIRST_NODES: i64 = 20_000;

/// Expectation of a vector-valued function over Gamma(a, β), by the trapezoid rule in ln(R/β).
///
/// With u = R/β = a₀eᵗ, a₀ = re(a), the density u^{a−1}e^{−u}du is, up to a constant factor,
/// $$ w(t)\,dt = \exp\!\big(a\,t - a_0(e^t - 1)\big)\,dt , $$
/// smooth and decaying on both sides, so the trapezoid rule converges exponentially (Trefethen &
/// Weideman 2014, "The exponentially convergent trapezoidal rule", SIAM Rev. 56:385–458,
/// doi:10.1137/130932132, the strip-of-analyticity theorem of its section 5; theorem number
/// not checked here). The result is Σ wⱼfⱼ / Σ wⱼ: self-normalised, so f ≡ 1 gives
/// exactly 1 and Γ(a) is never needed. The nodes tⱼ depend on re(a) only, while wⱼ is evaluated
/// in `D`, so derivatives with respect to a are those of the discrete sum, exact up to the
/// quadrature error. The range ends where w < e⁻³⁶ of its peak; the step starts at
/// min(½, σ/2), σ = a₀^{−½} the width in t, and is halved until no output changes by more than
/// 1e-10 relative (max 10 halvings).
///
/// `kernel(u, values)` writes f at R = βu into `values` (length `out.len()`). Returns the number
/// of kernel evaluations. Errors if the kernel errors or the refinement does not converge (e.g.
/// the kernel returns NaN).
pub(crate) fn gamma_expectation<D: Scalar>(
    shape: D,
    out: &mut [D],
    mut kernel: impl FnMut(f64, &mut [D]) -> Result<(), Error>,
) -> Result<usize, Error> {
    let a0 = shape.re();
    let (left, right) = (tail_length(a0, -1.0), tail_length(a0, 1.0));
    let h0 = (0.5 / a0.sqrt()).min(0.5);
    let (j_left, j_right) = ((left / h0).ceil() as i64, (right / h0).ceil() as i64);
    // only a shape far below Dmipy's range (α + k ≪ 0.1, left tail ∝ 36/a₀) gets here
    if j_left + j_right > MAX_FIRST_NODES {
        return Err(not_converged(
            a0,
            0,
            "the density is too wide in ln R to integrate",
        ));
    }
    let n = out.len();
    let mut numerator = vec![D::zero(); n];
    let mut values = vec![D::zero(); n];
    let mut denominator = D::zero();
    let mut previous = vec![f64::NAN; n];
    let mut evaluations = 0;
    for level in 0..=MAX_HALVINGS {
        let h = h0 / f64::from(1u32 << level);
        let (first, last) = (-j_left << level, j_right << level);
        // level 0 takes every node, later levels only the new (odd) ones
        let (start, stride) = if level == 0 {
            (first, 1)
        } else {
            (first + 1, 2)
        };
        let mut m = start;
        while m <= last {
            let t = m as f64 * h;
            let w = (shape * t - a0 * t.exp_m1()).exp();
            kernel(a0 * t.exp(), &mut values)?;
            for (acc, &v) in numerator.iter_mut().zip(&values) {
                *acc += w * v;
            }
            denominator += w;
            evaluations += 1;
            m += stride;
        }
        if !numerator.iter().all(|v| v.re().is_finite()) {
            return Err(not_converged(
                a0,
                evaluations,
                "the kernel returned non-finite values",
            ));
        }
        if update_and_compare(&numerator, denominator.re(), &mut previous) {
            for (o, &num) in out.iter_mut().zip(&numerator) {
                *o = num / denominator;
            }
            return Ok(evaluations);
        }
    }
    Err(not_converged(
        a0,
        evaluations,
        &format!("outputs still change by more than {RELATIVE_TOLERANCE:e} relative"),
    ))
}

/// Stores the new ratios numerator/denominator in `previous` and says whether none moved by more
/// than the tolerance (never true on the first level, where `previous` holds NaN).
fn update_and_compare<D: Scalar>(numerator: &[D], denominator: f64, previous: &mut [f64]) -> bool {
    let mut converged = true;
    for (num, old) in numerator.iter().zip(previous.iter_mut()) {
        let new = num.re() / denominator;
        converged &= (new - *old).abs() <= RELATIVE_TOLERANCE * new.abs() + ABSOLUTE_TOLERANCE;
        *old = new;
    }
    converged
}

/// The error of [`gamma_expectation`].
fn not_converged(a0: f64, evaluations: usize, why: &str) -> Error {
    Error::NotConverged {
        what: "Gamma size-distribution quadrature".into(),
        detail: format!("shape α + k = {a0}: {why} after {evaluations} kernel evaluations"),
    }
}

/// Distance τ > 0 from the peak t = 0 at which ln w has dropped by [`TAIL_LOG_WEIGHT`], on the
/// right (`side` = 1) or the left (`side` = −1): a₀(e^{±τ} − 1 ∓ τ) = 36, solved by bisection.
fn tail_length(a0: f64, side: f64) -> f64 {
    let drop = |tau: f64| a0 * ((side * tau).exp_m1() - side * tau) - TAIL_LOG_WEIGHT;
    let mut high = 1.0;
    while drop(high) < 0.0 {
        high *= 2.0;
    }
    let mut low = 0.0;
    for _ in 0..80 {
        let mid = 0.5 * (low + high);
        if drop(mid) < 0.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [VolumeWeighting; 4] = [
        VolumeWeighting::Standard,
        VolumeWeighting::Plane,
        VolumeWeighting::Cylinder,
        VolumeWeighting::Sphere,
    ];

    /// ∫ g(R) p_k(R) dR by composite Simpson in s = ln R (an independent rule: fixed fine grid,
    /// Γ from libm) over the range where the density is above 1e-300.
    fn simpson_log(dist: &DD1Gamma, alpha: f64, beta: f64, g: impl Fn(f64) -> f64) -> f64 {
        let (lo, hi, n) = ((beta * 1e-100).ln(), (beta * 400.0).ln(), 200_000);
        let h = (hi - lo) / n as f64;
        let mut sum = 0.0;
        for i in 0..=n {
            let r = (lo + i as f64 * h).exp();
            let c = if i == 0 || i == n {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            sum += c * r * g(r) * dist.pdf_radius(r, alpha, beta).expect("valid");
        }
        sum * h / 3.0
    }

    #[test]
    fn pdf_integrates_to_one_and_has_the_shifted_mean() {
        for weighting in ALL {
            let dist = DD1Gamma::new(weighting);
            let k = f64::from(weighting.exponent());
            for (alpha, beta) in [(0.3, 2e-6), (1.0, 1e-7), (4.0, 5e-7), (29.0, 1e-8)] {
                let mass = simpson_log(&dist, alpha, beta, |_| 1.0);
                assert!(
                    (mass - 1.0).abs() < 1e-12,
                    "{weighting:?} {alpha} {beta}: {mass}"
                );
                let mean = simpson_log(&dist, alpha, beta, |r| r);
                let want = (alpha + k) * beta;
                assert!((mean / want - 1.0).abs() < 1e-12, "{mean} vs {want}");
                assert_eq!(dist.mean_radius(alpha, beta).expect("valid"), want);
                // mean diameter is twice that: Dmipy's "Diameter = 2 * alpha * beta"
                let mean_d = simpson_log(&dist, alpha, beta, |r| 2.0 * r);
                assert!((mean_d / (2.0 * want) - 1.0).abs() < 1e-12);
            }
        }
    }

    /// Closed forms: Gamma(1, β) is the exponential density e^{−R/β}/β; weighting by R² of it
    /// gives R²e^{−R/β}/(2β³).
    #[test]
    fn pdf_matches_closed_forms() {
        let beta = 3e-7_f64;
        let standard = DD1Gamma::new(VolumeWeighting::Standard);
        let cylinder = DD1Gamma::new(VolumeWeighting::Cylinder);
        for r in [1e-8, 3e-7, 2e-6] {
            let e = (-r / beta).exp();
            let p = standard.pdf_radius(r, 1.0, beta).expect("valid");
            assert!((p / (e / beta) - 1.0).abs() < 1e-14);
            let p = cylinder.pdf_radius(r, 1.0, beta).expect("valid");
            assert!((p / (r * r * e / (2.0 * beta.powi(3))) - 1.0).abs() < 1e-14);
            let pd = cylinder.pdf_diameter(2.0 * r, 1.0, beta).expect("valid");
            assert!((pd / (0.5 * p) - 1.0).abs() < 1e-15);
        }
        assert_eq!(
            standard.pdf_radius(0.0, 1.0, beta).expect("valid"),
            1.0 / beta
        );
        assert_eq!(cylinder.pdf_radius(0.0, 1.0, beta).expect("valid"), 0.0);
        assert!(
            standard
                .pdf_radius(0.0, 0.5, beta)
                .expect("valid")
                .is_infinite()
        );
        assert_eq!(standard.pdf_radius(-1e-6, 1.0, beta).expect("valid"), 0.0);
        assert!(standard.pdf_radius(1e-6, 0.0, beta).is_err());
        assert!(standard.pdf_radius(1e-6, 1.0, f64::NAN).is_err());
        assert_eq!(cylinder.weighting(), VolumeWeighting::Cylinder);
        assert_eq!(cylinder.parameters()[1].name, "beta");
    }

    /// Moments E[u] = a, E[u²] = a(a+1), E[e^{−u/a}] = (1 + 1/a)^{−a} and E[ln u] = ψ(a) of Gamma(a, 1),
    /// which the quadrature must reproduce; ψ(5/2) = 2 + 2/3 − γ − 2 ln 2 in closed form.
    #[test]
    fn quadrature_reproduces_moments() {
        for a in [1.1_f64, 2.5, 7.0, 33.0, 1e4] {
            let mut out = [0.0; 3];
            let evals = gamma_expectation(a, &mut out, |u, v| {
                v[0] = u;
                v[1] = u * u;
                v[2] = (-u / a).exp();
                Ok(())
            })
            .expect("converges");
            assert!((out[0] / a - 1.0).abs() < 1e-13, "a {a}: {}", out[0]);
            assert!((out[1] / (a * (a + 1.0)) - 1.0).abs() < 1e-13);
            // E[e^{−u/a}] = (1 + 1/a)^{−a}
            let want = (1.0 + 1.0 / a).powf(-a);
            assert!((out[2] / want - 1.0).abs() < 1e-12, "{} vs {want}", out[2]);
            assert!(evals < 2000, "{evals}");
        }
        let mut out = [0.0];
        gamma_expectation(2.5, &mut out, |u, v| {
            v[0] = u.ln();
            Ok(())
        })
        .expect("converges");
        let psi = 2.0 - 0.577_215_664_901_532_9 - 2.0 * 2f64.ln() + 2.0 / 3.0;
        assert!((out[0] - psi).abs() < 1e-13, "{} vs {psi}", out[0]);
    }

    /// d/da E[u] = 1 exactly for Gamma(a, 1): the dual derivative through the weights.
    #[test]
    fn shape_derivative_through_the_weights_is_exact() {
        use num_dual::Dual64;
        for a in [1.3, 6.0, 40.0] {
            let shape = Dual64::from(a).derivative();
            let mut out = [Dual64::from(0.0)];
            gamma_expectation(shape, &mut out, |u, v| {
                v[0] = Dual64::from(u);
                Ok(())
            })
            .expect("converges");
            assert!((out[0].eps - 1.0).abs() < 1e-12, "{}", out[0].eps);
        }
    }

    #[test]
    fn tiny_shape_is_an_error_not_a_hang() {
        let mut out = [0.0];
        let err = gamma_expectation(1e-4, &mut out, |_, v| {
            v[0] = 1.0;
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, Error::NotConverged { .. }));
        // Dmipy's smallest unweighted shape still works, with the right mean
        let evals = gamma_expectation(0.1, &mut out, |u, v| {
            v[0] = u;
            Ok(())
        })
        .expect("converges");
        assert!((out[0] / 0.1 - 1.0).abs() < 1e-12, "{}", out[0]);
        assert!(evals < 10_000, "{evals}");
    }

    #[test]
    fn non_finite_kernel_is_an_error() {
        let mut out = [0.0];
        let err = gamma_expectation(3.0, &mut out, |_, v| {
            v[0] = f64::NAN;
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, Error::NotConverged { .. }));
    }
}
