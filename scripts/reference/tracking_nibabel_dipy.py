"""Reference files and values for tractography I/O and SH bases, from nibabel and DIPY.

Creates its own virtualenv (/work/venvs/track, outside the repository) with nibabel and dipy,
then writes:
  - crates/dmipy-io/tests/data/tractogram/nibabel.trk and nibabel.tck: three streamlines with
    known world RAS mm points, saved by nibabel (nib.streamlines.save) on a reference grid with a
    flipped, oblique affine (AFFINE below, shape (10, 12, 8)), and points.json holding the points
    (15 significant digits) and the affine. dmipy-io's readers must return these points.
  - crates/dmipy-track/src/field/fixtures/sh_to_sf.json: dipy.reconst.shm.sh_to_sf for
    coefficients COEFFS (order 4) at a few unit directions, in descoteaux07 and tournier07 with
    legacy=False and legacy=True.
Run: python3 scripts/reference/tracking_nibabel_dipy.py
"""
import json
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path("/work/venvs/track")


def ensure_venv():
    py = VENV / "bin/python"
    if not py.exists():
        venv.create(VENV, with_pip=True)
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "nibabel", "dipy"])
    if pathlib.Path(sys.executable).resolve() != py.resolve():
        sys.exit(subprocess.call([str(py), __file__]))


def g15(v):
    return float(f"{float(v):.15g}")


def main():
    import numpy as np
    import nibabel as nib
    from dipy.core.sphere import Sphere
    from dipy.reconst.shm import sh_to_sf

    c, s = np.cos(np.radians(20)), np.sin(np.radians(20))
    affine = np.array([[-2.0 * c, 0.0, 2.0 * s, 40.0],
                       [0.0, 2.5, 0.0, -30.0],
                       [2.0 * s, 0.0, 2.0 * c, -10.0],
                       [0.0, 0.0, 0.0, 1.0]])
    shape = (10, 12, 8)
    lines = [np.array([[30.0, -20.0, 0.0], [28.5, -18.0, 1.0], [27.0, -16.0, 2.5]]),
             np.array([[35.0, -25.0, -3.0]]),
             np.array([[20.0, 0.0, 5.0], [21.0, 1.0, 5.5]])]
    out = ROOT / "crates/dmipy-io/tests/data/tractogram"
    out.mkdir(parents=True, exist_ok=True)
    for ext in ("trk", "tck"):
        tractogram = nib.streamlines.Tractogram(lines, affine_to_rasmm=np.eye(4))
        if ext == "trk":
            header = {nib.streamlines.Field.VOXEL_TO_RASMM: affine,
                      nib.streamlines.Field.DIMENSIONS: shape,
                      nib.streamlines.Field.VOXEL_SIZES: np.sqrt((affine[:3, :3] ** 2).sum(0)),
                      nib.streamlines.Field.VOXEL_ORDER: "".join(nib.aff2axcodes(affine))}
            nib.streamlines.save(tractogram, str(out / f"nibabel.{ext}"), header=header)
        else:
            nib.streamlines.save(tractogram, str(out / f"nibabel.{ext}"))
    ref = {"nibabel": nib.__version__, "affine": [[g15(x) for x in row] for row in affine],
           "shape": list(shape), "streamlines": [[[g15(x) for x in p] for p in l] for l in lines]}
    (out / "points.json").write_text(json.dumps(ref, indent=1) + "\n")

    coeffs = np.array([1.0, 0.3, -0.2, 0.5, 0.1, -0.4, 0.05, 0.2, -0.1, 0.15, 0.3, -0.25, 0.08, 0.12, -0.06])
    dirs = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.6, 0.0, 0.8], [0.36, 0.48, 0.8],
                     [-0.48, 0.6, 0.64], [0.0, -0.6, -0.8]])
    dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    sphere = Sphere(xyz=dirs)
    values = {}
    for basis in ("descoteaux07", "tournier07"):
        for legacy in (False, True):
            sf = sh_to_sf(coeffs, sphere, sh_order_max=4, basis_type=basis, legacy=legacy)
            values[f"{basis}{'_legacy' if legacy else ''}"] = [g15(v) for v in sf]
    import dipy
    fx = {"dipy": dipy.__version__, "order": 4, "coefficients": [g15(v) for v in coeffs],
          "directions": [[g15(x) for x in d] for d in dirs], "values": values}
    path = ROOT / "crates/dmipy-track/src/field/fixtures/sh_to_sf.json"
    path.write_text(json.dumps(fx, indent=1) + "\n")
    print("wrote", out, path)


if __name__ == "__main__":
    ensure_venv()
    main()
