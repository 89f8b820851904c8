//! `dmipy demo` runs with no arguments and prints a result that can be checked by hand.

use super::{dmipy, ok};

#[test]
fn demo_runs_without_arguments_and_reports_the_bundled_data() {
    let out = ok(dmipy(&["demo"], ""));
    assert!(
        out.contains("measurements: 65 (1 b0, 64 diffusion-weighted)"),
        "{out}"
    );
    assert!(out.contains("shape: 10 x 10 x 10 x 65"), "{out}");
    // The printed stick signal must equal exp(-b λ g_z²) for the printed b and g_z.
    let line = |key: &str| out.lines().find(|l| l.contains(key)).unwrap().to_string();
    let bg = line("g_z =");
    let b: f64 = bg
        .split("b = ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let gz: f64 = bg.split("g_z = ").nth(1).unwrap().trim().parse().unwrap();
    let e: f64 = line("E = exp").rsplit(' ').next().unwrap().parse().unwrap();
    let want = (-b * 1e6 * 1.7e-9 * gz * gz).exp();
    assert!(
        (e - want).abs() < 2e-3 * want,
        "{e} vs {want} (printed values are rounded)"
    );
}
