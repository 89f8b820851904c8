//! Parameter links of a multi-compartment model: fixed values (constant or per voxel), equality, tortuosity, fractional parameters, bounds and initial guesses, as Dmipy 1.x's `set_…` calls.

use super::MultiCompartmentModel;
use super::parameters::{ModelParameter, ValueSource};
use super::tortuosity::tortuous_lambda_perp;
use crate::{Error, ParameterKind, Scalar};
use serde_json::json;

/// A value as a model file writes it: a number, a list, or `{"per_voxel": [...]}`.
fn value_json(value: &ParameterValue) -> serde_json::Value {
    match value {
        ParameterValue::Constant(v) if v.len() == 1 => json!(v[0]),
        ParameterValue::Constant(v) => json!(v),
        ParameterValue::PerVoxel(v) => json!({ "per_voxel": v }),
    }
}

/// A value given for a parameter: one value for every voxel, or one per voxel.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterValue {
    /// The same `cardinality` numbers (SI) for every voxel.
    Constant(Vec<f64>),
    /// `n_voxels × cardinality` numbers (SI), voxel-major: voxel v's values are
    /// `values[v * cardinality .. (v + 1) * cardinality]`.
    PerVoxel(Vec<f64>),
}

impl From<f64> for ParameterValue {
    fn from(v: f64) -> Self {
        Self::Constant(vec![v])
    }
}

impl<const N: usize> From<[f64; N]> for ParameterValue {
    fn from(v: [f64; N]) -> Self {
        Self::Constant(v.to_vec())
    }
}

/// How a linked parameter is computed from others (all indices into the model's parameters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Link {
    /// `out = value` (Dmipy's `ReturnFixedValue`).
    Fixed { out: usize, value: Vec<f64> },
    /// `out = input` (Dmipy's `parameter_equality`).
    Equal { out: usize, input: usize },
    /// `out = (1 − f) λ∥`, see [`tortuous_lambda_perp`].
    Tortuous {
        out: usize,
        lambda_par: usize,
        vf_intra: usize,
        vf_extra: usize,
        s0_intra: f64,
        s0_extra: f64,
    },
    /// `out = fraction · whole` (Dmipy's `fractional_parameter`).
    Fractional {
        out: usize,
        fraction: usize,
        whole: usize,
    },
}

impl Link {
    pub(crate) fn out(&self) -> usize {
        match self {
            Self::Fixed { out, .. }
            | Self::Equal { out, .. }
            | Self::Tortuous { out, .. }
            | Self::Fractional { out, .. } => *out,
        }
    }

    /// What the link did to its output, for error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Fixed { value, .. } => format!("fixed to {value:?} by set_fixed_parameter"),
            Self::Equal { .. } => "linked by set_equal_parameter".into(),
            Self::Tortuous { .. } => "linked by set_tortuous_parameter".into(),
            Self::Fractional { .. } => "replaced by a fraction in set_fractional_parameter".into(),
        }
    }
}

impl MultiCompartmentModel {
    /// The free-vector positions of the partial volumes (one per component; none for one
    /// component), for solvers that fit the volume fractions apart from the other parameters
    /// (`solver`: AMICO, MIX). Errors, naming `solver`, when a partial volume is not free or a
    /// link reads one (a tortuosity set on the model itself), as Dmipy's MIX refuses.
    pub(crate) fn separable_partial_volumes(&self, solver: &str) -> Result<Vec<usize>, Error> {
        let invalid = |reason: String| Error::InvalidArgument {
            what: format!("{solver} fit of {}", self.description()),
            reason,
        };
        let mut positions = Vec::with_capacity(self.partial_volumes.len());
        for &i in &self.partial_volumes {
            let p = &self.params[i];
            match self.free_offsets.iter().position(|&o| o == p.offset()) {
                Some(k) if p.source == ValueSource::Free => positions.push(k),
                _ => {
                    return Err(invalid(format!(
                        "{} is not free; {solver} estimates every partial volume",
                        p.name()
                    )));
                }
            }
        }
        let coupled = self.links.iter().find_map(|link| match link {
            Link::Tortuous {
                out,
                vf_intra,
                vf_extra,
                ..
            } if self.partial_volumes.contains(vf_intra)
                || self.partial_volumes.contains(vf_extra) =>
            {
                Some(self.params[*out].name())
            }
            _ => None,
        });
        if let Some(name) = coupled {
            return Err(invalid(format!(
                "{name} is computed from partial volumes (set_tortuous_parameter); {solver} fits \
                 the fractions apart from the other parameters, so it cannot fit this model, as \
                 Dmipy's MIX refuses it (use solver brute2fine)"
            )));
        }
        Ok(positions)
    }

