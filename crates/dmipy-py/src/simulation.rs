//! `simulate_chunks`, `combine_chunks`, `chunk_count`: the Monte Carlo simulator of `dmipy_sim` over NumPy, in chunks of walkers that combine bit-identically.

use crate::errors::{DmipyError, ParameterError};
use crate::scheme::PyScheme;
use dmipy_sim::{
    AnySubstrate, ChunkSums, Settings, SimulationResult, Start, WaveformShape, Waveforms,
    combine_chunks as combine, parse_substrate_in, simulate_chunks as chunks_of,
};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Walker chunks run between two checks for Ctrl-C.
const CHUNKS_PER_STRETCH: usize = 16;

fn sim_err(e: dmipy_sim::Error) -> PyErr {
    DmipyError::new_err(e.to_string())
}

/// The substrate (JSON text, mesh files relative to `base_dir`) and the waveforms of a job.
#[allow(clippy::too_many_arguments)]
fn job(
    substrate: &str,
    base_dir: &str,
    scheme: &PyScheme,
    waveform: &str,
    steps: Option<usize>,
    dt: Option<f64>,
    ramp: f64,
    periods: u32,
) -> PyResult<(AnySubstrate, Waveforms)> {
    let substrate =
        parse_substrate_in(substrate, std::path::Path::new(base_dir)).map_err(sim_err)?;
    let shape = match waveform {
        "pgse" => WaveformShape::Pgse,
        "trapezoid" => WaveformShape::Trapezoid { ramp },
        "ogse" => WaveformShape::OgseCosine { periods },
        other => {
            return Err(ParameterError::new_err(format!(
                "waveform {other:?}: use 'pgse', 'trapezoid' or 'ogse'"
            )));
        }
    };
    let steps = match (steps, dt) {
        (Some(_), Some(_)) => return Err(ParameterError::new_err("give steps or dt, not both")),
        (Some(0), None) => return Err(ParameterError::new_err("steps must be at least 1")),
        (Some(n), None) => n,
        (None, Some(dt)) => Waveforms::steps_for_dt(shape, &scheme.inner, dt).map_err(sim_err)?,
        (None, None) => 1000,
    };
    let w = Waveforms::for_scheme(shape, &scheme.inner, steps).map_err(sim_err)?;
    Ok((substrate, w))
}

fn settings(walkers: usize, seed: u64, start: &str, permeability: f64) -> Settings {
    Settings {
        walkers,
        seed,
        threads: None,
        start: match start {
            "everywhere" => Start::Everywhere,
            name => Start::Compartment(name.to_string()),
        },
        permeability,
    }
}

/// Number of walker chunks of a run (each a separate task when split).
#[pyfunction]
pub fn chunk_count(walkers: usize) -> usize {
    dmipy_sim::chunk_count(walkers)
}

/// Sums of walker chunks `first .. first + count` of the run (all chunks when `count` is None),
/// one row of flat numbers per chunk (`ChunkSums::to_flat`), and the run's layout for
/// `combine_chunks`: compartment names, measurements, steps, dt. GIL released; Ctrl-C is checked
/// between stretches of chunks.
#[pyfunction]
#[pyo3(signature = (substrate, base_dir, scheme, *, waveform="pgse", steps=None, dt=None, ramp=0.0,
    periods=1, walkers=10_000, seed=0, start="everywhere", permeability=0.0, first=0, count=None))]
#[allow(clippy::too_many_arguments)]
pub fn simulate_chunks<'py>(
    py: Python<'py>,
    substrate: &str,
    base_dir: &str,
    scheme: PyRef<'py, PyScheme>,
    waveform: &str,
    steps: Option<usize>,
    dt: Option<f64>,
    ramp: f64,
    periods: u32,
    walkers: usize,
    seed: u64,
    start: &str,
    permeability: f64,
    first: usize,
    count: Option<usize>,
) -> PyResult<Chunks<'py>> {
    use dmipy_sim::Substrate;
    let (substrate, w) = job(
        substrate, base_dir, &scheme, waveform, steps, dt, ramp, periods,
    )?;
    let settings = settings(walkers, seed, start, permeability);
    let end = count.map_or(dmipy_sim::chunk_count(walkers), |c| first + c);
    if first > end {
        return Err(ParameterError::new_err(format!(
            "first chunk {first} beyond {end}"
        )));
    }
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut at = first;
    while at < end {
        let to = (at + CHUNKS_PER_STRETCH).min(end);
        let part = py
            .detach(|| chunks_of(&substrate, &w, &settings, at..to, None))
            .map_err(sim_err)?;
        rows.extend(part.iter().map(ChunkSums::to_flat));
        py.check_signals()?;
        at = to;
    }
    let names: Vec<String> = substrate
        .compartment_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let width = 3 * names.len() * w.len() + names.len() + 1;
    let n = rows.len();
    let rows = PyArray1::from_vec(py, rows.concat()).reshape([n, width])?;
    Ok((rows, (names, w.len(), w.steps(), w.dt())))
}

/// Chunk rows and the run's layout (compartment names, measurements, steps, dt).
type Chunks<'py> = (Bound<'py, PyArray2<f64>>, (Vec<String>, usize, usize, f64));

/// The result of chunk rows (from `simulate_chunks`, in chunk order) of one run with the
/// layout `simulate_chunks` returned, as a dict of NumPy arrays: signal, std_error, mean_sin,
/// compartments {name: {walkers, signal, std_error, mean_sin}}, walkers, steps, dt, seed,
/// truncated_steps. Neither the substrate nor the waveforms are built again.
#[pyfunction]
#[pyo3(signature = (rows, layout, *, seed=0))]
pub fn combine_chunks<'py>(
    py: Python<'py>,
    rows: PyReadonlyArray2<'py, f64>,
    layout: (Vec<String>, usize, usize, f64),
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let (names, measurements, steps, dt) = layout;
    let rows = rows.as_array();
    let parts = rows
        .rows()
        .into_iter()
        .map(|r| ChunkSums::from_flat(&r.to_vec(), names.len(), measurements))
        .collect::<Result<Vec<_>, _>>()
        .map_err(sim_err)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    result_dict(py, &combine(&names, steps, dt, seed, &parts))
}

fn result_dict<'py>(py: Python<'py>, r: &SimulationResult) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let arr = |v: &[f64]| PyArray1::from_vec(py, v.to_vec());
    d.set_item("signal", arr(&r.signal))?;
    d.set_item("std_error", arr(&r.std_error))?;
    d.set_item("mean_sin", arr(&r.mean_sin))?;
    let by = PyDict::new(py);
    for c in &r.compartments {
        let e = PyDict::new(py);
        e.set_item("walkers", c.walkers)?;
        e.set_item("signal", arr(&c.signal))?;
        e.set_item("std_error", arr(&c.std_error))?;
        e.set_item("mean_sin", arr(&c.mean_sin))?;
        by.set_item(&c.name, e)?;
    }
    d.set_item("compartments", by)?;
    d.set_item("walkers", r.walkers)?;
    d.set_item("steps", r.steps)?;
    d.set_item("dt", r.dt)?;
    d.set_item("seed", r.seed)?;
    d.set_item("truncated_steps", r.truncated_steps)?;
    Ok(d)
}
