#!/usr/bin/env bash
# ECOpt without libtorch (-DECOPT_WITH_TORCH=OFF) in build-notorch/, so that
# the core cannot start depending on it again: builds the CLI and the tests
# that need no libtorch, and runs those that prove the split (the CLI
# starts without libtorch or the other plugins, a study needing a missing
# plugin fails with its one-line reason,
# the task registry and a whole study work).
set -euo pipefail
cd "$(dirname "$0")/.."
export ECOPT_BUILD_DIR=${ECOPT_NOTORCH_BUILD_DIR:-build-notorch}
ECOPT_CMAKE_ARGS="-DECOPT_WITH_TORCH=OFF -DECOPT_BUILD_BENCH=OFF" \
  scripts/build.sh --target ecopt_cli ecopt_tasks_tests ecopt_cli_tests
ctest --test-dir "$ECOPT_BUILD_DIR" --output-on-failure -j "${ECOPT_JOBS:-$(nproc)}" \
  -R '^ecopt_tasks_tests\.|^ecopt_cli_tests\.(Plugins|Tune\.ShippedZdt1StudyRunsAndResumes)'
