//! `dmipy demo`: the built-in example, on real data bundled into the binary.

use crate::describe::{describe_scheme, scheme_warnings};
use crate::info::describe_image;
use anyhow::Result;
use clap::Args;
use dmipy::{AcquisitionScheme, C1Stick, Compartment, PulseTiming, SchemeOptions};
use std::io::Write;

/// A real single-shell DWI crop from DIPY's test data (BSD-3-Clause; see data/dipy/NOTICE).
const DWI: &[u8] = include_bytes!("../../../data/dipy/small_64D.nii.gz");
const BVALS: &str = include_str!("../../../data/dipy/small_64D.bval");
const BVECS: &str = include_str!("../../../data/dipy/small_64D.bvec");

/// Flags of `dmipy demo` (none yet; fitting will add an output folder).
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {}

/// Runs the demo: reads the bundled data, prints what `dmipy info` prints, and predicts a stick.
pub fn run(_args: &DemoArgs, out: &mut dyn Write) -> Result<()> {
    let scheme = dmipy_io::parse_fsl_scheme(
        BVALS,
        "small_64D.bval (bundled)",
        BVECS,
        "small_64D.bvec (bundled)",
        PulseTiming::none(),
        &SchemeOptions::default(),
    )?;
    let image = dmipy_io::parse_nifti::<f64>(DWI, "small_64D.nii.gz (bundled)")?;
    dmipy_io::check_matches_scheme(&image, &scheme, "small_64D.nii.gz (bundled)")?;
    writeln!(
        out,
        "dmipy demo: real DWI bundled from DIPY's test data (small_64D)\n"
    )?;
    write!(out, "{}", describe_scheme(&scheme))?;
    write!(
        out,
        "{}",
        describe_image("small_64D.nii.gz (bundled)", &image)
    )?;
    for w in scheme_warnings(&scheme) {
        writeln!(out, "warning: {w}")?;
    }
    write!(out, "\n{}", stick_example(&scheme)?)?;
    Ok(())
}

/// A worked prediction a reader can check by hand: a stick along z, λ∥ = 1.7e-9 m²/s.
fn stick_example(scheme: &AcquisitionScheme) -> Result<String> {
    let params = [0.0, 0.0, 1.7e-9];
    let mut signal = vec![0.0; scheme.len()];
    C1Stick.signal(scheme, &params, &mut signal)?;
    let (i, _) = scheme
        .bvalues()
        .iter()
        .enumerate()
        .max_by(|a, b| {
            (a.1 * scheme.directions()[a.0][2].powi(2))
                .total_cmp(&(b.1 * scheme.directions()[b.0][2].powi(2)))
        })
        .unwrap_or((0, &0.0));
    let (b, g) = (scheme.bvalues()[i], scheme.directions()[i]);
    Ok(format!(
        "C1Stick along z, lambda_par = 1.7e-9 m^2/s, on this scheme:\n  measurement {i}: b = {:.1} s/mm^2, g_z = {:.4}\n  E = exp(-b lambda_par g_z^2) = {:.6}\n",
        b * 1e-6,
        g[2],
        signal[i]
    ))
}
