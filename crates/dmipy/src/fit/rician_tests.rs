//! Tests of the Rician noise model: smaller noise-floor bias than least squares at low SNR, a
//! stationary likelihood at the solution, the Gaussian limit, given and estimated σ.

use super::recovery_tests::{ANY, add_rician, hcp, median, simulate, truths};
use super::rician::rician_residuals;
use super::test_models::{BallStick, TestRng};
use super::*;

/// SNR of the low-SNR tests (S0 = 1, σ = 1/SNR).
const SNR: f64 = 15.0;

/// Ball-and-stick truths and their Rician-noisy signals at SNR 15 (S0 = 1).
fn noisy(seed: u64, count: usize) -> (Vec<f64>, Vec<f64>) {
    let model = BallStick::new();
    let mut rng = TestRng::new(seed);
    let ranges = [ANY, ANY, (1.5e-9, 2.5e-9), (2.0e-9, 3.0e-9), (0.3, 0.8)];
    let truth = truths(&mut rng, model.kinds(), &ranges, count);
    let mut data = simulate(&model, &hcp(), &truth, &vec![1.0; count]);
    add_rician(&mut rng, &mut data, 1.0 / SNR);
    (truth, data)
}

fn fit(data: &[f64], noise: NoiseModel) -> FitResult {
    let options = FitOptions {
        noise,
        ..FitOptions::default()
    };
    fit_voxels(&BallStick::new(), &hcp(), data, &options).unwrap()
}

/// Median signed relative errors of λ∥ and f.
fn biases(truth: &[f64], fit: &FitResult) -> [f64; 2] {
    let rel = |i: usize| {
        let errors = truth.chunks(5).zip(fit.parameters.chunks(5));
        median(errors.map(|(t, x)| (x[i] - t[i]) / t[i]).collect())
    };
    [rel(2), rel(4)]
}

/// At SNR 15 the noise floor lifts the strongly attenuated signals, and least squares
/// compensates with a slower stick and a smaller stick fraction (Gudbjartsson & Patz 1995,
/// doi:10.1002/mrm.1910340618). The Rician likelihood models the floor: its median biases of λ∥
/// and f are smaller in magnitude, with σ given and with σ estimated.
#[test]
fn rician_fit_is_less_biased_than_least_squares_at_low_snr() {
    let (truth, data) = noisy(11, 200);
    let gaussian = fit(&data, NoiseModel::Gaussian);
    let given = fit(
        &data,
        NoiseModel::Rician {
            sigma: Some(1.0 / SNR),
        },
    );
    let estimated = fit(&data, NoiseModel::Rician { sigma: None });
    let [bg, bgv, be] = [&gaussian, &given, &estimated].map(|f| biases(&truth, f));
    let sigma_hat = median(estimated.sigma.clone().unwrap());
    println!(
        "SNR {SNR}, 200 voxels, median relative bias [λ∥, f]: Gaussian {bg:?}, Rician given σ \
         {bgv:?}, Rician estimated σ {be:?} (median σ̂ {sigma_hat}, true {})",
        1.0 / SNR
    );
    for f in [&gaussian, &given, &estimated] {
        assert!(f.flags.iter().all(|&v| v == VoxelFlag::Fitted));
        let converged = f.converged.iter().filter(|&&c| c).count();
        assert!(converged >= 198, "{converged} of 200 converged");
    }
    for i in 0..2 {
        assert!(bgv[i].abs() < bg[i].abs(), "{bgv:?} vs {bg:?}");
        assert!(be[i].abs() < bg[i].abs(), "{be:?} vs {bg:?}");
    }
    assert!(given.sigma.unwrap().iter().all(|&s| s == 1.0 / SNR));
    // Gaussian residuals of magnitude data: between √(2 − π/2) ≈ 0.66 σ (signal at the floor)
    // and σ (high signal).
    assert!(
        sigma_hat > 0.6 / SNR && sigma_hat < 1.05 / SNR,
        "{sigma_hat}"
    );
}

/// F = σ²·NLL − const of one voxel at the free parameters x (normalised data y).
fn rician_cost(x: &[f64], y: &[f64], sigma: f64) -> f64 {
    let scheme = hcp();
    let model = BallStick::new();
    let mut r = vec![0.0; y.len()];
    let mut scratch = model.scratch(&scheme);
    model.signal(&scheme, 0, x, &mut r, &mut scratch).unwrap();
    r.iter_mut().zip(y).for_each(|(r, y)| *r -= y);
    rician_residuals(&mut r, y, sigma)
}

/// Central-difference gradient of the Rician cost, each component times its parameter's scale.
fn cost_gradient(x: &[f64], y: &[f64], sigma: f64) -> Vec<f64> {
    let scales = [1.0, 1.0, 1e-9, 1e-9, 1.0];
    (0..5)
        .map(|i| {
            let h = 1e-6 * scales[i];
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[i] += h;
            down[i] -= h;
            (rician_cost(&up, y, sigma) - rician_cost(&down, y, sigma)) / (2.0 * h) * scales[i]
        })
        .collect()
}

/// At the Rician solution the likelihood is stationary: its finite-difference gradient is a
/// thousandth of what it is at the least-squares solution (voxels with no parameter at a bound).
#[test]
fn rician_likelihood_is_stationary_at_the_solution() {
    let (_, data) = noisy(5, 12);
    let sigma = 1.0 / SNR;
    let gaussian = fit(&data, NoiseModel::Gaussian);
    let rician = fit(&data, NoiseModel::Rician { sigma: Some(sigma) });
    let m = hcp().len();
    let b0 = hcp().b0_mask().to_vec();
    let mut checked = 0;
    for v in (0..12).filter(|&v| rician.at_bound[v] == 0 && gaussian.at_bound[v] == 0) {
        let raw = &data[v * m..(v + 1) * m];
        let s0 = raw
            .iter()
            .zip(&b0)
            .filter(|(_, b)| **b)
            .map(|(d, _)| d)
            .sum::<f64>()
            / b0.iter().filter(|b| **b).count() as f64;
        let y: Vec<f64> = raw.iter().map(|d| d / s0).collect();
        let norm = |g: Vec<f64>| g.iter().map(|v| v * v).sum::<f64>().sqrt();
        let at_rician = norm(cost_gradient(
            &rician.parameters[v * 5..v * 5 + 5],
            &y,
            sigma,
        ));
        let at_gaussian = norm(cost_gradient(
            &gaussian.parameters[v * 5..v * 5 + 5],
            &y,
            sigma,
        ));
        assert!(
            at_rician < 1e-3 * at_gaussian,
            "voxel {v}: |∇F| {at_rician} at the Rician, {at_gaussian} at the Gaussian solution"
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} voxels off the bounds");
}

/// As σ → 0 the Rician likelihood becomes the Gaussian one (I₁/I₀ → 1): σ = 1e-4 gives the
/// least-squares parameters to within 1e-5 relative.
#[test]
fn small_sigma_gives_the_least_squares_solution() {
    let (_, data) = noisy(3, 20);
    let gaussian = fit(&data, NoiseModel::Gaussian);
    let rician = fit(&data, NoiseModel::Rician { sigma: Some(1e-4) });
    for (g, r) in gaussian
        .parameters
        .chunks(5)
        .zip(rician.parameters.chunks(5))
    {
        assert!(axis_angle(g[0], g[1], r[0], r[1]) < 1e-5, "{g:?} vs {r:?}");
        for i in 2..5 {
            assert!((g[i] - r[i]).abs() <= 1e-5 * g[i].abs(), "{g:?} vs {r:?}");
        }
    }
}
