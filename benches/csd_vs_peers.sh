#!/usr/bin/env bash
# Side-by-side benchmark of CSD: dmipy-rs vs Dmipy 1.0.5 vs DIPY (see csd_vs_peers.py). Needs the
# Python module in .venv-py (bash scripts/test-python.sh builds it) and makes the Dmipy 1.0.5
# venv (which carries DIPY < 1.10) on first use. Environment: VOXELS, PEER_VOXELS, SNR, THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
NEED_DMIPY_FIT=0 source benches/peer_venvs.sh
export THREADS=${THREADS:-$(nproc)}
for var in OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS; do export $var=1; done
tmp=$(mktemp -d)
.venv-py/bin/python benches/csd_vs_peers.py data "$tmp/data.npz"
.venv-py/bin/python benches/csd_vs_peers.py rs "$tmp/data.npz" "$tmp/rs.json"
"$DMIPY1_VENV/bin/python" benches/csd_vs_peers.py dmipy "$tmp/data.npz" "$tmp/dmipy.json"
"$DMIPY1_VENV/bin/python" benches/csd_vs_peers.py dipy "$tmp/data.npz" "$tmp/dipy.json"
.venv-py/bin/python benches/csd_vs_peers.py report "$tmp/data.npz" "$tmp/rs.json" "$tmp/dmipy.json" "$tmp/dipy.json"
rm -rf "$tmp"
