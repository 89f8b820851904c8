//! `dmipy info`: what a user checks first about an acquisition and its DWI.

use crate::describe::{describe_scheme, scheme_warnings};
use crate::scheme_args::SchemeArgs;
use anyhow::Result;
use clap::Args;
use dmipy_io::NiftiHeader;
use std::fmt::Write;
use std::path::PathBuf;

/// Flags of `dmipy info`.
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    /// Diffusion-weighted NIfTI image (.nii or .nii.gz), 4-D with one volume per measurement.
    #[arg(long, value_name = "FILE")]
    pub dwi: Option<PathBuf>,
    #[command(flatten)]
    pub scheme: SchemeArgs,
}

/// Runs `dmipy info` and returns the report.
pub fn run(args: &InfoArgs) -> Result<String> {
    let scheme = args.scheme.build()?;
    let mut report = describe_scheme(&scheme);
    if let Some(path) = &args.dwi {
        // Kept as stored bytes: a whole-brain DWI is never decoded to f64 just to describe it.
        let image = dmipy_io::read_dwi_raw(path, &scheme)?;
        let name = path.display().to_string();
        report.push_str(&describe_image(&name, image.header(), image.shape()));
    }
    let warnings = scheme_warnings(&scheme);
    for w in &warnings {
        let _ = writeln!(report, "warning: {w}");
    }
    Ok(report)
}

/// Shape, voxel size and datatype of an image.
pub fn describe_image(name: &str, h: &NiftiHeader, shape: &[usize]) -> String {
    let volumes: usize = shape.iter().skip(3).product();
    let voxels: usize = shape.iter().take(3).product();
    let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
    let voxel: Vec<String> = h.pixdim[1..4].iter().map(|v| format!("{v:.3}")).collect();
    format!(
        "image: {name}\n  shape: {} ({} volumes of {} voxels)\n  voxel size: {} (file units)\n  datatype: {} ({})\n",
        shape.join(" x "),
        volumes,
        voxels,
        voxel.join(" x "),
        h.datatype.name(),
        match h.version {
            dmipy_io::NiftiVersion::One => "NIfTI-1",
            dmipy_io::NiftiVersion::Two => "NIfTI-2",
        },
    )
}
