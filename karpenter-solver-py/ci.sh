#!/usr/bin/env bash
# CI for the Python bindings, from a machine with only Rust, Python 3 (>= 3.9) with pip and gcc:
# builds the abi3 wheel, installs it into a fresh virtual environment with the test tools,
# and runs the pytest suite, which compares every scenario with the CLI's JSON, runs mypy's
# stubtest and executes examples/python/quickstart.ipynb (its chart: target/artifacts/plan.png).
#
#   bash karpenter-solver-py/ci.sh
#
# Environment: CARGO_TARGET_DIR (default <repo>/target), PYTHON (default python3),
# KS_CLI (a prebuilt `karpenter-solver` binary; default: built here in release),
# KS_PY_PROFILE (release, the default, or debug). Exits non-zero when anything fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
python="${PYTHON:-python3}"
profile="${KS_PY_PROFILE:-release}"
work="$CARGO_TARGET_DIR/py-ci"
venv="$work/venv"
wheels="$work/wheels"
started=$SECONDS

step() { printf '\n==> %s (%ss)\n' "$*" "$((SECONDS - started))"; }

step "fresh virtual environment in $venv"
rm -rf "$venv" "$wheels"
mkdir -p "$work"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    maturin==1.16.0 \
    pytest==9.2.0 \
    pandas==3.1.1 \
    matplotlib==3.11.2 \
    mypy==2.4.1 \
    nbclient==0.11.0 \
    nbformat==5.11.1 \
    ipykernel==7.4.0 \
    pyyaml==6.0.3 \
    kubernetes==37.0.2

profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

step "wheel (maturin build ${profile_flag[*]:-debug})"
"$venv/bin/maturin" build "${profile_flag[@]}" --quiet \
    --manifest-path "$here/Cargo.toml" --out "$wheels"
wheel="$(ls "$wheels"/karpenter_solver-*.whl)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
echo "wheel: $(basename "$wheel"), $(du -k "$wheel" | cut -f1) KiB ($(stat -c %s "$wheel") bytes)"

if [ -z "${KS_CLI:-}" ]; then
    step "karpenter-solver CLI to compare against"
    cargo build "${profile_flag[@]}" --quiet -p karpenter-solver \
        --manifest-path "$repo/Cargo.toml"
    export KS_CLI="$CARGO_TARGET_DIR/$profile/karpenter-solver"
fi

step "pytest (the installed wheel; no test may skip)"
cd "$here"
# `-p no:cacheprovider`: leave no .pytest_cache in the source tree.
KS_NO_SKIP=1 KS_ARTIFACTS="$repo/target/artifacts" \
    "$venv/bin/python" -m pytest -p no:cacheprovider -ra tests

step "done; chart at $repo/target/artifacts/plan.png"
