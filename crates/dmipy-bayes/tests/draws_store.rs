//! Draws kept and written: sampling in blocks keyed by voxel gives the numbers of one call, and
//! the Zarr InferenceData store holds exactly the draws and NUTS statistics of the result.

mod common;

use common::{normal, small_scheme};
use dmipy::MultiCompartmentModel;
use dmipy_bayes::{
    DrawsStore, Priors, SampleControl, SampleOptions, SampleResult, VoxelStatus, sample_voxels,
    write_draws,
};
use nuts_rs::rand::{SeedableRng, rngs::ChaCha8Rng};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Ball & stick data for three voxels (the last one NaN), σ = 0.05 on the DWIs.
fn data() -> (MultiCompartmentModel, dmipy::AcquisitionScheme, Vec<f64>) {
    let scheme = small_scheme();
    let m = MultiCompartmentModel::turnkey("ball_stick").unwrap();
    let rows = [
        2.8e-9, 0.4, 1.0, 2.0e-9, 0.7, 0.3, 2.0e-9, 1.4, 2.0, 1.5e-9, 0.5, 0.5,
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut full = vec![0.0; m.full_len()];
    let mut scratch = m.scratch(&scheme);
    let mut out = Vec::new();
    for row in rows.chunks(6) {
        let mut s = vec![0.0; scheme.len()];
        m.full_from_parameters(row, &mut full).unwrap();
        m.signal_with(&scheme, &full, &mut s, &mut scratch).unwrap();
        for (v, &b0) in s.iter_mut().zip(scheme.b0_mask()) {
            if !b0 {
                *v += 0.05 * normal(&mut rng);
            }
        }
        out.extend(s);
    }
    out.extend(vec![f64::NAN; scheme.len()]);
    (m, scheme, out)
}

fn options() -> SampleOptions {
    SampleOptions {
        chains: 2,
        warmup: 60,
        draws: 40,
        seed: 9,
        sigma: Some(0.05),
        keep_draws: true,
        ..Default::default()
    }
}

fn sample(data: &[f64], options: &SampleOptions) -> SampleResult {
    let (m, scheme, _) = self::data();
    let control = SampleControl::default();
    sample_voxels(&m, &scheme, data, &Priors::new(), options, control).unwrap()
}

/// Voxel keys make a block's numbers those of the whole volume: voxels 1 and 2 sampled alone
/// with keys [1, 2] equal voxels 1 and 2 of one call over all three; without keys they differ.
#[test]
fn blocks_keyed_by_voxel_give_the_numbers_of_one_call() {
    let (_, scheme, data) = data();
    let m = scheme.len();
    let whole = sample(&data, &options());
    let keyed = SampleOptions {
        voxel_keys: Some(vec![1, 2]),
        ..options()
    };
    let block = sample(&data[m..], &keyed);
    assert_eq!(
        format!("{:?}", &whole.voxels[1..]),
        format!("{:?}", block.voxels)
    );
    let unkeyed = sample(&data[m..2 * m], &options());
    assert_ne!(whole.voxels[1].draws, unkeyed.voxels[0].draws);
    let wrong = SampleOptions {
        voxel_keys: Some(vec![1]),
        ..options()
    };
    let (model, scheme, _) = self::data();
    let e = sample_voxels(
        &model,
        &scheme,
        &data[m..],
        &Priors::new(),
        &wrong,
        SampleControl::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("voxel keys"), "{e}");
}

/// One array of the store, read by its `.zarray` and chunk files (Zarr v2, uncompressed, C
/// order), as f64 in C order over the whole shape.
fn read_array(root: &Path, name: &str) -> (Vec<usize>, Vec<f64>, Value) {
    let dir = root.join(name);
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap()
    };
    let (meta, attrs) = (read(".zarray"), read(".zattrs"));
    let ints = |v: &Value| -> Vec<usize> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect()
    };
    let (shape, chunks) = (ints(&meta["shape"]), ints(&meta["chunks"]));
    let dtype = meta["dtype"].as_str().unwrap().to_string();
    assert_eq!(meta["compressor"], Value::Null);
    let total: usize = shape.iter().product();
    let mut out = vec![f64::NAN; total];
    let grid: Vec<usize> = shape
        .iter()
        .zip(&chunks)
        .map(|(s, c)| s.div_ceil(*c))
        .collect();
    let n_chunks: usize = grid.iter().product();
    for flat in 0..n_chunks {
        // The chunk's grid index, C order.
        let mut index = vec![0; grid.len()];
        let mut r = flat;
        for a in (0..grid.len()).rev() {
            index[a] = r % grid[a];
            r /= grid[a];
        }
        let key: Vec<String> = index.iter().map(usize::to_string).collect();
        let bytes = std::fs::read(dir.join(key.join("."))).unwrap();
        let values: Vec<f64> = match dtype.as_str() {
            "<f8" => bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect(),
            "<i8" => bytes
                .chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap()) as f64)
                .collect(),
            "|b1" => bytes.iter().map(|&b| f64::from(b)).collect(),
            other => panic!("dtype {other}"),
        };
        assert_eq!(values.len(), chunks.iter().product::<usize>());
        for (e, &value) in values.iter().enumerate() {
            let (mut pos, mut r, mut inside) = (0, e, true);
            let mut at = vec![0; chunks.len()];
            for a in (0..chunks.len()).rev() {
                at[a] = index[a] * chunks[a] + r % chunks[a];
                r /= chunks[a];
            }
            for a in 0..shape.len() {
                inside &= at[a] < shape[a];
                pos = pos * shape[a] + at[a];
            }
            if inside {
                out[pos] = value;
            }
        }
    }
    (shape, out, attrs)
}

