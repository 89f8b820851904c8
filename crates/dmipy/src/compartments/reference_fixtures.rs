//! Test-only loader for the Dmipy 1.0.5 reference signals in `tests/fixtures/dmipy1_compartments.json`.
//!
//! The fixture is written by `scripts/reference/dmipy1_compartments.py` (see its docstring for how
//! it was made); every value in it comes from Dmipy 1.0.5 itself, rounded to 15 significant digits,
//! SI units throughout. The JSON is embedded with `include_str!` and parsed once, on first use.
//!
//! Typical use in a compartment's tests:
//!
//! ```ignore
//! for case in reference_fixtures::cases("C1Stick") {
//!     let scheme = reference_fixtures::scheme(&case.scheme);
//!     let params = reference_fixtures::params_in_order(&case, C1Stick.parameters());
//!     let mut out = vec![0.0; scheme.len()];
//!     C1Stick.signal(&scheme, &params, &mut out).unwrap();
//!     reference_fixtures::assert_rel_close(&out, &case.signal, 1e-12, &format!("{case:?}"));
//! }
//! ```

use crate::{AcquisitionScheme, ParameterSpec, PerMeasurement, PulseTiming, SchemeOptions};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The raw fixture text, embedded at compile time.
const FIXTURE_JSON: &str = include_str!("../../tests/fixtures/dmipy1_compartments.json");

/// The independent S3 sphere-Callaghan reference (computed by our script from Callaghan 1995 with
/// mpmath, NOT by Dmipy, whose version raises); same format and schemes as [`FIXTURE_JSON`].
const CALLAGHAN_SPHERE_JSON: &str = include_str!("../../tests/fixtures/callaghan_sphere.json");

/// Absolute tolerance used only where the reference value is exactly zero (a relative tolerance
/// cannot apply there). Signals are attenuations of order one, so 1e-15 is below the rounding
/// error of a value near 1 and cannot hide a wrong formula.
pub(crate) const ZERO_REFERENCE_ABS_TOL: f64 = 1e-15;

/// One reference evaluation: a model with its settings, a scheme, parameters and Dmipy's output.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// Dmipy class name, e.g. `"C3CylinderCallaghanApproximation"`.
    pub model: String,
    /// Constructor settings (e.g. `number_of_roots`, `diffusion_perpendicular` in m²/s); empty when
    /// the model has none. The first settings of each model in the fixture are Dmipy's defaults.
    pub settings: BTreeMap<String, f64>,
    /// Scheme name: `"hcp"` or `"strong"`; build it with [`scheme`].
    pub scheme: String,
    /// Parameters by Dmipy name, SI; scalars are 1-element vectors, `mu` is `[θ, φ]`.
    pub params: BTreeMap<String, Vec<f64>>,
    /// Dmipy's signal attenuation, one value per measurement of the scheme.
    pub signal: Vec<f64>,
    /// Dmipy's spherical mean per shell (order of the scheme's `shell_bvalues`), if it has one.
    pub spherical_mean: Option<Vec<f64>>,
}

/// A scheme as stored in the fixture (SI units).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SchemeData {
    /// b-values (s/m²).
    pub bvalues: Vec<f64>,
    /// Gradient directions (unit vectors).
    pub directions: Vec<[f64; 3]>,
    /// Pulse duration δ per measurement (s).
    pub delta: Vec<f64>,
    /// Pulse separation Δ per measurement (s).
    #[serde(rename = "Delta")]
    pub big_delta: Vec<f64>,
    /// Dmipy's shell b-values (s/m², mean per shell, in Dmipy's shell order).
    pub shell_bvalues: Vec<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(f64),
    Many(Vec<f64>),
}

#[derive(Debug, Deserialize)]
struct RawCase {
    model: String,
    settings: BTreeMap<String, f64>,
    scheme: String,
    params: BTreeMap<String, OneOrMany>,
    signal: Vec<f64>,
    spherical_mean: Option<Vec<f64>>,
}

#[derive(Debug, Deserialize)]
struct RawFixture {
    #[allow(dead_code)] // kept so the provenance is part of the parsed document
    source: String,
    schemes: BTreeMap<String, SchemeData>,
    cases: Vec<RawCase>,
    #[allow(dead_code)]
    notes: Vec<String>,
}

/// The parsed fixture: schemes by name and all cases.
pub(crate) struct Fixture {
    /// Schemes by name.
    pub schemes: BTreeMap<String, SchemeData>,
    /// All cases, in file order.
    pub cases: Vec<Case>,
}

/// The Dmipy fixture, parsed once.
pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| parse(FIXTURE_JSON, "dmipy1_compartments.json"))
}

/// The independent S3 sphere-Callaghan fixture, parsed once.
pub(crate) fn callaghan_sphere_fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| parse(CALLAGHAN_SPHERE_JSON, "callaghan_sphere.json"))
}

