#!/usr/bin/env bash
# Install, build everything, run every test (ctest). PostgreSQL tests start
# their own throw-away server; ECOPT_REQUIRE_POSTGRES=1 makes its absence fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export ECOPT_REQUIRE_POSTGRES=${ECOPT_REQUIRE_POSTGRES:-1}
ctest --test-dir "${ECOPT_BUILD_DIR:-build}" --output-on-failure -j "${ECOPT_JOBS:-$(nproc)}"
