#!/usr/bin/env bash
# Side-by-side benchmark of C1Stick prediction: dmipy-rs vs dmipy-fit (JAX) vs NumPy.
# Creates benches/.venv-dmipy-fit on first use (dmipy-fit is AGPL: used here as a peer to time, never imported into the project).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=benches/.venv-dmipy-fit
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'dmipy-fit[jax]==2.3.0'
fi
cargo build --release -q -p dmipy --example stick_throughput
"$venv/bin/python" benches/stick_vs_jax.py target/release/examples/stick_throughput
