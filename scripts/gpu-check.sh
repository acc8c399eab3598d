#!/usr/bin/env bash
# ECOpt on one NVIDIA GPU, in one prepared run of under 8 minutes on a
# machine with a compiler, CMake, ninja, CUDA and a CUDA PyTorch but none of
# ECOpt's other build dependencies and no network (docs/measurements/README.md):
#   0. a probe: the machine, its glibc and libstdc++ against what the carried
#      libraries need (build-gpu-deps/, from scripts/gpu-check-prepare.sh),
#      what of ECOpt's dependencies the system has (none is used);
#   1. ecopt without libtorch, built against the carried packages only;
#   2. `ecopt measure` of a fixed CUDA workload against nvidia-smi's
#      power.draw integrated over the same run (before anything that needs
#      libtorch, so that a libtorch failure cannot cost it);
#   3. the same build with the CUDA libtorch of the Python given
#      (ninja -k 0: every file that compiles is compiled);
#   4. a small CIFAR-shaped (synthetic 3x32x32) image study on "cuda";
#   5. `ecopt generation-bench` with its CUDA column.
# It writes what it ran and saw as Markdown under $OUT (else
# docs/measurements/), and every log of the run as one archive beside it.
# Every external command has a time limit; a step that fails says why, the
# others still run, and the summary counts failures and skips. Exit status:
# 0 when nothing failed, 1 otherwise, 2 on bad arguments.
#
#   scripts/gpu-check.sh [--dry-run] [--deps DIR] [--root DIR] [--ecopt PATH]
#                        [--no-torch] [--torch-dir DIR] [--python PY] [--budget-s N]
#
# --dry-run     on a machine without a GPU: the workloads run on the CPU and
#               the GPU steps use the nvidia-smi and NVML this environment
#               gives (tests/gpu-check gives fakes); without them they fail.
# --deps        the folder scripts/gpu-check-prepare.sh wrote (build-gpu-deps).
# --root        where the build and the work files go (build-gpu-check).
# --ecopt       use this ecopt instead of building (its build's plugins).
# --no-torch    build without libtorch; the study and the bench are skipped.
# --torch-dir   the folder holding TorchConfig.cmake (default: the Python's
#               torch.utils.cmake_prefix_path/Torch).
# --python      the Python with PyTorch (default: the first of python3,
#               python3.12 and python on PATH that imports torch).
# --budget-s    seconds for the whole run (460; steps are cut to what is left).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

usage="usage: $0 [--dry-run] [--deps DIR] [--root DIR] [--ecopt PATH] [--no-torch] [--torch-dir DIR] [--python PY] [--budget-s N]"
dry_run=0 with_torch=1 deps=build-gpu-deps root=build-gpu-check ecopt="" torch_dir="" python="" budget_s=460
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --no-torch) with_torch=0 ;;
    --deps | --root | --ecopt | --torch-dir | --python | --budget-s)
      if [ $# -lt 2 ]; then
        echo "$0: $1 needs a value" >&2
        echo "$usage" >&2
        exit 2
      fi
      case "$1" in
        --deps) deps=$2 ;;
        --root) root=$2 ;;
        --ecopt) ecopt=$2 ;;
        --torch-dir) torch_dir=$2 ;;
        --python) python=$2 ;;
        --budget-s) budget_s=$2 ;;
      esac
      shift
      ;;
    -h | --help) echo "$usage" && exit 0 ;;
    *) echo "$usage" >&2 && exit 2 ;;
  esac
  shift
done

started=$(date -u +%Y-%m-%dT%H:%MZ)
host=$(uname -n | cut -d. -f1)
stamp="$host-$(date -u +%Y%m%d-%H%M)"
out_dir=${OUT:-docs/measurements}
mkdir -p "$out_dir" "$root" || exit 1
root=$(cd "$root" && pwd)
work=$root/work
rm -rf "$work" && mkdir -p "$work"
report="$out_dir/gpu-check-$stamp.md"
archive="${OUT:-$root}/gpu-check-$stamp-work.tar.gz"
build_dir=$root/build
prefix=$root/deps/usr
failed=()
skipped=()
# Paths relative to the checkout in ccache's keys, as scripts/build.sh.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