    /// Dmipy's `set_fixed_parameter(name, value)`. A [`ParameterValue::Constant`] removes the
    /// parameter from the parameter list; a [`ParameterValue::PerVoxel`] array keeps it in the
    /// list (as Dmipy does) but takes it out of the free vector, and
    /// [`full_from_free`](Self::full_from_free) reads voxel v's value from it.
    ///
    /// Errors: unknown or already linked name, values whose length does not fit the cardinality,
    /// a per-voxel array whose voxel count differs from earlier ones, non-finite values.
    pub fn set_fixed_parameter(
        &mut self,
        name: &str,
        value: impl Into<ParameterValue>,
    ) -> Result<(), Error> {
        let i = self.lookup(name)?;
        let value = value.into();
        self.check_value(i, &value)?;
        self.record("set_fixed_parameter", json!([name, value_json(&value)]));
        match value {
            ParameterValue::Constant(v) => self.add_link(Link::Fixed { out: i, value: v }),
            ParameterValue::PerVoxel(v) => {
                self.params[i].source = ValueSource::PerVoxel(v);
                self.rebuild_free();
            }
        }
        Ok(())
    }

    /// Dmipy's `set_equal_parameter(name_in, name_out)`: `name_out` takes the value of `name_in`
    /// and leaves the parameter list. Errors for unknown or linked names and for parameters of
    /// different cardinality.
    pub fn set_equal_parameter(&mut self, name_in: &str, name_out: &str) -> Result<(), Error> {
        let input = self.lookup(name_in)?;
        let out = self.lookup(name_out)?;
        self.check_same_cardinality(out, input)?;
        self.check_distinct(&[input, out])?;
        self.record("set_equal_parameter", json!([name_in, name_out]));
        self.add_link(Link::Equal { out, input });
        Ok(())
    }

    /// Dmipy's `set_tortuous_parameter(lambda_perp, lambda_par, vf_intra, vf_extra,
    /// S0_correction)`: `lambda_perp` becomes [`tortuous_lambda_perp`] of the other three and
    /// leaves the parameter list. With `s0_correction` and S0 responses set
    /// ([`set_s0_responses`](Self::set_s0_responses)), the responses of the compartments whose
    /// `partial_volume_i` are `vf_intra` and `vf_extra` enter the formula, as in Dmipy.
    ///
    /// Errors for unknown or linked names, parameters that are not scalars, repeated names, and
    /// `s0_correction` with fractions that are not `partial_volume_i`.
    pub fn set_tortuous_parameter(
        &mut self,
        lambda_perp: &str,
        lambda_par: &str,
        vf_intra: &str,
        vf_extra: &str,
        s0_correction: bool,
    ) -> Result<(), Error> {
        let idx = [
            self.lookup(lambda_perp)?,
            self.lookup(lambda_par)?,
            self.lookup(vf_intra)?,
            self.lookup(vf_extra)?,
        ];
        for &i in &idx {
            self.check_scalar(i)?;
        }
        self.check_distinct(&idx)?;
        let (mut s0_intra, mut s0_extra) = (1.0, 1.0);
        if let (true, Some(s0)) = (s0_correction, &self.s0_responses) {
            let pv = |i: usize, what: &str| {
                self.partial_volumes
                    .iter()
                    .position(|&p| p == i)
                    .ok_or_else(|| Error::InvalidArgument {
                        what: format!("{what} of the S0-corrected tortuosity"),
                        reason: format!(
                            "'{}' is not a partial_volume_i, so it has no S0 response",
                            self.params[i].name()
                        ),
                    })
            };
            s0_intra = s0[pv(idx[2], "vf_intra")?];
            s0_extra = s0[pv(idx[3], "vf_extra")?];
        }
        self.record(
            "set_tortuous_parameter",
            json!([lambda_perp, lambda_par, vf_intra, vf_extra, s0_correction]),
        );
        self.add_link(Link::Tortuous {
            out: idx[0],
            lambda_par: idx[1],
            vf_intra: idx[2],
            vf_extra: idx[3],
            s0_intra,
            s0_extra,
        });
        Ok(())
    }

