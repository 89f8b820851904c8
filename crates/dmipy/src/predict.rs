//! Many voxels at once, parallel over voxels: signals, exact Jacobians and spherical means of a compartment, and signals of a multi-compartment model.

use crate::{AcquisitionScheme, Compartment, Error, MultiCompartmentModel, SphericalMean};
use num_dual::Dual64;
use rayon::prelude::*;

/// Voxels per parallel task: large enough that scheduling is negligible next to the signal work.
const VOXELS_PER_TASK: usize = 256;

/// Predicts the signal of every voxel: `params` holds one parameter vector per voxel, back to back
/// (`n_voxels × model.parameter_count()`), and `out` receives one signal per voxel
/// (`n_voxels × scheme.len()`), in the same order. Voxels run in parallel (rayon); nothing is
/// allocated per voxel.
pub fn predict_voxels<C: Compartment>(
    model: &C,
    scheme: &AcquisitionScheme,
    params: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    let (n_params, n_meas) = (model.parameter_count(), scheme.len());
    let n_voxels = check_voxels(model.name(), n_params, params, out, n_meas)?;
    if n_meas == 0 || n_voxels == 0 {
        return Ok(());
    }
    out.par_chunks_mut(n_meas * VOXELS_PER_TASK)
        .enumerate()
        .try_for_each(|(task, signals)| {
            let first = task * VOXELS_PER_TASK;
            signals
                .chunks_mut(n_meas)
                .enumerate()
                .try_for_each(|(k, signal)| {
                    let v = first + k;
                    model.signal(scheme, &params[v * n_params..(v + 1) * n_params], signal)
                })
        })
}

/// Values written per voxel by [`jacobian_voxels`]: the signal, then the Jacobian.
pub fn jacobian_width<C: Compartment>(model: &C, scheme: &AcquisitionScheme) -> usize {
    scheme.len() * (1 + model.parameter_count())
}

/// Signals and exact Jacobians ∂E_i/∂p_k of every voxel, written to `out` voxel by voxel: first
/// the N signal values, then the N × P Jacobian row-major (measurement, parameter), P being
/// [`Compartment::parameter_count`]. `params` holds all voxels' parameters back to back (SI);
/// `out` has [`jacobian_width`] values per voxel. One forward-mode dual pass per parameter: the
/// derivative equals the analytic one to rounding. Parallel over voxels; the dual buffers are
/// allocated once per task of 256 voxels.
pub fn jacobian_voxels<C: Compartment>(
    model: &C,
    scheme: &AcquisitionScheme,
    params: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    let n_params = model.parameter_count();
    let width = jacobian_width(model, scheme);
    check_voxels(model.name(), n_params, params, out, width)?;
    out.par_chunks_mut(width * VOXELS_PER_TASK)
        .enumerate()
        .try_for_each(|(task, out)| {
            let first = task * VOXELS_PER_TASK;
            let mut dual_params = vec![Dual64::from(0.0); n_params];
            let mut dual_signal = vec![Dual64::from(0.0); scheme.len()];
            for (k, out) in out.chunks_mut(width).enumerate() {
                let v = first + k;
                let p = &params[v * n_params..(v + 1) * n_params];
                let (signal, jacobian) = out.split_at_mut(scheme.len());
                if n_params == 0 {
                    model.signal(scheme, p, signal)?;
                }
                for j in 0..n_params {
                    for (i, d) in dual_params.iter_mut().enumerate() {
                        *d = Dual64::new(p[i], if i == j { 1.0 } else { 0.0 });
                    }
                    model.signal(scheme, &dual_params, &mut dual_signal)?;
                    for (i, e) in dual_signal.iter().enumerate() {
                        signal[i] = e.re;
                        jacobian[i * n_params + j] = e.eps;
                    }
                }
            }
            Ok(())
        })
}

/// Spherical means of every voxel, one value per shell of `scheme` each (in the order of
/// [`AcquisitionScheme::shells`]), into `out`; `params` as in [`predict_voxels`].
pub fn spherical_mean_voxels<C: SphericalMean>(
    model: &C,
    scheme: &AcquisitionScheme,
    params: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    let n_params = model.parameter_count();
    let n_shells = scheme.shells().len();
    check_voxels(model.name(), n_params, params, out, n_shells)?;
    out.par_chunks_mut(n_shells * VOXELS_PER_TASK)
        .enumerate()
        .try_for_each(|(task, out)| {
            let first = task * VOXELS_PER_TASK;
            out.chunks_mut(n_shells).enumerate().try_for_each(|(k, o)| {
                let v = first + k;
                model.spherical_mean(scheme, &params[v * n_params..(v + 1) * n_params], o)
            })
        })
}

