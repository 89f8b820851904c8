//! R-hat and bulk/tail ESS against ArviZ 0.23.4 on the fixed draws of
//! `scripts/reference/arviz_diagnostics.py` (fixture `tests/fixtures/arviz_diagnostics.json`).

use dmipy_bayes::diagnostics::{Chains, ess_bulk, ess_tail, rhat};
use serde_json::Value;

/// Every case agrees to 1e-10 relative: the algorithms are the same and differ only in
/// summation order (ArviZ's autocovariance goes through an FFT, ours is direct) and in
/// Φ⁻¹ (SciPy's ndtri vs ours, both to ~1e-15).
#[test]
fn diagnostics_match_arviz() {
    let text = include_str!("fixtures/arviz_diagnostics.json");
    let fixture: Value = serde_json::from_str(text).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let chains = case["chains"].as_u64().unwrap() as usize;
        let draws: Vec<f64> = (case["draws"].as_array().unwrap().iter())
            .flat_map(|c| c.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        let c = Chains::new(&draws, chains).unwrap();
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                (got / want - 1.0).abs() < 1e-10,
                "{name} {what}: {got} vs ArviZ {want}"
            );
        };
        match case["rhat"].as_f64() {
            Some(want) => close(rhat(c), want, "rhat"),
            None => assert!(rhat(c).is_nan(), "{name}: R-hat of one chain"),
        }
        close(ess_bulk(c), case["ess_bulk"].as_f64().unwrap(), "ess_bulk");
        close(ess_tail(c), case["ess_tail"].as_f64().unwrap(), "ess_tail");
    }
}
