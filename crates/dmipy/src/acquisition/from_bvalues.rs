//! Building a scheme from SI b-values: validation, derived q/G/τ, b0 mask and shells.

use super::scheme::{
    AcquisitionScheme, GYROMAGNETIC_RATIO, PerMeasurement, PulseTiming, SchemeOptions,
};
use super::shells::cluster_shells;
use crate::Error;
use std::f64::consts::PI;

impl AcquisitionScheme {
    /// A scheme from b-values (s/m²), gradient directions and optional pulse timing.
    ///
    /// Directions of b0 measurements may be the zero vector; all others must be unit vectors
    /// (within 1e-3) unless `options.renormalize_directions` is set. When δ and Δ are both known,
    /// q = √(b/τ)/(2π) with τ = Δ − δ/3, and |G| = 2πq/(γδ) (Dmipy 1.x, `acquisition_scheme.py`;
    /// Stejskal & Tanner 1965, doi:10.1063/1.1695690, eq. 7).
    pub fn from_bvalues(
        bvalues: &[f64],
        directions: &[[f64; 3]],
        timing: PulseTiming,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        let n = bvalues.len();
        if n == 0 {
            return Err(Error::Empty {
                what: "b-values".into(),
            });
        }
        check_len("gradient directions", n, directions.len())?;
        check_non_negative("b-values", bvalues)?;
        let directions = checked_directions(directions, bvalues, options)?;
        let delta = expand("delta", timing.delta, n)?;
        let big_delta = expand("Delta", timing.big_delta, n)?;
        let echo_time = expand("TE", timing.echo_time, n)?;
        let tau = match (&delta, &big_delta) {
            (Some(d), Some(bd)) => Some(tau_of(d, bd)?),
            _ => None,
        };
        let qvalues = tau.as_ref().map(|t| {
            bvalues
                .iter()
                .zip(t)
                .map(|(&b, &t)| (b / t).sqrt() / (2.0 * PI))
                .collect::<Vec<_>>()
        });
        let gradient_strengths = match (&qvalues, &delta) {
            (Some(q), Some(d)) => Some(
                q.iter()
                    .zip(d)
                    .map(|(&q, &d)| {
                        if d > 0.0 {
                            2.0 * PI * q / (GYROMAGNETIC_RATIO * d)
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            ),
            _ => None,
        };
        let b0_mask: Vec<bool> = bvalues.iter().map(|&b| b <= options.b0_threshold).collect();
        let (shells, shell_of) = cluster_shells(
            bvalues,
            &b0_mask,
            delta.as_deref(),
            big_delta.as_deref(),
            echo_time.as_deref(),
            options.min_shell_distance,
        );
        Ok(Self {
            bvalues: bvalues.to_vec(),
            directions,
            delta,
            big_delta,
            echo_time,
            qvalues,
            gradient_strengths,
            tau,
            b0_mask,
            shells,
            shell_of,
            options: options.clone(),
        })
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

fn checked_directions(
    directions: &[[f64; 3]],
    bvalues: &[f64],
    options: &SchemeOptions,
) -> Result<Vec<[f64; 3]>, Error> {
    let mut out = Vec::with_capacity(directions.len());
    for (index, (v, &b)) in directions.iter().zip(bvalues).enumerate() {
        if let Some(&value) = v.iter().find(|x| !x.is_finite()) {
            return Err(Error::NotFinite {
                what: "gradient directions".into(),
                index,
                value,
            });
        }
        let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        let is_b0 = b <= options.b0_threshold;
        if norm == 0.0 && is_b0 {
            out.push(*v);
        } else if (norm - 1.0).abs() <= 1e-3 || (options.renormalize_directions && norm > 0.0) {
            out.push([v[0] / norm, v[1] / norm, v[2] / norm]);
        } else {
            return Err(Error::NonUnitDirection { index, norm });
        }
    }
    Ok(out)
}

fn expand(what: &str, value: Option<PerMeasurement>, n: usize) -> Result<Option<Vec<f64>>, Error> {
    let values = match value {
        None => return Ok(None),
        Some(PerMeasurement::Constant(v)) => vec![v; n],
        Some(PerMeasurement::Values(v)) => {
            check_len(what, n, v.len())?;
            v
        }
    };
    check_non_negative(what, &values)?;
    Ok(Some(values))
}

fn tau_of(delta: &[f64], big_delta: &[f64]) -> Result<Vec<f64>, Error> {
    delta
        .iter()
        .zip(big_delta)
        .enumerate()
        .map(|(index, (&d, &bd))| {
            let tau = bd - d / 3.0;
            if tau > 0.0 {
                Ok(tau)
            } else {
                Err(Error::InvalidArgument {
                    what: format!("timing of measurement {index}"),
                    reason: format!("Delta ({bd} s) - delta/3 ({d} s / 3) must be positive"),
                })
            }
        })
        .collect()
}
