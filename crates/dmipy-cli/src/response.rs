//! `dmipy response`: tissue responses from a DWI (Tournier 2013 WM, or Dhollander 2016 WM/GM/CSF), written as MRtrix3 response text files and JSON.
//!
//! Files: `wm.txt` (and `gm.txt`, `csf.txt` for dhollander): MRtrix3's `dwi2response` format, a
//! `# Shells:` comment with the shells' b-values (s/mm²), then one row per shell (b0 included) of
//! the zonal SH coefficients of the response in data units (see
//! `TissueResponse::mrtrix_zonal_coefficients`); `response.json`: the same responses with their
//! rotational harmonics (Dmipy's convention), axial/radial signal, S0 and voxel counts.

use crate::fit::{CsdKind, OutputFolder, estimate_responses, response_json};
use crate::scheme_args::SchemeArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

/// The response algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResponseAlgorithm {
    /// Tournier 2013's single-fibre white-matter response (MRtrix's `dwi2response tournier`).
    Tournier,
    /// Dhollander 2016's WM, GM and CSF responses (MRtrix's `dwi2response dhollander`; needs at
    /// least 3 shells, b0 included).
    Dhollander,
}

/// Flags of `dmipy response`.
#[derive(Debug, Clone, Args)]
pub struct ResponseArgs {
    /// Diffusion-weighted NIfTI image (.nii or .nii.gz), one volume per measurement.
    #[arg(long, value_name = "FILE")]
    pub dwi: PathBuf,
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Mask (NIfTI, same grid): only voxels with a non-zero value are candidates. Default: every
    /// voxel whose b0 is positive.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Output folder; created if missing.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Algorithm.
    #[arg(long, value_enum, default_value_t = ResponseAlgorithm::Tournier)]
    pub algorithm: ResponseAlgorithm,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Runs `dmipy response`; writes the summary to `out`.
pub fn run(args: &ResponseArgs, out: &mut dyn Write) -> Result<()> {
    let scheme = args.scheme.build()?;
    let dmipy_io::MaskedImage { mask, data, .. } =
        dmipy_io::read_dwi_masked(&args.dwi, &scheme, args.mask.as_deref())?;
    let output = OutputFolder::prepare(&args.out)?;
    let n_voxels = mask.iter().filter(|&&m| m).count();
    if n_voxels == 0 {
        bail!("the mask selects no voxel");
    }
    let kind = match args.algorithm {
        ResponseAlgorithm::Tournier => CsdKind::Csd,
        ResponseAlgorithm::Dhollander => CsdKind::MsmtCsd,
    };
    let pool = crate::fit::rayon_pool(args.threads)?;
    let responses = pool.install(|| estimate_responses(kind, &scheme, &data, n_voxels))?;
    let shells: Vec<f64> = scheme.shells().iter().map(|s| s.bvalue).collect();
    let shell_list = shells
        .iter()
        .map(|b| format!("{}", (b * 1e-6).round()))
        .collect::<Vec<_>>()
        .join(",");
    // Every file is written to a temporary name first: all of them, or none, appear whole.
    let mut written = Vec::new();
    for r in &responses {
        let mut text = format!("# Shells: {shell_list}\n");
        for row in r.mrtrix_zonal_coefficients() {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:.6e}")).collect();
            text.push_str(&cells.join(" "));
            text.push('\n');
        }
        let name = format!("{}.txt", r.name.to_lowercase());
        let tmp = output.path(&format!(".{name}.part"));
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        written.push((tmp, output.path(&name)));
    }
    for (tmp, path) in &written {
        std::fs::rename(tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    }
    output.write_json(
        "response.json",
        &json!({
            "algorithm": format!("{:?}", args.algorithm).to_lowercase(),
            "dwi": args.dwi,
            "voxels_in_mask": n_voxels,
            "shell_bvalues_s_per_m2": shells,
            "responses": responses.iter().map(response_json).collect::<Vec<_>>(),
        }),
    )?;
    for r in &responses {
        writeln!(
            out,
            "{}: S0 {:.4e} from {} voxels -> {}",
            r.name,
            r.s0,
            r.voxels.len(),
            output
                .path(&format!("{}.txt", r.name.to_lowercase()))
                .display()
        )?;
    }
    Ok(())
}
