#!/bin/sh
# Install into a temporary prefix, then build a consumer with pkg-config and with find_package.
set -eu
build=$1
consumer=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log"
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1 | xargs dirname)
test -f "$prefix/include/k8sc/k8sc.h"

# pkg-config, linked against the shared library.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -o "$tmp/pc_consumer" "$consumer/main.c" $(pkg-config --cflags --libs libk8sc)
LD_LIBRARY_PATH="$libdir" "$tmp/pc_consumer" | grep -q '^libk8sc 0\.'
# The static library, with its dependencies' shared libraries.
cc -std=c11 -o "$tmp/pc_static" "$consumer/main.c" $(pkg-config --cflags libk8sc) "$libdir/libk8sc.a" \
    $(pkg-config --libs $(pkg-config --print-requires-private libk8sc)) -lpthread -lm
"$tmp/pc_static" | grep -q '^libk8sc 0\.'

# CMake find_package(k8sc).
cmake -S "$consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" > "$tmp/cm.log"
cmake --build "$tmp/cm" > "$tmp/cmb.log"
LD_LIBRARY_PATH="$libdir" "$tmp/cm/consumer" | grep -q '^libk8sc 0\.'
echo "ok: pkg-config (shared, static) and find_package consumers built and ran"