note() { printf '%s\n' "$@" >>"$report"; }
section() {
  echo "== $1 ($SECONDS s)" >&2
  note "" "## $1" ""
}
fail() {
  failed+=("$1")
  note "**Failed:** $1"
  echo "FAILED: $1" >&2
}
skip() {
  skipped+=("$1")
  note "**Skipped:** $1"
  echo "skipped: $1" >&2
}
# A log's last 60 lines as a fenced block.
fenced() {
  note '```'
  tail -n 60 "$1" >>"$report"
  note '```'
}
# A build log from 5 lines before its first error (60 lines), then its end:
# the first error explains, the last lines say what else failed.
first_errors() {
  local first
  first=$(grep -n -m 1 -E 'error:|Error|FAILED:|undefined reference' "$1" | cut -d: -f1)
  [ -z "$first" ] && fenced "$1" && return
  note "$(grep -c -E 'error:' "$1") lines with \`error:\`; from the first (the whole log is in the archive):" '```'
  sed -n "$((first > 5 ? first - 5 : 1)),$((first + 54))p" "$1" >>"$report"
  note '```' "Its last lines:" '```'
  tail -n 15 "$1" >>"$report"
  note '```'
}
seconds_left() { echo $((budget_s - SECONDS)); }
# run NAME SECONDS CMD...: CMD with a time limit (SECONDS for the 460 s
# budget, scaled with a larger one; cut to what is left), output in
# $work/NAME.log; its status is returned.
run() {
  local name=$1 limit=$(($2 * budget_s / 460)) left status
  shift 2
  left=$(seconds_left)
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 5 ]; then
    note "(\`$name\` not run: the ${budget_s} s are spent)"
    return 124
  fi
  timeout --kill-after=5 "$limit" "$@" >"$work/$name.log" 2>&1
  status=$?
  [ $status -eq 124 ] && note "(\`$name\` stopped at its ${limit} s limit)"
  return $status
}
# The carried prefix into $root/deps, with its archive: a rerun with the same
# archive keeps the files, and so their times, and ninja compiles nothing again.
unpack_deps() {
  rm -rf "$root/deps" && mkdir -p "$root/deps" && tar -xzf "$deps/prefix.tar.gz" -C "$root/deps" \
    && cp "$deps/prefix.tar.gz" "$root/deps/"
}
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }
smi() { timeout --kill-after=2 10 nvidia-smi "$@"; }

: >"$report"
note "# GPU check: $host, $started" ""
note "Written by \`scripts/gpu-check.sh$([ $dry_run -eq 1 ] && echo ' --dry-run')\` at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
[ $dry_run -eq 1 ] && note "" "**Dry run without a GPU:** the workloads run on the CPU and the GPU is whatever nvidia-smi and NVML this environment gives; no figure below is a GPU's."

