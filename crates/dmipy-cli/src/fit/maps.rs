//! Writing the fitted maps: one NIfTI per parameter on the DWI's grid, diagnostics, PNG previews.

use super::derived;
use anyhow::{Context, Result};
use dmipy::{ModelFit, MultiCompartmentModel, ParameterKind, VoxelFlag, unit_vector};
use dmipy_io::{NiftiHeader, NiftiImage, scatter};
use std::path::{Path, PathBuf};

/// The output folder, checked writable before any fitting starts.
pub struct OutputFolder {
    dir: PathBuf,
}

impl OutputFolder {
    /// Creates `dir` if needed and checks that a file can be written there.
    pub fn prepare(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let probe = dir.join(format!(".dmipy-write-test-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .with_context(|| format!("the output folder {} is not writable", dir.display()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// The path of `name` inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `value` as pretty JSON to `name` (through a temporary file).
    pub fn write_json(&self, name: &str, value: &serde_json::Value) -> Result<()> {
        let path = self.path(name);
        let tmp = self.path(&format!(".{name}.part"));
        std::fs::write(&tmp, serde_json::to_string_pretty(value)? + "\n")
            .and_then(|()| std::fs::rename(&tmp, &path))
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The grid the maps are written on: the DWI's header and shape.
#[derive(Clone, Copy)]
pub struct Grid<'a> {
    /// The DWI's header (affine, voxel sizes, units).
    pub header: &'a NiftiHeader,
    /// The DWI's shape; its first three dimensions are the maps' grid.
    pub shape: &'a [usize],
}

/// One written map: file name and, for scalar maps, the mean over fitted voxels.
pub struct WrittenMap {
    /// File name inside the output folder.
    pub file: String,
    /// Mean over the fitted voxels (scalar maps only).
    pub mean: Option<f64>,
}

/// Writes every parameter map, their standard deviations if fitted, `<mu>_vector`, the derived
/// tensor maps (FA, MD, AD, RD and the six-entry tensor of each `Tensor` compartment), S0, MSE,
/// R² and the flag map;
/// returns what was written, in order.
pub fn write_all(
    out: &OutputFolder,
    grid: Grid,
    mask: &[bool],
    model: &MultiCompartmentModel,
    fit: &ModelFit,
    png: bool,
) -> Result<Vec<WrittenMap>> {
    let writer = MapWriter {
        out,
        grid,
        mask,
        png,
        fitted: fitted_voxels(fit),
    };
    let mut written = Vec::new();
    let width: usize = fit.names.iter().map(|(_, c)| c).sum();
    for (name, card) in &fit.names {
        let (col, _) = fit.parameter(name).context("fitted parameter table")?;
        let values = columns(&fit.parameters, width, col, *card);
        written.push(writer.write(name, &values, *card)?);
        if let Some(std) = &fit.std {
            written.push(writer.write(
                &format!("{name}_std"),
                &columns(std, width, col, *card),
                *card,
            )?);
        }
        let is_orientation = model
            .parameter(name)
            .is_some_and(|p| p.kind() == ParameterKind::Orientation);
        if is_orientation && *card == 2 {
            let vectors: Vec<f64> = values
                .chunks(2)
                .flat_map(|mu| unit_vector(mu[0], mu[1]))
                .collect();
            written.push(writer.write(&format!("{name}_vector"), &vectors, 3)?);
        }
    }
    for (name, values, card) in derived::tensor_maps(fit) {
        written.push(writer.write(&name, &values, card)?);
    }
    let d = &fit.diagnostics;
    let s0: Vec<f64> = d.s0.chunks(d.s0_groups.max(1)).map(|s| s[0]).collect();
    written.push(writer.write("S0", &s0, 1)?);
    written.push(writer.write("mse", &d.mse, 1)?);
    written.push(writer.write("r2", &d.r2, 1)?);
    let flags: Vec<f64> = d
        .flags
        .iter()
        .zip(&d.converged)
        .map(|(f, &c)| f64::from(flag_code(*f, c)))
        .collect();
    written.push(writer.write("flags", &flags, 1)?);
    Ok(written)
}

/// The flag map's codes (documented in `fit.json`): 0 outside the mask.
pub const FLAG_CODES: &[(u8, &str)] = &[
    (0, "outside the mask"),
    (1, "fitted, converged"),
    (2, "fitted, solver stopped before converging"),
    (3, "not fitted: NaN or infinite data"),
    (4, "not fitted: b0 signal zero or negative"),
    (5, "not fitted: cancelled"),
];

fn flag_code(flag: VoxelFlag, converged: bool) -> u8 {
    match flag {
        VoxelFlag::Fitted if converged => 1,
        VoxelFlag::Fitted => 2,
        VoxelFlag::NonFinite => 3,
        VoxelFlag::NonPositiveB0 => 4,
        _ => 5,
    }
}

fn fitted_voxels(fit: &ModelFit) -> Vec<bool> {
    fit.diagnostics
        .flags
        .iter()
        .map(|f| matches!(f, VoxelFlag::Fitted))
        .collect()
}

/// Columns `col..col + card` of a row-major `voxels × width` matrix, row-major again.
fn columns(matrix: &[f64], width: usize, col: usize, card: usize) -> Vec<f64> {
    matrix
        .chunks(width.max(1))
        .flat_map(|row| row[col..col + card].iter().copied())
        .collect()
}

struct MapWriter<'a> {
    out: &'a OutputFolder,
    grid: Grid<'a>,
    mask: &'a [bool],
    png: bool,
    fitted: Vec<bool>,
}

impl MapWriter<'_> {
    /// Writes `name.nii.gz` (float32, 3-D, or 4-D with `card` volumes), 0 outside the mask.
    fn write(&self, name: &str, values: &[f64], card: usize) -> Result<WrittenMap> {
        let grid: Vec<usize> = self.grid.shape.iter().take(3).copied().collect();
        let data = scatter(values, card, self.mask, 0.0)?;
        let mut shape = grid.clone();
        if card > 1 {
            shape.push(card);
        }
        let file = format!("{name}.nii.gz");
        let image = NiftiImage::<f32>::on_grid(
            self.grid.header,
            self.grid.shape,
            shape,
            data.iter().map(|&v| v as f32).collect(),
        )?;
        dmipy_io::write_nifti(self.out.path(&file), &image)?;
        let mean = (card == 1).then(|| mean_of_fitted(values, &self.fitted));
        if self.png
            && card == 1
            && let Some((slice, w, h)) = dmipy_io::mid_axial_slice(&data, &grid)
        {
            dmipy_io::write_map_png(self.out.path(&format!("{name}.png")), &slice, w, h, None)?;
        }
        Ok(WrittenMap { file, mean })
    }
}

fn mean_of_fitted(values: &[f64], fitted: &[bool]) -> f64 {
    let (sum, n) = values
        .iter()
        .zip(fitted)
        .filter(|(v, f)| **f && v.is_finite())
        .fold((0.0, 0usize), |(s, n), (v, _)| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}
