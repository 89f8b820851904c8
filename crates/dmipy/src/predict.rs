//! Signal prediction for many voxels at once, parallel over voxels.

use crate::{AcquisitionScheme, Compartment, Error};
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
    let n_params = model.parameter_count();
    let n_meas = scheme.len();
    // A model without parameters (S1Dot) takes its voxel count from the output buffer.
    let n_voxels = params
        .len()
        .checked_div(n_params)
        .unwrap_or(out.len() / n_meas.max(1));
    if params.len() != n_voxels * n_params {
        return Err(Error::LengthMismatch {
            what: format!("{} parameter array (voxels × {n_params})", model.name()),
            expected: n_voxels * n_params,
            found: params.len(),
        });
    }
    if out.len() != n_voxels * n_meas {
        return Err(Error::LengthMismatch {
            what: "signal array (voxels × measurements)".into(),
            expected: n_voxels * n_meas,
            found: out.len(),
        });
    }
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
