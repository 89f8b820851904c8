//! `track_streamlines`, `track_seed_jacobian` and `seeds_from_mask`: streamline tractography of NumPy fields through `dmipy_track::TrackingJob`.

use crate::errors::{DmipyError, ParameterError};
use dmipy_track::{
    Algorithm, FieldVolume, FollowAxis, Frame, Grid, IntegratorKind, MaskSeeds, MaskStop,
    PeaksField, Placement, PointSeeds, Rk4, SeedGenerator, ShBasis, StopReason, StoppingCriterion,
    TensorField, ThresholdStop, TrackingJob, TrackingSettings, track,
};
use num_dual::Dual64;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

/// Seeds tracked between two checks for Ctrl-C.
const SEEDS_PER_STRETCH: usize = 2048;

fn track_err(e: dmipy_track::Error) -> PyErr {
    DmipyError::new_err(e.to_string())
}

fn affine_of(affine: &PyReadonlyArray2<'_, f64>) -> PyResult<[[f64; 4]; 4]> {
    let a = affine.as_array();
    if a.shape() != [4, 4] {
        return Err(ParameterError::new_err(format!(
            "affine must be 4×4, got {:?}",
            a.shape()
        )));
    }
    Ok(std::array::from_fn(|r| std::array::from_fn(|c| a[[r, c]])))
}

fn points_of(seeds: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<[f64; 3]>> {
    let s = seeds.as_array();
    if s.ncols() != 3 {
        return Err(ParameterError::new_err(format!(
            "seeds must be (N, 3) world mm, got {:?}",
            s.shape()
        )));
    }
    Ok(s.rows().into_iter().map(|r| [r[0], r[1], r[2]]).collect())
}

fn frame_of(frame: &str) -> PyResult<Frame> {
    match frame {
        "world" => Ok(Frame::World),
        "voxel" => Ok(Frame::Voxel),
        other => Err(ParameterError::new_err(format!(
            "frame {other:?}: use 'world' (MRtrix) or 'voxel' (DIPY)"
        ))),
    }
}

fn basis_of(basis: &str) -> PyResult<ShBasis> {
    match basis {
        "descoteaux07" => Ok(ShBasis::Descoteaux07),
        "tournier07" => Ok(ShBasis::Tournier07),
        "descoteaux07_legacy" => Ok(ShBasis::Descoteaux07Legacy),
        "tournier07_legacy" => Ok(ShBasis::Tournier07Legacy),
        other => Err(ParameterError::new_err(format!(
            "sh_basis {other:?}: use descoteaux07, tournier07, descoteaux07_legacy or tournier07_legacy"
        ))),
    }
}

/// Points (M, 3), offsets (N + 1), seed indices (N), stop codes (N, 2: backward, forward end).
type Tracked<'py> = (
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray2<u8>>,
);

/// Tracks `seeds` (N, 3 world mm) through a field given in file order (first index fastest,
/// component slowest: `numpy.ravel(order='F')` of an X×Y×Z×C array) on `shape` and `affine`.
/// `kind` is 'peaks', 'tensor' or 'sh'. `mask` and `stop_map` are flattened the same way.
#[pyfunction]
#[pyo3(signature = (kind, field, shape, affine, seeds, *, sh_basis="descoteaux07", frame="world",
    algorithm="deterministic", integrator=None, step=0.5, max_angle=30.0, fod_threshold=0.1,
    min_length=0.0, max_length=250.0, mask=None, stop_map=None, stop_threshold=0.0, seed=0,
    first_seed_index=0))]
