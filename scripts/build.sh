#!/usr/bin/env bash
# Configures and builds ECOpt into build/ (or $ECOPT_BUILD_DIR). Extra
# arguments are passed to `cmake --build` (for example --target ecopt_cli);
# $ECOPT_CMAKE_ARGS adds configure options (e.g. -DECOPT_WITH_TORCH=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ECOPT_BUILD_DIR:-build}
# Paths relative to the checkout in ccache's keys: a fresh clone elsewhere
# reuses what an earlier build compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
jobs=${ECOPT_JOBS:-$(nproc)}
# shellcheck disable=SC2086  # word splitting of ECOPT_CMAKE_ARGS is intended
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${ECOPT_CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$jobs" "$@"
