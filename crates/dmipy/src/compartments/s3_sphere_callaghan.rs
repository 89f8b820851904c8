//! `S3SphereCallaghanApproximation`: sphere signal for short pulses at finite diffusion time (eigenmode sum).

use super::s2_sphere_stejskal_tanner::{DIAMETER, sphere_form_factor};
use super::spherical_mean::{SphericalMean, isotropic_mean};
use super::{Compartment, ParameterSpec};
use crate::special::damped_modes::{Dampings, ModeLadder, alpha2_limit};
use crate::special::spherical_bessel::{
    sph_jn_and_prime, sph_jn_higher_derivatives, sph_jn_prime_from_sequence, sph_jn_prime_zeros,
    sph_jn_sequence,
};
use crate::{AcquisitionScheme, Error, Scalar};
use std::f64::consts::PI;

/// Intra-axonal water diffusivity of Dmipy 1.x (`CONSTANTS['water_in_axons_diffusion_constant']`, m²/s).
pub(crate) const WATER_IN_AXONS_DIFFUSIVITY: f64 = 1.7e-9;

/// Below this |x − αₙₖ| the mode amplitude uses its Taylor expansion about the root (see `amplitude`).
const ROOT_NEIGHBOURHOOD: f64 = 1e-4;

/// Sphere attenuation for short pulses at finite diffusion time (Dmipy 1.x `_S3SphereCallaghanApproximation`,
/// which raises `TypeError` in Dmipy 1.0.5; this is a working implementation of the same model).
///
/// The narrow-pulse signal of spins diffusing in a reflecting sphere of radius a = diameter/2,
/// expanded in the Neumann eigenmodes jₙ(αₙₖ r/a) Pₙ(cos θ) of the sphere
/// (Callaghan 1995, J. Magn. Reson. A 113:53–59, doi:10.1006/jmra.1995.1055, sphere result in the
/// limit of no wall relaxation; the equation number is not checked against the paper, the form below
/// was derived from the eigenmode expansion and is tested by its limits):
/// $$E(q,\tau) = \left[\frac{3j_1(x)}{x}\right]^2 + \sum_{n\ge0}\sum_{k} e^{-\alpha_{nk}^2 D\tau/a^2}\,
///   \frac{6(2n+1)\,\alpha_{nk}^2}{\alpha_{nk}^2 - n(n+1)}\,
///   \left[\frac{x\,j_n'(x)}{x^2-\alpha_{nk}^2}\right]^2,\qquad x = 2\pi q a,$$
/// where αₙₖ > 0 are the zeros of jₙ′ (the first term is the α₀₀ = 0 mode; as Δ → ∞ only it is left,
/// which is [`S2SphereStejskalTannerApproximation`](super::S2SphereStejskalTannerApproximation)).
/// As in Dmipy the diffusion time is τ = Δ − δ/3 (s); q is in m⁻¹, D in m²/s, a in m.
/// The removable singularity at x = αₙₖ is evaluated by a Taylor expansion of jₙ′ about the root.
///
/// Settings follow Dmipy's constructor: `number_of_roots` (per order n, counting α₀₀ = 0 for n = 0;
/// default 20), `number_of_functions` (orders n = 0..N−1; default 50), `diffusion_constant`
/// (default 1.7e-9 m²/s). Parameter: `diameter` (m).
#[derive(Debug, Clone, PartialEq)]
pub struct S3SphereCallaghanApproximation {
    diffusion_constant: f64,
    number_of_roots: usize,
    number_of_functions: usize,
    /// αₙₖ² by order n, in the flat order of `modes`.
    ladder: ModeLadder,
    modes: Vec<Mode>,
}

/// One eigenmode (n, αₙₖ > 0) with its weight and the Taylor data of jₙ′ about αₙₖ.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mode {
    n: usize,
    alpha: f64,
    /// 6(2n+1) α² / (α² − n(n+1)).
    weight: f64,
    /// jₙ″(α), jₙ‴(α)/2, jₙ⁗(α)/6: jₙ′(α + h)/h ≈ c₀ + c₁h + c₂h².
    taylor: [f64; 3],
}

