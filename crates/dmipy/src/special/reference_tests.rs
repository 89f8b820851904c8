//! Tests of the Bessel functions and zeros against SciPy/mpmath values (scripts/reference/special_functions.py).

use super::{
    bessel_j_derivative_f64, bessel_j_f64, bessel_jn, bessel_jn_prime, bessel_jn_prime_zeros,
    jinc_squared,
};
use num_dual::HyperDual64;
use serde_json::Value;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/special_functions.json"))
        .expect("fixture file is valid JSON")
}

/// Rows `[n, x, value]` of one table.
fn rows(name: &str) -> Vec<(u32, f64, f64)> {
    let data = fixtures();
    let table = data[name].as_array().expect("table").clone();
    table
        .iter()
        .map(|r| {
            (
                r[0].as_u64().expect("order") as u32,
                r[1].as_f64().expect("x"),
                r[2].as_f64().expect("value"),
            )
        })
        .collect()
}

/// Largest |J_m(x)| over the orders a k-th derivative combines: the scale of its rounding error.
fn scale(n: u32, k: usize, x: f64) -> f64 {
    let n = n as i32;
    (n - k as i32..=n + k as i32)
        .map(|m| bessel_j_f64(m, x).abs())
        .fold(0.0, f64::max)
}

#[test]
fn jn_matches_mpmath() {
    for (n, x, want) in rows("jn") {
        let got = bessel_j_f64(n as i32, x);
        assert!(
            (got - want).abs() <= 1e-12 * want.abs(),
            "J_{n}({x}) = {got}, mpmath {want}"
        );
        // the generic version gives the same value
        assert_eq!(bessel_jn(n, x), got);
    }
}

/// Derivatives: value from the recurrence and from a hyper-dual's first and second parts.
#[test]
fn jn_derivatives_match_mpmath() {
    for (table, k) in [("jnp", 1usize), ("jnp2", 2)] {
        for (n, x, want) in rows(table) {
            let tol = 1e-12 * want.abs() + 4e-16 * scale(n, k, x);
            let got = bessel_j_derivative_f64(n as i32, k, x);
            assert!(
                (got - want).abs() <= tol,
                "J_{n}^({k})({x}) = {got}, mpmath {want}"
            );
            let d = bessel_jn(n, HyperDual64::from(x).derivative1().derivative2());
            let dual_part = if k == 1 { d.eps1 } else { d.eps1eps2 };
            assert!((dual_part - want).abs() <= tol, "dual J_{n}^({k})({x})");
            if k == 1 {
                assert!((bessel_jn_prime(n, x) - want).abs() <= tol);
            }
        }
    }
}

#[test]
fn jnp_zeros_match_scipy() {
    let data = fixtures();
    for row in data["jnp_zeros"].as_array().expect("table") {
        let n = row[0].as_u64().expect("order") as u32;
        let want: Vec<f64> = row[1]
            .as_array()
            .expect("zeros")
            .iter()
            .map(|v| v.as_f64().expect("zero"))
            .collect();
        let got = bessel_jn_prime_zeros(n, want.len());
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-13 * w, "zero {k} of J_{n}': {g} vs {w}");
        }
    }
}

#[test]
fn jinc_squared_matches_mpmath() {
    let data = fixtures();
    for row in data["jinc_sq"].as_array().expect("table") {
        let x = row[0].as_f64().expect("x");
        let want = row[1].as_f64().expect("value");
        let got = jinc_squared(x * x);
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "jinc²({x}) = {got} vs {want}"
        );
    }
}
