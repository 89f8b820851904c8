#!/usr/bin/env bash
# Side-by-side benchmark of fitting (ball & stick, NODDI-Watson; HCP scheme, SNR 50):
# dmipy-rs vs Dmipy 1.0.5 vs dmipy-fit 2.3.0. Creates the peer venvs on first use (see
# benches/peer_venvs.sh). dmipy-fit is AGPL: used here as a peer to time, never imported into the project.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/peer_venvs.sh
cargo build --release -q -p dmipy --example noddi_predict --example fit_phantom
"$DMIPY_FIT_VENV/bin/python" benches/fit_vs_peers.py target/release/examples/noddi_predict \
  target/release/examples/fit_phantom "$DMIPY1_VENV/bin/python"