#[allow(clippy::too_many_arguments)]
pub fn track_streamlines<'py>(
    py: Python<'py>,
    kind: &str,
    field: PyReadonlyArray1<'py, f64>,
    shape: [usize; 3],
    affine: PyReadonlyArray2<'py, f64>,
    seeds: PyReadonlyArray2<'py, f64>,
    sh_basis: &str,
    frame: &str,
    algorithm: &str,
    integrator: Option<&str>,
    step: f64,
    max_angle: f64,
    fod_threshold: f64,
    min_length: f64,
    max_length: f64,
    mask: Option<PyReadonlyArray1<'py, f64>>,
    stop_map: Option<PyReadonlyArray1<'py, f64>>,
    stop_threshold: f64,
    seed: u64,
    first_seed_index: usize,
) -> PyResult<Tracked<'py>> {
    let grid = Grid::new(shape, affine_of(&affine)?).map_err(track_err)?;
    let data = field.as_slice()?;
    let field = match kind {
        "peaks" => FieldVolume::Peaks(data),
        "tensor" => FieldVolume::Tensor(data),
        "sh" => FieldVolume::Sh(data, basis_of(sh_basis)?),
        other => {
            return Err(ParameterError::new_err(format!(
                "field kind {other:?}: use 'peaks', 'tensor' or 'sh'"
            )));
        }
    };
    let algorithm = match algorithm {
        "deterministic" => Algorithm::Deterministic,
        "probabilistic" => Algorithm::Probabilistic,
        other => {
            return Err(ParameterError::new_err(format!(
                "algorithm {other:?}: use 'deterministic' or 'probabilistic'"
            )));
        }
    };
    let integrator = match integrator {
        None => None,
        Some("euler") => Some(IntegratorKind::Euler),
        Some("rk2") => Some(IntegratorKind::Rk2),
        Some("rk4") => Some(IntegratorKind::Rk4),
        Some(other) => {
            return Err(ParameterError::new_err(format!(
                "integrator {other:?}: use 'euler', 'rk2' or 'rk4'"
            )));
        }
    };
    let mask_stop = match &mask {
        Some(m) => Some(
            MaskStop::new(
                grid.clone(),
                m.as_slice()?.iter().map(|&v| v != 0.0).collect(),
            )
            .map_err(track_err)?,
        ),
        None => None,
    };
    let threshold_stop = match &stop_map {
        Some(m) => Some(
            ThresholdStop::new(grid.clone(), m.as_slice()?.to_vec(), stop_threshold)
                .map_err(track_err)?,
        ),
        None => None,
    };
    let mut criteria: Vec<&dyn StoppingCriterion<f64>> = Vec::new();
    if let Some(m) = &mask_stop {
        criteria.push(m);
    }
    if let Some(t) = &threshold_stop {
        criteria.push(t);
    }
    let seeds = PointSeeds {
        grid: grid.clone(),
        points: points_of(&seeds)?,
    }
    .seeds()
    .map_err(|e| match e {
        // Numbered in the whole run, as the streamlines' seed indices are.
        dmipy_track::Error::SeedOutside { index, point } => dmipy_track::Error::SeedOutside {
            index: first_seed_index + index,
            point,
        },
        other => other,
    })
    .map_err(track_err)?;
    let mut job = TrackingJob {
        grid,
        field,
        frame: frame_of(frame)?,
        algorithm,
        integrator,
        max_angle_deg: max_angle,
        fod_threshold,
        sphere: None,
        settings: TrackingSettings {
            step_mm: step,
            min_length_mm: min_length,
            max_length_mm: max_length,
            seed,
            ..TrackingSettings::default()
        },
        criteria,
    };
    job.validate().map_err(track_err)?;
    let mut lines = Vec::new();
    for (k, chunk) in seeds.chunks(SEEDS_PER_STRETCH).enumerate() {
        job.settings.first_seed_index = first_seed_index + k * SEEDS_PER_STRETCH;
        lines.extend(py.detach(|| job.run(chunk, &|_| {})).map_err(track_err)?);
        py.check_signals()?;
    }
    let n_points: usize = lines.iter().map(|l| l.points.len()).sum();
    let mut points = Vec::with_capacity(3 * n_points);
    let mut offsets = Vec::with_capacity(lines.len() + 1);
    offsets.push(0u64);
    let mut stops = Vec::with_capacity(2 * lines.len());
    for l in &lines {
        points.extend(l.points.iter().flatten());
        offsets.push((points.len() / 3) as u64);
        stops.extend(l.stop.map(StopReason::code));
    }
    let seed_index: Vec<u64> = lines.iter().map(|l| l.seed_index as u64).collect();
    Ok((
        PyArray1::from_vec(py, points).reshape([n_points, 3])?,
        PyArray1::from_vec(py, offsets),
        PyArray1::from_vec(py, seed_index),
        PyArray1::from_vec(py, stops).reshape([lines.len(), 2])?,
    ))
}

/// Points (n, 3) and their Jacobians with respect to the seed (n, 9).
type PointsAndJacobian<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

/// One streamline of a peaks or tensor field from `seed` along `direction` (RK4, no stopping
/// besides the image, the angle and `max_length`), with the exact derivative of every point with
/// respect to the seed: points (n, 3) and d point / d seed (n, 3, 3) flattened to (n, 9), row-major.
#[pyfunction]
#[pyo3(signature = (kind, field, shape, affine, seed, direction, *, frame="world", step=0.5,
    max_angle=30.0, max_length=250.0))]