/// Signals of a multi-compartment model for every voxel from its public parameters
/// ([`MultiCompartmentModel::parameter_names`] order, `n_params` values per voxel, back to back):
/// Dmipy's `simulate_signal`. `out` has [`MultiCompartmentModel::output_len`] values per voxel.
pub fn simulate_voxels(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    params: &[f64],
    out: &mut [f64],
) -> Result<(), Error> {
    let n_params: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
    let width = model.output_len(scheme).max(1);
    check_voxels(&model.description(), n_params, params, out, width)?;
    out.par_chunks_mut(width * VOXELS_PER_TASK)
        .enumerate()
        .try_for_each(|(task, out)| {
            let mut scratch = model.scratch::<f64>(scheme);
            let mut full = vec![0.0; model.full_len()];
            for (k, o) in out.chunks_mut(width).enumerate() {
                let v = task * VOXELS_PER_TASK + k;
                model.full_from_parameters(&params[v * n_params..(v + 1) * n_params], &mut full)?;
                model.signal_with(scheme, &full, o, &mut scratch)?;
            }
            Ok(())
        })
}

/// The number of voxels of `params` (`n_params` values each; a model without parameters, such
/// as S1Dot, takes it from `out`), checked against `out` (`width` values each). `model` names
/// the model in the error.
fn check_voxels(
    model: &str,
    n_params: usize,
    params: &[f64],
    out: &[f64],
    width: usize,
) -> Result<usize, Error> {
    let n_voxels = params
        .len()
        .checked_div(n_params)
        .unwrap_or(out.len() / width.max(1));
    if params.len() != n_voxels * n_params {
        return Err(Error::LengthMismatch {
            what: format!("{model} parameter array (voxels × {n_params})"),
            expected: n_voxels * n_params,
            found: params.len(),
        });
    }
    if out.len() != n_voxels * width {
        return Err(Error::LengthMismatch {
            what: format!("output array (voxels × {width})"),
            expected: n_voxels * width,
            found: out.len(),
        });
    }
    Ok(n_voxels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{G2Zeppelin, ModelComponent};

    fn hcp() -> AcquisitionScheme {
        AcquisitionScheme::hcp_wu_minn().unwrap()
    }

    /// Three zeppelins: θ, φ, λ∥, λ⊥ per voxel.
    const PARAMS: [f64; 12] = [
        0.3, 1.0, 1.7e-9, 0.4e-9, 1.2, -2.0, 2.5e-9, 1.0e-9, 2.9, 0.2, 0.8e-9, 0.7e-9,
    ];

    #[test]
    fn jacobians_are_central_differences_of_the_signal() {
        let scheme = hcp();
        let (m, width) = (scheme.len(), jacobian_width(&G2Zeppelin, &scheme));
        let mut out = vec![0.0; 3 * width];
        jacobian_voxels(&G2Zeppelin, &scheme, &PARAMS, &mut out).unwrap();
        for (v, row) in out.chunks(width).enumerate() {
            let p = &PARAMS[4 * v..4 * v + 4];
            let mut signal = vec![0.0; m];
            G2Zeppelin.signal(&scheme, p, &mut signal).unwrap();
            assert_eq!(&row[..m], &signal[..]);
            for k in 0..4 {
                let h = 1e-6 * p[k].abs();
                let (mut up, mut down) = (p.to_vec(), p.to_vec());
                up[k] += h;
                down[k] -= h;
                let (mut su, mut sd) = (vec![0.0; m], vec![0.0; m]);
                G2Zeppelin.signal(&scheme, &up, &mut su).unwrap();
                G2Zeppelin.signal(&scheme, &down, &mut sd).unwrap();
                for i in 0..m {
                    let fd = (su[i] - sd[i]) / (2.0 * h);
                    let got = row[m + i * 4 + k];
                    assert!(
                        (got - fd).abs() * p[k].abs() < 1e-8,
                        "v{v} p{k} i{i}: {got} vs {fd}"
                    );
                }
            }
        }
    }

    #[test]
    fn spherical_means_and_multi_compartment_signals_are_the_models_own() {
        let scheme = hcp();
        let shells = scheme.shells().len();
        let mut means = vec![0.0; 3 * shells];
        spherical_mean_voxels(&G2Zeppelin, &scheme, &PARAMS, &mut means).unwrap();
        for (v, row) in means.chunks(shells).enumerate() {
            let mut want = vec![0.0; shells];
            G2Zeppelin
                .spherical_mean(&scheme, &PARAMS[4 * v..4 * v + 4], &mut want)
                .unwrap();
            assert_eq!(row, &want[..]);
        }
        let zeppelin = ModelComponent::by_name("G2Zeppelin").unwrap();
        let model = MultiCompartmentModel::new(vec![zeppelin]).unwrap();
        let mut signals = vec![0.0; 3 * scheme.len()];
        simulate_voxels(&model, &scheme, &PARAMS, &mut signals).unwrap();
        let mut want = vec![0.0; 3 * scheme.len()];
        predict_voxels(&G2Zeppelin, &scheme, &PARAMS, &mut want).unwrap();
        assert_eq!(signals, want);
        assert!(simulate_voxels(&model, &scheme, &PARAMS[1..], &mut signals).is_err());
    }
}
