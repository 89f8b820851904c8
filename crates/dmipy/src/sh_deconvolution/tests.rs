//! Recovery tests of MC-CSD on the HCP scheme: crossings, positivity, exact single-fibre kernels, multi-tissue fractions, responses.

use super::*;
use crate::{AcquisitionScheme, AnyCompartment, C1Stick, Compartment, G1Ball, G2Zeppelin};

const LAMBDA_PAR: f64 = 1.7e-9;

fn unit(theta: f64, phi: f64) -> [f64; 3] {
    [
        theta.sin() * phi.cos(),
        theta.sin() * phi.sin(),
        theta.cos(),
    ]
}

fn angles(n: [f64; 3]) -> [f64; 2] {
    let rho = (n[0] * n[0] + n[1] * n[1]).sqrt();
    [rho.atan2(n[2]), n[1].atan2(n[0])]
}

/// Stick signal along `n` on the scheme.
fn stick(scheme: &AcquisitionScheme, n: [f64; 3]) -> Vec<f64> {
    let [t, p] = angles(n);
    let mut out = vec![0.0; scheme.len()];
    C1Stick
        .signal(scheme, &[t, p, LAMBDA_PAR], &mut out)
        .unwrap();
    out
}

fn stick_kernel(scheme: &AcquisitionScheme) -> ConvolutionKernel {
    ConvolutionKernel::from_compartment(
        &AnyCompartment::C1Stick(C1Stick),
        &[0.0, 0.0, LAMBDA_PAR],
        scheme,
        8,
    )
    .unwrap()
}

/// Axial angle between unit vectors (degrees).
fn angle(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (a[0] * b[0] + a[1] * b[1] + a[2] * b[2])
        .abs()
        .min(1.0)
        .acos()
        .to_degrees()
}

/// A counter-based standard normal (SplitMix64 + Box–Muller), keyed by (seed, index).
fn normal(seed: u64, index: u64) -> f64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let u1 = ((mix(seed ^ (2 * index)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = ((mix(seed ^ (2 * index + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)) >> 11) as f64)
        / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Rician magnitude of `signal` at SNR `snr` (σ = 1/snr relative to S0 = 1).
fn rician(signal: &[f64], snr: f64, seed: u64) -> Vec<f64> {
    let sigma = 1.0 / snr;
    signal
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let (a, b) = (normal(seed, 2 * i as u64), normal(seed, 2 * i as u64 + 1));
            ((s + sigma * a).powi(2) + (sigma * b).powi(2)).sqrt()
        })
        .collect()
}

/// Crossing of two equal sticks at `degrees`, in a plane tilted off the axes.
fn crossing(scheme: &AcquisitionScheme, degrees: f64) -> ([f64; 3], [f64; 3], Vec<f64>) {
    let a = unit(0.9, 0.4);
    let b0 = unit(0.9 + degrees.to_radians(), 0.4);
    let (sa, sb) = (stick(scheme, a), stick(scheme, b0));
    (
        a,
        b0,
        sa.iter().zip(&sb).map(|(x, y)| 0.5 * (x + y)).collect(),
    )
}

fn finder() -> PeakFinder {
    PeakFinder::new(
        8,
        GeodesicSphere::new(4).unwrap(),
        PeakOptions {
            max_peaks: 3,
            relative_peak_threshold: 0.25,
            ..PeakOptions::default()
        },
    )
    .unwrap()
}

/// Largest angular error of the two peaks of every voxel against (a, b), or None when a voxel
/// does not have exactly two peaks.
fn worst_error(fit: &ShDeconvolutionFit, a: &[f64; 3], b: &[f64; 3]) -> Option<f64> {
    let f = finder();
    let mut worst: f64 = 0.0;
    for v in 0..fit.voxels {
        let p = f.find(fit.fod_sh_of(v)).unwrap();
        if p.len() != 2 {
            return None;
        }
        let (d0, d1) = (&p[0].direction, &p[1].direction);
        let e = (angle(d0, a).max(angle(d1, b))).min(angle(d0, b).max(angle(d1, a)));
        worst = worst.max(e);
    }
    Some(worst)
}

fn fit_with(scheme: &AcquisitionScheme, data: &[f64], options: ShFitOptions) -> ShDeconvolutionFit {
    let model =
        MultiCompartmentSphericalHarmonicsModel::new(vec![stick_kernel(scheme)], None, 8).unwrap();
    let bound = model.bind(scheme, &options).unwrap();
    fit_sh_deconvolution(&bound, data).unwrap()
}

#[test]
fn single_fibre_with_its_exact_kernel_peaks_on_the_fibre() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let n = unit(1.1, -2.3);
    let fit = fit_with(&scheme, &stick(&scheme, n), ShFitOptions::default());
    let peaks = finder().find(fit.fod_sh_of(0)).unwrap();
    assert_eq!(peaks.len(), 1, "{peaks:?}");
    // The constrained FOD is not the truncated delta (that has negative lobes), and the
    // constraint grid is not symmetric about n, so the peak moves by a hair (0.13° measured).
    assert!(angle(&peaks[0].direction, &n) < 0.25, "{peaks:?}");
    // A non-negative order-8 FOD cannot be as sharp as the delta, which costs fit quality on
    // this sharp kernel (β = bλ = 5.1 at b = 3e9): R² = 0.9478 measured (Tournier07, which
    // lets the FOD dip to −0.07, reaches 0.992).
    assert!(fit.r2[0] > 0.94 && fit.r2[0] < 0.96, "R² {}", fit.r2[0]);
}

