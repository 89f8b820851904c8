//! Posterior draws written as an ArviZ `InferenceData` in a Zarr v2 store, the layout that
//! `arviz.from_zarr(path)` and `xarray.open_zarr(path, group="posterior")` open directly.
//!
//! Layout (ArviZ's InferenceData schema, <https://python.arviz.org/en/stable/schema/schema.html>):
//! - group `posterior`: one variable per public parameter P (Dmipy names), dimensions
//!   `(chain, draw, voxel)` for a scalar and `(chain, draw, voxel, P_dim_0)` for a vector
//!   parameter; orientations are `[θ, φ]` in radians (attribute `components`), the public
//!   parameters of `dmipy fit`. Attribute `units` gives the SI unit.
//! - group `sample_stats`: `lp`, `energy`, `acceptance_rate`, `step_size` (float), `tree_depth`,
//!   `n_steps` (integer) and `diverging` (boolean), dimensions `(chain, draw, voxel)`: NUTS's
//!   statistics of every kept draw (see [`DrawStats`]).
//! - coordinates `chain`, `draw`, `voxel` (0-based indices; a voxel's index is its position
//!   among the sampled voxels) in each group, and, when the grid is known, `voxel_i`, `voxel_j`,
//!   `voxel_k` along `voxel` (its grid indices, first index fastest as in NIfTI).
//! - attributes `creation_library` (dmipy-rs and its version), `inference_library` (nuts-rs and
//!   its version) and whatever the caller adds (model, options) on the root and both groups.
//!
//! Voxels that were not sampled (flagged) hold NaN draws and fill-valued statistics.
//!
//! The voxel axis is chunked in blocks of voxels (by default about 8 MB of f64 per chunk), so a caller can sample a volume block by block and keep only one block of draws
//! in memory.

use crate::{DrawStats, SampleResult, VoxelPosterior};
use dmipy::ParameterKind;
use dmipy_io::{ChunkValues, ZarrArray, ZarrType, ZarrWriter};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Values per chunk the block size aims at (8 MB of f64).
const CHUNK_VALUES: usize = 1 << 20;

/// nuts-rs's version, as pinned in Cargo.toml.
const NUTS_VERSION: &str = "0.19.1";

/// A store of draws being written, voxel block by voxel block, in voxel order.
#[derive(Debug)]
pub struct DrawsStore {
    writer: ZarrWriter,
    names: Vec<(String, usize)>,
    chains: usize,
    draws: usize,
    voxels: usize,
    block: usize,
    written: usize,
}

impl DrawsStore {
    /// The block size that keeps a chunk near 8 MB: voxels such that chains × draws × voxels ×
    /// the widest parameter is about 2²⁰ values (at least 1).
    pub fn suggested_block(names: &[(String, usize)], chains: usize, draws: usize) -> usize {
        let widest = names.iter().map(|n| n.1).max().unwrap_or(1).max(1);
        (CHUNK_VALUES / (chains * draws * widest).max(1)).max(1)
    }

