"""Tracking on an SH-FOD phantom: dmipy-track side by side with DIPY's LocalTracking, deterministic
(ALGORITHM=deterministic, the default) or probabilistic (ALGORITHM=probabilistic).

Usage (from the repository root):  python3 benches/tracking_vs_dipy.py
It uses the venv of scripts/reference/tracking_dipy_local.py (nibabel, DIPY; made if missing),
builds the release example `track_sh_nifti` of dmipy-track, and prints streamlines per second of
both, their ratio, CPU seconds, the load average, and the largest distance between the two
tractograms' corresponding points (the same field, sphere, seeds, step, angle and mask). The
probabilistic runs draw different random streams, so they are compared by their streamline
lengths (mean ± standard error) instead of point by point.
Environment: SEEDS (3000), SIZE (grid side, 48), THREADS (rayon threads for dmipy-track,
default: all cores; DIPY runs on one core, as it does).

Phantom: fibres along circles about the grid's corner (order-8 descoteaux07 FODs, κ = 15, the
fixture script's `phantom`), SIZE × SIZE × 6 voxels of 2 mm, mask ring 3 ≤ r ≤ SIZE − 1.5 voxels,
seeds uniform in the mask (fixed NumPy seed), DIPY's 362-direction default hemisphere,
step 0.5 mm, 30°, pmf threshold 0.1. Both timed regions start from the SH array in memory and
include building the direction getter (DIPY's `from_shcoeff`, our `ShField` with its amplitude
precompute).
"""
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts/reference"))
import tracking_dipy_local as ref  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")
ALGORITHM = os.environ.get("ALGORITHM", "deterministic")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    import numpy as np
    import nibabel as nib
    from dipy.data import default_sphere

    n_seeds = int(os.environ.get("SEEDS", 3000))
    size = int(os.environ.get("SIZE", 48))
    threads = int(os.environ.get("THREADS", os.cpu_count()))
    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    sh, mask = ref.phantom((size, size, 6), ref.CORNER)
    rng = np.random.default_rng(7)
    inside = np.argwhere(mask > 0)
    picks = inside[rng.integers(len(inside), size=n_seeds)] + rng.uniform(-0.5, 0.5, (n_seeds, 3))
    picks[:, 2] = np.clip(picks[:, 2], 0.0, 5.0)
    seeds = nib.affines.apply_affine(affine, picks)

    subprocess.check_call(["cargo", "build", "-q", "--release", "-p", "dmipy-track",
                           "--example", "track_sh_nifti"], cwd=ROOT)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release/examples/track_sh_nifti"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        nib.save(nib.Nifti1Image(sh, affine), str(tmp / "sh.nii.gz"))
        nib.save(nib.Nifti1Image(mask, affine), str(tmp / "mask.nii.gz"))
        spec = {"seeds": seeds.tolist(), "sphere": default_sphere.vertices.tolist(),
                "algorithm": ALGORITHM,
                "step_mm": ref.SETTINGS["step_mm"], "max_angle_deg": ref.SETTINGS["max_angle_deg"],
                "pmf_threshold": ref.SETTINGS["pmf_threshold"]}
        (tmp / "seeds.json").write_text(json.dumps(spec))
        cpu0 = children_cpu()
        out = subprocess.check_output(
            [str(exe), str(tmp / "sh.nii.gz"), str(tmp / "mask.nii.gz"), str(tmp / "seeds.json"),
             str(tmp / "ours.tck")], env={**os.environ, "RAYON_NUM_THREADS": str(threads)})
        ours_cpu = children_cpu() - cpu0
        ours = json.loads(out)
        ours_lines = list(nib.streamlines.load(str(tmp / "ours.tck")).streamlines)

    t0, c0 = time.perf_counter(), time.process_time()
    dipy_lines = list(ref.dipy_tracking(sh, mask, seeds, affine,
                                        probabilistic=ALGORITHM == "probabilistic"))
    dipy_s, dipy_cpu = time.perf_counter() - t0, time.process_time() - c0

    worst, differ = 0.0, 0
    for a, b in zip(ours_lines, dipy_lines):
        if np.linalg.norm(a[0] - b[0]) > np.linalg.norm(a[-1] - b[0]):
            a = a[::-1]
        if len(a) != len(b):
            differ += 1
            continue
        worst = max(worst, float(np.abs(a - b).max()))
    rate_ours = ours["streamlines"] / ours["seconds"]
    rate_dipy = len(dipy_lines) / dipy_s
    print(f"{ALGORITHM}, phantom {size}x{size}x6, {n_seeds} seeds; load average {os.getloadavg()}")
    print(f"dmipy-track ({threads} threads): {ours['streamlines']} streamlines in {ours['seconds']:.3f} s "
          f"= {rate_ours:.0f}/s, of which building the field {ours['setup_seconds']:.3f} s "
          f"(process CPU {ours_cpu:.2f} s, including file I/O)")
    print(f"DIPY LocalTracking (1 core):  {len(dipy_lines)} streamlines in {dipy_s:.3f} s "
          f"= {rate_dipy:.0f}/s (CPU {dipy_cpu:.2f} s)")
    print(f"ratio (streamlines/s): {rate_ours / rate_dipy:.1f}x")
    if ALGORITHM == "probabilistic":
        for name, lines in (("dmipy-track", ours_lines), ("DIPY", dipy_lines)):
            lengths = np.array([np.linalg.norm(np.diff(a, axis=0), axis=1).sum() for a in lines])
            print(f"{name} lengths: mean {lengths.mean():.2f} ± {lengths.std() / len(lengths) ** 0.5:.2f} mm "
                  f"(SE), median {np.median(lengths):.2f} mm")
        return
    print(f"same streamlines: {len(ours_lines)} vs {len(dipy_lines)}; point counts differ on {differ}; "
          f"largest point distance where they agree {worst:.2e} mm (float32 .tck)")


if __name__ == "__main__":
    ref.ensure_venv(__file__)
    main()