# --- 0. probe ---------------------------------------------------------------------
section "Machine"
[ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"
cxx=${CXX:-c++}
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
glibcxx=$(grep -ao 'GLIBCXX_3\.4\.[0-9]*' "$($cxx -print-file-name=libstdc++.so.6 2>/dev/null)" 2>/dev/null | sed 's/GLIBCXX_//' | sort -uV | tail -n 1)
cmake_version=$(cmake --version 2>/dev/null | awk 'NR == 1 {print $3}')
candidates=("$python")
[ -z "$python" ] && candidates=(python3 python3.12 python)
python_status=1 tried=()
for candidate in "${candidates[@]}"; do
  timeout 60 "$candidate" -c 'import sys, torch
print(sys.version.split()[0], "torch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available())
print(torch.utils.cmake_prefix_path)' >"$work/python.log" 2>&1
  python_status=$?
  tried+=("\`$candidate\` (status $python_status)")
  if [ $python_status -eq 0 ]; then
    python=$candidate
    break
  fi
done
python=${python:-${candidates[0]}}  # for the scripts that need no torch
{
  # shellcheck source=/dev/null
  echo "- OS: $(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}"), kernel $(uname -r), glibc ${glibc:-unknown}"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) threads"
  echo "- GPU: $(smi --query-gpu=name,uuid,driver_version,power.limit --format=csv,noheader 2>&1 | head -n 1)"
  echo "- NVML: $(ldconfig -p 2>/dev/null | grep -m1 -o 'libnvidia-ml.so.1 .*' || echo 'libnvidia-ml.so.1 not in the loader cache')${ECOPT_NVML_LIBRARY:+ (ECOPT_NVML_LIBRARY=$ECOPT_NVML_LIBRARY)}"
  echo "- Compiler: $($cxx --version 2>&1 | head -n 1), libstdc++ GLIBCXX_${glibcxx:-unknown}"
  echo "- cmake ${cmake_version:-missing}, ninja $(ninja --version 2>/dev/null || echo missing), nvcc $(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p'), ccache $(ccache --version 2>/dev/null | awk 'NR == 1 {print $3}')"
  echo "- Python: ${tried[*]}: $(if [ $python_status -eq 0 ]; then head -n 1 "$work/python.log"; else tail -n 1 "$work/python.log"; fi)"
  present=()
  for header in nlohmann/json.hpp fmt/format.h eigen3/Eigen/Core nlopt.h CLI/CLI.hpp toml++/toml.h sqlite3.h zlib.h; do
    compgen -G "/usr/include/$header" >/dev/null || compgen -G "/usr/local/include/$header" >/dev/null && present+=("$header")
  done
  echo "- ECOpt's dependencies in the system: ${present[*]:-none} (not used: the build takes the carried ones only)"
} >>"$report"

# Decisions from the probe, each said in the report.
can_build=1
if [ -n "$ecopt" ]; then
  can_build=0
  note "" "Using \`$ecopt\` (--ecopt): nothing is built."
elif [ ! -f "$deps/prefix.tar.gz" ]; then
  can_build=0
  fail "building: no $deps/prefix.tar.gz (run scripts/gpu-check-prepare.sh where Debian's mirror is reachable, and carry $deps)"
else
  read -r _ needs_glibc <<<"$(grep '^glibc ' "$deps/needs.txt")"
  read -r _ needs_glibcxx <<<"$(grep '^GLIBCXX ' "$deps/needs.txt")"
  note "" "Carried: $(wc -l <"$deps/packages.txt") Debian 12 packages ($(cut -d' ' -f1 "$deps/packages.txt" | paste -sd ' ')); their libraries need glibc $needs_glibc and GLIBCXX_$needs_glibcxx."
  if ! version_at_least "${glibc:-0}" "$needs_glibc" || ! version_at_least "${glibcxx:-0}" "$needs_glibcxx"; then
    can_build=0
    fail "building: the carried libraries need glibc $needs_glibc and GLIBCXX_$needs_glibcxx, this machine has ${glibc:-unknown} and ${glibcxx:-unknown} (carry libraries built for it, or pass --ecopt)"
  elif ! version_at_least "${cmake_version:-0}" 3.25; then
    can_build=0
    fail "building: cmake ${cmake_version:-missing} is older than the 3.25 ECOpt needs"
  elif ! cmp -s "$deps/prefix.tar.gz" "$root/deps/prefix.tar.gz" && ! unpack_deps; then
    can_build=0
    fail "building: unpacking $deps/prefix.tar.gz into $root/deps failed"
  fi
fi
if [ $with_torch -eq 1 ] && [ -z "$torch_dir" ]; then
  if [ $python_status -eq 0 ]; then
    torch_dir="$(sed -n 2p "$work/python.log")/Torch"
  else
    note "\`$python\` cannot import torch (status $python_status): no libtorch build."
    with_torch=0
    [ $can_build -eq 1 ] && fail "the libtorch build: \`$python\` cannot import torch"
  fi
fi
echo "probe done ($SECONDS s)" >&2

# --- 1. ecopt without libtorch ------------------------------------------------------
# The check's configuration: only the CLI and its plugins for the tasks. The
# system's prefixes are ignored, as on a machine that lacks them.
options=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DECOPT_BUILD_TESTS=OFF -DECOPT_BUILD_PYTHON=OFF
  -DECOPT_BUILD_BENCH=OFF -DECOPT_WITH_POSTGRES=OFF -DECOPT_WITH_DASHBOARD=OFF
  "-DCMAKE_PREFIX_PATH=$prefix")
command -v ccache >/dev/null && options+=("-DCCACHE_PROGRAM=$(command -v ccache)")
jobs=$(nproc)
if [ $can_build -eq 1 ]; then
  section "Build without libtorch"
  build_start=$SECONDS
  if ! run configure-notorch 120 cmake -S . -B "$build_dir" "${options[@]}" -DECOPT_WITH_TORCH=OFF \
    "-DCMAKE_IGNORE_PREFIX_PATH=/usr;/usr/local;/"; then
    fail "configuring without libtorch"
    first_errors "$work/configure-notorch.log"
  elif ! run build-notorch 300 cmake --build "$build_dir" --target ecopt_cli -j "$jobs" -- -k 0; then
    fail "building ecopt without libtorch"
    first_errors "$work/build-notorch.log"
  else
    ecopt=$build_dir/src/cli/ecopt
    note "Built \`ecopt\` in $((SECONDS - build_start)) s ($jobs jobs). Where CMake found each package:" '```'
    grep -E '^(nlohmann_json|fmt|Eigen3|NLopt|CLI11|tomlplusplus)_DIR:|^(SQLite3|ZLIB)_(INCLUDE_DIR|LIBRARY[A-Z_]*):' \
      "$build_dir/CMakeCache.txt" | grep -v NOTFOUND >"$work/found.txt"
    cat "$work/found.txt" >>"$report"
    note '```'
  fi