    /// Starts the store for `voxels` voxels of posteriors with the public parameters `names`
    /// (and their `kinds`), `chains` × `draws` each, chunked in blocks of `block` voxels (e.g.
    /// [`suggested_block`](Self::suggested_block)). `grid_indices`, if given, are the (i, j, k)
    /// of every voxel; `attrs` are added to the root and both groups. Refused if `path` exists.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        path: &Path,
        names: &[(String, usize)],
        kinds: &[ParameterKind],
        (chains, draws): (usize, usize),
        voxels: usize,
        block: usize,
        grid_indices: Option<&[[usize; 3]]>,
        attrs: Map<String, Value>,
    ) -> Result<Self, dmipy_io::Error> {
        if let Some(ijk) = grid_indices
            && ijk.len() != voxels
        {
            return Err(dmipy_io::Error::CountMismatch {
                path: path.to_path_buf(),
                what: "grid indices (one per voxel)".into(),
                expected: voxels,
                found: ijk.len(),
            });
        }
        let block = block.clamp(1, voxels.max(1));
        let mut attrs = attrs;
        attrs.insert(
            "creation_library".into(),
            json!(format!("dmipy-rs {}", env!("CARGO_PKG_VERSION"))),
        );
        attrs.insert("inference_library".into(), json!("nuts-rs"));
        attrs.insert("inference_library_version".into(), json!(NUTS_VERSION));
        let mut writer = ZarrWriter::create(path, attrs.clone())?;
        for group in ["posterior", "sample_stats"] {
            writer.group(group, attrs.clone())?;
            coordinates(&mut writer, group, chains, draws, voxels, grid_indices)?;
        }
        let located = if grid_indices.is_some() {
            "voxel_i voxel_j voxel_k"
        } else {
            ""
        };
        let with = |kind: ZarrType, shape: Vec<usize>, dims: Vec<String>, attrs: Map<_, _>| {
            let mut chunks = shape.clone();
            chunks[2] = block;
            let mut attrs = attrs;
            if !located.is_empty() {
                attrs.insert("coordinates".into(), json!(located));
            }
            ZarrArray {
                kind,
                shape,
                chunks,
                dims,
                attrs,
            }
        };
        let base_dims = || vec!["chain".to_string(), "draw".into(), "voxel".into()];
        for ((name, card), kind) in names.iter().zip(kinds) {
            let (mut shape, mut dims) = (vec![chains, draws, voxels], base_dims());
            if *card > 1 {
                shape.push(*card);
                dims.push(format!("{name}_dim_0"));
            }
            let mut a = Map::new();
            a.insert("units".into(), json!(kind.si_unit()));
            if *kind == ParameterKind::Orientation {
                a.insert("components".into(), json!(["theta", "phi"]));
            }
            writer.array(
                &format!("posterior/{name}"),
                with(ZarrType::F64, shape, dims, a),
            )?;
        }
        for (stat, kind) in STATS {
            let shape = vec![chains, draws, voxels];
            let array = with(*kind, shape, base_dims(), Map::new());
            writer.array(&format!("sample_stats/{stat}"), array)?;
        }
        Ok(DrawsStore {
            writer,
            names: names.to_vec(),
            chains,
            draws,
            voxels,
            block,
            written: 0,
        })
    }

    /// Voxels per chunk: [`write`](Self::write) takes whole blocks.
    pub fn block(&self) -> usize {
        self.block
    }

    /// Writes the next voxels, in order: a whole number of blocks, or the rest of the volume.
    /// Each voxel's draws and statistics come from its posterior (NaN where it has none).
    pub fn write(&mut self, voxels: &[VoxelPosterior]) -> Result<(), dmipy_io::Error> {
        let rest = self.voxels - self.written;
        if voxels.len() > rest || (!voxels.len().is_multiple_of(self.block) && voxels.len() != rest)
        {
            return Err(self.invalid(format!(
                "{} voxels given at voxel {}: blocks are {} voxels, {rest} remain",
                voxels.len(),
                self.written,
                self.block
            )));
        }
        let width: usize = self.names.iter().map(|n| n.1).sum();
        let total = self.chains * self.draws;
        for (b, group) in voxels.chunks(self.block).enumerate() {
            let chunk = (self.written / self.block) + b;
            let mut column = 0;
            for (name, card) in &self.names {
                let values = parameter_draws(group, total, width, column..column + card);
                let mut index = vec![0, 0, chunk];
                if *card > 1 {
                    index.push(0);
                }
                let path = format!("posterior/{name}");
                self.writer
                    .write_chunk(&path, &index, ChunkValues::F64(&values))?;
                column += card;
            }
            let stats = DrawStats::interleaved(group, total);
            let at = [0, 0, chunk];
            let put = |stat: &str, values: ChunkValues| {
                self.writer
                    .write_chunk(&format!("sample_stats/{stat}"), &at, values)
            };
            put("lp", ChunkValues::F64(&stats.lp))?;
            put("energy", ChunkValues::F64(&stats.energy))?;
            put("acceptance_rate", ChunkValues::F64(&stats.acceptance_rate))?;
            put("step_size", ChunkValues::F64(&stats.step_size))?;
            put("tree_depth", ChunkValues::I64(&as_i64(&stats.tree_depth)))?;
            put("n_steps", ChunkValues::I64(&as_i64(&stats.n_steps)))?;
            put("diverging", ChunkValues::Bool(&stats.diverging))?;
        }
        self.written += voxels.len();
        Ok(())
    }

    /// Checks that every voxel was written and puts the store in place.
    pub fn finish(self) -> Result<(), dmipy_io::Error> {
        if self.written != self.voxels {
            return Err(self.invalid(format!(
                "{} of {} voxels written",
                self.written, self.voxels
            )));
        }
        self.writer.finish()
    }

    fn invalid(&self, reason: String) -> dmipy_io::Error {
        dmipy_io::Error::Write {
            path: "draws store".into(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, reason),
        }
    }
}

