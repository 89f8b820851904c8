"""Reference values for dmipy-io's tests, read with nibabel (independent of our reader).

Run:  /work/venvs/io/bin/python scripts/io/nibabel_reference.py
      /work/venvs/io/bin/python scripts/io/nibabel_reference.py --check DIR
      /work/venvs/io/bin/python scripts/io/nibabel_reference.py --fixtures DIR
The first form prints, for the DIPY sample files in data/dipy/, what the test
crates/dmipy-io/tests/files/real_data.rs asserts (shape, voxel sizes, datatype, affine, a few
voxels, whole-volume sums). The second reads the files that
`cargo run -p dmipy-io --example write_samples -- DIR` wrote and checks them against the values
that example documents. The third writes, with nibabel, the small fixtures of
crates/dmipy-io/tests/data/nibabel/ (see `fixtures`), which tests/files/nibabel_files.rs reads.
"""
import pathlib
import sys

import nibabel as nib
import numpy as np

DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "dipy"
VOXELS = {
    "small_64D.nii.gz": [(0, 0, 0, 0), (5, 5, 5, 0), (5, 5, 5, 10), (9, 9, 9, 64), (3, 7, 2, 33)],
    "small_101D.nii.gz": [(0, 0, 0, 0), (3, 5, 5, 50), (5, 9, 9, 101), (2, 4, 6, 7)],
}


def reference():
    for name, voxels in VOXELS.items():
        img = nib.load(DATA / name)
        hdr = img.header
        data = np.asarray(img.dataobj, dtype=np.float64)  # scaling applied, as our reader does
        print(f"== {name}")
        print("sizeof_hdr", int(hdr["sizeof_hdr"]), "datatype", hdr.get_data_dtype(),
              "code", int(hdr["datatype"]))
        print("shape", img.shape, "zooms", [repr(float(z)) for z in hdr.get_zooms()])
        print("xyzt_units", int(hdr["xyzt_units"]), "slope/inter", hdr.get_slope_inter())
        print("qform_code", int(hdr["qform_code"]), "sform_code", int(hdr["sform_code"]))
        print("quatern", [repr(float(hdr[k])) for k in ("quatern_b", "quatern_c", "quatern_d")])
        print("qoffset", [repr(float(hdr[k])) for k in ("qoffset_x", "qoffset_y", "qoffset_z")])
        print("sform", [[repr(float(v)) for v in row] for row in hdr.get_sform()[:3]])
        print("qform", [[repr(float(v)) for v in row] for row in hdr.get_qform()[:3]])
        for v in voxels:
            print("voxel", v, repr(float(data[v])))
        print("sum", repr(float(data.sum())))
        print("sum of volume 0", repr(float(data[..., 0].sum())))


EXPECTED_AFFINE = np.array([[-2.0, 0.0, 0.0, 90.0],
                            [0.0, 2.5, 0.0, -126.0],
                            [0.0, 0.0, 3.0, -72.0],
                            [0.0, 0.0, 0.0, 1.0]])


def check(directory):
    """Files from examples/write_samples.rs: data[i,j,k,t] = i + 10j + 100k + 1000t - 7.3 for
    float types (rounded for int16 with slope 0.5, inter -3), shape (3, 4, 5, 2)."""
    i, j, k, t = np.meshgrid(*[np.arange(n) for n in (3, 4, 5, 2)], indexing="ij")
    want = i + 10.0 * j + 100.0 * k + 1000.0 * t - 7.3
    ok = True
    for path in sorted(pathlib.Path(directory).glob("*.nii*")):
        img = nib.load(path)
        data = np.asarray(img.dataobj, dtype=np.float64)
        expect = np.round((want + 3.0) / 0.5) * 0.5 - 3.0 if "int16" in path.name else want
        good = (img.shape == (3, 4, 5, 2)
                and np.allclose(data, expect, rtol=1e-7, atol=0)
                and np.allclose(img.affine, EXPECTED_AFFINE, rtol=1e-7, atol=1e-12)
                and np.allclose(img.header.get_qform(), EXPECTED_AFFINE, rtol=1e-6, atol=1e-6)
                and int(img.header["sform_code"]) == 2 and int(img.header["qform_code"]) == 1)
        ok &= bool(good)
        print(f"{path.name}: {type(img).__name__} {img.header.get_data_dtype()} "
              f"{'OK' if good else 'MISMATCH'}")
    print("all OK" if ok else "SOME FILES DIFFER")
    return 0 if ok else 1


FIXTURE_AFFINE = np.array([[0.0, -1.5, 0.0, 30.0],
                           [2.0, 0.0, 0.0, -40.0],
                           [0.0, 0.0, 2.5, 12.5],
                           [0.0, 0.0, 0.0, 1.0]])


def fixtures(directory):
    """Shape (3, 4, 2, 2); stored value at (i, j, k, t) = i + 3j + 12k + 24t (0..47); sform and
    qform = FIXTURE_AFFINE with codes 2 and 1; zooms (2, 1.5, 2.5, 0.75)."""
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    i, j, k, t = np.meshgrid(*[np.arange(n) for n in (3, 4, 2, 2)], indexing="ij")
    stored = i + 3 * j + 12 * k + 24 * t
    cases = [  # (class, dtype, byte order, slope, inter, file name)
        (nib.Nifti1Image, "i2", ">", 0.5, 3.0, "v1_be_int16_scaled.nii"),
        (nib.Nifti1Image, "i1", "<", 1.0, 0.0, "v1_le_int8.nii.gz"),
        (nib.Nifti2Image, "f8", ">", 1.0, 0.0, "v2_be_float64.nii"),
        (nib.Nifti2Image, "u1", "<", 1.0, 0.0, "v2_le_uint8.nii.gz"),
        (nib.Nifti2Image, "i8", ">", 1.0, 0.0, "v2_be_int64.nii"),
        (nib.Nifti1Image, "u4", ">", 1.0, 0.0, "v1_be_uint32.nii"),
    ]
    for cls, code, order, slope, inter, name in cases:
        data = stored.astype(np.dtype(order + code))
        header = cls.header_class(endianness=order)
        header.set_data_dtype(data.dtype)
        img = cls(data, FIXTURE_AFFINE, header)
        img.header.set_zooms((2.0, 1.5, 2.5, 0.75))
        img.set_sform(FIXTURE_AFFINE, code=2)
        img.set_qform(FIXTURE_AFFINE, code=1)
        img.header.set_slope_inter(slope, inter)
        # Write the stored integers as they are: nibabel must not rescale them.
        img.header.set_xyzt_units("mm", "sec")
        nib.save(img, out / name)
        back = nib.load(out / name)
        hdr = back.header
        print(name, hdr.get_data_dtype(), hdr.endianness,
              "raw==stored", bool(np.array_equal(np.asarray(back.dataobj.get_unscaled()), stored)),
              "slope/inter", back.dataobj.slope, back.dataobj.inter,
              "quatern", [repr(float(hdr[q])) for q in ("quatern_b", "quatern_c", "quatern_d")],
              "pixdim0", float(hdr["pixdim"][0]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    if len(sys.argv) == 3 and sys.argv[1] == "--fixtures":
        sys.exit(fixtures(sys.argv[2]))
    reference()
