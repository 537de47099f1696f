#!/usr/bin/env bash
# Runs every test of the workspace: Rust unit, doc, scenario and property tests, then the
# Python package and the C ABI suites when their crates are present. Exits non-zero on the
# first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked

for suite in karpenter-solver-py/ci.sh karpenter-solver-capi/ci.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done
