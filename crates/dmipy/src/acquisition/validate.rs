//! Checks of user input to the scheme constructors: lengths, finiteness, signs, units, timing.

use super::conversions::tau;
use super::scheme::SchemeOptions;
use super::timing::{PerMeasurement, PulseTiming};
use crate::Error;

/// Largest plausible δ, Δ or TE (s); larger values were almost surely given in milliseconds.
const MAX_TIMING_S: f64 = 1.0;

/// Below this a non-zero SI b-value (s/m²) is meaningless (0.1 s/mm²): the input is in s/mm².
/// Above this an s/mm² b-value is beyond any scanner (1e11 s/m²): the input is in s/m².
pub(crate) const UNIT_SWITCH: f64 = 1e5;

/// Validated pulse timing, expanded to one value per measurement.
#[derive(Debug, Default)]
pub(crate) struct Timing {
    pub(crate) delta: Option<Vec<f64>>,
    pub(crate) big_delta: Option<Vec<f64>>,
    pub(crate) echo_time: Option<Vec<f64>>,
}

impl Timing {
    /// δ and Δ, or an error saying that `constructor` needs them.
    pub(crate) fn pgse(&self, constructor: &str) -> Result<(&[f64], &[f64]), Error> {
        match (&self.delta, &self.big_delta) {
            (Some(d), Some(bd)) => Ok((d, bd)),
            _ => Err(Error::InvalidArgument {
                what: "pulse timing".into(),
                reason: format!("{constructor} needs both delta and Delta"),
            }),
        }
    }
}

pub(crate) fn check_len(what: &str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: what.into(),
            expected,
            found,
        })
    }
}

/// Every value finite and ≥ 0.
pub(crate) fn check_non_negative(what: &str, values: &[f64]) -> Result<(), Error> {
    for (index, &value) in values.iter().enumerate() {
        if !value.is_finite() {
            return Err(Error::NotFinite {
                what: what.into(),
                index,
                value,
            });
        }
        if value < 0.0 {
            return Err(Error::Negative {
                what: what.into(),
                index,
                value,
            });
        }
    }
    Ok(())
}

/// Non-empty, finite and non-negative; `n` is the number of measurements.
pub(crate) fn check_primary(what: &str, values: &[f64]) -> Result<usize, Error> {
    if values.is_empty() {
        return Err(Error::Empty { what: what.into() });
    }
    check_non_negative(what, values)?;
    Ok(values.len())
}

/// SI b-values (s/m²) whose non-zero maximum is below 1e5 were given in s/mm².
pub(crate) fn check_si_bvalues(bvalues: &[f64]) -> Result<(), Error> {
    let max = bvalues.iter().copied().fold(0.0, f64::max);
    if max > 0.0 && max < UNIT_SWITCH {
        return Err(Error::SuspiciousUnit {
            message: format!(
                "the largest b-value is {max}, which is below 1e5 s/m² (0.1 s/mm²): these look like \
                 s/mm²; multiply them by 1e6 or use AcquisitionScheme::from_bvalues_s_mm2"
            ),
        });
    }
    Ok(())
}

/// b-values in s/mm² above 1e5 were given in s/m².
pub(crate) fn check_s_mm2_bvalues(bvalues: &[f64]) -> Result<(), Error> {
    let max = bvalues.iter().copied().fold(0.0, f64::max);
    if max > UNIT_SWITCH {
        return Err(Error::SuspiciousUnit {
            message: format!(
                "the largest b-value is {max}, above 1e5 s/mm²: these look like s/m² (SI); divide \
                 them by 1e6 or use AcquisitionScheme::from_bvalues"
            ),
        });
    }
    Ok(())
}

/// Expands and checks δ, Δ and TE: finite, ≥ 0, at most 1 s, δ ≤ Δ and Δ − δ/3 > 0.
pub(crate) fn checked_timing(timing: &PulseTiming, n: usize) -> Result<Timing, Error> {
    let out = Timing {
        delta: expand("delta", timing.delta.as_ref(), n)?,
        big_delta: expand("Delta", timing.big_delta.as_ref(), n)?,
        echo_time: expand("TE", timing.echo_time.as_ref(), n)?,
    };
    if let (Some(d), Some(bd)) = (&out.delta, &out.big_delta) {
        for (index, (&d, &bd)) in d.iter().zip(bd).enumerate() {
            let reason = if d > bd {
                format!("delta ({d} s) is longer than Delta ({bd} s); did you swap them?")
            } else if tau(d, bd) <= 0.0 {
                format!("Delta - delta/3 = {bd} - {d}/3 s must be positive")
            } else {
                continue;
            };
            return Err(Error::InvalidArgument {
                what: format!("pulse timing of measurement {index}"),
                reason,
            });
        }
    }
    Ok(out)
}

fn expand(what: &str, value: Option<&PerMeasurement>, n: usize) -> Result<Option<Vec<f64>>, Error> {
    let values = match value {
        None => return Ok(None),
        Some(PerMeasurement::Constant(v)) => vec![*v; n],
        Some(PerMeasurement::Values(v)) => {
            check_len(what, n, v.len())?;
            v.clone()
        }
    };
    check_non_negative(what, &values)?;
    if let Some(&max) = values.iter().find(|&&v| v > MAX_TIMING_S) {
        return Err(Error::SuspiciousUnit {
            message: format!(
                "{what} = {max} s is longer than 1 s: this looks like milliseconds; timings are in \
                 seconds, divide by 1000 (e.g. 10.6 ms -> 0.0106 s)"
            ),
        });
    }
    Ok(Some(values))
}

/// A zero-length pulse cannot diffusion-weight: δ must be positive wherever `weighting` (b, q or
/// |G|) is non-zero.
pub(crate) fn check_zero_delta(
    what: &str,
    weighting: &[f64],
    timing: &Timing,
) -> Result<(), Error> {
    let Some(delta) = &timing.delta else {
        return Ok(());
    };
    match weighting
        .iter()
        .zip(delta)
        .position(|(&w, &d)| w > 0.0 && d == 0.0)
    {
        None => Ok(()),
        Some(index) => Err(Error::InvalidArgument {
            what: format!("pulse timing of measurement {index}"),
            reason: format!("delta is 0 s but {what} is {}", weighting[index]),
        }),
    }
}

/// Gradient directions: finite; unit length within 1e-3, or zero for b0 measurements. With
/// `options.renormalize_directions` every non-zero vector is scaled to unit length instead;
/// otherwise the vectors are kept exactly as given (as Dmipy does).
pub(crate) fn checked_directions(
    directions: &[[f64; 3]],
    b0_mask: &[bool],
    options: &SchemeOptions,
) -> Result<Vec<[f64; 3]>, Error> {
    let mut out = Vec::with_capacity(directions.len());
    for (index, (v, &is_b0)) in directions.iter().zip(b0_mask).enumerate() {
        if let Some(&value) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::NotFinite {
                what: "gradient directions".into(),
                index,
                value,
            });
        }
        let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        if norm == 0.0 && is_b0 {
            out.push(*v);
        } else if options.renormalize_directions && norm > 0.0 {
            out.push([v[0] / norm, v[1] / norm, v[2] / norm]);
        } else if (norm - 1.0).abs() <= 1e-3 {
            out.push(*v);
        } else {
            return Err(Error::NonUnitDirection { index, norm });
        }
    }
    Ok(out)
}
