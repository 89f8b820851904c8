//! Sampling a `MultiModel`'s posterior in voxels (dmipy-bayes's NUTS) with the GIL released and Ctrl-C honoured; the result as NumPy arrays named as `dmipy sample`'s maps and draws store.

use crate::errors::{BayesErr, ParameterError, cancellable};
use crate::fitting::{thread_pool, voxel_rows};
use crate::scheme::PyScheme;
use dmipy::{MultiCompartmentModel, ParameterKind};
use dmipy_bayes::{
    DrawStats, NoiseKind, Priors, SampleControl, SampleOptions, SampleResult, VoxelPosterior,
    as_i64, parameter_draws, quantile_name, sample_voxels,
};
use numpy::{Element, PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The sampling settings a Python call gives; they become [`SampleOptions`] (whose fields say
/// the defaults) and the priors.
#[derive(Debug, Clone)]
pub struct SampleSettings {
    /// The core's options (chains, warm-up, draws, seed, noise, σ, quantiles, draws kept,
    /// voxel keys).
    pub options: SampleOptions,
    /// Priors as JSON text (`Priors::from_json`), or `None` for the default priors.
    pub priors: Option<String>,
    /// Threads (all cores when `None`).
    pub threads: Option<usize>,
}

/// The noise distribution named `noise` ('gaussian' or 'rician').
pub fn noise_kind(noise: &str) -> PyResult<NoiseKind> {
    match noise {
        "gaussian" => Ok(NoiseKind::Gaussian),
        "rician" => Ok(NoiseKind::Rician),
        other => Err(ParameterError::new_err(format!(
            "noise '{other}' is not available; use 'gaussian' or 'rician'"
        ))),
    }
}

/// Samples the posterior of `model` in every row of `data` (V, N: raw signals, b0 included) on
/// `settings.threads` threads with the GIL released; Ctrl-C cancels. Returns a dict with
/// `summaries`, `diagnostics` and, when draws are kept, `draws` and `sample_stats` (dicts of
/// arrays; see [`summaries`], [`diagnostics`], [`draws`], [`sample_stats`]).
pub fn sample_rows<'py>(
    py: Python<'py>,
    model: &MultiCompartmentModel,
    scheme: &Bound<'py, PyScheme>,
    data: PyReadonlyArray2<'py, f64>,
    settings: SampleSettings,
) -> PyResult<Bound<'py, PyDict>> {
    let scheme = &scheme.get().inner;
    let data = voxel_rows(scheme, &data)?;
    let options = settings.options;
    options.check().map_err(BayesErr)?;
    let priors = match &settings.priors {
        Some(text) => Priors::from_json(text).map_err(BayesErr)?,
        None => Priors::new(),
    };
    let pool = thread_pool(settings.threads)?;
    let result = cancellable(py, |cancel| {
        let control = SampleControl {
            done: None,
            cancel: Some(cancel),
        };
        pool.install(|| sample_voxels(model, scheme, &data, &priors, &options, control))
            .map_err(BayesErr)
    })?;
    let out = PyDict::new(py);
    out.set_item("summaries", summaries(py, &result, &options.quantiles)?)?;
    out.set_item("diagnostics", diagnostics(py, &result)?)?;
    if options.keep_draws {
        out.set_item("draws", draws(py, &result)?)?;
        out.set_item("sample_stats", sample_stats(py, &result)?)?;
    }
    Ok(out)
}

/// An array of `shape` from its C-order values.
fn array<'py, T: Element>(
    py: Python<'py>,
    values: Vec<T>,
    shape: Vec<usize>,
) -> PyResult<Bound<'py, PyArrayDyn<T>>> {
    PyArray1::from_vec(py, values).reshape(shape)
}

/// The shape (V) of a scalar, (V, card) of a vector per voxel.
fn voxel_shape(n_voxels: usize, card: usize) -> Vec<usize> {
    if card == 1 {
        vec![n_voxels]
    } else {
        vec![n_voxels, card]
    }
}

