#!/usr/bin/env bash
# Side-by-side benchmark of MIX: dmipy-rs vs Dmipy 1.0.5 (see mix_vs_dmipy.py). Needs the Python
# module in .venv-py (bash scripts/test-python.sh builds it) and makes the Dmipy 1.0.5 venv on
# first use. Environment: VOXELS, PEER_VOXELS, SNR, MAXITER, THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
NEED_DMIPY_FIT=0 source benches/peer_venvs.sh
export THREADS=${THREADS:-$(nproc)}
for var in OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS; do export $var=1; done
tmp=$(mktemp -d)
.venv-py/bin/python benches/mix_vs_dmipy.py data "$tmp/data.npz"
.venv-py/bin/python benches/mix_vs_dmipy.py fit dmipy_rs "$tmp/data.npz" "$tmp/rs.json"
"$DMIPY1_VENV/bin/python" benches/mix_vs_dmipy.py fit dmipy "$tmp/data.npz" "$tmp/dmipy.json"
.venv-py/bin/python benches/mix_vs_dmipy.py report "$tmp/data.npz" "$tmp/rs.json" "$tmp/dmipy.json"
rm -rf "$tmp"
