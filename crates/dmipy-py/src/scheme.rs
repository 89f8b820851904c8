//! `Scheme`: the core's acquisition scheme as a frozen Python object, its constructors and accessors.

use crate::errors::{AcquisitionError, CoreError};
use dmipy::{AcquisitionScheme, PerMeasurement, PulseTiming, SchemeOptions};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// An acquisition scheme of the core (SI units); build it with the `scheme_from_*` functions.
#[pyclass(frozen, module = "dmipy_rs._core", name = "Scheme")]
pub struct PyScheme {
    pub(crate) inner: AcquisitionScheme,
}

/// One shell as Python sees it: (b-value, δ, Δ, TE, is_b0, measurement indices).
type ShellTuple = (f64, Option<f64>, Option<f64>, Option<f64>, bool, Vec<usize>);

#[pymethods]
impl PyScheme {
    /// Number of measurements.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// b-values (s/m²).
    #[getter]
    fn bvalues<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.bvalues())
    }

    /// Unit gradient directions, shape (N, 3).
    #[getter]
    fn gradient_directions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let flat: Vec<f64> = self.inner.directions().iter().flatten().copied().collect();
        PyArray1::from_vec(py, flat).reshape([self.inner.len(), 3])
    }

    /// Pulse durations δ (s), or None.
    #[getter]
    fn delta<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.delta().map(|v| PyArray1::from_slice(py, v))
    }

    /// Pulse separations Δ (s), or None.
    #[getter(Delta)]
    fn big_delta<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.big_delta().map(|v| PyArray1::from_slice(py, v))
    }

    /// Echo times (s), or None.
    #[getter(TE)]
    fn echo_time<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.echo_time().map(|v| PyArray1::from_slice(py, v))
    }

    /// q-values (1/m), or None without δ and Δ.
    #[getter]
    fn qvalues<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.qvalues().map(|v| PyArray1::from_slice(py, v))
    }

    /// Gradient strengths (T/m), or None without δ and Δ.
    #[getter]
    fn gradient_strengths<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner
            .gradient_strengths()
            .map(|v| PyArray1::from_slice(py, v))
    }

    /// Diffusion times τ = Δ − δ/3 (s), or None without δ and Δ.
    #[getter]
    fn tau<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.inner.tau().map(|v| PyArray1::from_slice(py, v))
    }

    /// Which measurements are b0.
    #[getter]
    fn b0_mask<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        PyArray1::from_slice(py, self.inner.b0_mask())
    }

    /// Shell index of every measurement.
    #[getter]
    fn shell_indices<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let shell_of = self.inner.shell_of().iter().map(|&s| s as i64);
        PyArray1::from_iter(py, shell_of)
    }

    /// The shells: (b-value, δ, Δ, TE, is_b0, measurement indices) each.
    fn shells(&self) -> Vec<ShellTuple> {
        self.inner
            .shells()
            .iter()
            .map(|s| {
                let (b, d, bd, te) = (s.bvalue, s.delta, s.big_delta, s.echo_time);
                (b, d, bd, te, s.is_b0, s.indices.clone())
            })
            .collect()
    }

    /// The construction settings: (b0_threshold, min_shell_distance, renormalize_directions).
    fn options(&self) -> (f64, f64, bool) {
        let o = self.inner.options();
        (
            o.b0_threshold,
            o.min_shell_distance,
            o.renormalize_directions,
        )
    }
}