#[test]
fn crossings_at_90_and_60_degrees_noise_free_and_at_snr_30() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    for (degrees, tol_clean, tol_noisy) in [(90.0, 1.0, 5.0), (60.0, 3.0, 6.0)] {
        let (a, b, clean) = crossing(&scheme, degrees);
        let fit = fit_with(&scheme, &clean, ShFitOptions::default());
        let e = worst_error(&fit, &a, &b).expect("two peaks");
        eprintln!("{degrees}° noise-free: worst peak error {e:.3}°");
        assert!(e < tol_clean, "{degrees}° noise-free: {e}°");
        // 20 noisy voxels, Rician SNR 30 (S0 = 1), fixed seeds: every voxel within tol_noisy.
        let noisy: Vec<f64> = (0..20)
            .flat_map(|s| rician(&clean, 30.0, 100 + s))
            .collect();
        let fit = fit_with(&scheme, &noisy, ShFitOptions::default());
        let e = worst_error(&fit, &a, &b).expect("two peaks in every noisy voxel");
        eprintln!("{degrees}° SNR 30: worst peak error over 20 voxels {e:.3}°");
        assert!(e < tol_noisy, "{degrees}° SNR 30: {e}°");
        // FOD ≥ 0 on the positivity grid within the solver's rounding.
        let grid = GeodesicSphere::new(3).unwrap().hemisphere();
        let values = fit.fod(&grid).unwrap();
        let top = values.iter().fold(0.0f64, |m, &v| m.max(v));
        let low = values.iter().fold(f64::INFINITY, |m, &v| m.min(v));
        assert!(low > -1e-10 * top, "min FOD {low}, max {top}");
    }
}

#[test]
fn tournier07_resolves_a_90_degree_crossing() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let (a, b, clean) = crossing(&scheme, 90.0);
    let options = ShFitOptions {
        solver: ShSolver::Tournier07(TournierOptions::default()),
        ..ShFitOptions::default()
    };
    let fit = fit_with(&scheme, &clean, options);
    let e = worst_error(&fit, &a, &b).expect("two peaks");
    assert!(e < 1.0, "{e}°");
    assert_eq!(fit.flags[0], ShVoxelFlag::Ok);
}