#[allow(clippy::too_many_arguments)]
pub fn track_seed_jacobian<'py>(
    py: Python<'py>,
    kind: &str,
    field: PyReadonlyArray1<'py, f64>,
    shape: [usize; 3],
    affine: PyReadonlyArray2<'py, f64>,
    seed: [f64; 3],
    direction: [f64; 3],
    frame: &str,
    step: f64,
    max_angle: f64,
    max_length: f64,
) -> PyResult<PointsAndJacobian<'py>> {
    let grid = Grid::new(shape, affine_of(&affine)?).map_err(track_err)?;
    PointSeeds {
        grid: grid.clone(),
        points: vec![seed],
    }
    .seeds()
    .map_err(track_err)?;
    let norm = direction.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(ParameterError::new_err(
            "direction must be a non-zero vector",
        ));
    }
    if !(max_angle > 0.0 && max_angle <= 90.0) {
        return Err(ParameterError::new_err(format!(
            "max_angle {max_angle} must be in (0, 90] degrees"
        )));
    }
    let settings = TrackingSettings {
        step_mm: step,
        max_length_mm: max_length,
        ..TrackingSettings::default()
    };
    settings.validate().map_err(track_err)?;
    let volume: Vec<Dual64> = field.as_slice()?.iter().map(|&x| Dual64::from(x)).collect();
    let frame = frame_of(frame)?;
    let dir = direction.map(|x| Dual64::from(x / norm));
    // One forward-mode pass per seed coordinate: the streamline's points carry d/d seed_k.
    let line_for = |k: usize| -> Result<Vec<[Dual64; 3]>, dmipy_track::Error> {
        let s: [Dual64; 3] = std::array::from_fn(|j| {
            let x = Dual64::from(seed[j]);
            if j == k { x.derivative() } else { x }
        });
        let n = grid.voxels().max(1);
        let line = match kind {
            "peaks" => {
                let f = PeaksField::from_volume(grid.clone(), &volume, volume.len() / n, frame)?;
                track(
                    &FollowAxis::new(f, max_angle),
                    &Rk4,
                    &[],
                    s,
                    dir,
                    0,
                    &settings,
                )
            }
            "tensor" => {
                let f = TensorField::from_volume(grid.clone(), &volume, frame)?;
                track(
                    &FollowAxis::new(f, max_angle),
                    &Rk4,
                    &[],
                    s,
                    dir,
                    0,
                    &settings,
                )
            }
            _ => {
                return Err(dmipy_track::Error::BadChoice(
                    "seed Jacobians need a 'peaks' or 'tensor' field (FOD directions are sphere vertices, piecewise constant)",
                ));
            }
        };
        Ok(line.points)
    };
    let passes = py
        .detach(|| (0..3).map(line_for).collect::<Result<Vec<_>, _>>())
        .map_err(track_err)?;
    let n = passes[0].len();
    let points: Vec<f64> = passes[0].iter().flatten().map(|x| x.re).collect();
    let mut jac = Vec::with_capacity(9 * n);
    for i in 0..n {
        for a in 0..3 {
            for pass in &passes {
                jac.push(pass[i][a].eps);
            }
        }
    }
    Ok((
        PyArray1::from_vec(py, points).reshape([n, 3])?,
        PyArray1::from_vec(py, jac).reshape([n, 9])?,
    ))
}

/// `per_voxel` seeds (world mm) in every voxel of a mask flattened in file order: uniform in the
/// voxel from a stream keyed by (seed, voxel) when `placement` is 'random', or a regular k×k×k
/// sub-voxel grid ('grid', per_voxel = k³).
#[pyfunction]
#[pyo3(signature = (mask, shape, affine, *, per_voxel=1, placement="random", seed=0))]
pub fn seeds_from_mask<'py>(
    py: Python<'py>,
    mask: PyReadonlyArray1<'py, f64>,
    shape: [usize; 3],
    affine: PyReadonlyArray2<'py, f64>,
    per_voxel: usize,
    placement: &str,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let placement = match placement {
        "random" => Placement::Random { seed },
        "grid" => Placement::Regular,
        other => {
            return Err(ParameterError::new_err(format!(
                "placement {other:?}: use 'random' or 'grid'"
            )));
        }
    };
    let seeds = MaskSeeds {
        grid: Grid::new(shape, affine_of(&affine)?).map_err(track_err)?,
        mask: mask.as_slice()?.iter().map(|&v| v != 0.0).collect(),
        per_voxel,
        placement,
    }
    .seeds()
    .map_err(track_err)?;
    let n = seeds.len();
    PyArray1::from_vec(py, seeds.into_iter().flatten().collect()).reshape([n, 3])
}