/// Reads an (N, 3) array of directions; a different column count is an `AcquisitionError`.
fn directions(array: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<[f64; 3]>> {
    let view = array.as_array();
    if view.ncols() != 3 {
        return Err(AcquisitionError::new_err(format!(
            "gradient directions must have shape (N, 3), got {:?}",
            view.shape()
        )));
    }
    Ok(view
        .rows()
        .into_iter()
        .map(|r| [r[0], r[1], r[2]])
        .collect())
}

/// One timing value for all measurements (length 1) or one per measurement.
fn per_measurement(values: Option<PyReadonlyArray1<'_, f64>>) -> Option<PerMeasurement> {
    let values = values?.as_array().to_vec();
    Some(match values.as_slice() {
        [one] => PerMeasurement::Constant(*one),
        _ => PerMeasurement::Values(values),
    })
}

/// The timing and options every constructor takes, gathered from Python arguments.
fn timing_and_options(
    delta: Option<PyReadonlyArray1<'_, f64>>,
    big_delta: Option<PyReadonlyArray1<'_, f64>>,
    echo_time: Option<PyReadonlyArray1<'_, f64>>,
    options: (f64, f64, bool, bool),
) -> (PulseTiming, SchemeOptions) {
    let timing = PulseTiming {
        delta: per_measurement(delta),
        big_delta: per_measurement(big_delta),
        echo_time: per_measurement(echo_time),
    };
    let (b0_threshold, min_shell_distance, renormalize_directions, lenient_units) = options;
    let options = SchemeOptions {
        b0_threshold,
        min_shell_distance,
        renormalize_directions,
        lenient_units,
    };
    (timing, options)
}

/// Which quantity weights the measurements.
#[derive(Clone, Copy)]
enum Weighting {
    BValues,
    QValues,
    GradientStrengths,
}

/// Builds a scheme from one weighting array, directions, timing and options.
#[allow(clippy::too_many_arguments)]
fn build(
    weighting: Weighting,
    values: PyReadonlyArray1<'_, f64>,
    gradient_directions: PyReadonlyArray2<'_, f64>,
    delta: Option<PyReadonlyArray1<'_, f64>>,
    big_delta: Option<PyReadonlyArray1<'_, f64>>,
    echo_time: Option<PyReadonlyArray1<'_, f64>>,
    options: (f64, f64, bool, bool),
) -> PyResult<PyScheme> {
    let dirs = directions(&gradient_directions)?;
    let values = values.as_array().to_vec();
    let (timing, options) = timing_and_options(delta, big_delta, echo_time, options);
    let inner = match weighting {
        Weighting::BValues => AcquisitionScheme::from_bvalues(&values, &dirs, timing, &options),
        Weighting::QValues => AcquisitionScheme::from_qvalues(&values, &dirs, timing, &options),
        Weighting::GradientStrengths => {
            AcquisitionScheme::from_gradient_strengths(&values, &dirs, timing, &options)
        }
    }
    .map_err(CoreError)?;
    Ok(PyScheme { inner })
}

/// A scheme from b-values (s/m²), directions (N, 3) and optional δ, Δ, TE (s; length 1 or N).
#[pyfunction]
#[pyo3(signature = (bvalues, gradient_directions, delta, big_delta, echo_time, b0_threshold, min_shell_distance, renormalize_directions, lenient_units=false))]
#[allow(clippy::too_many_arguments)]
pub fn scheme_from_bvalues(
    bvalues: PyReadonlyArray1<'_, f64>,
    gradient_directions: PyReadonlyArray2<'_, f64>,
    delta: Option<PyReadonlyArray1<'_, f64>>,
    big_delta: Option<PyReadonlyArray1<'_, f64>>,
    echo_time: Option<PyReadonlyArray1<'_, f64>>,
    b0_threshold: f64,
    min_shell_distance: f64,
    renormalize_directions: bool,
    lenient_units: bool,
) -> PyResult<PyScheme> {
    let options = (
        b0_threshold,
        min_shell_distance,
        renormalize_directions,
        lenient_units,
    );
    let (b, g) = (bvalues, gradient_directions);
    build(
        Weighting::BValues,
        b,
        g,
        delta,
        big_delta,
        echo_time,
        options,
    )
}

/// A scheme from q-values (1/m), directions (N, 3), δ and Δ (s) and optional TE (s).
#[pyfunction]
#[pyo3(signature = (qvalues, gradient_directions, delta, big_delta, echo_time, b0_threshold, min_shell_distance, renormalize_directions, lenient_units=false))]
#[allow(clippy::too_many_arguments)]
pub fn scheme_from_qvalues(
    qvalues: PyReadonlyArray1<'_, f64>,
    gradient_directions: PyReadonlyArray2<'_, f64>,
    delta: Option<PyReadonlyArray1<'_, f64>>,
    big_delta: Option<PyReadonlyArray1<'_, f64>>,
    echo_time: Option<PyReadonlyArray1<'_, f64>>,
    b0_threshold: f64,
    min_shell_distance: f64,
    renormalize_directions: bool,
    lenient_units: bool,
) -> PyResult<PyScheme> {
    let options = (
        b0_threshold,
        min_shell_distance,
        renormalize_directions,
        lenient_units,
    );
    let (q, g) = (qvalues, gradient_directions);
    build(
        Weighting::QValues,
        q,
        g,
        delta,
        big_delta,
        echo_time,
        options,
    )
}

/// A scheme from gradient strengths (T/m), directions (N, 3), δ and Δ (s) and optional TE (s).
#[pyfunction]
#[pyo3(signature = (gradient_strengths, gradient_directions, delta, big_delta, echo_time, b0_threshold, min_shell_distance, renormalize_directions, lenient_units=false))]
#[allow(clippy::too_many_arguments)]
pub fn scheme_from_gradient_strengths(
    gradient_strengths: PyReadonlyArray1<'_, f64>,
    gradient_directions: PyReadonlyArray2<'_, f64>,
    delta: Option<PyReadonlyArray1<'_, f64>>,
    big_delta: Option<PyReadonlyArray1<'_, f64>>,
    echo_time: Option<PyReadonlyArray1<'_, f64>>,
    b0_threshold: f64,
    min_shell_distance: f64,
    renormalize_directions: bool,
    lenient_units: bool,
) -> PyResult<PyScheme> {
    let options = (
        b0_threshold,
        min_shell_distance,
        renormalize_directions,
        lenient_units,
    );
    let (s, g) = (gradient_strengths, gradient_directions);
    build(
        Weighting::GradientStrengths,
        s,
        g,
        delta,
        big_delta,
        echo_time,
        options,
    )
}

/// The WU-Minn HCP scheme built into the core (288 measurements, δ = 10.6 ms, Δ = 43.1 ms).
#[pyfunction]
pub fn hcp_wu_minn() -> PyResult<PyScheme> {
    let inner = AcquisitionScheme::hcp_wu_minn().map_err(CoreError)?;
    Ok(PyScheme { inner })
}
