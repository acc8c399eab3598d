#!/usr/bin/env bash
# Configures and builds ECOpt into build/ (or $ECOPT_BUILD_DIR). Extra
# arguments are passed to `cmake --build` (for example --target ecopt_cli).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ECOPT_BUILD_DIR:-build}
jobs=${ECOPT_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$jobs" "$@"
