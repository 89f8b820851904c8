//! Tests of the posterior and the sampler that can fail: exact gradients, posteriors known by
//! grid integration, the high-SNR limit, bounds, fixed values, priors, calibration, bad input.

mod common;

use common::{normal, small_scheme};
use dmipy::{
    AcquisitionScheme, FitOptions, ModelComponent, MultiCompartmentModel, Noise, ParameterValue,
    SolverModel, VoxelLikelihood, fit_model,
};
use dmipy_bayes::{
    LogPosterior, Parametrisation, Preconditioner, Prior, Priors, SampleControl, SampleOptions,
    SampleResult, VoxelStatus, sample_voxels,
};
use nuts_rs::rand::{SeedableRng, rngs::ChaCha8Rng};

/// The public parameters of the turnkey ball & stick, in order.
const BALL_STICK: [&str; 5] = [
    "G1Ball_1_lambda_iso",
    "C1Stick_1_mu",
    "C1Stick_1_lambda_par",
    "partial_volume_0",
    "partial_volume_1",
];

fn model(names: &[&str]) -> MultiCompartmentModel {
    let comps = names
        .iter()
        .map(|n| ModelComponent::by_name(n).unwrap())
        .collect();
    MultiCompartmentModel::new(comps).unwrap()
}

/// Signals of public parameter rows (S0 = 1) with Gaussian noise σ on the diffusion-weighted
/// measurements only: the b0s stay exactly 1, so that normalising by the mean b0 leaves the data
/// as simulated and the sampler's likelihood is exactly the generating one.
fn simulate(
    m: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    rows: &[f64],
    sigma: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let width: usize = m.parameter_cardinality().iter().map(|c| c.1).sum();
    let mut out = Vec::new();
    let mut full = vec![0.0; m.full_len()];
    let mut scratch = m.scratch(scheme);
    for row in rows.chunks(width) {
        let mut s = vec![0.0; scheme.len()];
        m.full_from_parameters(row, &mut full).unwrap();
        m.signal_with(scheme, &full, &mut s, &mut scratch).unwrap();
        for (v, &b0) in s.iter_mut().zip(scheme.b0_mask()) {
            if !b0 {
                *v += sigma * normal(rng);
            }
        }
        out.extend(s);
    }
    out
}

fn column(result: &SampleResult, name: &str) -> usize {
    let mut j = 0;
    for (n, c) in &result.names {
        if n == name {
            return j;
        }
        j += c;
    }
    panic!("no {name}");
}

