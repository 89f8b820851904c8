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

/// Norms within this of 1 are unit already and kept as given, so that normalising is
/// idempotent: a scheme rebuilt from its own directions (unpickled on a Dask worker, read back
/// from a scheme file) is bit-identical. Dividing by the computed norm leaves a vector whose
/// computed norm is within about 3ε of 1 (three products, two sums, a square root and the
/// division each round by at most ε/2; Higham 2002, *Accuracy and Stability of Numerical
/// Algorithms*, 2nd ed., §3.1, doi:10.1137/1.9780898718027); 8ε leaves a margin.
const UNIT_NORM_ROUNDING: f64 = 8.0 * f64::EPSILON;

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

/// The b0 threshold and minimum shell distance (s/m²) must be finite and non-negative.
pub(crate) fn check_options(options: &SchemeOptions) -> Result<(), Error> {
    check_non_negative("b0_threshold", &[options.b0_threshold])?;
    check_non_negative("min_shell_distance", &[options.min_shell_distance])
}

/// Expands and checks δ, Δ and TE: finite, ≥ 0, at most 1 s (unless `lenient`), δ ≤ Δ and
/// Δ − δ/3 > 0.
pub(crate) fn checked_timing(
    timing: &PulseTiming,
    n: usize,
    lenient: bool,
) -> Result<Timing, Error> {
    let out = Timing {
        delta: expand("delta", timing.delta.as_ref(), n, lenient)?,
        big_delta: expand("Delta", timing.big_delta.as_ref(), n, lenient)?,
        echo_time: expand("TE", timing.echo_time.as_ref(), n, lenient)?,
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

fn expand(
    what: &str,
    value: Option<&PerMeasurement>,
    n: usize,
    lenient: bool,
) -> Result<Option<Vec<f64>>, Error> {
    let values = match value {
        None => return Ok(None),
        Some(PerMeasurement::Constant(v)) => vec![*v; n],
        Some(PerMeasurement::Values(v)) => {
            check_len(what, n, v.len())?;
            v.clone()
        }
    };
    check_non_negative(what, &values)?;
    if let Some(&max) = values.iter().find(|&&v| v > MAX_TIMING_S && !lenient) {
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

/// Gradient directions: finite; unit length within 1e-3, or zero for b0 measurements. Accepted
/// vectors are scaled to exactly unit length: a direction is a unit vector by definition, and files
/// store it rounded (HCP's bvecs are off by up to 1.1e-6, which moves a b = 3e9 s/m² signal by
/// ~1e-5); vectors unit to rounding ([`UNIT_NORM_ROUNDING`]) are kept. Dmipy keeps them as
/// given; our reference fixtures feed Dmipy normalised vectors. With
/// `options.renormalize_directions` any non-zero vector is accepted and normalised.
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
        if (norm == 0.0 && is_b0) || (norm - 1.0).abs() <= UNIT_NORM_ROUNDING {
            out.push(*v);
        } else if (norm - 1.0).abs() <= 1e-3 || (options.renormalize_directions && norm > 0.0) {
            out.push([v[0] / norm, v[1] / norm, v[2] / norm]);
        } else {
            return Err(Error::NonUnitDirection { index, norm });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::scheme::AcquisitionScheme;
    use super::*;

    const X: [f64; 3] = [1.0, 0.0, 0.0];

    fn build(
        b: &[f64],
        dirs: &[[f64; 3]],
        timing: PulseTiming,
    ) -> Result<AcquisitionScheme, Error> {
        AcquisitionScheme::from_bvalues(b, dirs, timing, &SchemeOptions::default())
    }

    fn pgse() -> PulseTiming {
        PulseTiming::pgse(0.01, 0.03)
    }

    fn invalid_reason(e: Result<AcquisitionScheme, Error>) -> String {
        match e {
            Err(Error::InvalidArgument { reason, .. }) => reason,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn empty_and_length_mismatch() {
        assert_eq!(
            build(&[], &[], pgse()),
            Err(Error::Empty {
                what: "b-values".into()
            })
        );
        let e = build(&[0.0, 1e9], &[X], pgse());
        assert!(matches!(
            e,
            Err(Error::LengthMismatch {
                expected: 2,
                found: 1,
                ..
            })
        ));
        let t = PulseTiming::per_measurement(vec![0.01; 3], vec![0.03; 2]);
        let e = build(&[0.0, 1e9], &[X, X], t);
        assert!(matches!(
            e,
            Err(Error::LengthMismatch {
                expected: 2,
                found: 3,
                ..
            })
        ));
        let t = pgse().with_echo_time(vec![0.08]);
        let e = build(&[0.0, 1e9], &[X, X], t);
        assert!(matches!(
            e,
            Err(Error::LengthMismatch {
                expected: 2,
                found: 1,
                ..
            })
        ));
    }

    #[test]
    fn nan_and_negative_values() {
        let e = build(&[0.0, f64::NAN], &[X, X], pgse());
        assert!(matches!(e, Err(Error::NotFinite { index: 1, .. })));
        let e = build(&[0.0, -1e9], &[X, X], pgse());
        assert!(matches!(e, Err(Error::Negative { index: 1, .. })));
        let e = build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(-0.01, 0.03));
        assert!(matches!(e, Err(Error::Negative { ref what, .. }) if what == "delta"));
        let e = build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(0.01, -0.03));
        assert!(matches!(e, Err(Error::Negative { ref what, .. }) if what == "Delta"));
        let e = build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(f64::NAN, 0.03));
        assert!(matches!(e, Err(Error::NotFinite { ref what, .. }) if what == "delta"));
        let e = build(&[0.0, 1e9], &[X, [f64::INFINITY, 0.0, 0.0]], pgse());
        assert!(matches!(e, Err(Error::NotFinite { index: 1, .. })));
    }

    #[test]
    fn directions_must_be_unit_unless_renormalised() {
        let e = build(&[0.0, 1e9], &[X, [2.0, 0.0, 0.0]], pgse());
        assert_eq!(
            e,
            Err(Error::NonUnitDirection {
                index: 1,
                norm: 2.0
            })
        );
        // A weighted measurement cannot have the zero direction.
        let e = build(&[0.0, 1e9], &[X, [0.0; 3]], pgse());
        assert_eq!(
            e,
            Err(Error::NonUnitDirection {
                index: 1,
                norm: 0.0
            })
        );
        // Within 1e-3 the vector is accepted and scaled to unit length.
        let s = build(&[0.0, 1e9], &[[0.0; 3], [0.0, 0.9995, 0.0]], pgse()).unwrap();
        assert_eq!(s.directions()[1], [0.0, 1.0, 0.0]);
        let options = SchemeOptions {
            renormalize_directions: true,
            ..SchemeOptions::default()
        };
        let dirs = [[0.0; 3], [3.0, 0.0, 4.0]];
        let s = AcquisitionScheme::from_bvalues(&[0.0, 1e9], &dirs, pgse(), &options).unwrap();
        assert_eq!(s.directions(), &[[0.0; 3], [0.6, 0.0, 0.8]]);
    }

    /// Normalising the normalised directions changes no bit (a rebuilt scheme equals the
    /// original), for directions off unit length by up to 1e-3 in every octant.
    #[test]
    fn normalising_is_idempotent() {
        let options = SchemeOptions::default();
        let dirs: Vec<[f64; 3]> = (0..2000)
            .map(|i| {
                let (t, p) = (0.7 + i as f64 * 0.37, i as f64 * 2.39996);
                let scale = 1.0 + 1e-3 * (i as f64 * 0.61).sin();
                let v = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
                v.map(|c| c * scale)
            })
            .collect();
        let b0 = vec![false; dirs.len()];
        let once = checked_directions(&dirs, &b0, &options).unwrap();
        let twice = checked_directions(&once, &b0, &options).unwrap();
        assert_eq!(once, twice);
        let norms = once
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt());
        assert!(norms.clone().all(|n| (n - 1.0).abs() <= UNIT_NORM_ROUNDING));
        // The rule keeps vectors within the tolerance, so some of them were not divided.
        assert!(
            norms.clone().any(|n| n != 1.0),
            "every norm exactly 1: test is vacuous"
        );
    }

    #[test]
    fn bad_options() {
        let o = SchemeOptions {
            b0_threshold: f64::NAN,
            ..SchemeOptions::default()
        };
        let e = AcquisitionScheme::from_bvalues(&[0.0], &[X], pgse(), &o);
        assert!(matches!(e, Err(Error::NotFinite { ref what, .. }) if what == "b0_threshold"));
        let o = SchemeOptions {
            min_shell_distance: -1.0,
            ..SchemeOptions::default()
        };
        let e = AcquisitionScheme::from_bvalues(&[0.0], &[X], pgse(), &o);
        assert!(matches!(e, Err(Error::Negative { ref what, .. }) if what == "min_shell_distance"));
    }

    #[test]
    fn unit_suspicions_are_lifted_by_lenient_units() {
        // Δ = 1e10 s (Dmipy's long-time-limit tests) with δ = 1e-10 s: τ = Δ − δ/3 and
        // b = (2πq)²τ, so q = 1e5 /m gives b = 4π²·1e10·1e10 s/m² exactly up to rounding.
        let options = SchemeOptions {
            lenient_units: true,
            ..SchemeOptions::default()
        };
        let timing = PulseTiming::pgse(1e-10, 1e10);
        let s = AcquisitionScheme::from_qvalues(&[0.0, 1e5], &[X, X], timing.clone(), &options)
            .unwrap();
        let expected = (2.0 * std::f64::consts::PI * 1e5).powi(2) * (1e10 - 1e-10 / 3.0);
        assert!((s.bvalues()[1] / expected - 1.0).abs() < 1e-14);
        assert_eq!(s.big_delta().unwrap(), &[1e10, 1e10]);
        let strict =
            AcquisitionScheme::from_qvalues(&[0.0, 1e5], &[X, X], timing, &Default::default());
        assert!(matches!(strict, Err(Error::SuspiciousUnit { .. })));
        // b = 1 s/m² (Dmipy's own scheme tests) is tiny but valid SI.
        let tiny = AcquisitionScheme::from_bvalues(&[1.0], &[X], PulseTiming::none(), &options);
        assert_eq!(tiny.unwrap().bvalues(), &[1.0]);
        let strict =
            AcquisitionScheme::from_bvalues(&[1.0], &[X], PulseTiming::none(), &Default::default());
        assert!(matches!(strict, Err(Error::SuspiciousUnit { .. })));
    }

    #[test]
    fn timings_in_milliseconds_are_named() {
        for (timing, name) in [
            (PulseTiming::pgse(10.6, 43.1), "delta"),
            (PulseTiming::pgse(0.0106, 43.1), "Delta"),
            (pgse().with_echo_time(89.5), "TE"),
        ] {
            let e = build(&[0.0, 1e9], &[X, X], timing);
            let Err(Error::SuspiciousUnit { message }) = e else {
                panic!("{e:?}")
            };
            assert!(message.starts_with(name), "{message}");
            assert!(message.contains("milliseconds") && message.contains("divide by 1000"));
        }
    }

    #[test]
    fn inconsistent_pulse_timing() {
        let r = invalid_reason(build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(0.03, 0.01)));
        assert!(r.contains("longer than Delta"), "{r}");
        let r = invalid_reason(build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(0.0, 0.0)));
        assert!(r.contains("Delta - delta/3"), "{r}");
        let r = invalid_reason(build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(0.0, 0.03)));
        assert!(r.contains("delta is 0 s but b is 1000000000"), "{r}");
        // δ = Δ is a legal (if unusual) sequence: τ = 2Δ/3.
        let s = build(&[0.0, 1e9], &[X, X], PulseTiming::pgse(0.03, 0.03)).unwrap();
        assert!((s.tau().unwrap()[1] - 0.02).abs() < 1e-17);
        // Only δ, or only Δ, is accepted but yields no q, |G| or τ (as in Dmipy).
        let only_delta = PulseTiming {
            delta: Some(0.01.into()),
            ..PulseTiming::none()
        };
        let s = build(&[0.0, 1e9], &[X, X], only_delta).unwrap();
        assert!(s.delta().is_some() && s.qvalues().is_none() && s.tau().is_none());
    }
}
