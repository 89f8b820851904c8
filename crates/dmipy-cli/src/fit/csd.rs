//! `dmipy fit --model csd|msmt_csd`: responses from the data, constrained spherical deconvolution, FOD/peaks/fraction maps.
//!
//! Files (all on the DWI's grid, 0 outside the mask):
//! - `fod_sh.nii.gz` — X×Y×Z×(L+1)(L+2)/2, MRtrix3's SH basis (= DIPY `tournier07`,
//!   `legacy=False`): order l = 0, 2, …, m = −l … l, orthonormal, m < 0 ↔ √2·Im, m > 0 ↔ √2·Re
//!   of the Condon–Shortley Yₗᵐ; `mrview`/`sh2peaks` and DIPY (`sh_to_sf(..., basis_type=
//!   'tournier07', legacy=False)`) read it as is. Directions are in the gradient table's axes
//!   (the bvecs' frame, as DIPY reads them); MRtrix's world axes coincide when the image axes
//!   are (x, y, z) with a positive-determinant affine.
//! - `peaks.nii.gz` — X×Y×Z×3K (K = 3): peak k at volumes 3k..3k+3 as the unit direction times
//!   the FOD amplitude, NaN where a voxel has fewer peaks (MRtrix's `sh2peaks` layout).
//! - `fraction_<tissue>.nii.gz`, `anisotropy_index`, `mse`, `r2`, and `csd.json` with the
//!   responses (per shell λ₀, λ₂, … and S0) and timing.

use super::FitArgs;
use super::maps::{Grid, OutputFolder};
use anyhow::{Context, Result, bail};
use dmipy::{
    BoundShModel, DhollanderOptions, GeodesicSphere, MultiCompartmentSphericalHarmonicsModel,
    PeakFinder, PeakOptions, ShFitOptions, TissueResponse, TournierResponseOptions,
    dhollander_2016, dmipy_to_mrtrix3, fit_sh_deconvolution, tournier_2013,
};
use dmipy_io::{NiftiImage, scatter};
use serde_json::json;
use std::io::Write;
use std::time::Instant;

/// FOD order of both models.
const SH_ORDER: usize = 8;
/// Peaks written per voxel.
const PEAKS: usize = 3;

/// Which deconvolution `--model` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsdKind {
    /// Single-tissue CSD with a Tournier 2013 WM response.
    Csd,
    /// Multi-tissue CSD with Dhollander 2016 WM/GM/CSF responses and S0 responses.
    MsmtCsd,
}

impl CsdKind {
    /// The kind `--model` names, if any.
    pub fn from_model(name: &str) -> Option<Self> {
        match name {
            "csd" => Some(Self::Csd),
            "msmt_csd" => Some(Self::MsmtCsd),
            _ => None,
        }
    }
}

/// Runs the deconvolution and writes its maps; the summary goes to `out`.
pub fn run(args: &FitArgs, kind: CsdKind, out: &mut dyn Write) -> Result<()> {
    let scheme = args.scheme.build()?;
    let dmipy_io::MaskedImage {
        header,
        shape,
        mask,
        data,
    } = dmipy_io::read_dwi_masked(&args.dwi, &scheme, args.mask.as_deref())?;
    let output = OutputFolder::prepare(&args.out)?;
    let n_voxels = mask.iter().filter(|&&m| m).count();
    if n_voxels == 0 {
        bail!("the mask selects no voxel");
    }
    let pool = super::rayon_pool(args.threads)?;
    let start = Instant::now();
    let (responses, bound) = pool.install(|| build(kind, &scheme, &data, n_voxels))?;
    let response_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let fit = pool.install(|| fit_sh_deconvolution(&bound, &data))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let finder = PeakFinder::new(
        SH_ORDER,
        GeodesicSphere::new(4)?,
        PeakOptions {
            max_peaks: PEAKS,
            ..PeakOptions::default()
        },
    )?;
    let mut peaks = vec![f64::NAN; n_voxels * 3 * PEAKS];
    for v in 0..n_voxels {
        for (k, p) in finder.find(fit.fod_sh_of(v))?.iter().enumerate() {
            for a in 0..3 {
                peaks[v * 3 * PEAKS + 3 * k + a] = p.direction[a] * p.value;
            }
        }
    }
    let mut sh = fit.fod_sh.clone();
    for c in sh.chunks_exact_mut(fit.coefficient_count()) {
        dmipy_to_mrtrix3(c);
    }
    let grid = Grid {
        header: &header,
        shape: &shape,
    };
    let write = |name: &str, values: &[f64], card: usize| -> Result<()> {
        write_map(&output, grid, &mask, name, values, card)
    };
    write("fod_sh", &sh, fit.coefficient_count())?;
    write("peaks", &peaks, 3 * PEAKS)?;
    let k = bound.kernel_names().len();
    for (j, name) in bound.kernel_names().iter().enumerate() {
        let column: Vec<f64> = fit.fractions.chunks_exact(k).map(|f| f[j]).collect();
        write(&format!("fraction_{name}"), &column, 1)?;
    }
    write("anisotropy_index", &fit.anisotropy_index(), 1)?;
    write("mse", &fit.mse, 1)?;
    write("r2", &fit.r2, 1)?;
    let report = json!({
        "model": args.model,
        "sh_order": SH_ORDER,
        "sh_basis": "tournier07 (MRtrix3; DIPY tournier07 legacy=False)",
        "voxels": n_voxels,
        "response_seconds": response_seconds,
        "fit_seconds": fit_seconds,
        "voxels_per_second": n_voxels as f64 / fit_seconds,
        "unity_constraint": bound.unity_constraint(),
        "responses": responses.iter().map(response_json).collect::<Vec<_>>(),
        "shell_bvalues_s_per_m2": scheme.shells().iter().map(|s| s.bvalue).collect::<Vec<_>>(),
    });
    output.write_json("csd.json", &report)?;
    writeln!(
        out,
        "{}: {n_voxels} voxels in {fit_seconds:.2} s ({:.0} voxels/s) after {response_seconds:.2} s of \
         response estimation; maps in {}",
        args.model,
        n_voxels as f64 / fit_seconds,
        args.out.display()
    )?;
    Ok(())
}

