#!/usr/bin/env bash
# Installs the built ECOpt into a temporary prefix and builds and runs
# tests/consumer against it. Arguments: source dir, build dir.
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
cmake -S "$source_dir/tests/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$work/build" > /dev/null
output=$("$work/build/consumer")
echo "$output"
[[ "$output" =~ ^trials\ 16\ hypervolume\ 0\.[0-9]+$ ]]
