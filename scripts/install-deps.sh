#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian 12's
# packages. Idempotent: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libeigen3-dev libnlopt-dev libnlopt-cxx-dev
  libsqlite3-dev sqlite3 libpq-dev libpqxx-dev postgresql
  nlohmann-json3-dev libcli11-dev libtomlplusplus-dev libfmt-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  libtorch-dev dataset-fashion-mnist
  python3-optuna python3-torch
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-plotly
  chromium libcpp-httplib-dev wrk
  slurmctld slurmd slurm-client munge
  clang libclang-rt-14-dev
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
