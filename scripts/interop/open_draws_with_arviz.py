"""Opens a `dmipy sample --save-draws` store with xarray and ArviZ and checks it against the
maps that the same run wrote. A check outside CI (needs arviz, xarray, zarr, nibabel):

    dmipy demo --out /tmp/demo            # writes /tmp/demo/sample/draws.zarr and the maps
    python scripts/interop/open_draws_with_arviz.py /tmp/demo/sample/draws.zarr /tmp/demo/sample

With zarr < 3 (ArviZ 0.x supports only that) the store is opened by `arviz.from_zarr`; with
zarr >= 3 by `xarray.open_datatree(engine="zarr")` and `InferenceData.from_datatree`, as ArviZ
0.23 advises. Checked: per scalar parameter, ArviZ's posterior mean equals the `P_mean` map
(float32, relative 1e-6); the written `rhat` (largest over parameters, orientations on aligned
draws) is at least ArviZ's largest over the scalar parameters and `ess_bulk` at most its
smallest, both equal to them when the orientation is not the extreme one.
"""
import sys
import warnings

import arviz as az
import nibabel as nib
import numpy as np
import xarray as xr
import zarr

warnings.simplefilter("ignore", FutureWarning)
store, maps = sys.argv[1], sys.argv[2]
if int(zarr.__version__.split(".")[0]) >= 3:
    idata = az.InferenceData.from_datatree(xr.open_datatree(store, engine="zarr"))
else:
    idata = az.from_zarr(store)
post = idata.posterior
ijk = tuple(post[c].values for c in ("voxel_i", "voxel_j", "voxel_k"))
print(f"arviz {az.__version__}, xarray {xr.__version__}, zarr {zarr.__version__}")
print(f"groups {idata.groups()}, {post.sizes['chain']} chains x {post.sizes['draw']} draws x {post.sizes['voxel']} voxels")
scalars = [v for v in post.data_vars if post[v].ndim == 3]
rhat, ess = [], []
for name in scalars:
    ours = nib.load(f"{maps}/{name}_mean.nii.gz").get_fdata()[ijk]
    theirs = post[name].mean(("chain", "draw")).values
    rel = np.max(np.abs(ours - theirs) / np.abs(theirs))
    print(f"{name}: mean relative difference to the map {rel:.1e}")
    assert rel < 1e-6, name
    rhat.append(az.rhat(post[name]).to_array().values[0])
    ess.append(az.ess(post[name], method="bulk").to_array().values[0])
rhat_map = nib.load(f"{maps}/rhat.nii.gz").get_fdata()[ijk]
ess_map = nib.load(f"{maps}/ess_bulk.nii.gz").get_fdata()[ijk]
print("rhat map", rhat_map, "ArviZ max over scalars", np.max(rhat, axis=0))
print("ess_bulk map", ess_map, "ArviZ min over scalars", np.min(ess, axis=0))
assert np.all(rhat_map >= np.max(rhat, axis=0) * (1 - 1e-6))
assert np.all(ess_map <= np.min(ess, axis=0) * (1 + 1e-6))
stats = idata.sample_stats
print("divergences", int(stats.diverging.sum()), "mean acceptance",
      np.round(stats.acceptance_rate.mean(("chain", "draw")).values, 3))
print("ok")
