//! Shared helpers for the compartment tests: schemes, finite-difference checks, reference comparisons.

use crate::compartments::Compartment;
use crate::compartments::reference_fixtures::{self, Case};
use crate::{AcquisitionScheme, PulseTiming, SchemeOptions};
use num_dual::Dual64;

/// `n` near-uniform unit vectors (Fibonacci lattice on the sphere).
pub fn fibonacci_directions(n: usize) -> Vec<[f64; 3]> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..n)
        .map(|i| {
            let z = 1.0 - (2.0 * i as f64 + 1.0) / n as f64;
            let r = (1.0 - z * z).sqrt();
            let (s, c) = (golden * i as f64).sin_cos();
            [r * c, r * s, z]
        })
        .collect()
}

/// Shells at b = 0, 1, 2, 3 ×1e9 s/m² (`per_shell` directions each), δ = 10 ms, Δ = 30 ms.
pub fn shelled_scheme(per_shell: usize, timing: bool) -> AcquisitionScheme {
    let dirs = fibonacci_directions(per_shell);
    let mut b = Vec::new();
    let mut g = Vec::new();
    for shell in 0..4 {
        for d in &dirs {
            b.push(shell as f64 * 1e9);
            g.push(*d);
        }
    }
    let t = if timing {
        PulseTiming::pgse(0.01, 0.03)
    } else {
        PulseTiming::none()
    };
    AcquisitionScheme::from_bvalues(&b, &g, t, &SchemeOptions::default())
        .expect("valid test scheme")
}

/// Relative error of `got` against `want`, with `floor` guarding values near zero.
pub fn rel(got: f64, want: f64, floor: f64) -> f64 {
    (got - want).abs() / want.abs().max(floor)
}

/// Asserts that the dual derivative of every output with respect to every parameter equals a
/// central finite difference (step 1e-6 of the parameter's scale), to `tol` relative.
pub fn assert_derivatives<C: Compartment>(
    model: &C,
    scheme: &AcquisitionScheme,
    p: &[f64],
    tol: f64,
) {
    let mut scales = Vec::new();
    for spec in model.parameters() {
        scales.extend(std::iter::repeat_n(spec.scale, spec.cardinality()));
    }
    let n = scheme.len();
    for (k, &scale) in scales.iter().enumerate() {
        let mut dual: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
        dual[k] = dual[k].derivative();
        let mut out = vec![Dual64::from(0.0); n];
        model.signal(scheme, &dual, &mut out).expect("signal");
        let h = 1e-6 * scale;
        let (mut plus, mut minus) = (p.to_vec(), p.to_vec());
        plus[k] += h;
        minus[k] -= h;
        let (mut up, mut down) = (vec![0.0; n], vec![0.0; n]);
        model.signal(scheme, &plus, &mut up).expect("signal");
        model.signal(scheme, &minus, &mut down).expect("signal");
        for i in 0..n {
            let fd = (up[i] - down[i]) / (2.0 * h);
            let err = (out[i].eps - fd).abs() * scale;
            assert!(
                err < tol,
                "{} d/dp{k} at {i}: dual {:e}, fd {fd:e}",
                model.name(),
                out[i].eps
            );
        }
    }
}

/// Compares signals (to `signal_rtol`) and spherical means (to `mean_rtol(case)`) with every
/// Dmipy 1.0.5 reference case of the model; shells are matched by b-value. Returns the worst
/// relative errors (signal, mean) seen.
pub fn assert_matches_dmipy<C: crate::compartments::SphericalMean>(
    model: &C,
    signal_rtol: f64,
    mean_rtol: impl Fn(&Case) -> f64,
) -> (f64, f64) {
    let (mut worst_signal, mut worst_mean) = (0.0f64, 0.0f64);
    for case in reference_fixtures::cases(model.name()) {
        let scheme = reference_fixtures::scheme(&case.scheme);
        let p = reference_fixtures::params_in_order(&case, model.parameters());
        let mut out = vec![0.0; scheme.len()];
        model.signal(&scheme, &p, &mut out).expect("signal");
        let context = format!("{} on {} at {:?}", model.name(), case.scheme, case.params);
        reference_fixtures::assert_rel_close(&out, &case.signal, signal_rtol, &context);
        for (a, e) in out.iter().zip(&case.signal) {
            worst_signal = worst_signal.max(rel(*a, *e, 1e-300));
        }
        let Some(reference) = &case.spherical_mean else {
            continue;
        };
        let mut mean = vec![0.0; scheme.shells().len()];
        model.spherical_mean(&scheme, &p, &mut mean).expect("mean");
        let dmipy_b = &reference_fixtures::scheme_data(&case.scheme).shell_bvalues;
        assert_eq!(dmipy_b.len(), mean.len(), "{context}: shell count");
        let mapped: Vec<f64> = dmipy_b
            .iter()
            .map(|&b| {
                let i = scheme
                    .shells()
                    .iter()
                    .position(|s| (s.bvalue - b).abs() <= 1e-6 * b.max(1.0));
                mean[i.expect("Dmipy shell b-value present in our shells")]
            })
            .collect();
        reference_fixtures::assert_rel_close(
            &mapped,
            reference,
            mean_rtol(&case),
            &format!("{context} mean"),
        );
        for (a, e) in mapped.iter().zip(reference) {
            worst_mean = worst_mean.max(rel(*a, *e, 1e-300));
        }
    }
    (worst_signal, worst_mean)
}