/// Dmipy-basis coefficients of the non-negative zonal FOD $f(\mathbf n) = \tfrac{9}{4\pi}(\mathbf n\cdot\mathbf a)^8$
/// (unit integral), exact at order 8: $t^8 = \sum_l a_l P_l(t)$ with
/// $a_l = \tfrac{2l+1}{2}\int_{-1}^1 t^8 P_l$ (Gauss–Legendre, exact here) and the addition theorem
/// $P_l(\mathbf n\cdot\mathbf a) = \tfrac{4\pi}{2l+1}\sum_m Y_{lm}(\mathbf n)Y_{lm}(\mathbf a)$, with
/// the factor 2 of Dmipy's m ≠ 0 functions (squared norm ½).
fn t8_fod(a: [f64; 3]) -> Vec<f64> {
    let rule = crate::HalfRangeGaussLegendre::new(16);
    let mut y = vec![0.0; 45];
    let [t, p] = angles(a);
    crate::real_sh_mrtrix(8, t, p, &mut y).unwrap();
    let mut c = vec![0.0; 45];
    for l in (0..=8).step_by(2) {
        // ∫_{-1}^{1} t⁸P_l = 2∫_0^1 t⁸P_l; the rule's weights sum to 1 on (0, 1).
        let moment: f64 = rule
            .nodes()
            .iter()
            .zip(rule.weights())
            .map(|(&x, &w)| w * x.powi(8) * crate::legendre_p(l, x))
            .sum::<f64>()
            * 2.0;
        let a_l = (2 * l + 1) as f64 / 2.0 * moment;
        let centre = l * (l + 1) / 2;
        for j in centre - l..=centre + l {
            let twice = if j == centre { 1.0 } else { 2.0 };
            c[j] = 9.0 / (4.0 * std::f64::consts::PI) * a_l * 4.0 * std::f64::consts::PI
                / (2 * l + 1) as f64
                * y[j]
                * twice;
        }
    }
    c
}

#[test]
fn design_reproduces_the_stick_from_a_truncated_delta() {
    // A delta FOD along n has coefficients Y_lm(n)(×2 for m ≠ 0); the design then gives the
    // Legendre series of the stick truncated at L, which converges to C1Stick's own signal:
    // max error 6.8e-3 at L = 8 and 5.4e-6 at L = 16 (measured).
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let n = unit(1.1, -2.3);
    let order = 16;
    let k = ConvolutionKernel::from_compartment(
        &AnyCompartment::C1Stick(C1Stick),
        &[0.0, 0.0, LAMBDA_PAR],
        &scheme,
        order,
    )
    .unwrap();
    let model = MultiCompartmentSphericalHarmonicsModel::new(vec![k], None, order).unwrap();
    let bound = model.bind(&scheme, &ShFitOptions::default()).unwrap();
    let mut y = vec![0.0; crate::real_sh_count(order)];
    let [t, p] = angles(n);
    crate::real_sh_mrtrix(order, t, p, &mut y).unwrap();
    for l in (2..=order).step_by(2) {
        let centre = l * (l + 1) / 2;
        for m in 1..=l {
            y[centre + m] *= 2.0;
            y[centre - m] *= 2.0;
        }
    }
    let mut out = vec![0.0; scheme.len()];
    bound.predict_normalised(&y, &mut out);
    let s = stick(&scheme, n);
    let err = out
        .iter()
        .zip(&s)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f64, f64::max);
    assert!(err < 1e-5, "{err}");
}