/// The gradient of the log posterior in u equals central differences of its value, for ball &
/// stick (orientation, nested fraction) and NODDI-Bingham (periodic ψ, dispersion, links) with
/// a normal and a log-normal prior, under Gaussian and Rician noise respectively, with σ given
/// and with σ sampled.
#[test]
fn gradient_matches_central_differences() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    for (name, sample_sigma) in [
        ("ball_stick", false),
        ("ball_stick", true),
        ("noddi_bingham", false),
        ("noddi_bingham", true),
    ] {
        let m = MultiCompartmentModel::turnkey(name).unwrap();
        let solver = SolverModel::new(&m, &scheme, 1).unwrap();
        let mut priors = Priors::new();
        if name == "ball_stick" {
            priors.set(
                "C1Stick_1_lambda_par",
                Prior::Normal {
                    mean: 1.7e-9,
                    sd: 0.3e-9,
                },
            );
            priors.set(
                "G1Ball_1_lambda_iso",
                Prior::LogNormal {
                    mu: (2.5e-9f64).ln(),
                    sigma: 0.2,
                },
            );
        }
        let mut transform = Parametrisation::new(&m, &solver, &priors).unwrap();
        if sample_sigma {
            transform = transform.with_sampled_sigma();
        }
        let d = transform.dim();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let u: Vec<f64> = (0..d).map(|_| 0.8 * normal(&mut rng)).collect();
        let mut x = vec![0.0; transform.n_x()];
        transform.to_x(&u, &mut x);
        // Data: the model at x plus noise.
        let mut y = vec![0.0; scheme.len()];
        let mut scratch = <SolverModel as dmipy::FitModel>::scratch::<f64>(&solver, &scheme);
        dmipy::FitModel::signal(&solver, &scheme, 0, &x, &mut y, &mut scratch).unwrap();
        // Magnitude data for the Rician case (NODDI-Bingham), signed for the Gaussian one.
        y.iter_mut()
            .for_each(|v| *v = (*v + 0.05 * normal(&mut rng)).abs());
        let noise = if name == "ball_stick" {
            Noise::Gaussian { sigma: 0.05 }
        } else {
            Noise::Rician { sigma: 0.05 }
        };
        let mut likelihood = VoxelLikelihood::new(&solver, &scheme, noise).unwrap();
        likelihood.set_voxel(0, &y).unwrap();
        let mut post = LogPosterior::new(
            likelihood,
            &transform,
            Preconditioner::identity(vec![0.0; d]),
        );
        let mut g = vec![0.0; d];
        let value = post.log_density_u(&u, &mut g).unwrap();
        assert_eq!(value, post.log_density_u_value(&u).unwrap());
        for k in 0..d {
            let h = 1e-6;
            let (mut up, mut down) = (u.clone(), u.clone());
            up[k] += h;
            down[k] -= h;
            let fd = (post.log_density_u_value(&up).unwrap()
                - post.log_density_u_value(&down).unwrap())
                / (2.0 * h);
            // Central differences: truncation ~h²·f''' and rounding ~1e-16·|f|/h.
            let tol = 1e-5 * g[k].abs().max(1.0) + 1e-9 * value.abs();
            assert!(
                (g[k] - fd).abs() <= tol,
                "{name} (σ sampled: {sample_sigma}) {}: {} vs {fd}",
                transform.labels()[k],
                g[k]
            );
        }
    }
}

/// Mean and SD of a posterior on a 1-D or 2-D grid of the solver's vector, from the core's
/// likelihood (uniform priors): a check independent of the sampler's transforms.
fn grid_moments(
    solver: &SolverModel,
    scheme: &AcquisitionScheme,
    y: &[f64],
    sigma: f64,
    axes: &[(f64, f64)],
    public: &[usize],
    width: usize,
) -> Vec<(f64, f64)> {
    let n = if axes.len() == 1 { 4000 } else { 300 };
    let mut lik = VoxelLikelihood::new(solver, scheme, Noise::Gaussian { sigma }).unwrap();
    lik.set_voxel(0, y).unwrap();
    let points: Vec<Vec<f64>> = if axes.len() == 1 {
        (0..n)
            .map(|i| vec![axes[0].0 + (i as f64 + 0.5) / n as f64 * (axes[0].1 - axes[0].0)])
            .collect()
    } else {
        (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                vec![
                    axes[0].0 + (i as f64 + 0.5) / n as f64 * (axes[0].1 - axes[0].0),
                    axes[1].0 + (j as f64 + 0.5) / n as f64 * (axes[1].1 - axes[1].0),
                ]
            })
            .collect()
    };
    let logs: Vec<f64> = points
        .iter()
        .map(|x| lik.log_likelihood(x).unwrap())
        .collect();
    let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logs.iter().map(|l| (l - top).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut row = vec![0.0; width];
    let publics: Vec<Vec<f64>> = points
        .iter()
        .map(|x| {
            solver.public_from_x(x, 0, &mut row).unwrap();
            row.clone()
        })
        .collect();
    public
        .iter()
        .map(|&j| {
            let mean = publics.iter().zip(&w).map(|(p, w)| p[j] * w).sum::<f64>() / total;
            let var = publics
                .iter()
                .zip(&w)
                .map(|(p, w)| (p[j] - mean).powi(2) * w)
                .sum::<f64>()
                / total;
            (mean, var.sqrt())
        })
        .collect()
}

