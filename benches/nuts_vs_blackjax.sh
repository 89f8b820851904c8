#!/usr/bin/env bash
# Side-by-side NUTS benchmark: dmipy-rs (nuts-rs) vs BlackJAX (the engine dmipy-jax uses) on the
# same simulated HCP ball & stick voxels at SNR 20. Creates benches/.venv-blackjax on first use.
#   bash benches/nuts_vs_blackjax.sh [VOXELS] [PEER_VOXELS]     (defaults 32 and 8)
# Run it alone on the machine; give the load average with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BLACKJAX_VENV:-benches/.venv-blackjax}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "jax[cpu]" blackjax arviz numpy
fi
voxels=${1:-32}
dir=$(mktemp -d)
cargo run --release -q -p dmipy-bayes --example hcp_throughput -- ball_stick "$voxels" --dump "$dir"
"$venv/bin/python" benches/nuts_vs_blackjax.py "$dir" "${2:-8}"
rm -rf "$dir"
