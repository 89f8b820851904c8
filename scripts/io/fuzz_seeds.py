"""Write small seed inputs for the cargo-fuzz targets in fuzz/ (into fuzz/corpus/, not committed).

Run: /work/venvs/io/bin/python scripts/io/fuzz_seeds.py   (needs nibabel and numpy)
NIfTI seeds are written by nibabel, so the fuzzer starts from files another library produced.
"""
import gzip
import pathlib

import nibabel as nib
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2] / "fuzz" / "corpus"


def nifti_seeds(out):
    rng = np.random.default_rng(0)
    affine = np.array([[-2.0, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]])
    cases = [
        (nib.Nifti1Image, np.int16, "<", "v1_le_int16.nii"),
        (nib.Nifti1Image, np.float32, ">", "v1_be_float32.nii"),
        (nib.Nifti2Image, np.float64, "<", "v2_le_float64.nii"),
        (nib.Nifti2Image, np.uint8, ">", "v2_be_uint8.nii"),
    ]
    for cls, dtype, order, name in cases:
        data = (rng.random((2, 3, 2, 2)) * 100).astype(np.dtype(dtype).newbyteorder(order))
        header = cls.header_class(endianness=order)
        header.set_data_dtype(data.dtype)
        img = cls(data, affine, header)
        if dtype == np.int16:
            img.header.set_slope_inter(2.0, -1.0)
        raw = img.to_bytes()
        (out / name).write_bytes(raw)
        if name.startswith("v1_le"):
            (out / (name + ".gz")).write_bytes(gzip.compress(raw))


def text_seeds(root):
    fsl = root / "fsl"
    fsl.mkdir(parents=True, exist_ok=True)
    (fsl / "rows").write_bytes(b"0 1000 2000\n\0nan 1 0\nnan 0 1\nnan 0 0\n")
    (fsl / "cols").write_bytes(b"0\n1000\n\0 0 0 0\n1 0 0\n")
    cam = root / "camino"
    cam.mkdir(parents=True, exist_ok=True)
    (cam / "bvector").write_bytes(b"\x01# b in s/mm^2\nVERSION: BVECTOR\n0 0 0 0\n1 0 0 1.0E03\n")
    (cam / "st").write_bytes(
        b"\x00#g_x g_y g_z |G| DELTA delta TE\nVERSION: STEJSKALTANNER\n"
        b"0 0 0 0 0.03 0.01 0.08\n0 1 0 0.04 0.03 0.01 0.08\n"
    )
    js = root / "json_scheme"
    js.mkdir(parents=True, exist_ok=True)
    (js / "full").write_bytes(
        b'{"bvalues_si": [0, 1e9], "gradient_directions": [[0,0,0],[1,0,0]],'
        b' "delta": 0.01, "Delta": [0.03, 0.03], "TE": 0.08}'
    )


def main():
    out = ROOT / "nifti"
    out.mkdir(parents=True, exist_ok=True)
    nifti_seeds(out)
    text_seeds(ROOT)
    for p in sorted(ROOT.rglob("*")):
        if p.is_file():
            print(p.relative_to(ROOT), p.stat().st_size)


if __name__ == "__main__":
    main()
