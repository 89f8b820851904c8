"""Streamline tractography on NumPy fields, right in world coordinates: ``dmipy_rs.tracking``.

The same tracker as ``dmipy track`` (``dmipy_track::TrackingJob`` in Rust)::

    from dmipy_rs.tracking import track, seeds_from_mask
    seeds = seeds_from_mask(wm_mask, affine, per_voxel=2, seed=1)
    tg = track(peaks, affine, seeds, kind="peaks", mask=wm_mask, step=0.5, max_angle=30)
    tg.streamlines          # list of (n_i, 3) arrays, world RAS mm
    tg.points, tg.offsets   # the same as one (M, 3) array and N + 1 offsets

Fields are arrays X×Y×Z×C on the grid of ``affine`` (voxel-to-world, RAS mm): ``kind='peaks'``
(3 components per peak, MRtrix's peaks layout), ``'tensor'`` (Dxx, Dxy, Dyy, Dxz, Dyz, Dzz, as
``dmipy fit dti`` writes them) or ``'sh'`` (FOD coefficients in ``sh_basis`` ``descoteaux07``,
``tournier07`` or their ``_legacy`` forms). Vectors are read in world axes (``frame='world'``,
MRtrix's convention) or voxel axes (``frame='voxel'``, as DIPY's pipelines write them).

``seeds`` may be a Dask array (N, 3): its chunks are tracked as separate tasks (on a
``dask.distributed`` cluster when a client is active), each told the index of its first seed,
so the result is the same as without Dask, probabilistic tracking included.
"""

import numpy as np

from . import _core

#: Per-streamline stop codes (``Tractogram.stop``): backward end, forward end.
STOP_REASONS = {1: "mask", 2: "threshold", 3: "left_image", 4: "angle", 5: "max_length",
                6: "soft_weight"}