/// Checks sampled means and SDs against the grid: |mean − grid| ≤ 4.5 MCSE with
/// MCSE = SD/√ESS_bulk, and |SD − grid| ≤ 4.5 SD/√(2 ESS_bulk) + 1 % (the SD's MC error for a
/// near-normal posterior, plus the grid's discretisation). Each comparison fails falsely with
/// probability ≈ 7e-6 (two-sided normal tail at 4.5).
fn assert_matches_grid(result: &SampleResult, columns: &[usize], grid: &[(f64, f64)]) {
    let v = &result.voxels[0];
    assert_eq!(v.status, VoxelStatus::Sampled);
    for (&j, &(mean, sd)) in columns.iter().zip(grid) {
        let ess = v.diagnostics[j].ess_bulk;
        assert!(ess > 200.0, "ESS {ess}");
        let mcse = sd / ess.sqrt();
        assert!(
            (v.mean[j] - mean).abs() <= 4.5 * mcse,
            "column {j}: mean {} vs grid {mean} (MCSE {mcse})",
            v.mean[j]
        );
        let sd_tol = 4.5 * sd / (2.0 * ess).sqrt() + 0.01 * sd;
        assert!(
            (v.std[j] - sd).abs() <= sd_tol,
            "column {j}: SD {} vs grid {sd}",
            v.std[j]
        );
        assert!(v.rhat < 1.02, "R-hat {}", v.rhat);
    }
}

/// A ball (one diffusivity) at low SNR, whose posterior is skewed and reaches the upper bound:
/// mean and SD match a 4000-point grid.
#[test]
fn ball_posterior_matches_grid() {
    let scheme = small_scheme();
    let m = model(&["G1Ball"]);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let sigma = 0.3;
    let data = simulate(&m, &scheme, &[2.6e-9], sigma, &mut rng);
    let options = SampleOptions {
        sigma: Some(sigma),
        seed: 3,
        ..Default::default()
    };
    let result = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let solver = SolverModel::new(&m, &scheme, 1).unwrap();
    let bounds = m.free_bounds();
    let grid = grid_moments(&solver, &scheme, &data, sigma, &bounds, &[0], 1);
    assert!(grid[0].1 > 0.1e-9, "a wide posterior: {grid:?}");
    assert_matches_grid(&result, &[0], &grid);
}

/// Stick λ∥ and its volume fraction f (ball diffusivity and stick axis fixed): the 2-D
/// posterior of (λ∥, f), uniform priors, against a 300 × 300 grid.
#[test]
fn stick_fraction_posterior_matches_grid() {
    let scheme = small_scheme();
    let mut m = model(&["C1Stick", "G1Ball"]);
    m.set_fixed_parameter("G1Ball_1_lambda_iso", 3e-9).unwrap();
    m.set_fixed_parameter("C1Stick_1_mu", ParameterValue::Constant(vec![0.7, 0.4]))
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let sigma = 0.1;
    let names: Vec<&str> = m.parameter_names();
    assert_eq!(
        names,
        [
            "C1Stick_1_lambda_par",
            "partial_volume_0",
            "partial_volume_1"
        ]
    );
    let data = simulate(&m, &scheme, &[1.5e-9, 0.4, 0.6], sigma, &mut rng);
    let options = SampleOptions {
        sigma: Some(sigma),
        seed: 5,
        ..Default::default()
    };
    let result = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let solver = SolverModel::new(&m, &scheme, 1).unwrap();
    let axes = [m.free_bounds()[0], (0.0, 1.0)];
    let grid = grid_moments(&solver, &scheme, &data, sigma, &axes, &[0, 1], 3);
    assert_matches_grid(&result, &[0, 1], &grid);
}

