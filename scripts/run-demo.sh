#!/usr/bin/env bash
# The main job: install, build, then tune the embedded default study
# (a small CNN on Fashion-MNIST, accuracy against inference energy).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target ecopt_cli
exec build/src/cli/ecopt tune "${1:-studies/demo-fashion-mnist.toml}"