impl Default for S3SphereCallaghanApproximation {
    fn default() -> Self {
        Self::with_valid_settings(WATER_IN_AXONS_DIFFUSIVITY, 20, 50)
    }
}

impl S3SphereCallaghanApproximation {
    /// A model with the given intra-sphere diffusivity (m²/s, finite and > 0), number of roots per
    /// order (≥ 1) and number of orders n (≥ 1); computes the zeros of jₙ′ once.
    pub fn new(
        diffusion_constant: f64,
        number_of_roots: usize,
        number_of_functions: usize,
    ) -> Result<Self, Error> {
        if !(diffusion_constant.is_finite() && diffusion_constant > 0.0) {
            return Err(Error::InvalidArgument {
                what: "diffusion_constant".into(),
                reason: format!("must be finite and > 0 m^2/s, got {diffusion_constant}"),
            });
        }
        if number_of_roots == 0 || number_of_functions == 0 {
            return Err(Error::InvalidArgument {
                what: "number_of_roots / number_of_functions".into(),
                reason: "both must be at least 1".into(),
            });
        }
        Ok(Self::with_valid_settings(
            diffusion_constant,
            number_of_roots,
            number_of_functions,
        ))
    }

    fn with_valid_settings(d: f64, roots: usize, functions: usize) -> Self {
        let mut modes = Vec::with_capacity(roots * functions);
        let mut table = Vec::with_capacity(functions);
        for n in 0..functions {
            // For n = 0 the first of the `roots` roots is α₀₀ = 0, handled as the S2 term.
            let count = if n == 0 { roots - 1 } else { roots };
            table.push(sph_jn_prime_zeros(n, count));
            for &alpha in &table[n] {
                let (y, y1) = sph_jn_and_prime(n, alpha);
                let [y2, y3, y4] = sph_jn_higher_derivatives(n, alpha, y, y1);
                let a2 = alpha * alpha;
                modes.push(Mode {
                    n,
                    alpha,
                    weight: 6.0 * (2 * n + 1) as f64 * a2 / (a2 - (n * (n + 1)) as f64),
                    taylor: [y2, y3 / 2.0, y4 / 6.0],
                });
            }
        }
        Self {
            diffusion_constant: d,
            number_of_roots: roots,
            number_of_functions: functions,
            ladder: ModeLadder::new(&table),
            modes,
        }
    }

    /// Intra-sphere diffusivity D (m²/s).
    pub fn diffusion_constant(&self) -> f64 {
        self.diffusion_constant
    }

    /// Number of roots per order n (counting α₀₀ = 0 for n = 0).
    pub fn number_of_roots(&self) -> usize {
        self.number_of_roots
    }

    /// Number of orders n = 0..N−1.
    pub fn number_of_functions(&self) -> usize {
        self.number_of_functions
    }
}

/// x jₙ′(x) / (x² − α²) for one mode, given jₙ′(x); Taylor-expanded about x = α (removable singularity).
fn amplitude<D: Scalar>(mode: &Mode, x: D, jn_prime: D) -> D {
    let h = x - mode.alpha;
    let [c0, c1, c2] = mode.taylor;
    if h.re().abs() < ROOT_NEIGHBOURHOOD {
        // jₙ′(α + h) = h (jₙ″ + h jₙ‴/2 + h² jₙ⁗/6) + O(h⁴), since jₙ′(α) = 0.
        x * ((h * c2 + c1) * h + c0) / (x + mode.alpha)
    } else {
        x * jn_prime / (h * (x + mode.alpha))
    }
}

impl Compartment for S3SphereCallaghanApproximation {
    fn name(&self) -> &'static str {
        "S3SphereCallaghanApproximation"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        &[DIAMETER]
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let q = scheme.require_qvalues(self.name())?;
        let tau = scheme.require_tau(self.name())?;
        let radius = params[0] * 0.5;
        let mut scratch = self.scratch();
        for &i in scheme.tau_order() {
            out[i] = self.attenuation(radius, q[i], tau[i], &mut scratch);
        }
        Ok(())
    }
}

