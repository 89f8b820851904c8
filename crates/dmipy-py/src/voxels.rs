//! Per-voxel work beyond plain prediction, parallel over voxels: exact Jacobians from dual numbers and spherical means.

use dmipy::{AcquisitionScheme, AnyCompartment, Compartment, Error, SphericalMean};
use num_dual::Dual64;
use rayon::prelude::*;
use std::ops::Range;

/// Voxels per rayon task: scratch buffers are allocated once per task, never per voxel.
const VOXELS_PER_TASK: usize = 64;

/// Values written per voxel by [`jacobian_voxels`]: the signal, then the Jacobian.
pub fn jacobian_width(model: &AnyCompartment, scheme: &AcquisitionScheme) -> usize {
    scheme.len() * (1 + model.parameter_count())
}

/// Signals and exact Jacobians ∂E_i/∂p_k of the voxels `voxels`, written to `out` voxel by voxel:
/// first the N signal values, then the N × P Jacobian row-major (measurement, parameter), P being
/// [`Compartment::parameter_count`]. `params` holds all voxels' parameters back to back (SI).
///
/// One forward-mode dual pass per parameter: the derivative equals the analytic one to rounding.
pub fn jacobian_voxels(
    model: &AnyCompartment,
    scheme: &AcquisitionScheme,
    params: &[f64],
    voxels: Range<usize>,
    out: &mut [f64],
) -> Result<(), Error> {
    let n_params = model.parameter_count();
    let width = jacobian_width(model, scheme);
    let params = &params[voxels.start * n_params..voxels.end * n_params];
    out.par_chunks_mut(width * VOXELS_PER_TASK)
        .enumerate()
        .try_for_each(|(task, out)| {
            let first = task * VOXELS_PER_TASK;
            let mut dual_params = vec![Dual64::from(0.0); n_params];
            let mut dual_signal = vec![Dual64::from(0.0); scheme.len()];
            for (k, out) in out.chunks_mut(width).enumerate() {
                let v = first + k;
                let p = &params[v * n_params..(v + 1) * n_params];
                one_jacobian(model, scheme, p, &mut dual_params, &mut dual_signal, out)?;
            }
            Ok(())
        })
}

/// The signal and Jacobian of one voxel (layout as in [`jacobian_voxels`]).
fn one_jacobian(
    model: &AnyCompartment,
    scheme: &AcquisitionScheme,
    params: &[f64],
    dual_params: &mut [Dual64],
    dual_signal: &mut [Dual64],
    out: &mut [f64],
) -> Result<(), Error> {
    let n = scheme.len();
    let n_params = params.len();
    let (signal, jacobian) = out.split_at_mut(n);
    if n_params == 0 {
        return model.signal(scheme, params, signal);
    }
    for k in 0..n_params {
        for (j, d) in dual_params.iter_mut().enumerate() {
            *d = Dual64::new(params[j], if j == k { 1.0 } else { 0.0 });
        }
        model.signal(scheme, dual_params, dual_signal)?;
        for (i, e) in dual_signal.iter().enumerate() {
            signal[i] = e.re;
            jacobian[i * n_params + k] = e.eps;
        }
    }
    Ok(())
}

/// Spherical means of the voxels `voxels`, one value per shell of `scheme` each, into `out`.
///
/// Errors with what the model's own call rejects.
pub fn spherical_mean_voxels(
    model: &AnyCompartment,
    scheme: &AcquisitionScheme,
    params: &[f64],
    voxels: Range<usize>,
    out: &mut [f64],
) -> Result<(), Error> {
    let n_params = model.parameter_count();
    let n_shells = scheme.shells().len();
    let params = &params[voxels.start * n_params..voxels.end * n_params];
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