class Tractogram:
    """Streamlines in world RAS mm: ``points`` (M, 3), ``offsets`` (N + 1), ``seed_index`` (N),
    ``stop`` (N, 2) codes of the backward and forward ends (see ``STOP_REASONS``)."""

    def __init__(self, points, offsets, seed_index, stop):
        self.points = points
        self.offsets = offsets
        self.seed_index = seed_index
        self.stop = stop

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def streamlines(self):
        """The streamlines as a list of (n_i, 3) views into ``points``."""
        return [self.points[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    @property
    def lengths_mm(self):
        """Length of each streamline (mm)."""
        seg = np.linalg.norm(np.diff(self.points, axis=0), axis=1)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        ends = np.maximum(self.offsets[1:] - 1, self.offsets[:-1])
        return cum[ends] - cum[self.offsets[:-1]]

    @staticmethod
    def concatenate(parts):
        """One tractogram from several, in order."""
        parts = list(parts)
        if not parts:
            return Tractogram(np.zeros((0, 3)), np.zeros(1, dtype=np.uint64),
                              np.zeros(0, dtype=np.uint64), np.zeros((0, 2), dtype=np.uint8))
        shifts = np.cumsum([0] + [len(p.points) for p in parts[:-1]])
        offsets = np.concatenate([parts[0].offsets[:1]] +
                                 [p.offsets[1:] + np.uint64(s) for p, s in zip(parts, shifts)])
        return Tractogram(np.concatenate([p.points for p in parts]), offsets,
                          np.concatenate([p.seed_index for p in parts]),
                          np.concatenate([p.stop for p in parts]))


def _grid(volume, affine, name):
    volume = np.asarray(volume, dtype=float)
    if volume.ndim == 3:
        volume = volume[..., None]
    if volume.ndim != 4:
        raise _core.ParameterError(f"{name} must be X×Y×Z or X×Y×Z×C, got shape {volume.shape}")
    return volume, np.ascontiguousarray(affine, dtype=float)


def _flat_on(volume, shape, name):
    if volume is None:
        return None
    volume = np.asarray(volume, dtype=float)
    if volume.shape != tuple(shape):
        raise _core.ParameterError(f"{name} has shape {volume.shape}, the field's grid is {tuple(shape)}")
    return np.ascontiguousarray(volume.ravel(order="F"))


def track(field, affine, seeds, *, kind, mask=None, stop_map=None, stop_threshold=0.0,
          sh_basis="descoteaux07", frame="world", algorithm="deterministic", integrator=None,
          step=0.5, max_angle=30.0, fod_threshold=0.1, min_length=0.0, max_length=250.0, seed=0,
          first_seed_index=0):
    """Tracks from every seed (N, 3 world mm; NumPy or Dask) both ways, joined into one streamline.

    ``mask`` (X×Y×Z, non-zero inside) stops a streamline where it leaves the mask (nearest voxel);
    ``stop_map`` with ``stop_threshold`` where the map falls below it (trilinear). Step (mm),
    maximum angle per step (degrees), minimum and maximum length (mm); ``fod_threshold`` is relative
    to the largest FOD amplitude. ``integrator`` ``None`` picks Euler on FODs and RK4 otherwise.
    ``seed`` keys the random streams (probabilistic directions): the same seed gives the same
    tractogram whatever the thread count or chunking. Returns a ``Tractogram``.
    """
    volume, affine = _grid(field, affine, "field")
    shape = volume.shape[:3]
    options = dict(sh_basis=sh_basis, frame=frame, algorithm=algorithm, integrator=integrator,
                   step=float(step), max_angle=float(max_angle), fod_threshold=float(fod_threshold),
                   min_length=float(min_length), max_length=float(max_length),
                   mask=_flat_on(mask, shape, "mask"), stop_map=_flat_on(stop_map, shape, "stop_map"),
                   stop_threshold=float(stop_threshold), seed=int(seed))
    flat = np.ascontiguousarray(volume.ravel(order="F"))
    if type(seeds).__module__.startswith("dask"):
        return _track_dask(kind, flat, shape, affine, seeds, options, int(first_seed_index))
    seeds = np.ascontiguousarray(seeds, dtype=float).reshape(-1, 3)
    return Tractogram(*_core.track_streamlines(kind, flat, shape, affine, seeds,
                                               first_seed_index=int(first_seed_index), **options))


def _aligned(a):
    # Arrays unpickled on a Dask worker may sit in misaligned buffers, which Rust slices refuse.
    return None if a is None else np.require(a, dtype=float, requirements=["C", "A"])


def _track_block(kind, flat, shape, affine, seeds, options, first):
    options = {k: _aligned(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    return Tractogram(*_core.track_streamlines(kind, _aligned(flat), shape, _aligned(affine),
                                               _aligned(seeds), first_seed_index=first, **options))


def _track_dask(kind, flat, shape, affine, seeds, options, first_seed_index):
    import dask

    seeds = seeds.rechunk({1: 3})
    starts = np.cumsum((0,) + seeds.chunks[0][:-1]) + first_seed_index
    blocks = seeds.to_delayed().ravel()
    parts = [dask.delayed(_track_block)(kind, flat, shape, affine, b, options, int(s))
             for b, s in zip(blocks, starts)]
    return Tractogram.concatenate(dask.compute(*parts))


def seeds_from_mask(mask, affine, *, per_voxel=1, placement="random", seed=0):
    """``per_voxel`` seeds (world mm, (N, 3)) in every non-zero voxel of ``mask`` (X×Y×Z):
    uniform in the voxel (``placement='random'``, keyed by ``seed`` and the voxel) or on a regular
    k×k×k sub-voxel grid (``'grid'``, ``per_voxel`` = k³)."""
    mask, affine = _grid(mask, affine, "mask")
    shape = mask.shape[:3]
    return _core.seeds_from_mask(_flat_on(mask[..., 0], shape, "mask"), shape, affine,
                                 per_voxel=int(per_voxel), placement=placement, seed=int(seed))


def seed_jacobian(field, affine, seed, direction, *, kind, frame="world", step=0.5, max_angle=30.0,
                  max_length=250.0):
    """One streamline of a peaks or tensor field from ``seed`` along ``direction`` (RK4, stopped by
    the image, the angle and ``max_length``) and the exact derivative of each point with respect to
    the seed (dual numbers): points (n, 3) and ``J`` (n, 3, 3) with ``J[i, a, k]`` = ∂ point_i[a] /
    ∂ seed[k]. Non-smooth choices (which peak) are made on the values and have no derivative."""
    volume, affine = _grid(field, affine, "field")
    flat = np.ascontiguousarray(volume.ravel(order="F"))
    points, jac = _core.track_seed_jacobian(kind, flat, volume.shape[:3], affine,
                                            [float(x) for x in seed], [float(x) for x in direction],
                                            frame=frame, step=float(step), max_angle=float(max_angle),
                                            max_length=float(max_length))
    return points, jac.reshape(-1, 3, 3)