/// Writes a whole [`SampleResult`] sampled with `keep_draws` to `path` (see the module
/// documentation); `grid_indices` and `attrs` as in [`DrawsStore::create`].
pub fn write_draws(
    path: &Path,
    result: &SampleResult,
    grid_indices: Option<&[[usize; 3]]>,
    attrs: Map<String, Value>,
) -> Result<(), dmipy_io::Error> {
    let mut store = DrawsStore::create(
        path,
        &result.names,
        &result.kinds,
        (result.chains, result.draws),
        result.voxels.len(),
        DrawsStore::suggested_block(&result.names, result.chains, result.draws),
        grid_indices,
        attrs,
    )?;
    store.write(&result.voxels)?;
    store.finish()
}

/// The draws of the public columns `columns` (one parameter) of every voxel in the store's C
/// order: draw s = chain · draws + draw, then voxel, then component; NaN for a voxel without
/// draws. `total` is chains × draws, `width` the public row's length.
pub fn parameter_draws(
    voxels: &[VoxelPosterior],
    total: usize,
    width: usize,
    columns: std::ops::Range<usize>,
) -> Vec<f64> {
    let mut values = Vec::with_capacity(total * voxels.len() * columns.len());
    for s in 0..total {
        for voxel in voxels {
            for j in columns.clone() {
                let value = (voxel.draws.as_ref()).and_then(|d| d.get(s * width + j).copied());
                values.push(value.unwrap_or(f64::NAN));
            }
        }
    }
    values
}

impl DrawStats {
    /// The statistics of many voxels interleaved in the store's C order (draw s = chain ·
    /// draws + draw, then voxel): ArviZ's `sample_stats` arrays; NaN, 0 or false for a voxel
    /// without them. `total` is chains × draws.
    pub fn interleaved(voxels: &[VoxelPosterior], total: usize) -> Self {
        let stats: Vec<Option<&DrawStats>> = voxels.iter().map(|v| v.draw_stats.as_ref()).collect();
        fn column<T: Copy>(
            stats: &[Option<&DrawStats>],
            total: usize,
            missing: T,
            f: fn(&DrawStats) -> &[T],
        ) -> Vec<T> {
            (0..total)
                .flat_map(|s| {
                    stats
                        .iter()
                        .map(move |st| st.map_or(missing, |st| f(st)[s]))
                })
                .collect()
        }
        DrawStats {
            lp: column(&stats, total, f64::NAN, |s| &s.lp),
            energy: column(&stats, total, f64::NAN, |s| &s.energy),
            acceptance_rate: column(&stats, total, f64::NAN, |s| &s.acceptance_rate),
            step_size: column(&stats, total, f64::NAN, |s| &s.step_size),
            tree_depth: column(&stats, total, 0, |s| &s.tree_depth),
            n_steps: column(&stats, total, 0, |s| &s.n_steps),
            diverging: column(&stats, total, false, |s| &s.diverging),
        }
    }
}

/// Counts as the store's and NumPy's int64.
pub fn as_i64(values: &[u64]) -> Vec<i64> {
    values.iter().map(|&v| v as i64).collect()
}

/// The sample statistics and their element types.
const STATS: &[(&str, ZarrType)] = &[
    ("lp", ZarrType::F64),
    ("energy", ZarrType::F64),
    ("acceptance_rate", ZarrType::F64),
    ("step_size", ZarrType::F64),
    ("tree_depth", ZarrType::I64),
    ("n_steps", ZarrType::I64),
    ("diverging", ZarrType::Bool),
];

/// The coordinate variables of a group: `chain`, `draw`, `voxel` and the grid indices.
fn coordinates(
    writer: &mut ZarrWriter,
    group: &str,
    chains: usize,
    draws: usize,
    voxels: usize,
    grid_indices: Option<&[[usize; 3]]>,
) -> Result<(), dmipy_io::Error> {
    let mut one = |name: &str, dim: &str, values: Vec<i64>| {
        let n = values.len();
        let array = ZarrArray {
            kind: ZarrType::I64,
            shape: vec![n],
            chunks: vec![n.max(1)],
            dims: vec![dim.to_string()],
            attrs: Map::new(),
        };
        let path = format!("{group}/{name}");
        writer.array(&path, array)?;
        if n > 0 {
            writer.write_chunk(&path, &[0], ChunkValues::I64(&values))?;
        }
        Ok::<_, dmipy_io::Error>(())
    };
    let range = |n: usize| (0..n as i64).collect::<Vec<_>>();
    one("chain", "chain", range(chains))?;
    one("draw", "draw", range(draws))?;
    one("voxel", "voxel", range(voxels))?;
    if let Some(ijk) = grid_indices {
        for (axis, name) in ["voxel_i", "voxel_j", "voxel_k"].iter().enumerate() {
            one(name, "voxel", ijk.iter().map(|p| p[axis] as i64).collect())?;
        }
    }
    Ok(())
}