fi
[ -z "$ecopt" ] && skip "every ecopt step: no ecopt binary"

# --- devices ------------------------------------------------------------------------
gpu_uuid=""
if [ -n "$ecopt" ]; then
  section "Meters (ecopt devices)"
  run devices 30 "$ecopt" devices || fail "\`ecopt devices\` (status $?)"
  fenced "$work/devices.log"
  # The GPU that ecopt calls cuda:0; every later step uses it alone.
  run devices-json 30 "$ecopt" devices --json
  gpu_uuid=$("$python" -c '
import json, sys
for meter in json.load(open(sys.argv[1]))["meters"]:
    if meter["device"] == "cuda:0":
        print(meter.get("uuid") or "")
' "$work/devices-json.log" 2>>"$work/devices.log")
  [ -z "$gpu_uuid" ] && fail "ecopt found no cuda:0 meter (reasons above)"
fi

# --- 2. ecopt measure against nvidia-smi ----------------------------------------------
section "ecopt measure against nvidia-smi power.draw"
cat >"$work/gpu_work.py" <<'EOF'
# Matrix products for a fixed time on a device, synchronised at the end.
import sys
import time

import torch

device, seconds = sys.argv[1], float(sys.argv[2])
size = 8192 if device == "cuda" else 256
a = torch.randn(size, size, device=device)
b = torch.randn(size, size, device=device)
sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
sync()
end = time.monotonic() + seconds
products = 0
while time.monotonic() < end:
    for _ in range(8):
        torch.mm(a, b)
    sync()
    products += 8
print(f"{products} products of {size}x{size} float32 matrices on {device}", file=sys.stderr)
EOF
cat >"$work/integrate.py" <<'EOF'
# Energy from nvidia-smi's CSV (timestamp, power columns in W) between two
# Unix times: trapezoids, interpolated at both ends.
import json
import sys
from datetime import datetime

path, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = []
for line in open(path):
    fields = [f.strip() for f in line.split(",")]
    try:
        t = datetime.strptime(fields[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
        rows.append((t, [float(f) for f in fields[1:]]))
    except ValueError:
        continue  # a header, or [N/A]


def power_at(t, column):
    for (ta, pa), (tb, pb) in zip(rows, rows[1:]):
        if ta <= t <= tb:
            return pa[column] + (pb[column] - pa[column]) * (t - ta) / (tb - ta)
    raise SystemExit(f"no nvidia-smi samples around {t} ({len(rows)} samples in all)")


if not rows:
    raise SystemExit("no nvidia-smi samples")
result = {"samples": sum(t0 <= t <= t1 for t, _ in rows), "joules": []}
for column in range(len(rows[0][1])):
    points = [(t0, power_at(t0, column))]
    points += [(t, p[column]) for t, p in rows if t0 < t < t1]
    points.append((t1, power_at(t1, column)))
    result["joules"].append(sum((tb - ta) * (pa + pb) / 2 for (ta, pa), (tb, pb) in zip(points, points[1:])))
print(json.dumps(result))
EOF
# ECOpt's figure first, whatever nvidia-smi gave; exits 1 when the two
# cannot be compared or differ by more than 5 %.
cat >"$work/compare.py" <<'EOF'
import json
import sys

measured = json.load(open(sys.argv[1]))
columns = sys.argv[3].split(",")[1:]
wall_s = float(sys.argv[5]) - float(sys.argv[4])
ecopt_j = measured["energy_j"]
print(f"Workload: {sys.argv[6]}, after Python and CUDA start-up, on the GPU ecopt calls cuda:0 alone "
      f"(`CUDA_VISIBLE_DEVICES` = its UUID).\n")
print("| figure | joules | ratio to ecopt |\n|---|---|---|")
print(f"| ecopt measure ({measured['source']}, window {measured['duration_s']:.2f} s) | {ecopt_j:.1f} | 1 |")
try:
    smi = json.load(open(sys.argv[2]))
except (OSError, ValueError):
    print(f"\nnvidia-smi's integration failed: {open(sys.argv[2]).read().strip()[-300:]}")
    sys.exit(1)
for column, joules in zip(columns, smi["joules"]):
    print(f"| nvidia-smi {column} every 100 ms, integrated over {wall_s:.2f} s ({smi['samples']} samples) | "
          f"{joules:.1f} | {joules / ecopt_j:.3f} |")
gap = abs(smi["joules"][-1] / ecopt_j - 1)  # the instant reading where there is one
print(f"\n**{'Agree' if gap <= 0.05 else 'DISAGREE'}**: ecopt and the integrated `{columns[-1]}` differ by "
      f"{gap * 100:.1f} % (limit 5 %). The integration window is the shell's, around `ecopt measure`; "
      f"it is a few milliseconds longer than ecopt's own.")
sys.exit(0 if gap <= 0.05 else 1)
EOF
work_device=cuda work_s=20
[ $dry_run -eq 1 ] && work_device=cpu work_s=3
if [ -z "$ecopt" ] || [ -z "$gpu_uuid" ]; then
  skip "the measurement against nvidia-smi (no ecopt or no cuda:0 meter)"
else
  fields="timestamp,power.draw"
  smi -i "$gpu_uuid" --query-gpu=power.draw.instant --format=csv,noheader 2>/dev/null \
    | grep -q '^[0-9]' && fields="$fields,power.draw.instant"
  timeout --kill-after=2 $((work_s + 60)) nvidia-smi -i "$gpu_uuid" --query-gpu="$fields" \
    --format=csv,noheader,nounits -lms 100 >"$work/smi.csv" 2>&1 &
  smi_pid=$!
  # nvidia-smi's first sample (at most 10 s), then a second for a settled GPU.
  for _ in $(seq 100); do
    grep -q '^[0-9]' "$work/smi.csv" && break
    sleep 0.1
  done
  grep -q '^[0-9]' "$work/smi.csv" || note "nvidia-smi gave no sample in 10 s: $(head -c 300 "$work/smi.csv")" ""
  sleep 1
  t0=$(date +%s.%N)
  # The report (--json) on stdout; the workload's own line and ecopt's on stderr.
  CUDA_VISIBLE_DEVICES=$gpu_uuid timeout --kill-after=5 $((work_s + 60)) "$ecopt" measure --json --devices cuda:0 -- \
    "$python" "$work/gpu_work.py" "$work_device" "$work_s" >"$work/measure.json" 2>"$work/measure.log"
  measure_status=$?
  t1=$(date +%s.%N)
  sleep 0.5
  kill "$smi_pid" 2>/dev/null
  wait "$smi_pid" 2>/dev/null
  if [ $measure_status -ne 0 ]; then
    fail "\`ecopt measure\` (status $measure_status)"
    fenced "$work/measure.log"
  else
    timeout 30 "$python" "$work/integrate.py" "$work/smi.csv" "$t0" "$t1" >"$work/smi.json" 2>&1
    timeout 30 "$python" "$work/compare.py" "$work/measure.json" "$work/smi.json" "$fields" "$t0" "$t1" \
      "$work_s s of matrix products (\`torch.mm\`) on $work_device" >>"$report" 2>>"$work/compare.log" \
      || fail "ecopt against nvidia-smi (above; work/compare.log in the archive)"
  fi
fi

# --- 3. the libtorch build --------------------------------------------------------------
# The same build folder: only the tasks and the libtorch module compile again.
# libtorch, CUDA and their own dependencies come from wherever they are.
if [ $can_build -eq 1 ] && [ $with_torch -eq 1 ] && [ -n "$ecopt" ]; then
  section "Build with libtorch"
  build_start=$SECONDS
  if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ] && [ -n "$gpu_uuid" ]; then
    # Caffe2's CMake needs the GPU's architecture when it cannot ask the GPU.
    TORCH_CUDA_ARCH_LIST=$(smi -i "$gpu_uuid" --query-gpu=compute_cap --format=csv,noheader | head -n 1)
    export TORCH_CUDA_ARCH_LIST
  fi
  note "libtorch: \`$torch_dir\`, TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-unset}."
  if ! run configure-torch 150 cmake -S . -B "$build_dir" "${options[@]}" -DECOPT_WITH_TORCH=ON \
    "-DTorch_DIR=$torch_dir" -DCMAKE_IGNORE_PREFIX_PATH=; then
    fail "configuring with libtorch"
    first_errors "$work/configure-torch.log"
    with_torch=0
  elif ! run build-torch 300 cmake --build "$build_dir" --target ecopt_cli ecopt_torch_tasks -j "$jobs" -- -k 0; then
    fail "building with libtorch"
    first_errors "$work/build-torch.log"
    with_torch=0
  else
    note "Built \`ecopt\` and its libtorch module in $((SECONDS - build_start)) s."
  fi
elif [ $can_build -eq 1 ] && [ $with_torch -eq 1 ]; then
  with_torch=0
  skip "the libtorch build (the build without libtorch failed)"
fi

# --- 4. a CIFAR-shaped image study on CUDA -------------------------------------------
section "CIFAR-shaped image study"
# A dry run on CPU keeps to a tenth of the work: it checks the plumbing only.
study_device=cuda study_trials=4 study_train=5000 study_test=1000
[ $dry_run -eq 1 ] && study_device=cpu study_trials=2 study_train=500 study_test=200
if [ -z "$ecopt" ] || [ $with_torch -eq 0 ]; then
  skip "the image study (no ecopt with libtorch)"
elif [ -z "$gpu_uuid" ]; then
  skip "the image study (no GPU meter)"
else
  cat >"$work/study.toml" <<EOF
[study]
name = "gpu-check-cifar-shaped"
storage = "sqlite:///$work/study.db"
sampler = "sobol"
seed = 0
n_trials = $study_trials
space_mode = "replace"   # width and depth only; the task's defaults for the rest

[[objectives]]
name = "accuracy"
direction = "maximize"

[[objectives]]
name = "inference_samples_per_j"
direction = "maximize"

[energy]
idle_baseline_s = 2
min_window_s = 1.0
repeats = 3

[task]
kind = "image-classification"
device = "$study_device"
epochs = 1
inference_samples = $study_test
dataset = { name = "synthetic", synthetic_train = $study_train, synthetic_test = $study_test }
fixed = { optimizer = "adam", lr = 0.001, batch_size = 64 }

[space.width]
type = "int"
low = 4
high = 64
log = true

[space.depth]
type = "int"
low = 1
high = 3
EOF
  note "$study_trials Sobol trials of the paper's CNN family on $study_train synthetic 3x32x32 images (10 classes), one epoch, \`task.device = \"$study_device\"\`, 2 s idle baseline:"
  study_start=$SECONDS
  CUDA_VISIBLE_DEVICES=$gpu_uuid run study 150 "$ecopt" tune "$work/study.toml"
  study_status=$?
  note "" "\`ecopt tune\` exited with status $study_status after $((SECONDS - study_start)) s."
  fenced "$work/study.log"
  [ $study_status -ne 0 ] && fail "the image study (status $study_status)"
  if run trials 30 "$ecopt" trials --storage "sqlite:///$work/study.db" \
    --study-name gpu-check-cifar-shaped --format table; then
    fenced "$work/trials.log"
  else
    fail "\`ecopt trials\` of the study"
  fi
fi

# --- 5. generation bench ------------------------------------------------------------------
section "Generation bench"
bench_devices=cpu,cuda bench_presets=micro,tiny
[ $dry_run -eq 1 ] && bench_devices=cpu bench_presets=micro
if [ -z "$ecopt" ] || [ $with_torch -eq 0 ]; then
  skip "the generation bench (no ecopt with libtorch)"
elif [ -z "$gpu_uuid" ]; then
  skip "the generation bench (no GPU meter)"
elif CUDA_VISIBLE_DEVICES=$gpu_uuid run bench 120 "$ecopt" generation-bench --devices "$bench_devices" \
  --presets "$bench_presets" --repeats 3 --min-window-s 1 --out "$work/bench.md"; then
  sed "s/^#/###/" "$work/bench.md" >>"$report" # its headings under this section
else
  fail "\`ecopt generation-bench\` (status $?)"
  fenced "$work/bench.log"
fi

section "Summary"
note "Finished in $SECONDS s (budget: $budget_s s). Every log of the run: \`$(basename "$archive")\`."
note "" "${#failed[@]} failed, ${#skipped[@]} skipped."
for item in "${failed[@]}"; do note "- failed: $item"; done
for item in "${skipped[@]}"; do note "- skipped: $item"; done
cp "$report" "$work/"
[ -d "$build_dir" ] && cp "$build_dir/CMakeCache.txt" "$build_dir/.ninja_log" "$work/" 2>/dev/null
tar -czf "$archive" -C "$root" work || echo "gpu-check: could not write $archive" >&2
echo "gpu-check: ${#failed[@]} failed, ${#skipped[@]} skipped; results in $report, logs in $archive" >&2
[ ${#failed[@]} -eq 0 ]
