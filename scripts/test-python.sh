#!/usr/bin/env bash
# Builds the Python module dmipy_rs into .venv-py (repo root, gitignored) and runs its pytest suite.
#
#   scripts/test-python.sh            # release build (the core is optimised; ~the cost of the CLI)
#   DMIPY_PY_PROFILE=dev scripts/test-python.sh   # quicker build, slower tests
#   PYTHON=python3.12 scripts/test-python.sh      # another interpreter (>= 3.9)
#
# The tests also run the `dmipy` CLI (cargo build -p dmipy-cli) to compare predictions; set
# DMIPY_CLI=/path/to/dmipy to use a binary built elsewhere.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
venv="$root/.venv-py"
profile="${DMIPY_PY_PROFILE:-release}"

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade "maturin>=1.16,<2" numpy pytest
"$venv/bin/python" -m pip install --quiet "dask[distributed]"

start=$(date +%s)
(
    cd python
    # maturin develop needs VIRTUAL_ENV to know where to install.
    VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --quiet \
        $([[ "$profile" == release ]] && echo --release)
)
echo "test-python: built and installed dmipy_rs ($profile) in $(( $(date +%s) - start )) s"

if [[ -z "${DMIPY_CLI:-}" ]]; then
    cargo build --quiet -p dmipy-cli
    export DMIPY_CLI="${CARGO_TARGET_DIR:-$root/target}/debug/dmipy"
fi
start=$(date +%s)
"$venv/bin/python" -m pytest -q python/tests "$@"
echo "test-python: pytest ran in $(( $(date +%s) - start )) s"