/// The maps of `dmipy sample` per public parameter P: `P_mean`, `P_std` and `P_qNN` (V[, card];
/// [`quantile_name`]), for an orientation `P_mean_vector` (V, 3) and `P_cone95` (V) instead.
/// NaN in voxels not sampled.
fn summaries<'py>(
    py: Python<'py>,
    result: &SampleResult,
    quantiles: &[f64],
) -> PyResult<Bound<'py, PyDict>> {
    let (width, n, voxels) = (result.width(), result.voxels.len(), &result.voxels);
    let out = PyDict::new(py);
    let (mut column, mut orientation) = (0, 0);
    for ((name, card), kind) in result.names.iter().zip(&result.kinds) {
        if *kind == ParameterKind::Orientation {
            let o = orientation;
            let vectors = voxels
                .iter()
                .flat_map(|v| v.orientations[o].mean_vector)
                .collect();
            out.set_item(
                format!("{name}_mean_vector"),
                array(py, vectors, vec![n, 3])?,
            )?;
            let cone = voxels.iter().map(|v| v.orientations[o].cone95).collect();
            out.set_item(format!("{name}_cone95"), array(py, cone, vec![n])?)?;
            orientation += 1;
        } else {
            let columns = |f: &dyn Fn(&VoxelPosterior, usize) -> f64| {
                let values = (voxels.iter())
                    .flat_map(|v| (column..column + card).map(move |j| f(v, j)))
                    .collect();
                array(py, values, voxel_shape(n, *card))
            };
            out.set_item(format!("{name}_mean"), columns(&|v, j| v.mean[j])?)?;
            out.set_item(format!("{name}_std"), columns(&|v, j| v.std[j])?)?;
            for (i, &p) in quantiles.iter().enumerate() {
                let values = columns(&|v, j| v.quantiles[i * width + j])?;
                out.set_item(format!("{name}_{}", quantile_name(p)), values)?;
            }
        }
        column += card;
    }
    Ok(out)
}

/// The per-voxel diagnostics (V each): `rhat` (largest), `ess_bulk`, `ess_tail` (smallest),
/// `divergences`, `max_depth_hits`, `mean_accept`, `sigma` (σ used) and `flags`
/// (`VoxelStatus::flag`: 1 sampled, 2 non-finite data, 3 b0 ≤ 0, 4 no start, 5 cancelled).
fn diagnostics<'py>(py: Python<'py>, result: &SampleResult) -> PyResult<Bound<'py, PyDict>> {
    let voxels = &result.voxels;
    let n = vec![voxels.len()];
    let f64s = |f: fn(&VoxelPosterior) -> f64| array(py, voxels.iter().map(f).collect(), n.clone());
    let i64s = |f: fn(&VoxelPosterior) -> usize| {
        array(py, voxels.iter().map(|v| f(v) as i64).collect(), n.clone())
    };
    let out = PyDict::new(py);
    out.set_item("rhat", f64s(|v| v.rhat)?)?;
    out.set_item("ess_bulk", f64s(|v| v.ess_bulk)?)?;
    out.set_item("ess_tail", f64s(|v| v.ess_tail)?)?;
    out.set_item("divergences", i64s(|v| v.divergences)?)?;
    out.set_item("max_depth_hits", i64s(|v| v.max_depth_hits)?)?;
    out.set_item("mean_accept", f64s(|v| v.mean_accept)?)?;
    out.set_item("sigma", f64s(|v| v.sigma)?)?;
    let flags = voxels.iter().map(|v| v.status.flag()).collect();
    out.set_item("flags", array(py, flags, n.clone())?)?;
    Ok(out)
}

/// The draws of every public parameter P, shaped (chain, draw, V) or (chain, draw, V, card)
/// as the `posterior` group of the draws store (`DrawsStore`); NaN in voxels not sampled.
fn draws<'py>(py: Python<'py>, result: &SampleResult) -> PyResult<Bound<'py, PyDict>> {
    let (width, n, total) = (
        result.width(),
        result.voxels.len(),
        result.chains * result.draws,
    );
    let out = PyDict::new(py);
    let mut column = 0;
    for (name, card) in &result.names {
        let values = parameter_draws(&result.voxels, total, width, column..column + card);
        let mut shape = vec![result.chains, result.draws, n];
        if *card > 1 {
            shape.push(*card);
        }
        out.set_item(name, array(py, values, shape)?)?;
        column += card;
    }
    Ok(out)
}

/// NUTS's statistics of every kept draw (chain, draw, V), ArviZ's `sample_stats` names as in
/// the draws store: `lp`, `energy`, `acceptance_rate`, `step_size` (NaN in voxels not
/// sampled), `tree_depth`, `n_steps` (int64, 0 there) and `diverging` (bool, false there).
fn sample_stats<'py>(py: Python<'py>, result: &SampleResult) -> PyResult<Bound<'py, PyDict>> {
    let total = result.chains * result.draws;
    let shape = vec![result.chains, result.draws, result.voxels.len()];
    let stats = DrawStats::interleaved(&result.voxels, total);
    let out = PyDict::new(py);
    out.set_item("lp", array(py, stats.lp, shape.clone())?)?;
    out.set_item("energy", array(py, stats.energy, shape.clone())?)?;
    out.set_item(
        "acceptance_rate",
        array(py, stats.acceptance_rate, shape.clone())?,
    )?;
    out.set_item("step_size", array(py, stats.step_size, shape.clone())?)?;
    out.set_item(
        "tree_depth",
        array(py, as_i64(&stats.tree_depth), shape.clone())?,
    )?;
    out.set_item("n_steps", array(py, as_i64(&stats.n_steps), shape.clone())?)?;
    out.set_item("diverging", array(py, stats.diverging, shape)?)?;
    Ok(out)
}