/// At SNR 200 on the HCP scheme the posterior is nearly Gaussian: its mean is within 0.25
/// posterior SD of the least-squares fit and its SD within 15 % of the Cramér–Rao SD (the
/// Cramér–Rao SD uses the residual σ̂, 4 % off; the sampled SD has ~3 % MC error at ESS ≥ 400).
#[test]
fn high_snr_approaches_least_squares_and_cramer_rao() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let sigma = 0.005;
    let truth = [2.5e-9, 0.9, 0.6, 1.8e-9, 0.6, 0.4];
    assert_eq!(m.parameter_names(), BALL_STICK);
    let data = simulate(&m, &scheme, &truth, sigma, &mut rng);
    let options = SampleOptions {
        sigma: Some(sigma),
        chains: 2,
        warmup: 300,
        ..Default::default()
    };
    let result = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let fit_options = FitOptions {
        uncertainties: true,
        ..Default::default()
    };
    let fit = fit_model(&m, &scheme, &data, &fit_options, &Default::default()).unwrap();
    let cr = fit.std.as_ref().unwrap();
    let v = &result.voxels[0];
    for j in [0, 3, 4] {
        assert!(
            (v.mean[j] - fit.parameters[j]).abs() < 0.25 * v.std[j],
            "column {j}: {} vs {}",
            v.mean[j],
            fit.parameters[j]
        );
        let ratio = v.std[j] / cr[j];
        assert!(
            (ratio - 1.0).abs() < 0.15,
            "column {j}: SD {} vs Cramér–Rao {}",
            v.std[j],
            cr[j]
        );
    }
    // The mean axis is within a few posterior spreads of the fitted one.
    let axis = v.orientations[0].mean_vector;
    let (t, p) = (fit.parameters[1], fit.parameters[2]);
    let fitted = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
    let cos = (axis[0] * fitted[0] + axis[1] * fitted[1] + axis[2] * fitted[2]).abs();
    assert!(
        cos.acos().to_degrees() < 0.3 * v.orientations[0].cone95,
        "{axis:?} vs {fitted:?}"
    );
}

/// With σ sampled (log-uniform prior), its posterior on an HCP ball & stick voxel at SNR 20 is
/// that of the residuals: for a model nearly linear over its posterior, σ² | y is scaled
/// inverse-χ² with ν = m − n degrees of freedom and scale s² = RSS/ν (Gelman et al. 2013, *Bayesian
/// Data Analysis*, 3rd ed., §3.2), so its mean is s (1 + O(1/ν)) and its SD s/√(2ν) (1 + O(1/ν)),
/// with s the plug-in residual σ̂ of the same voxel. Checked: mean within 0.25 posterior SD of s
/// (the O(1/ν) shift is 0.04 SD, the MC error ~0.03 SD at ESS ≥ 1000), SD within 15 % of s/√(2ν)
/// (MC error of an SD ~2 %), every draw inside the prior's range, and the other parameters'
/// means within 0.5 SD of those with σ = s given.
#[test]
fn sampled_sigma_has_the_residual_posterior() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let truth = [2.6e-9, 1.1, -0.7, 1.9e-9, 0.35, 0.65];
    let data = simulate(&m, &scheme, &truth, 0.05, &mut rng);
    let run = |options: SampleOptions| {
        sample_voxels(
            &m,
            &scheme,
            &data,
            &Priors::new(),
            &options,
            SampleControl::default(),
        )
        .unwrap()
    };
    let plug_in = run(SampleOptions {
        seed: 5,
        ..Default::default()
    });
    let s = plug_in.voxels[0].sigma;
    let sampled = run(SampleOptions {
        sample_sigma: true,
        keep_draws: true,
        seed: 5,
        ..Default::default()
    });
    assert_eq!(sampled.names.last().unwrap(), &("sigma".to_string(), 1));
    let v = &sampled.voxels[0];
    assert!(
        v.rhat <= 1.01 && v.ess_bulk >= 400.0,
        "{} {}",
        v.rhat,
        v.ess_bulk
    );
    let j = sampled.width() - 1;
    let nu = (scheme.len() - 5) as f64;
    assert!(
        (v.mean[j] - s).abs() < 0.25 * v.std[j],
        "σ {} ± {} vs s {s}",
        v.mean[j],
        v.std[j]
    );
    let sd = s / (2.0 * nu).sqrt();
    assert!(
        (v.std[j] / sd - 1.0).abs() < 0.15,
        "SD {} vs {sd}",
        v.std[j]
    );
    assert_eq!(v.sigma, v.mean[j]);
    let (lo, hi) = dmipy_bayes::SIGMA_RANGE;
    let draws = v.draws.as_ref().unwrap();
    assert!(
        draws
            .chunks(sampled.width())
            .all(|r| r[j] > lo && r[j] < hi)
    );
    let given = run(SampleOptions {
        sigma: Some(s),
        seed: 5,
        ..Default::default()
    });
    for k in [0, 3, 4] {
        let (a, b) = (v.mean[k], given.voxels[0].mean[k]);
        assert!((a - b).abs() < 0.5 * v.std[k], "column {k}: {a} vs {b}");
    }
}