/// Asserts that `axial_signal` at each measurement's pulse and cosine n·g equals `signal`
/// (to `tol` relative), for values and for the derivative in the last parameter, and that
/// `axial_signals` equals `axial_signal`. `p` starts with `mu = [θ, φ]`.
pub fn assert_axial_equals_signal<C: crate::compartments::AxiallySymmetric>(
    model: &C,
    scheme: &AcquisitionScheme,
    p: &[f64],
    tol: f64,
) {
    use crate::compartments::Pulse;
    let last = p.len() - 1;
    let mut dual: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
    dual[last] = dual[last].derivative();
    let mut out = vec![Dual64::from(0.0); scheme.len()];
    model.signal(scheme, &dual, &mut out).expect("signal");
    let n = crate::unit_vector(p[0], p[1]);
    let cosines: Vec<f64> = scheme
        .directions()
        .iter()
        .map(|g| crate::dot(&n, g))
        .collect();
    for (i, &c) in cosines.iter().enumerate() {
        let pulse = Pulse::of_measurement(scheme, i);
        let a = model
            .axial_signal(&pulse, Dual64::from(c), &dual)
            .expect("axial");
        let what = format!("{} measurement {i}", model.name());
        assert!(
            rel(a.re, out[i].re, 1e-300) <= tol,
            "{what}: {a:?} vs {:?}",
            out[i]
        );
        assert!(
            (a.eps - out[i].eps).abs() <= tol * out[i].eps.abs().max(1e-300) + 1e-300,
            "{what} derivative: {a:?} vs {:?}",
            out[i]
        );
        let mut batch = [Dual64::from(0.0); 3];
        model
            .axial_signals(&pulse, &[c, 0.3, -c], &dual, &mut batch)
            .expect("axial signals");
        let single = model
            .axial_signal(&pulse, Dual64::from(0.3), &dual)
            .expect("axial");
        assert!(rel(batch[0].re, a.re, 1e-300) <= 1e-14, "{what}: batch");
        assert!(
            rel(batch[1].re, single.re, 1e-300) <= 1e-14,
            "{what}: batch"
        );
        assert!(rel(batch[2].re, a.re, 1e-300) <= 1e-14, "{what}: −g is g");
    }
    let short = model.axial_signal(&Pulse::of_measurement(scheme, 1), 0.5, &p[..last]);
    assert!(matches!(short, Err(crate::Error::ParameterCount { .. })));
}

/// Asserts that the spherical mean equals the plain average of the signal over each shell of
/// `dense` (near-uniform directions) to `tol` relative.
pub fn assert_mean_equals_shell_average<C: crate::compartments::SphericalMean>(
    model: &C,
    dense: &AcquisitionScheme,
    p: &[f64],
    tol: f64,
) -> f64 {
    let mut sig = vec![0.0; dense.len()];
    model.signal(dense, p, &mut sig).expect("signal");
    let mut mean = vec![0.0; dense.shells().len()];
    model.spherical_mean(dense, p, &mut mean).expect("mean");
    let mut worst = 0.0f64;
    for (shell, m) in dense.shells().iter().zip(&mean) {
        let avg = shell.indices.iter().map(|&i| sig[i]).sum::<f64>() / shell.indices.len() as f64;
        let e = rel(avg, *m, 1e-300);
        worst = worst.max(e);
        assert!(e < tol, "{} b {}: {avg} vs {m}", model.name(), shell.bvalue);
    }
    worst
}