    /// Dmipy's `set_fractional_parameter(p1, p2)`: a new parameter `<p1>_fraction` in [0, 1]
    /// (scale 1) is put first in the parameter list, and `p1 = <p1>_fraction · p2` leaves it.
    /// Both must be scalars. Returns nothing; the new name is `format!("{p1}_fraction")`.
    pub fn set_fractional_parameter(&mut self, p1: &str, p2: &str) -> Result<(), Error> {
        let out = self.lookup(p1)?;
        let whole = self.lookup(p2)?;
        self.check_scalar(out)?;
        self.check_scalar(whole)?;
        self.check_distinct(&[out, whole])?;
        let name = format!("{p1}_fraction");
        if self.params.iter().any(|p| p.name() == name) {
            return Err(Error::InvalidArgument {
                what: format!("set_fractional_parameter({p1}, {p2})"),
                reason: format!("a parameter named '{name}' exists already"),
            });
        }
        let fraction = self.params.len();
        let bounds = vec![(0.0, 1.0)];
        let param = ModelParameter::new(
            name,
            bounds,
            vec![1.0],
            ParameterKind::Fraction,
            self.full_len,
        );
        self.params.push(param);
        self.initial.push(None);
        self.full_len += 1;
        self.public.insert(0, fraction);
        self.record("set_fractional_parameter", json!([p1, p2]));
        self.add_link(Link::Fractional {
            out,
            fraction,
            whole,
        });
        Ok(())
    }