/// Bounds are never left (every draw of a diffusivity inside its bounds, fractions in [0, 1]
/// summing to one) on a voxel whose ball diffusivity sits at the upper bound; a parameter fixed
/// per voxel comes back exactly in every draw.
#[test]
fn bounds_hold_and_fixed_values_are_exact() {
    let scheme = small_scheme();
    let mut m = model(&["C1Stick", "G1Ball"]);
    let fixed = [1.1e-9, 2.2e-9];
    m.set_fixed_parameter(
        "C1Stick_1_lambda_par",
        ParameterValue::PerVoxel(fixed.to_vec()),
    )
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let rows = [
        0.5, 0.5, 1.1e-9, 3e-9, 0.3, 0.7, 1.2, -0.4, 2.2e-9, 2.95e-9, 0.9, 0.1,
    ];
    let data = simulate(&m, &scheme, &rows, 0.05, &mut rng);
    let options = SampleOptions {
        sigma: Some(0.05),
        chains: 2,
        warmup: 200,
        draws: 200,
        keep_draws: true,
        ..Default::default()
    };
    let result = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let (lam, iso, f0, f1) = (
        column(&result, "C1Stick_1_lambda_par"),
        column(&result, "G1Ball_1_lambda_iso"),
        column(&result, "partial_volume_0"),
        column(&result, "partial_volume_1"),
    );
    let bounds = m.parameter("G1Ball_1_lambda_iso").unwrap().bounds()[0];
    for (v, voxel) in result.voxels.iter().enumerate() {
        let draws = voxel.draws.as_ref().unwrap();
        for row in draws.chunks(result.width()) {
            assert_eq!(row[lam], fixed[v]);
            assert!(row[iso] >= bounds.0 && row[iso] <= bounds.1, "{}", row[iso]);
            assert!((0.0..=1.0).contains(&row[f0]) && (0.0..=1.0).contains(&row[f1]));
            assert!((row[f0] + row[f1] - 1.0).abs() < 1e-14);
        }
        assert_eq!(voxel.mean[lam], fixed[v]);
        assert_eq!(voxel.std[lam], 0.0);
    }
}

