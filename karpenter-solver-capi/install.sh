#!/usr/bin/env bash
# Installs the C library built by `cargo build --release -p karpenter-solver-capi`:
#   PREFIX/include/karpenter_solver.h, karpenter_solver.hpp
#   PREFIX/lib/libkarpenter_solver.so.VERSION, .so.0 and .so (symlinks), libkarpenter_solver.a
#   PREFIX/lib/pkgconfig/karpenter_solver.pc
# Usage: karpenter-solver-capi/install.sh PREFIX   (CARGO_TARGET_DIR is honoured)
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CARGO_TARGET_DIR:-$root/target}/release
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
major=${version%%.*}

for f in libkarpenter_solver.so libkarpenter_solver.a; do
    if [[ ! -f $build/$f ]]; then
        echo "$build/$f is missing: run cargo build --release -p karpenter-solver-capi" >&2
        exit 1
    fi
done

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 "$root/include/karpenter_solver.h" "$root/include/karpenter_solver.hpp" \
    "$prefix/include/"
install -m 755 "$build/libkarpenter_solver.so" "$prefix/lib/libkarpenter_solver.so.$version"
# The library's soname (set in build.rs) is libkarpenter_solver.so.MAJOR.
ln -sf "libkarpenter_solver.so.$version" "$prefix/lib/libkarpenter_solver.so.$major"
ln -sf "libkarpenter_solver.so.$major" "$prefix/lib/libkarpenter_solver.so"
install -m 644 "$build/libkarpenter_solver.a" "$prefix/lib/"

cat > "$prefix/lib/pkgconfig/karpenter_solver.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: karpenter_solver
Description: Karpenter's node provisioning decisions as a library (C API)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lkarpenter_solver
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC
echo "installed karpenter_solver $version into $prefix"