    /// Dmipy's `set_parameter_optimization_bounds(name, bounds)`: new SI bounds, one `(lower,
    /// upper)` per component; the scale becomes the largest bound, as in Dmipy. Errors for
    /// unknown names, the wrong number of pairs, lower > upper or non-finite bounds.
    pub fn set_parameter_optimization_bounds(
        &mut self,
        name: &str,
        bounds: &[(f64, f64)],
    ) -> Result<(), Error> {
        let i = self.lookup(name)?;
        let card = self.params[i].cardinality();
        if bounds.len() != card {
            return Err(Error::ParameterCardinality {
                name: format!("bounds of {name}"),
                expected: card,
                found: bounds.len(),
            });
        }
        for &(lo, hi) in bounds {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(Error::InvalidArgument {
                    what: format!("bounds of {name}"),
                    reason: format!("({lo}, {hi}) is not a finite interval with lower <= upper"),
                });
            }
        }
        let largest = bounds.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
        let scale = if largest > 0.0 { largest } else { 1.0 };
        self.params[i].set_bounds(bounds.to_vec(), scale);
        let pairs: Vec<[f64; 2]> = bounds.iter().map(|&(lo, hi)| [lo, hi]).collect();
        self.record("set_parameter_optimization_bounds", json!([name, pairs]));
        Ok(())
    }

    /// Dmipy's `set_initial_guess_parameter(name, value)`: a start value for the fit, for every
    /// voxel or per voxel. Same checks as [`set_fixed_parameter`](Self::set_fixed_parameter).
    pub fn set_initial_guess_parameter(
        &mut self,
        name: &str,
        value: impl Into<ParameterValue>,
    ) -> Result<(), Error> {
        let i = self.lookup(name)?;
        let value = value.into();
        self.check_value(i, &value)?;
        self.record(
            "set_initial_guess_parameter",
            json!([name, value_json(&value)]),
        );
        self.initial[i] = Some(value);
        Ok(())
    }

    /// The initial guess of the public parameter `name`, if one was set.
    pub fn initial_guess(&self, name: &str) -> Option<&ParameterValue> {
        let i = self.lookup(name).ok()?;
        self.initial[i].as_ref()
    }

    fn record(&mut self, key: &'static str, args: serde_json::Value) {
        self.calls.push((key, args));
    }

    fn add_link(&mut self, link: Link) {
        let out = link.out();
        self.params[out].source = ValueSource::Linked(self.links.len());
        self.links.push(link);
        self.public.retain(|&i| i != out);
        self.rebuild_free();
    }

    fn check_value(&mut self, i: usize, value: &ParameterValue) -> Result<(), Error> {
        let p = &self.params[i];
        let card = p.cardinality();
        let values = match value {
            ParameterValue::Constant(v) | ParameterValue::PerVoxel(v) => v,
        };
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                what: format!("value of {}", p.name()),
                index: bad,
                value: values[bad],
            });
        }
        match value {
            ParameterValue::Constant(v) if v.len() != card => Err(Error::ParameterCardinality {
                name: p.name().into(),
                expected: card,
                found: v.len(),
            }),
            ParameterValue::PerVoxel(v) => {
                if v.is_empty() || v.len() % card != 0 {
                    return Err(Error::ParameterCardinality {
                        name: format!("per-voxel array of {} (voxels × cardinality)", p.name()),
                        expected: card,
                        found: v.len(),
                    });
                }
                let n = v.len() / card;
                match self.n_voxels {
                    Some(m) if m != n => Err(Error::LengthMismatch {
                        what: format!("per-voxel array of {} (voxels)", p.name()),
                        expected: m,
                        found: n,
                    }),
                    _ => {
                        self.n_voxels = Some(n);
                        Ok(())
                    }
                }
            }
            ParameterValue::Constant(_) => Ok(()),
        }
    }

    fn check_scalar(&self, i: usize) -> Result<(), Error> {
        self.check_cardinality(i, 1)
    }

    fn check_same_cardinality(&self, i: usize, j: usize) -> Result<(), Error> {
        self.check_cardinality(i, self.params[j].cardinality())
    }

    fn check_cardinality(&self, i: usize, expected: usize) -> Result<(), Error> {
        let found = self.params[i].cardinality();
        if found != expected {
            return Err(Error::ParameterCardinality {
                name: self.params[i].name().into(),
                expected,
                found,
            });
        }
        Ok(())
    }

    fn check_distinct(&self, idx: &[usize]) -> Result<(), Error> {
        for (k, &i) in idx.iter().enumerate() {
            if idx[k + 1..].contains(&i) {
                return Err(Error::InvalidArgument {
                    what: "parameter link".into(),
                    reason: format!("'{}' is named twice", self.params[i].name()),
                });
            }
        }
        Ok(())
    }

    /// Evaluates every link into `full`, latest first (as Dmipy's
    /// `add_linked_parameters_to_parameters`): a link's inputs were parameters when it was made,
    /// so any of them linked later is computed before it is read.
    pub(crate) fn apply_links<D: Scalar>(&self, full: &mut [D]) {
        let at = |i: usize| self.params[i].offset();
        for link in self.links.iter().rev() {
            match link {
                Link::Fixed { out, value } => {
                    for (k, &v) in value.iter().enumerate() {
                        full[at(*out) + k] = D::from(v);
                    }
                }
                Link::Equal { out, input } => {
                    for k in 0..self.params[*out].cardinality() {
                        full[at(*out) + k] = full[at(*input) + k];
                    }
                }
                Link::Tortuous {
                    out,
                    lambda_par,
                    vf_intra,
                    vf_extra,
                    s0_intra,
                    s0_extra,
                } => {
                    full[at(*out)] = tortuous_lambda_perp(
                        full[at(*lambda_par)],
                        full[at(*vf_intra)],
                        full[at(*vf_extra)],
                        *s0_intra,
                        *s0_extra,
                    );
                }
                Link::Fractional {
                    out,
                    fraction,
                    whole,
                } => full[at(*out)] = full[at(*fraction)] * full[at(*whole)],
            }
        }
    }
}