impl SphericalMean for S3SphereCallaghanApproximation {
    /// The sphere is isotropic: the mean of a shell is the signal at its q = √(b/τ)/(2π) and
    /// τ = Δ − δ/3 (`attenuation`). Errors without δ and Δ.
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        let mut scratch = self.scratch();
        isotropic_mean(self, scheme, params, out_per_shell, |pulse| {
            let q = pulse.require_qvalue(self.name())?;
            let tau = pulse.require_tau(self.name())?;
            Ok(self.attenuation(params[0] * 0.5, q, tau, &mut scratch))
        })
    }
}

/// Per-call buffers: jₙ(x), n = 0..=N, and the damping factors of the current τ.
struct Scratch<D> {
    seq: Vec<D>,
    dampings: Dampings<D>,
}

impl S3SphereCallaghanApproximation {
    fn scratch<D: Scalar>(&self) -> Scratch<D> {
        Scratch {
            seq: vec![D::zero(); self.number_of_functions + 1],
            dampings: Dampings::new(self.ladder.len()),
        }
    }

    /// The S3 kernel, shared by [`Compartment::signal`] and [`SphericalMean::spherical_mean`]:
    /// the eigenmode sum of the type's docs at x = 2πqR for radius R (m), q (m⁻¹), τ (s); 1 at q = 0.
    ///
    /// Each damping factor e^{−α²Dτ/R²} is computed once per τ in `scratch`; modes whose factor
    /// is below 1e-18 of the partial sum are left out, which changes E by less than 1e-18
    /// relative (the amplitudes are ≥ 0 and sum to 1, see the completeness test and
    /// [`damped_modes`](crate::special::damped_modes)), and jₙ is computed only up to the last
    /// order that keeps a mode.
    fn attenuation<D: Scalar>(&self, radius: D, q: f64, tau: f64, scratch: &mut Scratch<D>) -> D {
        if q <= 0.0 {
            return D::one();
        }
        let x = radius * (2.0 * PI * q);
        let diffusion = self.diffusion_constant;
        let decay_rate = || (radius * radius).recip() * (diffusion * tau);
        scratch.dampings.prepare(tau, decay_rate);
        let t = scratch.dampings.t().re();
        let mut e = sphere_form_factor(x);
        let orders = self.ladder.orders_within(alpha2_limit(e.re(), t));
        if orders == 0 {
            return e;
        }
        let seq = &mut scratch.seq[..=orders];
        sph_jn_sequence(x, seq);
        for n in 0..orders {
            let modes = self.ladder.order(n);
            let limit = alpha2_limit(e.re(), t);
            if modes.is_empty() || self.ladder.alpha2(modes.start) > limit {
                continue;
            }
            let jp = sph_jn_prime_from_sequence(n, x, seq);
            for i in modes.take_while(|&i| self.ladder.alpha2(i) <= limit) {
                let mode = &self.modes[i];
                let a = amplitude(mode, x, jp);
                e += scratch.dampings.get(i, self.ladder.alpha2(i)) * a * a * mode.weight;
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PulseTiming, SchemeOptions};
    use num_dual::{Dual64, DualNum};
    use proptest::prelude::*;

    /// A scheme along z with q-values giving x = 2πqa for the radius a and diffusion time τ
    /// (δ = min(1 ms, τ/10), Δ = τ + δ/3), plus one last measurement at b = 1e9 s/m² so that the
    /// scheme passes the unit check.
    fn scheme_x(xs: &[f64], radius: f64, tau: f64) -> AcquisitionScheme {
        let delta = (1e-3f64).min(tau / 10.0);
        let big_delta = tau + delta / 3.0;
        let mut b: Vec<f64> = xs.iter().map(|x| (x / radius).powi(2) * tau).collect();
        b.push(1e9);
        let dirs = vec![[0.0, 0.0, 1.0]; b.len()];
        let timing = PulseTiming::pgse(delta, big_delta);
        AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap()
    }

    fn run(model: &S3SphereCallaghanApproximation, scheme: &AcquisitionScheme, d: f64) -> Vec<f64> {
        let mut out = vec![0.0; scheme.len()];
        model.signal(scheme, &[d], &mut out).unwrap();
        out
    }

    /// The sum as written before the fast path: every mode, one exponential per mode, jₙ′ of
    /// every order from one full-length recurrence.
    fn reference_attenuation(
        model: &S3SphereCallaghanApproximation,
        d: Dual64,
        q: f64,
        tau: f64,
    ) -> Dual64 {
        if q <= 0.0 {
            return Dual64::from(1.0);
        }
        let radius = d * 0.5;
        let x = radius * (2.0 * PI * q);
        let mut seq = vec![Dual64::from(0.0); model.number_of_functions + 1];
        sph_jn_sequence(x, &mut seq);
        let decay_rate = (radius * radius).recip() * (model.diffusion_constant * tau);
        let mut e = sphere_form_factor(x);
        for mode in &model.modes {
            let jp = sph_jn_prime_from_sequence(mode.n, x, &seq);
            let a = amplitude(mode, x, jp);
            e += (decay_rate * (-mode.alpha * mode.alpha)).exp() * a * a * mode.weight;
        }
        e
    }

    /// The fast path (dampings once per τ, truncated tail, jₙ only up to the orders kept) equals
    /// the mode-by-mode sum, values and derivatives, on HCP and on interleaved timings, for
    /// Dmipy's default settings (tolerances and their reason as for the cylinder).
    #[test]
    fn fast_path_equals_the_mode_by_mode_sum() {
        use crate::special::damped_modes::test_support::{
            TOLERANCES, assert_matches_reference, mixed_timing_scheme,
        };
        let model = S3SphereCallaghanApproximation::default();
        let mut worst = vec![];
        for (scheme, diameters) in [
            (
                AcquisitionScheme::hcp_wu_minn().unwrap(),
                &[6e-6, 1.9e-5][..],
            ),
            (
                mixed_timing_scheme(),
                &[1e-8, 2.1e-6, 7.7e-6, 1.4e-5, 2e-5][..],
            ),
        ] {
            let (q, tau) = (scheme.qvalues().unwrap(), scheme.tau().unwrap());
            for &d in diameters {
                let reference =
                    |p: &[Dual64], i: usize| reference_attenuation(&model, p[0], q[i], tau[i]);
                worst.push(assert_matches_reference(
                    &model,
                    &scheme,
                    &[d],
                    reference,
                    TOLERANCES,
                ));
            }
        }
        println!("S3 worst errors in units of (1e-13, 1e-12): {worst:?}");
    }

    #[test]
    fn b0_gives_one_and_settings_are_validated() {
        let m = S3SphereCallaghanApproximation::default();
        assert_eq!(run(&m, &scheme_x(&[0.0], 5e-6, 0.03), 1e-5)[0], 1.0);
        assert_eq!(m.modes.len(), 20 * 50 - 1);
        assert!(S3SphereCallaghanApproximation::new(-1.0, 20, 50).is_err());
        assert!(S3SphereCallaghanApproximation::new(1e-9, 0, 50).is_err());
    }

    #[test]
    fn long_diffusion_time_gives_the_stejskal_tanner_sphere() {
        // Dτ/a² → ∞ leaves only the α₀₀ = 0 mode: [3j₁(x)/x]² (S2), closed form here.
        let m = S3SphereCallaghanApproximation::new(1e-3, 20, 50).unwrap();
        let xs = [0.3, 2.0, 4.0, 9.5, 30.0];
        let got = run(&m, &scheme_x(&xs, 4e-6, 0.5), 8e-6);
        for (x, g) in xs.iter().zip(got) {
            let want = (3.0 * (x.sin() - x * x.cos()) / x.powi(3)).powi(2);
            assert!((g - want).abs() <= 1e-12 * want, "x={x}: {g} vs {want}");
        }
    }

    #[test]
    fn zero_diffusion_time_limit_is_one_by_completeness() {
        // With D → 0 no mode decays and Σ weights = ⟨e^{iq·r}e^{-iq·r}⟩ = 1 (Parseval); the default
        // truncation leaves a tail of order x²/(π⁴ k³) at k = 20 roots.
        let m = S3SphereCallaghanApproximation::new(1e-30, 20, 50).unwrap();
        let xs = [0.1, 1.0, 2.081_575_977_818_1, 5.0, 12.0];
        // Tail ≈ Σₙ 6(2n+1)x²jₙ′(x)² Σ_{k>K} (kπ)⁻⁴ ≲ 2x²/(π⁴K³).
        for (x, g) in xs.iter().zip(run(&m, &scheme_x(&xs, 5e-6, 0.03), 1e-5)) {
            let tail = 2.0 * x * x / (PI.powi(4) * 19f64.powi(3));
            assert!(
                g <= 1.0 && 1.0 - g < tail + 1e-13,
                "x={x}: {g}, tail {tail:e}"
            );
        }
        let fine = S3SphereCallaghanApproximation::new(1e-30, 120, 30).unwrap();
        for (x, g) in xs.iter().zip(run(&fine, &scheme_x(&xs, 5e-6, 0.03), 1e-5)) {
            let tail = 2.0 * x * x / (PI.powi(4) * 119f64.powi(3));
            assert!(
                g <= 1.0 && 1.0 - g < tail + 1e-13,
                "x={x}: {g}, tail {tail:e}"
            );
        }
    }

    #[test]
    fn short_time_apparent_diffusivity_follows_mitra() {
        // Low q: −ln E / (q'²Dτ) = D(τ)/D = 1 − 4/(9√π)·(S/V)·√(Dτ) + O(Dτ/a²), S/V = 3/a
        // (Mitra, Sen & Schwartz 1993, Phys. Rev. B 47:8565, doi:10.1103/PhysRevB.47.8565, eq. 2).
        let (d, a): (f64, f64) = (2e-9, 30e-6);
        let tau = (a / 60.0).powi(2) / d; // √(Dτ) = a/60
        let m = S3SphereCallaghanApproximation::new(d, 130, 4).unwrap();
        let x = 0.01;
        let scheme = scheme_x(&[x], a, tau);
        let e = run(&m, &scheme, 2.0 * a)[0];
        let ratio = -e.ln() / ((x / a).powi(2) * d * tau);
        let want = 1.0 - 4.0 / (9.0 * PI.sqrt()) * 3.0 / 60.0;
        assert!((ratio - want).abs() < 1e-3, "{ratio} vs {want}");
        assert!((ratio - 1.0).abs() > 0.01, "restriction must show: {ratio}");
    }

    #[test]
    fn taylor_branch_matches_the_direct_formula_near_a_root() {
        // For every mode, at |x − α| just inside and outside the Taylor neighbourhood, compare with
        // x jₙ′(x)/(x² − α²) evaluated directly (cancellation there is ~1e-12 relative).
        let m = S3SphereCallaghanApproximation::new(1.7e-9, 5, 6).unwrap();
        for mode in &m.modes {
            for h in [-1.5e-4, -0.99e-4, -3e-5, 3e-5, 0.99e-4, 1.5e-4] {
                let x = mode.alpha + h;
                let (_, jp) = sph_jn_and_prime(mode.n, x);
                let direct = x * jp / ((x - mode.alpha) * (x + mode.alpha));
                let got = amplitude(mode, x, jp);
                let rel = (got - direct).abs() / direct.abs();
                assert!(
                    rel < 1e-9,
                    "n={} α={} h={h}: {got} vs {direct}",
                    mode.n,
                    mode.alpha
                );
            }
            let at_root = amplitude(mode, mode.alpha, 0.0);
            let want = mode.taylor[0] / 2.0; // jₙ″(α)/2
            assert!((at_root - want).abs() <= 1e-15 * want.abs());
        }
    }

    #[test]
    fn needs_q_and_tau() {
        let scheme = AcquisitionScheme::from_bvalues(
            &[1e9],
            &[[0.0, 0.0, 1.0]],
            PulseTiming::none(),
            &SchemeOptions::default(),
        )
        .unwrap();
        let m = S3SphereCallaghanApproximation::default();
        let err = m.signal(&scheme, &[1e-6], &mut [0.0]).unwrap_err();
        assert!(matches!(err, Error::MissingSchemeField { .. }));
    }

    #[test]
    fn dual_derivative_matches_central_difference() {
        let m = S3SphereCallaghanApproximation::new(1.7e-9, 10, 12).unwrap();
        let b = [1e8, 1e9, 3e9, 1e10];
        let dirs = [[0.0, 0.0, 1.0]; 4];
        let timing = PulseTiming::pgse(0.005, 0.02);
        let scheme =
            AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap();
        for d in [2e-6, 8e-6, 1.6e-5] {
            let mut dual = vec![Dual64::from(0.0); 4];
            m.signal(&scheme, &[Dual64::from(d).derivative()], &mut dual)
                .unwrap();
            let h = d * 1e-6;
            let (p, mm) = (run(&m, &scheme, d + h), run(&m, &scheme, d - h));
            assert_eq!(dual.len(), p.len());
            for i in 0..4 {
                let fd = (p[i] - mm[i]) / (2.0 * h);
                let tol = 1e-5 * fd.abs() + 1e-7 / d;
                assert!(
                    (dual[i].eps - fd).abs() < tol,
                    "d={d} i={i}: {} vs {fd}",
                    dual[i].eps
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn finite_and_in_unit_interval(d in 1e-8..2e-5f64, b in 0.0..2e10f64, delta in 1e-3..0.04f64, gap in 0.0..0.08f64) {
            let scheme = AcquisitionScheme::from_bvalues(
                &[b], &[[0.6, 0.0, 0.8]], PulseTiming::pgse(delta, delta + gap), &SchemeOptions::default()).unwrap();
            let m = S3SphereCallaghanApproximation::new(1.7e-9, 20, 50).unwrap();
            let e = run(&m, &scheme, d)[0];
            prop_assert!(e.is_finite() && (0.0..=1.0 + 1e-12).contains(&e), "{}", e);
        }
    }

    /// Isotropic: every shell's mean is the signal of each of its measurements.
    #[test]
    fn spherical_mean_equals_the_signal_of_each_shell() {
        use crate::compartments::SphericalMean;
        use crate::compartments::spherical_mean::test_support::{rel, shelled_scheme};
        let model = S3SphereCallaghanApproximation::new(1.7e-9, 10, 10).unwrap();
        let scheme = shelled_scheme(5, true);
        let p = [7e-6];
        let mut signal = vec![0.0; scheme.len()];
        model.signal(&scheme, &p, &mut signal).unwrap();
        let mut mean = vec![0.0; scheme.shells().len()];
        model.spherical_mean(&scheme, &p, &mut mean).unwrap();
        for (shell, m) in scheme.shells().iter().zip(&mean) {
            for &i in &shell.indices {
                assert!(rel(signal[i], *m, 1e-300) < 1e-13, "{} vs {m}", signal[i]);
            }
        }
        assert_eq!(mean[0], 1.0);
        let no_timing = shelled_scheme(5, false);
        let err = model.spherical_mean(&no_timing, &p, &mut mean);
        assert!(matches!(err, Err(Error::MissingSchemeField { .. })));
    }

    #[test]
    fn matches_the_independent_high_precision_reference() {
        use crate::compartments::reference_fixtures::{
            assert_rel_close, callaghan_sphere_cases, params_in_order, scheme,
        };
        let cases = callaghan_sphere_cases();
        assert!(cases.len() >= 20);
        for case in &cases {
            let model = S3SphereCallaghanApproximation::new(
                case.settings["diffusion_constant"],
                S3SphereCallaghanApproximation::default().number_of_roots(),
                S3SphereCallaghanApproximation::default().number_of_functions(),
            )
            .unwrap();
            let scheme = scheme(&case.scheme);
            let params = params_in_order(case, model.parameters());
            let mut out = vec![0.0; scheme.len()];
            model.signal(&scheme, &params, &mut out).unwrap();
            let context = format!("{} {:?} on {}", case.model, case.params, case.scheme);
            // Dmipy's default truncation (20 roots × 50 orders) leaves up to 1.0e-7 (measured).
            assert_rel_close(&out, &case.signal, 1e-6, &context);
        }
    }
}