#[test]
fn multi_tissue_fractions_and_fod_are_exact_when_the_fod_is_representable() {
    // Data: 0.7 × stick convolved with the non-negative order-8 FOD t⁸ (through the dispersion
    // code of SD3SphericalHarmonics) + 0.3 × ball. The truth is feasible and fits exactly, so
    // the constrained solver must return it (λ_LB = 0 for an unbiased minimiser).
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let fod = t8_fod(unit(0.3, 1.0));
    assert!((fod[0] * 2.0 * std::f64::consts::PI.sqrt() - 1.0).abs() < 1e-13);
    let sd3 = crate::SD3SphericalHarmonics::new(8).unwrap();
    let mut data = vec![0.0; scheme.len()];
    sd3.disperse_add(
        &C1Stick,
        &[0.0, 0.0, LAMBDA_PAR],
        &fod,
        &scheme,
        0.7,
        &mut data,
    )
    .unwrap();
    let mut ball = vec![0.0; scheme.len()];
    G1Ball.signal(&scheme, &[3e-9], &mut ball).unwrap();
    data.iter_mut().zip(&ball).for_each(|(d, b)| *d += 0.3 * b);
    let ball_kernel =
        ConvolutionKernel::from_compartment(&AnyCompartment::G1Ball(G1Ball), &[3e-9], &scheme, 8)
            .unwrap();
    let model = MultiCompartmentSphericalHarmonicsModel::new(
        vec![stick_kernel(&scheme), ball_kernel],
        None,
        8,
    )
    .unwrap();
    let options = ShFitOptions {
        lambda_lb: 0.0,
        ..ShFitOptions::default()
    };
    let bound = model.bind(&scheme, &options).unwrap();
    assert!(bound.unity_constraint());
    let fit = fit_sh_deconvolution(&bound, &data).unwrap();
    let f = &fit.fractions[..2];
    assert!(
        (f[0] - 0.7).abs() < 1e-9 && (f[1] - 0.3).abs() < 1e-9,
        "{f:?}"
    );
    for (got, want) in fit.fod_sh_of(0).iter().zip(&fod) {
        assert!((got - 0.7 * want).abs() < 1e-8, "{got} vs {}", 0.7 * want);
    }
    assert!(fit.r2[0] > 1.0 - 1e-12);
    // A pure ball voxel has no stick.
    let fit = fit_sh_deconvolution(&bound, &ball).unwrap();
    assert!(
        fit.fractions[0].abs() < 1e-9 && (fit.fractions[1] - 1.0).abs() < 1e-9,
        "{:?}",
        &fit.fractions[..2]
    );
}

