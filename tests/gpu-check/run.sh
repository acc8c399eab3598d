#!/usr/bin/env bash
# scripts/gpu-check.sh as on the GPU machine, from preparation to summary:
# the Debian packages prepared by scripts/gpu-check-prepare.sh, every system
# prefix hidden from the configure of ECOpt's dependencies, the fake NVML at
# a constant 300 W and a fake nvidia-smi saying the same. Then a run whose
# nvidia-smi and libtorch fail must exit non-zero, report ECOpt's own figure
# and the first compiler error; and one with a given ecopt must build nothing.
#
#   run.sh SOURCE_DIR BINARY_DIR FAKE_NVML TORCH_DIR
set -euo pipefail
source_dir=$1 binary_dir=$2 fake_nvml=$3 torch_dir=$4
root=$binary_dir/gpu-check-dry
mkdir -p "$root/bin"
rm -rf "$root"/out* && mkdir -p "$root/out" "$root/out-failing" "$root/out-given"
ln -sfn "$source_dir/tests/gpu-check/fake-nvidia-smi" "$root/bin/nvidia-smi"
export PATH="$root/bin:$PATH" ECOPT_NVML_LIBRARY=$fake_nvml ECOPT_FAKE_NVML_WATTS=300
cd "$source_dir"
check() {  # check DESCRIPTION COMMAND...: fails the test with DESCRIPTION
  "${@:2}" || { echo "FAIL: $1" >&2; exit 1; }
}

# Bad arguments say so (a value-taking option as the last argument included).
status=0
scripts/gpu-check.sh --ecopt 2>"$root/usage.log" || status=$?
check "--ecopt without a value exits 2 saying so" grep -q 'needs a value' "$root/usage.log"
check "--ecopt without a value exits 2 (got $status)" test $status -eq 2

# The packages are carried (downloaded once, then kept in $root/deps).
scripts/gpu-check-prepare.sh "$root/deps"

# Hiding the system's prefixes hides the packages: without the carried ones
# the configure stops at the first.
rm -rf "$root/hidden"
if cmake -S . -B "$root/hidden" -G Ninja "-DCMAKE_IGNORE_PREFIX_PATH=/usr;/usr/local;/" >"$root/hidden.log" 2>&1; then
  echo "FAIL: the configure finds packages with the system's prefixes ignored" >&2
  exit 1
fi
check "the hidden configure stops at nlohmann_json" grep -q nlohmann_json "$root/hidden.log"

# The whole run. The budget is larger than the GPU machine's: 2 cores here
# (ECOPT_GPU_CHECK_BUDGET_S for a first run with a cold ccache).
status=0
OUT=$root/out scripts/gpu-check.sh --dry-run --deps "$root/deps" --root "$root/run" \
  --python /usr/bin/python3 --torch-dir "$torch_dir" --budget-s "${ECOPT_GPU_CHECK_BUDGET_S:-1500}" || status=$?
report=$(ls "$root"/out/gpu-check-*.md)
cat "$report"
check "the dry run exits 0 (got $status)" test $status -eq 0
check "nothing failed or was skipped" grep -q '^0 failed, 0 skipped\.' "$report"
check "ecopt and the fake nvidia-smi agree" grep -q '^\*\*Agree\*\*' "$report"
check "the study ran" grep -q 'ecopt tune` exited with status 0' "$report"
check "the bench ran" grep -q '^### ' "$report"
found=$root/run/work/found.txt
for package in nlohmann_json fmt Eigen3 NLopt CLI11 tomlplusplus SQLite3_INCLUDE_DIR ZLIB_INCLUDE_DIR; do
  check "CMake found $package" grep -q "^$package" "$found"
done
check "every package came from the carried prefix" test -z "$(grep -v "=$root/run/deps/" "$found")"
tar -tzf "$root"/out/gpu-check-*-work.tar.gz >"$root/archive.txt"
check "the work folder came back as one archive" grep -q '^work/build-notorch.log$' "$root/archive.txt"

# The plugins the check builds without say so by their option.
ecopt=$root/run/build/src/cli/ecopt
"$ecopt" dashboard --storage "sqlite:///$root/none.db" 2>"$root/dashboard.log" || true
check "ecopt dashboard names ECOPT_WITH_DASHBOARD=OFF" grep -q 'built with ECOPT_WITH_DASHBOARD=OFF' "$root/dashboard.log"
"$ecopt" studies --storage postgresql://localhost/none 2>"$root/postgres.log" || true
check "a postgresql:// URL names ECOPT_WITH_POSTGRES=OFF" grep -q 'built with ECOPT_WITH_POSTGRES=OFF' "$root/postgres.log"

# A failing nvidia-smi and a libtorch that does not compile, on the same
# build: exit 1, both failures counted, ECOpt's figure still there, every
# libtorch file tried (ninja -k 0) and the first error shown.
status=0
ECOPT_FAKE_SMI_FAIL=1 OUT=$root/out-failing scripts/gpu-check.sh --dry-run --deps "$root/deps" --root "$root/run" \
  --python /usr/bin/python3 --torch-dir "$source_dir/tests/gpu-check/broken-libtorch" || status=$?
report=$(ls "$root"/out-failing/gpu-check-*.md)
cat "$report"
check "a run whose nvidia-smi and libtorch fail exits 1 (got $status)" test $status -eq 1
check "its failures are counted" grep -q '^2 failed, 2 skipped\.' "$report"
check "ECOpt's own figure is reported" grep -q '^| ecopt measure (nvml' "$report"
check "the first compiler error is shown" grep -q 'error: #error "a libtorch that does not compile' "$report"
check "ninja went on after the first failing file" test "$(grep -c '^FAILED:' "$root/run/work/build-torch.log")" -ge 2

# A given ecopt without libtorch: nothing built, nothing failed.
status=0
OUT=$root/out-given scripts/gpu-check.sh --dry-run --root "$root/run-given" --ecopt "$ecopt" --no-torch \
  --python /usr/bin/python3 || status=$?
report=$(ls "$root"/out-given/gpu-check-*.md)
check "a run with --ecopt and --no-torch exits 0 (got $status)" test $status -eq 0
check "it builds nothing and skips the libtorch steps" grep -q '^0 failed, 2 skipped\.' "$report"
echo "gpu-check dry run: passed" >&2