/// Responses from the masked data and the bound model.
fn build(
    kind: CsdKind,
    scheme: &dmipy::AcquisitionScheme,
    data: &[f64],
    n_voxels: usize,
) -> Result<(Vec<TissueResponse>, BoundShModel)> {
    let responses = estimate_responses(kind, scheme, data, n_voxels)?;
    let kernels = responses
        .iter()
        .map(|r| r.kernel(scheme, SH_ORDER))
        .collect::<Result<Vec<_>, _>>()?;
    let s0 = (kind == CsdKind::MsmtCsd).then(|| responses.iter().map(|r| r.s0).collect());
    let model = MultiCompartmentSphericalHarmonicsModel::new(kernels, s0, SH_ORDER)?;
    let bound = model.bind(scheme, &ShFitOptions::default())?;
    Ok((responses, bound))
}

/// The tissue responses of `kind` from the masked data (`n_voxels` × measurements): Tournier
/// 2013's WM response (300 voxels, at most a third of those given), or Dhollander 2016's
/// WM/GM/CSF responses (at least 3 shells, b0 included).
pub fn estimate_responses(
    kind: CsdKind,
    scheme: &dmipy::AcquisitionScheme,
    data: &[f64],
    n_voxels: usize,
) -> Result<Vec<TissueResponse>> {
    Ok(match kind {
        CsdKind::Csd => {
            let options = TournierResponseOptions {
                voxels: 300.min(n_voxels.div_ceil(3)),
                ..TournierResponseOptions::default()
            };
            vec![tournier_2013(scheme, data, &options).context("Tournier 2013 WM response")?]
        }
        CsdKind::MsmtCsd => {
            if scheme.shells().len() < 3 {
                bail!(
                    "Dhollander 2016 separates 3 tissues and needs at least 3 shells (b0 \
                     included); this scheme has {}: use the single-tissue response",
                    scheme.shells().len()
                );
            }
            let r = dhollander_2016(scheme, data, &DhollanderOptions::default())
                .context("Dhollander 2016 responses")?;
            vec![r.wm, r.gm, r.csf]
        }
    })
}

/// A response as JSON: name, S0, voxel count, rotational harmonics and axial/radial signal per
/// shell, and MRtrix3's zonal coefficients.
pub fn response_json(r: &TissueResponse) -> serde_json::Value {
    json!({
        "name": r.name,
        "isotropic": r.isotropic,
        "s0": r.s0,
        "voxels": r.voxels.len(),
        "rotational_harmonics_per_shell": r.rotational_harmonics,
        "axial_radial_signal_per_shell": r.axial_radial(),
        "mrtrix_zonal_coefficients_per_shell": r.mrtrix_zonal_coefficients(),
    })
}

/// Writes `name.nii.gz` (float32; 4-D when `card` > 1), 0 outside the mask, via a temporary file.
fn write_map(
    out: &OutputFolder,
    grid: Grid,
    mask: &[bool],
    name: &str,
    values: &[f64],
    card: usize,
) -> Result<()> {
    let data = scatter(values, card, mask, 0.0)?;
    let mut shape: Vec<usize> = grid.shape.iter().take(3).copied().collect();
    if card > 1 {
        shape.push(card);
    }
    let image = NiftiImage::<f32>::on_grid(
        grid.header,
        grid.shape,
        shape,
        data.iter().map(|&v| v as f32).collect(),
    )?;
    dmipy_io::write_nifti(out.path(&format!("{name}.nii.gz")), &image)?;
    Ok(())
}
