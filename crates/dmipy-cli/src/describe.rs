//! Human-readable summaries of a scheme and a DWI volume, as `dmipy info` prints them.

use dmipy::AcquisitionScheme;
use std::fmt::Write;

/// Shell table of a scheme: one row per shell with b (s/mm², the unit people read), count and timing.
pub fn describe_scheme(scheme: &AcquisitionScheme) -> String {
    let mut out = String::new();
    let b0_count = scheme.b0_mask().iter().filter(|&&b| b).count();
    let _ = writeln!(
        out,
        "measurements: {} ({} b0, {} diffusion-weighted)",
        scheme.len(),
        b0_count,
        scheme.len() - b0_count
    );
    let _ = writeln!(out, "shells: {}", scheme.shells().len());
    let _ = writeln!(
        out,
        "  {:>5}  {:>12}  {:>6}  {:>10}  {:>10}  {:>10}",
        "shell", "b (s/mm^2)", "count", "delta (ms)", "Delta (ms)", "TE (ms)"
    );
    for (i, shell) in scheme.shells().iter().enumerate() {
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{:.2}", v * 1e3));
        let _ = writeln!(
            out,
            "  {:>5}  {:>12.1}  {:>6}  {:>10}  {:>10}  {:>10}",
            i,
            shell.bvalue * 1e-6,
            shell.indices.len(),
            ms(shell.delta),
            ms(shell.big_delta),
            ms(shell.echo_time)
        );
    }
    out
}

/// Warnings a user should see before fitting: missing b0, missing timing, very few directions.
pub fn scheme_warnings(scheme: &AcquisitionScheme) -> Vec<String> {
    let mut warnings = Vec::new();
    if !scheme.b0_mask().iter().any(|&b| b) {
        let lowest = scheme
            .bvalues()
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        warnings.push(format!(
            "no b0 measurement (lowest b = {:.1} s/mm^2, b0 threshold {:.1} s/mm^2): signals cannot be normalised by S0; if the lowest-b volumes are b0s, raise --b0-threshold",
            lowest * 1e-6,
            scheme.options().b0_threshold * 1e-6
        ));
    }
    if scheme.delta().is_none() || scheme.big_delta().is_none() {
        warnings.push(
            "pulse timing (delta, Delta) unknown: restricted models (cylinders, spheres, planes) need it; pass --delta and --Delta in seconds"
                .to_string(),
        );
    }
    for shell in scheme.shells().iter().filter(|s| !s.is_b0) {
        if shell.indices.len() < 6 {
            warnings.push(format!(
                "shell at b = {:.0} s/mm^2 has only {} directions",
                shell.bvalue * 1e-6,
                shell.indices.len()
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use dmipy::{PulseTiming, SchemeOptions};

    fn two_shell() -> AcquisitionScheme {
        let b = [0.0, 1e9, 1e9, 3e9];
        let d = [
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        AcquisitionScheme::from_bvalues(
            &b,
            &d,
            PulseTiming::pgse(0.01, 0.03),
            &SchemeOptions::default(),
        )
        .expect("valid scheme")
    }

    #[test]
    fn shell_table_lists_b_in_s_per_mm2_and_timing_in_ms() {
        let text = describe_scheme(&two_shell());
        assert!(
            text.contains("measurements: 4 (1 b0, 3 diffusion-weighted)"),
            "{text}"
        );
        assert!(text.contains("shells: 3"), "{text}");
        assert!(
            text.contains("1000.0       2       10.00       30.00"),
            "{text}"
        );
    }

    #[test]
    fn few_directions_and_missing_timing_are_warned() {
        let scheme = two_shell();
        let warnings = scheme_warnings(&scheme);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings.iter().all(|w| w.contains("only")));
    }
}