/// The store holds every kept draw of every parameter at (chain, draw, voxel[, component]), NaN
/// for the flagged voxel, and NUTS statistics that agree with the per-voxel summaries: the
/// divergences counted, the mean acceptance, a step size fixed after warm-up up to its jitter,
/// and between 2^depth − 1 and 2^(depth+1) − 1 leapfrog steps per draw.
#[test]
fn the_store_holds_the_draws_and_statistics() {
    let (_, _, data) = data();
    let result = sample(&data, &options());
    assert_eq!(result.voxels[2].status, VoxelStatus::NonFinite);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("draws.zarr");
    let mut attrs = Map::new();
    attrs.insert("model".into(), json!("ball_stick"));
    let ijk = [[0, 0, 0], [1, 0, 0], [0, 2, 1]];
    write_draws(&path, &result, Some(&ijk), attrs).unwrap();

    let (chains, draws, width) = (2, 40, result.width());
    let mut column = 0;
    for (name, card) in &result.names {
        let (shape, values, attrs) = read_array(&path, &format!("posterior/{name}"));
        let mut expected_shape = vec![chains, draws, 3];
        let mut dims = vec![json!("chain"), json!("draw"), json!("voxel")];
        if *card > 1 {
            expected_shape.push(*card);
            dims.push(json!(format!("{name}_dim_0")));
        }
        assert_eq!(shape, expected_shape, "{name}");
        assert_eq!(attrs["_ARRAY_DIMENSIONS"], json!(dims));
        assert_eq!(attrs["coordinates"], json!("voxel_i voxel_j voxel_k"));
        for c in 0..chains {
            for d in 0..draws {
                for (v, voxel) in result.voxels.iter().enumerate() {
                    for k in 0..*card {
                        let got = values[((c * draws + d) * 3 + v) * card + k];
                        match &voxel.draws {
                            Some(all) => {
                                assert_eq!(got, all[(c * draws + d) * width + column + k])
                            }
                            None => assert!(got.is_nan()),
                        }
                    }
                }
            }
        }
        column += card;
    }
    let stat = |s: &str| read_array(&path, &format!("sample_stats/{s}")).1;
    let (diverging, accept, step, depth, steps) = (
        stat("diverging"),
        stat("acceptance_rate"),
        stat("step_size"),
        stat("tree_depth"),
        stat("n_steps"),
    );
    let at = |c: usize, d: usize, v: usize| (c * draws + d) * 3 + v;
    for (v, voxel) in result.voxels.iter().enumerate().take(2) {
        let all = (0..chains).flat_map(|c| (0..draws).map(move |d| at(c, d, v)));
        let divergent: f64 = all.clone().map(|i| diverging[i]).sum();
        assert_eq!(divergent as usize, voxel.divergences);
        let mean_accept = all.clone().map(|i| accept[i]).sum::<f64>() / (chains * draws) as f64;
        assert!((mean_accept - voxel.mean_accept).abs() < 1e-12);
        // After warm-up the step size is fixed up to nuts-rs's default jitter, a uniform
        // factor in [0.9, 1.1] per draw.
        for c in 0..chains {
            let sizes = (0..draws).map(|d| step[at(c, d, v)]);
            let (lo, hi) = sizes.fold((f64::INFINITY, 0.0f64), |(a, b), s| (a.min(s), b.max(s)));
            assert!(
                lo > 0.0 && hi / lo <= 1.1 / 0.9 + 1e-12 && hi > lo,
                "{lo} {hi}"
            );
        }
        // A tree of depth d has 2^d − 1 leapfrog steps; the doubling that ended it (by a
        // U-turn or divergence inside it, and then rejected) adds at most 2^d more.
        for i in all {
            let d = 2f64.powf(depth[i]);
            assert!(
                steps[i] >= d - 1.0 && steps[i] <= 2.0 * d - 1.0,
                "{} {}",
                steps[i],
                depth[i]
            );
        }
    }
    assert!(stat("lp")[at(0, 0, 2)].is_nan());
    assert_eq!(
        read_array(&path, "posterior/voxel_k").1,
        vec![0.0, 0.0, 1.0]
    );
    let root: Value =
        serde_json::from_slice(&std::fs::read(path.join(".zmetadata")).unwrap()).unwrap();
    assert_eq!(root["metadata"][".zattrs"]["model"], json!("ball_stick"));
    assert_eq!(
        root["metadata"]["sample_stats/.zattrs"]["inference_library"],
        json!("nuts-rs")
    );
}

