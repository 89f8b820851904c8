#!/usr/bin/env bash
# Side-by-side benchmark of NODDI-Watson prediction: dmipy-rs vs Dmipy 1.0.5 vs dmipy-fit 2.3.0 (JAX).
# Creates benches/.venv-dmipy1 and benches/.venv-dmipy-fit on first use (DMIPY1_VENV / DMIPY_FIT_VENV
# point at existing ones instead). dmipy-fit is AGPL: used here as a peer to time, never imported
# into the project.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/peer_venvs.sh
cargo build --release -q -p dmipy --example noddi_predict
"$DMIPY_FIT_VENV/bin/python" benches/noddi_predict_vs_peers.py \
  target/release/examples/noddi_predict "$DMIPY1_VENV/bin/python"
