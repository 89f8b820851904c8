#!/usr/bin/env bash
# Runs every test of dmipy-rs: formatting, lints, the Rust test suites of all crates, then the
# Python module's pytest suite (in a virtualenv .venv-py that the script creates).
# Usage: bash scripts/test-all.sh   (needs the Rust toolchain and Python >= 3.9 with pip)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== Python module (pytest)"
bash scripts/test-python.sh
