"""dmipy_rs.tracking: world coordinates, stop reasons, exact seed derivatives, and Dask chunks that
give the tractogram of one call."""

import numpy as np
import pytest

import dask.array as da
import distributed

from dmipy_rs import DmipyError
from dmipy_rs.tracking import STOP_REASONS, seed_jacobian, seeds_from_mask, track

# 2 mm voxels, x flipped, shifted: voxel (i, j, k) is world (20 − 2i, 2j − 4, 2k + 1).
AFFINE = np.array([[-2.0, 0, 0, 20.0], [0, 2.0, 0, -4.0], [0, 0, 2.0, 1.0], [0, 0, 0, 1.0]])


def uniform_peaks(shape, axis_world):
    peaks = np.zeros(tuple(shape) + (3,))
    peaks[...] = axis_world
    return peaks


def test_straight_field_gives_straight_world_lines_that_leave_the_image():
    peaks = uniform_peaks((10, 3, 3), [1.0, 0.0, 0.0])
    seeds = np.array([[10.0, -2.0, 3.0], [12.3, -1.5, 2.5]])
    tg = track(peaks, AFFINE, seeds, kind="peaks", step=0.5, max_angle=30)
    assert len(tg) == 2
    for line, s in zip(tg.streamlines, seeds):
        np.testing.assert_allclose(line[:, 1:], np.broadcast_to(s[1:], line[:, 1:].shape), atol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(np.diff(line, axis=0), axis=1), 0.5, rtol=1e-12)
        # The image spans world x in [20 − 2·9.5, 20 + 2·0.5] = [1, 21] mm; the last points lie
        # within one step inside it.
        assert 1.0 <= line[:, 0].min() < 1.5 and 20.5 < line[:, 0].max() <= 21.0
    assert all(STOP_REASONS[c] == "left_image" for c in tg.stop.ravel())
    np.testing.assert_array_equal(tg.seed_index, [0, 1])
    np.testing.assert_allclose(tg.lengths_mm, [len(l) * 0.5 - 0.5 for l in tg.streamlines])


def test_mask_stops_where_the_mask_ends():
    peaks = uniform_peaks((10, 3, 3), [1.0, 0.0, 0.0])
    mask = np.zeros((10, 3, 3))
    mask[2:8] = 1  # voxels 2..7: world x from 5 to 17 mm (voxel edges ±1 mm)
    tg = track(peaks, AFFINE, [[10.0, -2.0, 3.0]], kind="peaks", mask=mask, step=0.5)
    x = tg.streamlines[0][:, 0]
    # Nearest-voxel test: x = 5 mm is voxel 7.5, which rounds out of the mask; 17 mm (1.5) rounds in.
    assert 5.0 < x.min() <= 5.5 and 16.5 <= x.max() <= 17.0
    assert [STOP_REASONS[c] for c in tg.stop[0]] == ["mask", "mask"]


def test_seed_jacobian_equals_central_differences_on_a_curved_field():
    # Peaks tangent to circles about world (20, -4) (voxel (0, 0)), in world axes.
    shape = (12, 12, 2)
    peaks = np.zeros(shape + (3,))
    for i in range(shape[0]):
        for j in range(shape[1]):
            x, y = (20 - 2 * i) - 20.0, (2 * j - 4) + 4.0
            r = np.hypot(x, y) or 1.0
            peaks[i, j, :] = [-y / r, x / r, 0.0]
    # Seed off the voxel centres (where trilinear weights have a kink, and one-sided derivatives
    # differ), 9.7 mm and 12.4 mm from the centre; start along the circle's tangent there.
    seed, direction = np.array([10.3, 8.4, 2.0]), np.array([-12.4, -9.7, 0.0])
    points, jac = seed_jacobian(peaks, AFFINE, seed, direction, kind="peaks", step=0.5, max_length=6.0)
    assert jac.shape == (len(points), 3, 3)
    assert len(points) == 13  # the seed and 12 steps of 0.5 mm forward (the budget is used up)
    np.testing.assert_allclose(jac[0], np.eye(3), atol=1e-14)  # the seed itself
    h = 1e-5
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        plus, _ = seed_jacobian(peaks, AFFINE, seed + e, direction, kind="peaks", step=0.5, max_length=6.0)
        minus, _ = seed_jacobian(peaks, AFFINE, seed - e, direction, kind="peaks", step=0.5, max_length=6.0)
        fd = (plus - minus) / (2 * h)
        np.testing.assert_allclose(jac[:, :, k], fd, atol=1e-6)
    assert np.abs(jac[-1, :2, :2] - np.eye(2)).max() > 1e-3  # the curvature shows in the derivative


def test_dask_chunks_on_a_local_cluster_give_the_same_probabilistic_tractogram():
    # An order-2 descoteaux07 FOD peaked along x everywhere; probabilistic directions.
    shape = (12, 6, 3)
    sh = np.zeros(shape + (6,))
    sh[..., 0] = 1.0
    sh[..., 5] = 0.6
    mask = np.ones(shape)
    seeds = seeds_from_mask(mask, AFFINE, per_voxel=1, seed=3)
    assert seeds.shape == (216, 3)
    options = dict(kind="sh", algorithm="probabilistic", step=0.5, max_angle=40, seed=11, max_length=30)
    reference = track(sh, AFFINE, seeds, **options)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        chunked = track(sh, AFFINE, da.from_array(seeds, chunks=(50, 3)), **options)
    np.testing.assert_array_equal(chunked.offsets, reference.offsets)
    np.testing.assert_array_equal(chunked.points, reference.points)
    np.testing.assert_array_equal(chunked.seed_index, reference.seed_index)
    # Probabilistic: the streamlines are not all the same straight line.
    assert np.ptp(reference.points[:, 1]) > 0.1


def test_seeds_from_mask_regular_grid_is_at_known_sub_voxel_offsets():
    mask = np.zeros((3, 3, 3))
    mask[1, 2, 0] = 1
    seeds = seeds_from_mask(mask, AFFINE, per_voxel=8, placement="grid")
    # Voxel (1, 2, 0) ± 0.25 on each axis: world x 18 ∓ 0.5, y 0 ± 0.5, z 1 ± 0.5.
    np.testing.assert_allclose(np.sort(np.unique(seeds[:, 0])), [17.5, 18.5])
    np.testing.assert_allclose(np.sort(np.unique(seeds[:, 1])), [-0.5, 0.5])
    np.testing.assert_allclose(np.sort(np.unique(seeds[:, 2])), [0.5, 1.5])


def test_bad_input_is_a_clear_error():
    peaks = uniform_peaks((10, 3, 3), [1.0, 0.0, 0.0])
    with pytest.raises(DmipyError, match="outside"):
        track(peaks, AFFINE, [[100.0, 0.0, 0.0]], kind="peaks")
    with pytest.raises(ValueError, match="kind"):
        track(peaks, AFFINE, [[10.0, -2.0, 3.0]], kind="fod")
    with pytest.raises(ValueError, match="mask"):
        track(peaks, AFFINE, [[10.0, -2.0, 3.0]], kind="peaks", mask=np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="step"):
        track(peaks, AFFINE, [[10.0, -2.0, 3.0]], kind="peaks", step=0.0)
    with pytest.raises(ValueError, match="probabilistic"):
        track(peaks, AFFINE, [[10.0, -2.0, 3.0]], kind="peaks", algorithm="probabilistic")
    with pytest.raises(ValueError, match="SH coefficients"):
        track(np.ones((10, 3, 3, 7)), AFFINE, [[10.0, -2.0, 3.0]], kind="sh")
