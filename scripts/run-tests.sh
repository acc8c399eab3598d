#!/usr/bin/env bash
# Install, build everything, run every test (ctest). PostgreSQL tests start
# their own throw-away server, Slurm tests their own one-node cluster;
# ECOPT_REQUIRE_<COMPONENT>=1 makes the absence of a component the install
# script provides a failure instead of a skip (tests/support/optional_component.hpp).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export ECOPT_REQUIRE_POSTGRES=${ECOPT_REQUIRE_POSTGRES:-1}
export ECOPT_REQUIRE_SLURM=${ECOPT_REQUIRE_SLURM:-1}
export ECOPT_REQUIRE_CHROMIUM=${ECOPT_REQUIRE_CHROMIUM:-1}
export ECOPT_REQUIRE_CORPUS=${ECOPT_REQUIRE_CORPUS:-1}
ctest --test-dir "${ECOPT_BUILD_DIR:-build}" --output-on-failure -j "${ECOPT_JOBS:-$(nproc)}"
