//! Shared I/O of the benchmark examples: raw little-endian f64 files, process CPU time, medians.

use dmipy::{AcquisitionScheme, Error, PulseTiming, SchemeOptions};
use std::path::Path;

/// Reads a raw little-endian f64 file.
pub fn read_f64(path: &Path) -> Result<Vec<f64>, Error> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect())
}

/// Writes `values` as a raw little-endian f64 file.
pub fn write_f64(path: &Path, values: &[f64]) -> Result<(), Error> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).map_err(|e| io_error(path, &e))
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::InvalidArgument {
        what: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// The scheme of `bvals.f64` (s/m²) and `dirs.f64` (measurements × 3) in `dir`, no timing.
pub fn read_scheme(dir: &Path) -> Result<AcquisitionScheme, Error> {
    let bvals = read_f64(&dir.join("bvals.f64"))?;
    let dirs: Vec<[f64; 3]> = read_f64(&dir.join("dirs.f64"))?
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    AcquisitionScheme::from_bvalues(
        &bvals,
        &dirs,
        PulseTiming::none(),
        &SchemeOptions::default(),
    )
}

/// User + system CPU seconds of this process so far (/proc/self/stat fields 14 and 15, in
/// clock ticks of 1/100 s).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}

/// Median of `v` (NaN for an empty vector).
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