/// Cases of the S3 sphere-Callaghan model (`settings["diffusion_constant"]` in m²/s, `diameter`
/// in m), from the independent reference; its schemes are the same as [`scheme`] builds.
pub(crate) fn callaghan_sphere_cases() -> Vec<Case> {
    callaghan_sphere_fixture().cases.clone()
}

fn parse(json: &str, file: &str) -> Fixture {
    {
        let raw: RawFixture = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("tests/fixtures/{file} does not parse: {e}"));
        let cases = raw
            .cases
            .into_iter()
            .map(|c| Case {
                model: c.model,
                settings: c.settings,
                scheme: c.scheme,
                params: c
                    .params
                    .into_iter()
                    .map(|(k, v)| match v {
                        OneOrMany::One(x) => (k, vec![x]),
                        OneOrMany::Many(x) => (k, x),
                    })
                    .collect(),
                signal: c.signal,
                spherical_mean: c.spherical_mean,
            })
            .collect();
        Fixture {
            schemes: raw.schemes,
            cases,
        }
    }
}

/// All cases of one Dmipy model (e.g. `"G2Zeppelin"`); panics if there are none, so a typo in a
/// test cannot pass silently.
pub(crate) fn cases(model: &str) -> Vec<Case> {
    let found: Vec<Case> = fixture()
        .cases
        .iter()
        .filter(|c| c.model == model)
        .cloned()
        .collect();
    assert!(
        !found.is_empty(),
        "no reference cases for model {model:?} in dmipy1_compartments.json"
    );
    found
}

/// The raw data of a fixture scheme (`"hcp"` or `"strong"`).
pub(crate) fn scheme_data(name: &str) -> &'static SchemeData {
    fixture()
        .schemes
        .get(name)
        .unwrap_or_else(|| panic!("no scheme {name:?} in dmipy1_compartments.json"))
}

/// A fixture scheme as an [`AcquisitionScheme`] with per-measurement δ and Δ and default options.
pub(crate) fn scheme(name: &str) -> AcquisitionScheme {
    let data = scheme_data(name);
    AcquisitionScheme::from_bvalues(
        &data.bvalues,
        &data.directions,
        PulseTiming {
            delta: Some(PerMeasurement::Values(data.delta.clone())),
            big_delta: Some(PerMeasurement::Values(data.big_delta.clone())),
            echo_time: None,
        },
        &SchemeOptions::default(),
    )
    .unwrap_or_else(|e| panic!("fixture scheme {name:?} is rejected: {e}"))
}

/// The case's parameters flattened in the order of `specs`, checking each cardinality.
pub(crate) fn params_in_order(case: &Case, specs: &[ParameterSpec]) -> Vec<f64> {
    let mut out = Vec::new();
    for spec in specs {
        let values = case.params.get(spec.name).unwrap_or_else(|| {
            panic!(
                "reference case for {} has no parameter {:?} (it has {:?})",
                case.model,
                spec.name,
                case.params.keys().collect::<Vec<_>>()
            )
        });
        assert_eq!(
            values.len(),
            spec.cardinality(),
            "parameter {:?} of {}: fixture has {} values, the table expects {}",
            spec.name,
            case.model,
            values.len(),
            spec.cardinality()
        );
        out.extend_from_slice(values);
    }
    out
}

