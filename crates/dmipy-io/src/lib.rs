//! # dmipy-io — the file formats of dmipy-rs
//!
//! Reading what a diffusion-MRI study hands you and writing what a fit produces. This crate is
//! for files only: it converts units once, at the boundary (FSL's s/mm² to s/m²), and hands the
//! core ([`dmipy`]) SI numbers. It does no fitting, resampling or reorientation.
//!
//! ## Main items
//!
//! - [`NiftiImage`] — a NIfTI-1 or NIfTI-2 image: a [`NiftiHeader`] (datatype, voxel sizes,
//!   units, sform and qform with their codes and quaternion, scaling), a shape, and voxel values
//!   (`f64`, or `f32` on request) in file order, first index fastest, with `scl_slope` and
//!   `scl_inter` applied. [`read_nifti`] and [`write_nifti`] handle `.nii` and `.nii.gz`, both
//!   byte orders on read; writes go through a temporary file renamed when complete.
//!   [`NiftiImage::like`] (or [`NiftiImage::on_grid`]) makes a parameter map on the grid of a DWI.
//! - [`RawNifti`] (`nifti/raw.rs`) — an image kept as its stored bytes (after gunzip), decoded
//!   only where asked: [`RawNifti::gather`] converts just the masked voxels, voxel-major, so a
//!   whole-brain DWI never exists as f64. [`read_raw_nifti`], [`parse_raw_nifti`],
//!   [`read_dwi_raw`].
//! - [`read_masked`] (`nifti/masked.rs`) — one pass over a file holding one volume at a time:
//!   the caller picks the mask from the first volume (or a mask file) and gets a
//!   [`MaskedImage`] (grid, mask, masked voxels voxel-major). [`read_dwi_masked`] is what
//!   `dmipy fit` uses: peak memory is the masked voxels, not the image.
//! - Volume helpers (`volume.rs`) for the CLI, tractography and Python: [`read_mask`],
//!   [`first_volume_positive`] (the default fitting mask), [`masked_indices`], [`gather`] and
//!   [`masked_signals`] (volume-major → voxel-major), [`scatter`] (back onto the grid).
//! - Scheme readers returning a [`dmipy::AcquisitionScheme`]: [`read_fsl_scheme`] (bvals in
//!   s/mm², bvecs 3×N or N×3), [`read_camino_scheme`] (`BVECTOR`, `STEJSKALTANNER`) and
//!   [`read_json_scheme`] (`bvalues_si`, `gradient_directions`, optional `delta`, `Delta`, `TE`).
//!   Each has a `parse_*` twin working on text in memory (used by the fuzz targets in `fuzz/`).
//! - [`read_dwi`], [`read_dwi_raw`], [`read_dwi_masked`] and [`check_matches_scheme`] — a DWI whose volume count must equal the
//!   scheme's number of measurements.
//! - [`Tractogram`] — streamlines in world RAS mm: [`read_tck`]/[`write_tck`] (MRtrix) and
//!   [`read_trk`]/[`write_trk`] (TrackVis) and [`read_trx`]/[`write_trx`] (TRX zip or directory),
//!   both with a [`TractogramReference`] grid and per-streamline properties; [`invert_affine`], [`apply_affine`] and [`axis_codes`] for voxel ↔ world.
//! - [`ZarrWriter`] (`zarr.rs`) — an uncompressed Zarr v2 store with consolidated metadata,
//!   built in a temporary folder and renamed when finished (posterior draws for ArviZ/xarray).
//! - [`Error`] — every failure names the file and the problem (line and column for text).
//!
//! ## Example
//!
//! A two-voxel NIfTI-2 map written and read back; the voxel-to-world affine survives:
//!
//! ```
//! use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion, read_nifti, write_nifti};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("map.nii.gz");
//! let mut header = NiftiHeader::new(NiftiVersion::Two, DataType::Float32);
//! header.srow[0] = [2.0, 0.0, 0.0, -90.0];
//! let image = NiftiImage::new(header, vec![2, 1, 1], vec![0.5, 1.5])?;
//! write_nifti(&path, &image)?;
//! let back = read_nifti(&path)?;
//! assert_eq!(back.data(), &[0.5, 1.5]);
//! assert_eq!(back.affine()[0], [2.0, 0.0, 0.0, -90.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod affine;
mod atomic;
mod dwi;
mod error;
mod nifti;
mod png_map;
mod scheme;
mod tractogram;
mod volume;
mod zarr;

pub use affine::{apply_affine, axis_codes, invert_affine};
pub use dwi::{check_matches_scheme, read_dwi, read_dwi_masked, read_dwi_raw};
pub use error::Error;
pub use nifti::{
    Affine, ByteOrder, DataType, IDENTITY, MaskedImage, NiftiHeader, NiftiImage, NiftiVersion,
    Qform, RawNifti, Sample, SpatialUnit, TimeUnit, affine_to_quaternion, encode_nifti,
    parse_nifti, parse_raw_nifti, quaternion_to_affine, read_masked, read_nifti, read_nifti_as,
    read_raw_nifti, write_nifti,
};
pub use png_map::{mid_axial_slice, write_map_png};
pub use scheme::{
    BValueUnit, parse_bvals, parse_bvecs, parse_camino_scheme, parse_fsl_scheme, parse_json_scheme,
    read_camino_scheme, read_fsl_scheme, read_json_scheme,
};
pub use tractogram::{
    Tractogram, TractogramReference, encode_tck, encode_trk, encode_trx, parse_tck, parse_trk,
    parse_trx, read_tck, read_trk, read_trx, write_tck, write_trk, write_trx,
};
pub use volume::{
    first_volume_positive, gather, masked_indices, masked_signals, read_mask, scatter,
};
pub use zarr::{ChunkValues, ZarrArray, ZarrType, ZarrWriter};