/// Written block by block (blocks of 2 voxels, so the last chunk is padded), the store equals
/// the one written whole; a block of the wrong size, an unfinished store and an existing target
/// are errors that leave nothing behind.
#[test]
fn block_writes_equal_whole_writes_and_bad_writes_leave_nothing() {
    let (_, _, data) = data();
    let result = sample(&data, &options());
    let dir = tempfile::tempdir().unwrap();
    let (whole, blocked) = (dir.path().join("whole.zarr"), dir.path().join("b.zarr"));
    write_draws(&whole, &result, None, Map::new()).unwrap();
    let create = |path: &Path| {
        DrawsStore::create(
            path,
            &result.names,
            &result.kinds,
            (2, 40),
            3,
            2,
            None,
            Map::new(),
        )
    };
    let mut store = create(&blocked).unwrap();
    let e = store.write(&result.voxels[..1]).unwrap_err();
    assert!(e.to_string().contains("blocks are 2 voxels"), "{e}");
    store.write(&result.voxels[..2]).unwrap();
    store.write(&result.voxels[2..]).unwrap();
    store.finish().unwrap();
    for (name, _) in &result.names {
        let a = read_array(&whole, &format!("posterior/{name}")).1;
        let b = read_array(&blocked, &format!("posterior/{name}")).1;
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
    let unfinished = dir.path().join("unfinished.zarr");
    let mut store = create(&unfinished).unwrap();
    store.write(&result.voxels[..2]).unwrap();
    assert!(store.finish().unwrap_err().to_string().contains("2 of 3"));
    assert!(!unfinished.exists());
    assert!(create(&whole).unwrap_err().to_string().contains("exists"));
    let left = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 2, "only the two finished stores remain");
}
