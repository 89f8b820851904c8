//! The exception hierarchy, the core-error conversion, and the one helper every long call goes through.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pyo3::create_exception!(
    _core,
    DmipyError,
    PyValueError,
    "Base of every dmipy_rs error; a ValueError, so `except ValueError` catches it."
);
pyo3::create_exception!(
    _core,
    AcquisitionError,
    DmipyError,
    "An acquisition scheme was rejected: lengths, non-unit directions, negative or NaN values, wrong units."
);
pyo3::create_exception!(
    _core,
    ParameterError,
    DmipyError,
    "Model parameters or settings were rejected: wrong names, counts, shapes or values."
);
pyo3::create_exception!(
    _core,
    MissingSchemeFieldError,
    DmipyError,
    "A model needs an acquisition field (delta, Delta, TE) that the scheme does not have."
);

/// A core error on its way to Python (the orphan rule forbids `From<dmipy::Error> for PyErr` here).
#[derive(Debug)]
pub struct CoreError(pub dmipy::Error);

impl From<dmipy::Error> for CoreError {
    fn from(error: dmipy::Error) -> Self {
        Self(error)
    }
}

impl From<CoreError> for PyErr {
    /// Maps every core error to the matching exception, with the core's message.
    fn from(CoreError(error): CoreError) -> Self {
        use dmipy::Error as E;
        let message = error.to_string();
        match error {
            E::NonUnitDirection { .. }
            | E::SuspiciousUnit { .. }
            | E::Negative { .. }
            | E::NotFinite { .. }
            | E::Empty { .. } => AcquisitionError::new_err(message),
            E::MissingSchemeField { .. } => MissingSchemeFieldError::new_err(message),
            E::ParameterCount { .. } | E::InvalidArgument { .. } | E::UnknownModel { .. } => {
                ParameterError::new_err(message)
            }
            _ => DmipyError::new_err(message),
        }
    }
}

/// A sampling error on its way to Python: bad options, priors or models become
/// `ParameterError`, core errors their own exception, a sampler failure `DmipyError`.
#[derive(Debug)]
pub struct BayesErr(pub dmipy_bayes::BayesError);

impl From<BayesErr> for PyErr {
    fn from(BayesErr(error): BayesErr) -> Self {
        use dmipy_bayes::BayesError as E;
        match error {
            E::Core(e) => CoreError(e).into(),
            e @ (E::Prior { .. } | E::Option { .. } | E::Model { .. }) => {
                ParameterError::new_err(e.to_string())
            }
            e => DmipyError::new_err(e.to_string()),
        }
    }
}

/// Voxels per GIL-free stretch: between stretches the GIL is retaken to check for Ctrl-C.
const VOXELS_PER_STRETCH: usize = 1 << 16;

/// Runs `work` over all voxels with the GIL released, in stretches of voxels; `out` holds `width`
/// values per voxel and `work(voxels, out_of_those_voxels)` fills one stretch. Between stretches
/// the GIL is retaken to raise `KeyboardInterrupt` on Ctrl-C. Core errors become exceptions.
pub fn over_voxels<F>(py: Python<'_>, out: &mut [f64], width: usize, work: F) -> PyResult<()>
where
    F: Fn(Range<usize>, &mut [f64]) -> Result<(), dmipy::Error> + Sync,
{
    if width == 0 {
        // No values per voxel (e.g. an empty scheme): nothing to compute, but errors still count.
        return py
            .detach(|| work(0..0, out))
            .map_err(|e| CoreError(e).into());
    }
    let n_voxels = out.len() / width;
    for (k, chunk) in out.chunks_mut(width * VOXELS_PER_STRETCH).enumerate() {
        let first = k * VOXELS_PER_STRETCH;
        let voxels = first..(first + chunk.len() / width).min(n_voxels);
        py.detach(|| work(voxels, chunk)).map_err(CoreError)?;
        py.check_signals()?;
    }
    Ok(())
}

/// Runs `work` on a worker thread with the GIL released and hands it a cancellation flag: while
/// it runs, the calling thread wakes now and then, retakes the GIL and checks for Ctrl-C; on
/// Ctrl-C it sets the flag, waits for the worker to stop and raises `KeyboardInterrupt`. For
/// calls that are not split into stretches of voxels (a fit cancels between its own chunks).
pub fn cancellable<T, E, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    E: Send,
    PyErr: From<E>,
    F: FnOnce(&AtomicBool) -> Result<T, E> + Send,
{
    let cancel = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| work(&cancel));
        let mut nap = Duration::from_millis(1);
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(nap));
            nap = (nap * 2).min(Duration::from_millis(50));
            if let Err(interrupt) = py.check_signals() {
                cancel.store(true, Ordering::Relaxed);
                let _ = worker.join();
                return Err(interrupt);
            }
        }
        match worker.join() {
            Ok(result) => result.map_err(PyErr::from),
            Err(_) => Err(DmipyError::new_err(
                "the computation panicked (a bug in dmipy-rs)",
            )),
        }
    })
}
