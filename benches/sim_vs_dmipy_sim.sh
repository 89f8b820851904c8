#!/usr/bin/env bash
# Side-by-side benchmark of the Monte Carlo simulator: `dmipy simulate` (release CLI) vs dmipy-sim 2.1.0
# (JAX on the CPU), on issue #12's cylinder and Gamma packing (see sim_vs_dmipy_sim.py).
# Creates benches/.venv-dmipy-sim on first use (dmipy-sim is AGPL: a peer to time, never imported into
# the project). Environment: THREADS (2: given to ours, XLA and BLAS alike), WALKERS (10000), STEPS (1000),
# PACK_JAX_WALKERS, JAX_SE, CARGO_TARGET_DIR (where the binary is), SKIP_BUILD=1 (use the binary there
# without `cargo build`), DMIPY_SIM_VENV (an existing venv with dmipy-sim 2.1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${DMIPY_SIM_VENV:-benches/.venv-dmipy-sim}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'dmipy-sim[mesh]==2.1.0'
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release -q -p dmipy-cli
fi
bin="${CARGO_TARGET_DIR:-target}/release/dmipy"
if [ ! -x "$bin" ]; then
  echo "no $bin: build it (cargo build --release -p dmipy-cli) or unset SKIP_BUILD" >&2
  exit 1
fi
export THREADS=${THREADS:-2}
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
if [ "$THREADS" -gt 1 ]; then eigen=true; else eigen=false; fi
# XLA's CPU pool follows the cores the process may use; the script pins itself (and ours) to THREADS.
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=$eigen" JAX_PLATFORMS=cpu
"$venv/bin/python" benches/sim_vs_dmipy_sim.py "$bin"
