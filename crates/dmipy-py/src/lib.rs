//! # dmipy-py — the Python extension module `dmipy_rs._core`
//!
//! The binding between NumPy and the dmipy core. It converts types, releases the GIL for every
//! call that scales with the number of voxels, and maps core errors to Python exceptions; it holds
//! no model logic. The pure-Python package `dmipy_rs` (in `python/`) wraps it in Dmipy 1.x's layout
//! (`dmipy_rs.core.acquisition_scheme`, `dmipy_rs.signal_models.cylinder_models`, …), so a Dmipy
//! script ports by replacing its import root.
//!
//! ## What lives where
//!
//! - `errors` — the exception hierarchy (`DmipyError(ValueError)` and three subclasses), the
//!   conversion of `dmipy::Error` into them, and `over_voxels`, the one helper every long call goes
//!   through: GIL released, Ctrl-C checked between stretches of voxels, errors mapped.
//! - `scheme` — `Scheme`, a frozen wrapper of `dmipy::AcquisitionScheme`, and its constructors from
//!   b-values, q-values, gradient strengths, and the built-in HCP WU-Minn scheme.
//! - `settings` — Dmipy's constructor settings (diffusivities, numbers of Bessel roots) applied to
//!   a compartment chosen by name.
//! - `model` — `Model`, a frozen wrapper of `dmipy::AnyCompartment`: parameter table, `predict`
//!   (the core's rayon-parallel `predict_voxels`, `jacobian_voxels`, `spherical_mean_voxels`).
//! - `distributed` — `Distributed`, a frozen wrapper of `dmipy::DistributedModel` (Watson,
//!   Bingham, Gamma, bundle over compartment kernels) with its inner links.
//! - `multi` — `MultiModel`, a frozen wrapper of `dmipy::MultiCompartmentModel`: built from
//!   `Model`s or a model file; each `set_…` link returns a changed copy; `simulate` over voxels.
//! - `densities` — the Watson, Bingham and Gamma densities and the data spherical means that
//!   Dmipy's `distributions.distributions` and `utils.spherical_mean` wrap.
//! - `multi_extras` — the exact Jacobian of a `MultiModel`, its full (linked) vectors and the
//!   turnkey models by name.
//! - `amico` — `amico_weights`, the core's AMICO solve on a dictionary given from Python (Dmipy's
//!   `optimizers.amico_cvxpy`).
//! - `fitting` — `MultiModel.fit` (GIL released, Ctrl-C cancels through `errors::cancellable`,
//!   threads from `number_of_processors`) and `ModelFit`, the fitted parameters and diagnostics.
//! - `sampling` — `MultiModel.sample`: NUTS posteriors per voxel (`dmipy_bayes::sample_voxels`,
//!   GIL released, Ctrl-C cancels), returned as dicts of arrays named as `dmipy sample`'s maps
//!   and draws store (`P_mean`, `P_q50`, `rhat`, …; draws (chain, draw, voxel[, card])).
//! - `sh_model` — `sh_fit`, multi-compartment spherical deconvolution of voxels (Dmipy's
//!   `MultiCompartmentSphericalHarmonicsModel.fit`), and `ShFit`, its FODs, fractions and
//!   predictions.
//! - `simulation` — `simulate_chunks` (sums of chunks of walkers of a `dmipy_sim` run, GIL
//!   released), `combine_chunks` (their signal, bit-identical to one run) and `chunk_count`.
//! - `tracking` — `track_streamlines` (a `dmipy_track::TrackingJob` over seeds, in stretches
//!   between Ctrl-C checks) `track_seed_jacobian` (exact d points / d seed by dual numbers) and
//!   `seeds_from_mask`.
//!
//! Arrays cross the boundary as C-contiguous float64: parameters as (voxels, values) and signals as
//! (voxels, measurements). Broadcasting, parameter names and Dmipy's scaled ranges live in Python.
//! Build with `maturin develop` (see `python/pyproject.toml`); `cargo test -p dmipy-py` runs the
//! Rust unit tests without Python.

mod amico;
mod densities;
mod distributed;
mod errors;
mod fitting;
mod model;
mod multi;
mod multi_extras;
mod sampling;
mod scheme;
mod settings;
mod sh_model;
mod simulation;
mod tracking;

use pyo3::prelude::*;

/// The extension module: classes, constructors and exceptions. Never panics.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<scheme::PyScheme>()?;
    m.add_class::<model::PyModel>()?;
    m.add_class::<distributed::PyDistributed>()?;
    m.add_class::<multi::PyMultiModel>()?;
    m.add_class::<fitting::PyModelFit>()?;
    m.add_class::<sh_model::PyShFit>()?;
    m.add_function(wrap_pyfunction!(sh_model::sh_fit, m)?)?;
    m.add_function(wrap_pyfunction!(scheme::scheme_from_bvalues, m)?)?;
    m.add_function(wrap_pyfunction!(scheme::scheme_from_qvalues, m)?)?;
    m.add_function(wrap_pyfunction!(scheme::scheme_from_gradient_strengths, m)?)?;
    m.add_function(wrap_pyfunction!(scheme::hcp_wu_minn, m)?)?;
    m.add_function(wrap_pyfunction!(amico::amico_weights, m)?)?;
    m.add_function(wrap_pyfunction!(densities::watson_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(densities::bingham_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(densities::gamma_pdf_radius, m)?)?;
    m.add_function(wrap_pyfunction!(densities::data_spherical_means, m)?)?;
    m.add_function(wrap_pyfunction!(multi_extras::multi_jacobian, m)?)?;
    m.add_function(wrap_pyfunction!(multi_extras::turnkey_names, m)?)?;
    m.add_function(wrap_pyfunction!(multi_extras::turnkey_model, m)?)?;
    m.add_function(wrap_pyfunction!(multi_extras::full_parameter_table, m)?)?;
    m.add_function(wrap_pyfunction!(multi_extras::full_vectors, m)?)?;
    m.add_function(wrap_pyfunction!(tracking::track_streamlines, m)?)?;
    m.add_function(wrap_pyfunction!(tracking::track_seed_jacobian, m)?)?;
    m.add_function(wrap_pyfunction!(tracking::seeds_from_mask, m)?)?;
    m.add_function(wrap_pyfunction!(simulation::simulate_chunks, m)?)?;
    m.add_function(wrap_pyfunction!(simulation::combine_chunks, m)?)?;
    m.add_function(wrap_pyfunction!(simulation::chunk_count, m)?)?;
    m.add("DmipyError", py.get_type::<errors::DmipyError>())?;
    m.add(
        "AcquisitionError",
        py.get_type::<errors::AcquisitionError>(),
    )?;
    m.add("ParameterError", py.get_type::<errors::ParameterError>())?;
    m.add(
        "MissingSchemeFieldError",
        py.get_type::<errors::MissingSchemeFieldError>(),
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