#[test]
fn tournier_2013_recovers_a_known_response_on_a_phantom() {
    // 150 single-fibre voxels of stick + zeppelin (fixed parameters, random directions) and 50
    // crossing voxels; the response from data must match the kernel's exact rotational
    // harmonics at l = 0, 2 (truncation of the order-8 series leaves a small bias).
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let zeppelin = [LAMBDA_PAR, 0.6e-9];
    let signal = |n: [f64; 3]| -> Vec<f64> {
        let [t, p] = angles(n);
        let s = stick(&scheme, n);
        let mut z = vec![0.0; scheme.len()];
        G2Zeppelin
            .signal(&scheme, &[t, p, zeppelin[0], zeppelin[1]], &mut z)
            .unwrap();
        s.iter()
            .zip(&z)
            .map(|(a, b)| 100.0 * (0.6 * a + 0.4 * b))
            .collect()
    };
    let mut data = Vec::new();
    for v in 0..200u64 {
        let n = unit(1.5 * (normal(7, v).abs() % 1.0) + 0.05, normal(8, v) * 2.0);
        let mut s = signal(n);
        if v >= 150 {
            let m = unit(angles(n)[0] + 1.2, angles(n)[1]);
            s = s
                .iter()
                .zip(signal(m))
                .map(|(a, b)| 0.5 * (a + b))
                .collect();
        }
        data.extend(s);
    }
    let response = tournier_2013(
        &scheme,
        &data,
        &TournierResponseOptions {
            voxels: 40,
            max_iter: 3,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        response.voxels.iter().all(|&v| v < 150),
        "a crossing voxel was selected"
    );
    let stick_k = stick_kernel(&scheme);
    let zep_k = ConvolutionKernel::from_compartment(
        &AnyCompartment::G2Zeppelin(G2Zeppelin),
        &[0.0, 0.0, zeppelin[0], zeppelin[1]],
        &scheme,
        8,
    )
    .unwrap();
    for (shell, rh) in scheme.shells().iter().zip(&response.rotational_harmonics) {
        let i = shell.indices[0];
        for (l, &got) in rh.iter().enumerate().take(2) {
            let want =
                0.6 * stick_k.rotational_harmonics(i)[l] + 0.4 * zep_k.rotational_harmonics(i)[l];
            assert!(
                (got - want).abs() < 2e-3 * (4.0 * std::f64::consts::PI),
                "b = {}, λ_{}: {got} vs {want}",
                shell.bvalue,
                2 * l
            );
        }
    }
    assert!((response.s0 - 100.0).abs() < 1e-9);
}

/// Dmipy 1.0.5's `csd_cvxpy` on the same voxels (scripts/reference/dmipy1_csd.py).
#[test]
fn matches_dmipy_csd_cvxpy_on_its_own_positivity_sphere() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/dmipy1_csd.json")).expect("valid JSON");
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let flat = floats(&fixture["positivity_directions"]);
    let directions: Vec<[f64; 3]> = flat.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    assert_eq!(directions.len(), 362);
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let model =
        MultiCompartmentSphericalHarmonicsModel::new(vec![stick_kernel(&scheme)], None, 8).unwrap();
    let options = ShFitOptions {
        unity_constraint: Some(true),
        ..ShFitOptions::default()
    };
    let bound = model
        .bind_with_positivity(&scheme, &options, &directions)
        .unwrap();
    for voxel in fixture["voxels"].as_array().unwrap() {
        let name = voxel["name"].as_str().unwrap();
        let signal = floats(&voxel["signal"]);
        // Dmipy's simulated signal is C1Stick's on the same scheme.
        let ours: Vec<f64> = match name {
            "single" => stick(&scheme, unit(1.1, -2.3)),
            "crossing_90" => crossing(&scheme, 90.0).2,
            _ => crossing(&scheme, 60.0).2,
        };
        let gap = ours
            .iter()
            .zip(&signal)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        eprintln!("{name}: max |signal gap| = {gap:e}");
        assert!(gap < 1e-6, "{name} signal: {gap}");
        let fit = fit_sh_deconvolution(&bound, &signal).unwrap();
        let want = floats(&voxel["sh_coeff"]);
        let worst = fit
            .fod_sh_of(0)
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, f64::max);
        // Same problem (Dmipy's 362 constraint directions, λ_LB = 1e-5, unity), two solvers:
        // CVXPY at its default tolerances and the exact LDP/NNLS active set. Measured
        // max |Δc| = 5.9e-4 … 7.2e-4 (coefficients up to 0.5), R² within 2.3e-4.
        assert!(worst < 2e-3, "{name}: max |Δc| = {worst}");
        let r2 = voxel["r2"].as_f64().unwrap();
        assert!(
            (fit.r2[0] - r2).abs() < 1e-3,
            "{name}: R² {} vs Dmipy {r2}",
            fit.r2[0]
        );
        // Which side is right: under our design, is Dmipy's answer feasible and is ours no
        // worse in the objective ‖Ac − y‖² + λ_LB cᵀRc?
        let objective = |c: &[f64]| {
            let mut pred = vec![0.0; scheme.len()];
            bound.predict_normalised(c, &mut pred);
            let lb: f64 = super::model::laplace_beltrami_weights(8)
                .iter()
                .zip(c)
                .map(|(w, c)| 1e-5 * w * c * c)
                .sum();
            pred.iter()
                .zip(&signal)
                .map(|(p, y)| (p - y) * (p - y))
                .sum::<f64>()
                + lb
        };
        let theirs = fit_values_on(&want, &directions);
        let (ours_obj, theirs_obj) = (objective(fit.fod_sh_of(0)), objective(&want));
        eprintln!(
            "{name}: max |Δc| = {worst:e}, R² {} vs {r2}; objective ours {ours_obj:e} Dmipy {theirs_obj:e}; Dmipy min FOD {:e}",
            fit.r2[0],
            theirs.iter().cloned().fold(f64::INFINITY, f64::min)
        );
        // Measured: Dmipy's CVXPY answer dips to −1.6e-4 … −3.6e-5 on its own constraint
        // directions (solver tolerance), which buys it a 0.02–0.2 % lower objective; ours meets
        // the constraints to rounding. Both facts are asserted, so a change on either side shows.
        let ours_min = fit_values_on(fit.fod_sh_of(0), &directions)
            .into_iter()
            .fold(f64::INFINITY, f64::min);
        assert!(ours_min > -1e-12, "{name}: our FOD dips to {ours_min}");
        assert!(
            theirs.iter().any(|&v| v < -1e-5),
            "{name}: Dmipy's FOD is now feasible"
        );
        assert!(
            ours_obj >= theirs_obj && ours_obj < theirs_obj * 1.005,
            "{name}: {ours_obj} vs {theirs_obj}"
        );
    }
}

