"""DIPY LocalTracking on a curved-bundle SH field, for dmipy-track's deterministic-maximum tracker.

Creates its own virtualenv (/work/venvs/track, outside the repository) with nibabel and dipy,
then writes crates/dmipy-track/tests/data/dipy_local/:
  - sh.nii.gz: a 16×16×3 grid of 2 mm voxels (affine diag(2, 2, 2), shifted) of order-8 SH FODs
    (descoteaux07, legacy=False) whose fibres run along circles about the grid's corner
    (voxel (-0.5, -0.5)): f(u) = exp(κ((u·d)² − 1)), κ = 15, fitted by sf_to_sh on the 724
    repulsion directions; float32;
  - mask.nii.gz: the voxels with 3 ≤ r ≤ 14.5 voxels from that corner;
  - dipy.json: DIPY's version, the seeds (world mm), the sphere (DIPY's default_sphere, 362
    vertices of a hemisphere), the settings, and DIPY's streamlines (world mm) from LocalTracking
    with DeterministicMaximumDirectionGetter.from_shcoeff and a BinaryStoppingCriterion on the mask.
Run: python3 scripts/reference/tracking_dipy_local.py
"""
import json
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path("/work/venvs/track")
OUT = ROOT / "crates/dmipy-track/tests/data/dipy_local"
SHAPE = (16, 16, 3)
CORNER = (-0.5, -0.5)
KAPPA = 15.0
SETTINGS = {"step_mm": 0.5, "max_angle_deg": 30.0, "pmf_threshold": 0.1, "sh_order": 8,
            "basis": "descoteaux07", "legacy": False, "maxlen_steps": 1000}


def ensure_venv(script=__file__):
    """Makes the venv if missing and re-runs `script` under it unless already there."""
    py = VENV / "bin/python"
    if not py.exists():
        venv.create(VENV, with_pip=True)
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "nibabel", "dipy"])
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        sys.exit(subprocess.call([str(py), script]))


def g15(v):
    return float(f"{float(v):.15g}")


def phantom(shape, corner):
    """Order-8 SH FODs of fibres along circles about `corner` (voxel units), and the mask ring."""
    import numpy as np
    from dipy.data import get_sphere
    from dipy.reconst.shm import sf_to_sh

    dense = get_sphere(name="repulsion724")
    sh = np.zeros(tuple(shape) + (45,))
    mask = np.zeros(tuple(shape), dtype=np.uint8)
    r_max = min(shape[0], shape[1]) - 1.5
    for i in range(shape[0]):
        for j in range(shape[1]):
            x, y = i - corner[0], j - corner[1]
            r = np.hypot(x, y)
            d = np.array([-y, x, 0.0]) / r
            sf = np.exp(KAPPA * ((dense.vertices @ d) ** 2 - 1.0))
            sh[i, j, :] = sf_to_sh(sf, dense, sh_order_max=8, basis_type="descoteaux07", legacy=False)
            mask[i, j, :] = 3.0 <= r <= r_max
    return sh.astype(np.float32), mask


def dipy_tracking(sh, mask, seeds, affine, probabilistic=False):
    """DIPY's deterministic-maximum (or probabilistic) LocalTracking with SETTINGS, streamlines in
    world mm."""
    import numpy as np
    from dipy.data import default_sphere
    from dipy.direction import DeterministicMaximumDirectionGetter, ProbabilisticDirectionGetter
    from dipy.tracking.local_tracking import LocalTracking
    from dipy.tracking.stopping_criterion import BinaryStoppingCriterion
    from dipy.tracking.streamline import Streamlines

    kind = ProbabilisticDirectionGetter if probabilistic else DeterministicMaximumDirectionGetter
    getter = kind.from_shcoeff(
        sh.astype(np.float64), max_angle=SETTINGS["max_angle_deg"], sphere=default_sphere,
        pmf_threshold=SETTINGS["pmf_threshold"], basis_type="descoteaux07", legacy=False)
    tracking = LocalTracking(getter, BinaryStoppingCriterion(mask > 0), seeds, affine,
                             step_size=SETTINGS["step_mm"], max_cross=1,
                             maxlen=SETTINGS["maxlen_steps"], return_all=True, fixedstep=True)
    return Streamlines(tracking)


def main():
    import numpy as np
    import nibabel as nib
    import dipy
    from dipy.data import default_sphere

    affine = np.diag([2.0, 2.0, 2.0, 1.0])
    affine[:3, 3] = [-10.0, 5.0, 3.0]
    sh, mask = phantom(SHAPE, CORNER)
    OUT.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(sh, affine), str(OUT / "sh.nii.gz"))
    nib.save(nib.Nifti1Image(mask, affine), str(OUT / "mask.nii.gz"))

    # Seeds on the 40° ray from the corner, mid-slice, radii 4 to 13 voxels (world mm).
    angle = np.radians(40.0)
    seeds_vox = np.array([[CORNER[0] + r * np.cos(angle), CORNER[1] + r * np.sin(angle), 1.0]
                          for r in np.linspace(4.0, 13.0, 10)])
    seeds = nib.affines.apply_affine(affine, seeds_vox)
    lines = dipy_tracking(sh, mask, seeds, affine)
    fx = {"dipy": dipy.__version__, "settings": SETTINGS, "kappa": KAPPA,
          "seeds": [[g15(x) for x in s] for s in seeds],
          "sphere": [[g15(x) for x in v] for v in default_sphere.vertices],
          "streamlines": [[[g15(x) for x in p] for p in l] for l in lines]}
    (OUT / "dipy.json").write_text(json.dumps(fx) + "\n")
    print("wrote", OUT, len(lines), "streamlines,", sum(len(l) for l in lines), "points")


if __name__ == "__main__":
    ensure_venv()
    main()
