//! Priors per parameter: uniform, normal, log-normal and half-normal densities, their JSON form and their checks against the model's bounds.
//!
//! Every scalar parameter lives in the box of its bounds (the model's parameter ranges); a prior
//! is a density on that box (truncated to it). Without a prior a scalar is uniform on its box;
//! a uniform prior narrower than the box replaces the box. Orientations are uniform on the
//! sphere and the partial volumes uniform on the simplex, always (see `transform`).
//!
//! JSON (a file given with `dmipy sample --priors`, or [`Priors::from_json`]): one entry per
//! Dmipy parameter name, SI units,
//!
//! ```json
//! {"C1Stick_1_lambda_par": {"normal": {"mean": 1.7e-9, "sd": 0.2e-9}},
//!  "G1Ball_1_lambda_iso": {"uniform": {"lower": 2e-9, "upper": 3e-9}},
//!  "SD1Watson_1_odi": {"lognormal": {"mu": -1.6, "sigma": 0.5}},
//!  "G2Zeppelin_1_lambda_perp": {"halfnormal": {"sd": 1e-9}}}
//! ```

use crate::BayesError;
use serde_json::Value;

/// A prior density of one scalar parameter x (SI), truncated to the parameter's bounds. The
/// log densities are given up to constants (which cancel in the posterior).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// Uniform on [lower, upper], which must lie within the bounds.
    Uniform {
        /// Lower end (SI).
        lower: f64,
        /// Upper end (SI).
        upper: f64,
    },
    /// Normal: $\ln p = -(x-\mu)^2/(2s^2)$; its mean must lie within the bounds.
    Normal {
        /// Mean μ (SI).
        mean: f64,
        /// Standard deviation s > 0 (SI).
        sd: f64,
    },
    /// Log-normal, ln x ~ N(μ, σ²): $\ln p = -\ln x - (\ln x - \mu)^2/(2\sigma^2)$ for x > 0;
    /// the bounds must be non-negative and its median $e^\mu$ within them.
    LogNormal {
        /// Mean μ of ln x (x in SI).
        mu: f64,
        /// Standard deviation σ > 0 of ln x.
        sigma: f64,
    },
    /// Half-normal on x ≥ 0: $\ln p = -x^2/(2s^2)$; the lower bound must be ≥ 0.
    HalfNormal {
        /// Scale s > 0 (SI).
        sd: f64,
    },
}

/// The names a prior may have in JSON.
pub const PRIOR_NAMES: [&str; 4] = ["uniform", "normal", "lognormal", "halfnormal"];

impl Prior {
    /// Its JSON name.
    pub fn name(&self) -> &'static str {
        match self {
            Prior::Uniform { .. } => "uniform",
            Prior::Normal { .. } => "normal",
            Prior::LogNormal { .. } => "lognormal",
            Prior::HalfNormal { .. } => "halfnormal",
        }
    }

    /// $\ln p(x)$ up to a constant and $\mathrm{d}\ln p/\mathrm{d}x$ (x inside its support).
    pub fn log_density(&self, x: f64) -> (f64, f64) {
        match *self {
            Prior::Uniform { .. } => (0.0, 0.0),
            Prior::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                (-0.5 * z * z, -z / sd)
            }
            Prior::LogNormal { mu, sigma } => {
                let l = x.ln();
                let z = (l - mu) / sigma;
                (-l - 0.5 * z * z, -(1.0 + z / sigma) / x)
            }
            Prior::HalfNormal { sd } => (-0.5 * (x / sd).powi(2), -x / (sd * sd)),
        }
    }

    /// Checks the hyperparameters and the prior against the parameter's `bounds` (SI); returns
    /// the box the parameter is sampled in (the bounds, or a uniform prior's narrower range).
    pub fn check(&self, parameter: &str, bounds: (f64, f64)) -> Result<(f64, f64), BayesError> {
        let fail = |reason: String| BayesError::Prior {
            parameter: parameter.to_string(),
            reason,
        };
        let (lo, hi) = bounds;
        let inside = |v: f64| v >= lo && v <= hi;
        let positive = |what: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(fail(format!(
                    "{} {what} must be positive and finite, found {v}",
                    self.name()
                )))
            }
        };
        match *self {
            Prior::Uniform { lower, upper } => {
                if !(lower.is_finite() && upper.is_finite() && lower < upper) {
                    return Err(fail(format!(
                        "uniform needs lower < upper, found [{lower}, {upper}]"
                    )));
                }
                if !(inside(lower) && inside(upper)) {
                    return Err(fail(format!(
                        "uniform [{lower}, {upper}] is outside the bounds [{lo}, {hi}]"
                    )));
                }
                return Ok((lower, upper));
            }
            Prior::Normal { mean, sd } => {
                positive("sd", sd)?;
                if !inside(mean) {
                    return Err(fail(format!(
                        "normal mean {mean} is outside the bounds [{lo}, {hi}]"
                    )));
                }
            }
            Prior::LogNormal { mu, sigma } => {
                positive("sigma", sigma)?;
                if lo < 0.0 {
                    return Err(fail(format!(
                        "lognormal needs bounds ≥ 0, found lower {lo}"
                    )));
                }
                if !(mu.is_finite() && inside(mu.exp())) {
                    return Err(fail(format!(
                        "lognormal median exp({mu}) is outside the bounds [{lo}, {hi}]"
                    )));
                }
            }
            Prior::HalfNormal { sd } => {
                positive("sd", sd)?;
                if lo < 0.0 {
                    return Err(fail(format!(
                        "halfnormal needs bounds ≥ 0, found lower {lo}"
                    )));
                }
            }
        }
        Ok(bounds)
    }
}