/// A tight normal prior on λ∥ (SD 0.02 µm²/ms at 1.0 µm²/ms, where the data say ~2) pulls the
/// posterior mean to within 0.1 µm²/ms of the prior mean, and the default uniform prior does not.
#[test]
fn a_tight_prior_pulls_the_mean() {
    let scheme = small_scheme();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let data = simulate(
        &m,
        &scheme,
        &[2.8e-9, 0.4, 1.0, 2.0e-9, 0.7, 0.3],
        0.02,
        &mut rng,
    );
    let options = SampleOptions {
        sigma: Some(0.02),
        chains: 2,
        warmup: 300,
        draws: 300,
        ..Default::default()
    };
    let mut priors = Priors::new();
    priors.set(
        "C1Stick_1_lambda_par",
        Prior::Normal {
            mean: 1.0e-9,
            sd: 0.02e-9,
        },
    );
    let free = sample_voxels(
        &m,
        &scheme,
        &data,
        &Priors::new(),
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let tight = sample_voxels(
        &m,
        &scheme,
        &data,
        &priors,
        &options,
        SampleControl::default(),
    )
    .unwrap();
    let j = column(&free, "C1Stick_1_lambda_par");
    assert!(
        (free.voxels[0].mean[j] - 2.0e-9).abs() < 0.3e-9,
        "{}",
        free.voxels[0].mean[j]
    );
    assert!(
        (tight.voxels[0].mean[j] - 1.0e-9).abs() < 0.1e-9,
        "{}",
        tight.voxels[0].mean[j]
    );
}

/// Bad input: each a clear error naming what is wrong.
#[test]
fn bad_input_is_an_error() {
    let scheme = small_scheme();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let data = vec![1.0; scheme.len()];
    let run = |m: &MultiCompartmentModel, priors: &Priors, options: SampleOptions| {
        sample_voxels(
            m,
            &scheme,
            &data,
            priors,
            &options,
            SampleControl::default(),
        )
        .unwrap_err()
        .to_string()
    };
    let ok = SampleOptions::default();
    let e = Priors::from_json(r#"{"C1Stick_1_lambda_par": {"gamma": {"k": 2}}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown prior \"gamma\""), "{e}");
    let mut outside = Priors::new();
    outside.set(
        "C1Stick_1_lambda_par",
        Prior::Normal {
            mean: 9e-9,
            sd: 1e-10,
        },
    );
    assert!(run(&m, &outside, ok.clone()).contains("outside the bounds"));
    let mut unknown = Priors::new();
    unknown.set("C1Stick_1_lambda_perp", Prior::HalfNormal { sd: 1e-9 });
    assert!(run(&m, &unknown, ok.clone()).contains("no such parameter"));
    let mut on_fraction = Priors::new();
    on_fraction.set(
        "partial_volume_0",
        Prior::Uniform {
            lower: 0.1,
            upper: 0.2,
        },
    );
    assert!(run(&m, &on_fraction, ok.clone()).contains("simplex"));
    assert!(
        run(
            &m,
            &Priors::new(),
            SampleOptions {
                chains: 0,
                ..ok.clone()
            }
        )
        .contains("chains")
    );
    assert!(
        run(
            &m,
            &Priors::new(),
            SampleOptions {
                draws: 0,
                ..ok.clone()
            }
        )
        .contains("draws")
    );
    assert!(
        run(
            &m,
            &Priors::new(),
            SampleOptions {
                sigma: Some(0.0),
                ..ok.clone()
            }
        )
        .contains("sigma")
    );
    let mut none = model(&["G1Ball"]);
    none.set_fixed_parameter("G1Ball_1_lambda_iso", 2e-9)
        .unwrap();
    assert!(run(&none, &Priors::new(), ok.clone()).contains("no free parameter"));
}

/// Same seed: the same numbers whatever the thread count (seed per voxel and chain).
#[test]
fn results_do_not_depend_on_threads() {
    let scheme = small_scheme();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let rows = [
        2.8e-9, 0.4, 1.0, 2.0e-9, 0.7, 0.3, 2.0e-9, 1.4, 2.0, 1.5e-9, 0.5, 0.5, 1.0e-9, 2.0, -1.0,
        2.5e-9, 0.2, 0.8,
    ];
    let data = simulate(&m, &scheme, &rows, 0.05, &mut rng);
    let options = SampleOptions {
        chains: 2,
        warmup: 100,
        draws: 100,
        seed: 42,
        ..Default::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            sample_voxels(
                &m,
                &scheme,
                &data,
                &Priors::new(),
                &options,
                SampleControl::default(),
            )
            .unwrap()
        })
    };
    // Debug strings: NaN (orientation SDs) is not equal to itself.
    assert_eq!(format!("{:?}", run(1)), format!("{:?}", run(3)));
}