/// The checks every quadrature-mean model passes: `axial_signal` = `signal` (1e-12), the
/// default rule = a 400-node rule (1e-12), the mean = the average over 4000 near-uniform
/// directions per shell (`dense_tol`), dual derivatives of the mean = finite differences.
/// Returns the worst dense-sphere gap.
pub fn check_quadrature_mean<C>(model: &C, p: &[f64], dense_tol: f64) -> f64
where
    C: crate::compartments::SphericalMean + crate::compartments::AxiallySymmetric,
{
    let scheme = shelled_scheme(10, true);
    assert_axial_equals_signal(model, &scheme, p, 1e-12);
    let mut mean = vec![0.0; 4];
    let mut fine = vec![0.0; 4];
    model.spherical_mean(&scheme, p, &mut mean).expect("mean");
    let rule = crate::compartments::HalfRangeGaussLegendre::new(200);
    crate::compartments::axial_model_mean(model, &rule, &scheme, p, &mut fine).expect("mean");
    for (a, b) in mean.iter().zip(&fine) {
        assert!(rel(*a, *b, 1e-300) < 1e-12, "{}: {a} vs {b}", model.name());
    }
    assert_eq!(mean[0], 1.0, "{}: b = 0", model.name());
    assert_mean_derivatives(model, &scheme, p, 1e-6);
    assert_mean_equals_shell_average(model, &shelled_scheme(4000, true), p, dense_tol)
}

/// Compares the spherical means of `make(settings)` with every Dmipy 1.0.5 case of `name`,
/// to `rtol(scheme name)`; returns the worst relative gap.
pub fn compare_means_with_dmipy<C: crate::compartments::SphericalMean>(
    name: &str,
    make: impl Fn(&std::collections::BTreeMap<String, f64>) -> C,
    rtol: impl Fn(&str) -> f64,
) -> f64 {
    let mut worst = 0.0f64;
    for case in reference_fixtures::cases(name) {
        let Some(reference) = &case.spherical_mean else {
            continue;
        };
        let model = make(&case.settings);
        let scheme = reference_fixtures::scheme(&case.scheme);
        let p = reference_fixtures::params_in_order(&case, model.parameters());
        let mut mean = vec![0.0; scheme.shells().len()];
        model.spherical_mean(&scheme, &p, &mut mean).expect("mean");
        let context = format!("{name} mean on {} at {:?}", case.scheme, case.params);
        reference_fixtures::assert_rel_close(&mean, reference, rtol(&case.scheme), &context);
        for (a, e) in mean.iter().zip(reference) {
            worst = worst.max(rel(*a, *e, 1e-300));
        }
    }
    worst
}

/// Maps numbers in [0, 1] onto the model's parameter bounds, one per scalar parameter.
pub fn draw<C: Compartment>(model: &C, unit: &[f64]) -> Vec<f64> {
    let bounds = model.parameters().iter().flat_map(|s| s.bounds.iter());
    bounds
        .zip(unit)
        .map(|(&(lo, hi), &u)| lo + u * (hi - lo))
        .collect()
}

/// As [`assert_derivatives`], for the spherical mean of every shell.
pub fn assert_mean_derivatives<C: crate::compartments::SphericalMean>(
    model: &C,
    scheme: &AcquisitionScheme,
    p: &[f64],
    tol: f64,
) {
    let scales: Vec<f64> = model
        .parameters()
        .iter()
        .flat_map(|s| std::iter::repeat_n(s.scale, s.cardinality()))
        .collect();
    let n = scheme.shells().len();
    for (k, &scale) in scales.iter().enumerate() {
        let mut dual: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
        dual[k] = dual[k].derivative();
        let mut out = vec![Dual64::from(0.0); n];
        model.spherical_mean(scheme, &dual, &mut out).expect("mean");
        let h = 1e-6 * scale;
        let (mut plus, mut minus) = (p.to_vec(), p.to_vec());
        plus[k] += h;
        minus[k] -= h;
        let (mut up, mut down) = (vec![0.0; n], vec![0.0; n]);
        model.spherical_mean(scheme, &plus, &mut up).expect("mean");
        model
            .spherical_mean(scheme, &minus, &mut down)
            .expect("mean");
        for i in 0..n {
            let fd = (up[i] - down[i]) / (2.0 * h);
            let err = (out[i].eps - fd).abs() * scale;
            assert!(
                err < tol,
                "{} mean d/dp{k} shell {i}: dual {:e}, fd {fd:e}",
                model.name(),
                out[i].eps
            );
        }
    }
}