/// Priors by Dmipy parameter name; parameters without an entry are uniform on their bounds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Priors {
    entries: Vec<(String, Prior)>,
}

impl Priors {
    /// No priors: every scalar uniform on its bounds.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the prior of `parameter` (replacing an earlier one). It is checked against the
    /// model when the posterior is built.
    pub fn set(&mut self, parameter: &str, prior: Prior) {
        self.entries.retain(|(n, _)| n != parameter);
        self.entries.push((parameter.to_string(), prior));
    }

    /// The prior of `parameter`, if set.
    pub fn get(&self, parameter: &str) -> Option<Prior> {
        self.entries
            .iter()
            .find(|(n, _)| n == parameter)
            .map(|e| e.1)
    }

    /// The entries in the order they were set.
    pub fn entries(&self) -> &[(String, Prior)] {
        &self.entries
    }

    /// Reads the JSON form of the module documentation. Errors name the parameter and say
    /// what is wrong: not an object, unknown distribution, missing or extra hyperparameter,
    /// or a value that is not a number.
    pub fn from_json(text: &str) -> Result<Self, BayesError> {
        let fail = |parameter: &str, reason: String| BayesError::Prior {
            parameter: parameter.to_string(),
            reason,
        };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| fail("(file)", format!("not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(fail(
                "(file)",
                "expected an object {parameter: {distribution: {...}}}".into(),
            ));
        };
        let mut priors = Priors::new();
        for (parameter, spec) in map {
            let Some((name, args)) = spec
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
            else {
                return Err(fail(
                    &parameter,
                    "expected {\"<distribution>\": {...}}, one distribution".into(),
                ));
            };
            let keys: &[&str] = match name.as_str() {
                "uniform" => &["lower", "upper"],
                "normal" => &["mean", "sd"],
                "lognormal" => &["mu", "sigma"],
                "halfnormal" => &["sd"],
                other => {
                    return Err(fail(
                        &parameter,
                        format!("unknown prior {other:?}; known: {}", PRIOR_NAMES.join(", ")),
                    ));
                }
            };
            let Some(args) = args.as_object() else {
                return Err(fail(
                    &parameter,
                    format!("{name} needs an object with {keys:?}"),
                ));
            };
            if let Some(extra) = args.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(fail(
                    &parameter,
                    format!("{name} has no hyperparameter {extra:?}; it takes {keys:?}"),
                ));
            }
            let mut v = [0.0; 2];
            for (slot, key) in v.iter_mut().zip(keys) {
                *slot = args
                    .get(*key)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| fail(&parameter, format!("{name} needs a number {key:?}")))?;
            }
            let prior = match name.as_str() {
                "uniform" => Prior::Uniform {
                    lower: v[0],
                    upper: v[1],
                },
                "normal" => Prior::Normal {
                    mean: v[0],
                    sd: v[1],
                },
                "lognormal" => Prior::LogNormal {
                    mu: v[0],
                    sigma: v[1],
                },
                _ => Prior::HalfNormal { sd: v[0] },
            };
            priors.set(&parameter, prior);
        }
        Ok(priors)
    }

    /// The JSON form ([`from_json`](Self::from_json) reads it back).
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (name, prior) in &self.entries {
            let args = match *prior {
                Prior::Uniform { lower, upper } => {
                    serde_json::json!({"lower": lower, "upper": upper})
                }
                Prior::Normal { mean, sd } => serde_json::json!({"mean": mean, "sd": sd}),
                Prior::LogNormal { mu, sigma } => serde_json::json!({"mu": mu, "sigma": sigma}),
                Prior::HalfNormal { sd } => serde_json::json!({"sd": sd}),
            };
            map.insert(name.clone(), serde_json::json!({ prior.name(): args }));
        }
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Log densities and derivatives against closed forms and central differences.
    #[test]
    fn densities_and_derivatives() {
        let normal = Prior::Normal { mean: 2.0, sd: 0.5 };
        assert_eq!(normal.log_density(3.0), (-2.0, -4.0));
        let half = Prior::HalfNormal { sd: 2.0 };
        assert_eq!(half.log_density(2.0), (-0.5, -0.5));
        for prior in [
            normal,
            half,
            Prior::LogNormal {
                mu: 0.3,
                sigma: 0.7,
            },
        ] {
            for x in [0.4, 1.3, 2.9] {
                let h = 1e-6;
                let fd = (prior.log_density(x + h).0 - prior.log_density(x - h).0) / (2.0 * h);
                let d = prior.log_density(x).1;
                assert!(
                    (d - fd).abs() < 1e-8 * d.abs().max(1.0),
                    "{prior:?} at {x}: {d} vs {fd}"
                );
            }
        }
        // Log-normal at its median e^μ: ln p = −μ.
        let ln = Prior::LogNormal {
            mu: 0.3,
            sigma: 0.7,
        };
        assert!((ln.log_density(0.3f64.exp()).0 + 0.3).abs() < 1e-15);
    }

    #[test]
    fn json_round_trip_and_errors() {
        let text = r#"{"a": {"normal": {"mean": 1e-9, "sd": 2e-10}}, "b": {"uniform": {"lower": 0.1, "upper": 0.2}},
                       "c": {"lognormal": {"mu": -1, "sigma": 0.5}}, "d": {"halfnormal": {"sd": 3}}}"#;
        let priors = Priors::from_json(text).unwrap();
        assert_eq!(
            priors.get("a"),
            Some(Prior::Normal {
                mean: 1e-9,
                sd: 2e-10
            })
        );
        assert_eq!(priors.get("d"), Some(Prior::HalfNormal { sd: 3.0 }));
        let back = Priors::from_json(&priors.to_json().to_string()).unwrap();
        assert_eq!(back.get("c"), priors.get("c"));
        for (bad, says) in [
            (r#"{"a": {"cauchy": {"x": 1}}}"#, "unknown prior \"cauchy\""),
            (r#"{"a": {"normal": {"mean": 1}}}"#, "needs a number \"sd\""),
            (
                r#"{"a": {"normal": {"mean": 1, "sd": 1, "df": 3}}}"#,
                "no hyperparameter \"df\"",
            ),
            (r#"[1]"#, "expected an object"),
            (r#"{"a": 3}"#, "one distribution"),
        ] {
            let e = Priors::from_json(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn checks_against_bounds() {
        let b = (0.1e-9, 3e-9);
        let ok = Prior::Uniform {
            lower: 1e-9,
            upper: 2e-9,
        };
        assert_eq!(ok.check("p", b).unwrap(), (1e-9, 2e-9));
        assert_eq!(
            Prior::Normal {
                mean: 1e-9,
                sd: 1e-10
            }
            .check("p", b)
            .unwrap(),
            b
        );
        for (bad, says) in [
            (
                Prior::Uniform {
                    lower: 1e-9,
                    upper: 4e-9,
                },
                "outside the bounds",
            ),
            (
                Prior::Uniform {
                    lower: 2e-9,
                    upper: 1e-9,
                },
                "lower < upper",
            ),
            (
                Prior::Normal {
                    mean: 5e-9,
                    sd: 1e-10,
                },
                "outside the bounds",
            ),
            (
                Prior::Normal {
                    mean: 1e-9,
                    sd: 0.0,
                },
                "positive",
            ),
            (
                Prior::LogNormal {
                    mu: 0.0,
                    sigma: 1.0,
                },
                "outside the bounds",
            ),
            (Prior::HalfNormal { sd: -1.0 }, "positive"),
        ] {
            let e = bad
                .check("C1Stick_1_lambda_par", b)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(says) && e.contains("C1Stick_1_lambda_par"),
                "{bad:?}: {e}"
            );
        }
        let e = Prior::HalfNormal { sd: 1.0 }
            .check("p", (-1.0, 1.0))
            .unwrap_err();
        assert!(e.to_string().contains("≥ 0"));
    }
}
