"""TRX files written by trx-python for dmipy-io's reader, and a check that trx-python reads ours.

Creates its own virtualenv (/work/venvs/trx, outside the repository) with trx-python, nibabel
and numpy. Uses the streamlines and grid of crates/dmipy-io/tests/data/tractogram/points.json
(three streamlines, flipped 20°-oblique affine, made by tracking_nibabel_dipy.py) and writes:
  - trx_python_f16.trx: a zip archive, float16 positions, uint32 offsets, a dps "n_points";
  - trx_python_f64/: the same as a directory, float64 positions, uint64 offsets;
  - trx_interop.json: versions, and the largest distance (mm) between the points trx-python reads
    from a .trx written by dmipy-io (`cargo run -p dmipy-io --example points_json_to_trx`) and
    the points of points.json, with the affine and shape it reads.
Run: python3 scripts/reference/trx_interop.py
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import venv

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path("/work/venvs/trx")
DATA = ROOT / "crates/dmipy-io/tests/data/tractogram"


def ensure_venv():
    py = VENV / "bin/python"
    if not py.exists():
        venv.create(VENV, with_pip=True)
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", "trx-python==0.6", "nibabel", "numpy"])
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        sys.exit(subprocess.call([str(py), __file__]))


def main():
    import numpy as np
    import nibabel as nib
    import trx
    import trx.trx_file_memmap as tmm

    ref = json.loads((DATA / "points.json").read_text())
    affine = np.array(ref["affine"])
    shape = tuple(ref["shape"])
    lines = [np.array(l) for l in ref["streamlines"]]
    image = nib.Nifti1Image(np.zeros(shape, dtype=np.uint8), affine)
    n_points = np.array([len(l) for l in lines], dtype=np.float32)
    tractogram = nib.streamlines.Tractogram(lines, affine_to_rasmm=np.eye(4),
                                            data_per_streamline={"n_points": n_points})
    for name, positions, offsets in (("trx_python_f16.trx", np.float16, np.uint32),
                                     ("trx_python_f64", np.float64, np.uint64)):
        t = tmm.TrxFile.from_tractogram(tractogram, image, dtype_dict={
            "positions": positions, "offsets": offsets, "dpv": {}, "dps": {"n_points": np.float32}})
        target = DATA / name
        if target.is_dir():
            shutil.rmtree(target)
        tmm.save(t, str(target))
        t.close()

    with tempfile.TemporaryDirectory() as tmp:
        ours = pathlib.Path(tmp) / "dmipy.trx"
        subprocess.check_call(["cargo", "run", "-q", "-p", "dmipy-io", "--example", "points_json_to_trx",
                               "--", str(DATA / "points.json"), str(ours)], cwd=ROOT)
        back = tmm.load(str(ours))
        got = [np.asarray(s, dtype=np.float64) for s in back.streamlines]
        err = max(float(np.abs(g - w).max()) for g, w in zip(got, lines))
        check = {
            "trx_python": trx.__version__ if hasattr(trx, "__version__") else "0.6",
            "nibabel": nib.__version__,
            "dmipy_trx_read_by_trx_python": {
                "n_streamlines": len(got),
                "lengths": [len(g) for g in got],
                "max_point_error_mm": err,
                "affine_matches": bool(np.allclose(back.header["VOXEL_TO_RASMM"], affine, atol=1e-6)),
                "dimensions": [int(d) for d in back.header["DIMENSIONS"]],
                "dps_n_points": [float(v) for v in np.ravel(back.data_per_streamline["n_points"])],
            },
        }
        back.close()
    (DATA / "trx_interop.json").write_text(json.dumps(check, indent=1) + "\n")
    print(json.dumps(check, indent=1))


if __name__ == "__main__":
    ensure_venv()
    main()
