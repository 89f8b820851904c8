#!/usr/bin/env bash
# Runs every test of dmipy-rs: formatting, lints, the Rust test suites of all crates.
# Usage: bash scripts/test-all.sh   (from the repository root; needs only the Rust toolchain)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