/// Asserts `|actual − expected| ≤ rtol·|expected|` element-wise; where `expected` is exactly zero,
/// `|actual| ≤` [`ZERO_REFERENCE_ABS_TOL`] instead. On failure reports the worst index, both values
/// and the relative error, prefixed by `context`.
pub(crate) fn assert_rel_close(actual: &[f64], expected: &[f64], rtol: f64, context: &str) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{context}: length {} vs reference length {}",
        actual.len(),
        expected.len()
    );
    let mut worst: Option<(usize, f64)> = None;
    let mut failed = false;
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let (err, ok) = if e == 0.0 {
            (a.abs(), a.abs() <= ZERO_REFERENCE_ABS_TOL)
        } else {
            let r = (a - e).abs() / e.abs();
            (r, r <= rtol)
        };
        let err = if err.is_nan() { f64::INFINITY } else { err };
        failed |= !ok;
        if worst.is_none_or(|(_, w)| err > w) {
            worst = Some((i, err));
        }
    }
    if failed {
        let (i, err) = worst.unwrap_or((0, f64::NAN));
        panic!(
            "{context}: worst at index {i}: actual {:e}, expected {:e}, relative error {err:e} \
             > rtol {rtol:e} (absolute floor {ZERO_REFERENCE_ABS_TOL:e} where expected is 0)",
            actual[i], expected[i]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_loads_with_both_schemes_and_consistent_lengths() {
        let fx = fixture();
        for name in ["hcp", "strong"] {
            let data = scheme_data(name);
            let n = data.bvalues.len();
            assert_eq!(data.directions.len(), n);
            assert_eq!(data.delta.len(), n);
            assert_eq!(data.big_delta.len(), n);
            assert_eq!(scheme(name).len(), n);
        }
        assert_eq!(scheme_data("hcp").bvalues.len(), 288);
        assert!(fx.cases.len() > 100);
        for case in &fx.cases {
            let data = scheme_data(&case.scheme);
            assert_eq!(case.signal.len(), data.bvalues.len(), "{}", case.model);
            if let Some(sm) = &case.spherical_mean {
                assert_eq!(sm.len(), data.shell_bvalues.len(), "{}", case.model);
            }
        }
    }

    #[test]
    fn callaghan_sphere_fixture_matches_schemes_and_long_time_limit() {
        let fx = callaghan_sphere_fixture();
        for (name, data) in &fx.schemes {
            assert_eq!(data.bvalues, scheme_data(name).bvalues, "scheme {name}");
            assert_eq!(data.delta, scheme_data(name).delta, "scheme {name}");
        }
        let cases = callaghan_sphere_cases();
        assert!(cases.len() >= 10);
        for case in &cases {
            let data = scheme_data(&case.scheme);
            assert_eq!(case.signal.len(), data.bvalues.len());
            // b0 measurements give exactly 1; restricted signals never exceed the b0 value.
            for (&b, &e) in data.bvalues.iter().zip(&case.signal) {
                if b == 0.0 {
                    assert_eq!(e, 1.0);
                }
                assert!((0.0..=1.0).contains(&e), "{e}");
            }
        }
    }

    #[test]
    fn ball_reference_is_exp_minus_b_d() {
        // Independent check of the fixture itself: G1Ball is exp(-b D) in closed form.
        for case in cases("G1Ball") {
            let d = case.params["lambda_iso"][0];
            let b = &scheme_data(&case.scheme).bvalues;
            let expected: Vec<f64> = b.iter().map(|&b| (-b * d).exp()).collect();
            assert_rel_close(&case.signal, &expected, 1e-13, "G1Ball fixture vs exp(-bD)");
        }
    }

    #[test]
    fn stick_spherical_mean_is_closed_form() {
        // Independent check: the stick's spherical mean is sqrt(pi) erf(sqrt(bD)) / (2 sqrt(bD));
        // with erf ≈ 1 for bD ≥ 25 only the high-b shells are checked without an erf.
        for case in cases("C1Stick") {
            let d = case.params["lambda_par"][0];
            let shells = &scheme_data(&case.scheme).shell_bvalues;
            let sm = case
                .spherical_mean
                .as_ref()
                .expect("stick has a spherical mean");
            for (&b, &e) in shells.iter().zip(sm) {
                if b == 0.0 {
                    assert_eq!(e, 1.0);
                } else if b * d >= 36.0 {
                    let x = (b * d).sqrt();
                    let expected = std::f64::consts::PI.sqrt() / (2.0 * x);
                    assert_rel_close(&[e], &[expected], 1e-13, "stick spherical mean");
                }
            }
        }
    }

    #[test]
    fn settings_are_recorded() {
        let c3 = cases("C3CylinderCallaghanApproximation");
        assert!(
            c3.iter()
                .any(|c| c.settings.get("number_of_roots") == Some(&20.0))
        );
        assert!(
            c3.iter()
                .any(|c| c.settings.get("number_of_roots") == Some(&5.0))
        );
        assert!(cases("C1Stick").iter().all(|c| c.settings.is_empty()));
    }

    #[test]
    fn assert_rel_close_reports_failures() {
        assert_rel_close(&[1.0, 0.0], &[1.0 + 1e-14, 0.0], 1e-13, "ok");
        let caught = std::panic::catch_unwind(|| {
            assert_rel_close(&[1.0, 2.0], &[1.0, 2.1], 1e-3, "bad");
        });
        assert!(caught.is_err());
    }

    #[test]
    fn params_in_order_flattens_mu_first() {
        use crate::ParameterKind;
        const SPECS: &[ParameterSpec] = &[
            ParameterSpec {
                name: "mu",
                unit: "rad",
                bounds: &[(0.0, 3.2), (-3.2, 3.2)],
                scale: 1.0,
                kind: ParameterKind::Orientation,
            },
            ParameterSpec {
                name: "lambda_par",
                unit: "m^2/s",
                bounds: &[(1e-10, 3e-9)],
                scale: 1e-9,
                kind: ParameterKind::Diffusivity,
            },
        ];
        let case = &cases("C1Stick")[0];
        let p = params_in_order(case, SPECS);
        assert_eq!(p.len(), 3);
        assert_eq!(p[..2], case.params["mu"][..]);
        assert_eq!(p[2], case.params["lambda_par"][0]);
    }
}