/// The FOD with Dmipy-basis coefficients `c` at `directions`.
fn fit_values_on(c: &[f64], directions: &[[f64; 3]]) -> Vec<f64> {
    let mut y = vec![0.0; c.len()];
    directions
        .iter()
        .map(|d| {
            let [t, p] = angles(*d);
            crate::real_sh_mrtrix(8, t, p, &mut y).unwrap();
            y.iter().zip(c).map(|(a, b)| a * b).sum()
        })
        .collect()
}

#[test]
fn dhollander_2016_separates_a_three_tissue_phantom() {
    // 90 WM voxels (0.6 stick + 0.4 zeppelin, random directions, S0 = 100), 30 GM voxels
    // (ball 0.8e-9 m²/s, S0 = 80) and 30 CSF voxels (ball 3e-9 m²/s, S0 = 150), noise-free:
    // every class must come from its own voxels and the isotropic responses be exact,
    // λ₀ = 4π e^{−bD} per shell, with S0 exact.
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let m = scheme.len();
    let mut data = Vec::new();
    for v in 0..90u64 {
        let n = unit(1.5 * (normal(3, v).abs() % 1.0) + 0.05, normal(4, v) * 2.0);
        let [t, p] = angles(n);
        let s = stick(&scheme, n);
        let mut z = vec![0.0; m];
        G2Zeppelin
            .signal(&scheme, &[t, p, LAMBDA_PAR, 0.6e-9], &mut z)
            .unwrap();
        data.extend(s.iter().zip(&z).map(|(a, b)| 100.0 * (0.6 * a + 0.4 * b)));
    }
    let ball = |d: f64, s0: f64| -> Vec<f64> {
        let mut b = vec![0.0; m];
        G1Ball.signal(&scheme, &[d], &mut b).unwrap();
        b.iter().map(|x| s0 * x).collect()
    };
    for _ in 0..30 {
        data.extend(ball(0.8e-9, 80.0));
    }
    for _ in 0..30 {
        data.extend(ball(3e-9, 150.0));
    }
    let r = dhollander_2016(
        &scheme,
        &data,
        &DhollanderOptions {
            wm_fraction: 0.3,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.wm.voxels.iter().all(|&v| v < 90), "{:?}", r.wm.voxels);
    assert!(
        r.gm.voxels.iter().all(|&v| (90..120).contains(&v)),
        "{:?}",
        r.gm.voxels
    );
    assert!(r.csf.voxels.iter().all(|&v| v >= 120), "{:?}", r.csf.voxels);
    for (response, d, s0) in [(&r.gm, 0.8e-9, 80.0), (&r.csf, 3e-9, 150.0)] {
        assert!((response.s0 / s0 - 1.0).abs() < 1e-12);
        for (shell, rh) in scheme.shells().iter().zip(&response.rotational_harmonics) {
            let want = 4.0 * std::f64::consts::PI * (-shell.bvalue * d).exp();
            assert!(
                (rh[0] / want - 1.0).abs() < 1e-9,
                "{} b = {}",
                response.name,
                shell.bvalue
            );
        }
    }
    assert!((r.wm.s0 / 100.0 - 1.0).abs() < 1e-12);
}
