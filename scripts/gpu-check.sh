#!/usr/bin/env bash
# ECOpt on one NVIDIA GPU, in one prepared run of under 8 minutes:
#   1. builds ecopt against the CUDA libtorch of the Python given (or without
#      libtorch when that fails),
#   2. `ecopt measure` of a fixed CUDA workload against nvidia-smi's
#      power.draw integrated over the same run,
#   3. a small CIFAR-shaped (synthetic 3x32x32) image study with
#      task.device = "cuda",
#   4. `ecopt generation-bench` with its CUDA column,
# and writes what it ran and saw as Markdown under $OUT (else
# docs/measurements/). Every step has a time limit; a step that cannot run
# says why in the results and the others still run.
#
#   scripts/gpu-check.sh [--no-gpu] [--build-dir DIR] [--python PY]
#
# --no-gpu       check the script on a machine without a GPU: the GPU steps
#                are reported as skipped, the study and the bench run on CPU.
# --build-dir    use ecopt already built in DIR instead of building.
# --python       the Python with PyTorch (default: python3 on PATH).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

use_gpu=1
build_dir=""
python=python3
while [ $# -gt 0 ]; do
  case "$1" in
    --no-gpu) use_gpu=0 ;;
    --build-dir) build_dir=$2; shift ;;
    --python) python=$2; shift ;;
    *) echo "usage: $0 [--no-gpu] [--build-dir DIR] [--python PY]" >&2; exit 2 ;;
  esac
  shift
done

started=$(date -u +%Y-%m-%dT%H:%MZ)
host=$(hostname -s)
out_dir=${OUT:-docs/measurements}
mkdir -p "$out_dir"
report="$out_dir/gpu-check-$host-$(date -u +%Y%m%d-%H%M).md"
work=$(mktemp -d /tmp/ecopt-gpu-check.XXXXXX)
skipped=()

note() { printf '%s\n' "$@" >>"$report"; }
section() {
  echo "== $1 ($SECONDS s)" >&2
  note "" "## $1" ""
}
skip() {
  skipped+=("$1")
  note "**Skipped:** $1"
  echo "skipped: $1" >&2
}
# A command's output as a fenced block (at most its last 60 lines).
fenced() {
  note '```'
  tail -n 60 "$1" >>"$report"
  note '```'
}
# Seconds left of the whole run's 8 minutes (20 s kept for the summary).
seconds_left() { echo $((460 - SECONDS)); }
# run NAME SECONDS CMD...: runs CMD with a time limit (cut to what is left
# of the 8 minutes), output in $work/NAME.log.
run() {
  local name=$1 limit=$2 left
  shift 2
  left=$(seconds_left)
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 5 ]; then
    note "(\`$name\` not run: the 8 minutes are spent)"
    return 124
  fi
  timeout --kill-after=5 "$limit" "$@" >"$work/$name.log" 2>&1
  local status=$?
  [ $status -eq 124 ] && note "(\`$name\` stopped at its ${limit} s limit)"
  return $status
}

: >"$report"
note "# GPU check: $host, $started" ""
note "Written by \`scripts/gpu-check.sh$([ $use_gpu -eq 0 ] && echo ' --no-gpu')\` at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
[ $use_gpu -eq 0 ] && note "" "**Dry run without a GPU:** only the script's plumbing is checked; no figure below is a GPU's."

section "Machine"
{
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) threads"
  if [ $use_gpu -eq 1 ] && command -v nvidia-smi >/dev/null; then
    echo "- GPU: $(nvidia-smi --query-gpu=name,uuid,driver_version,power.limit --format=csv,noheader | head -n 1)"
  fi
  echo "- Python: $($python -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "CUDA", torch.version.cuda)' 2>&1 | tail -n 1)"
  echo "- cmake $(cmake --version 2>/dev/null | head -n 1 | awk '{print $3}'), ninja $(ninja --version 2>/dev/null), nvcc $(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
} >>"$report"

gpu_ready=0
if [ $use_gpu -eq 1 ]; then
  if nvidia-smi -L >"$work/gpus.txt" 2>&1; then
    gpu_ready=1
  else
    skip "every GPU step: nvidia-smi -L failed ($(head -n 1 "$work/gpus.txt"))"
  fi
fi

# --- 1. build ---------------------------------------------------------------
section "Build"
ecopt=""
with_torch=0
configure() {  # configure EXTRA_ARGS...: into $build_dir, log in $work/configure.log
  run configure 120 cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
}
if [ -n "$build_dir" ]; then
  note "Using the build in \`$build_dir\` (not rebuilt)."
  grep -q 'ECOPT_WITH_TORCH:BOOL=ON' "$build_dir/CMakeCache.txt" 2>/dev/null && with_torch=1
else
  build_dir=build-gpu
  [ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"
  # Caffe2's CMake needs the GPU's architecture when it cannot ask the GPU.
  if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ] && [ $gpu_ready -eq 1 ]; then
    TORCH_CUDA_ARCH_LIST=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n 1)
    export TORCH_CUDA_ARCH_LIST
  fi
  torch_prefix=$($python -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
  if [ -n "$torch_prefix" ] && configure -DECOPT_WITH_TORCH=ON -DCMAKE_PREFIX_PATH="$torch_prefix"; then
    with_torch=1
    note "Configured with the libtorch of \`$python\` (\`$torch_prefix\`)."
  else
    if [ -z "$torch_prefix" ]; then
      note "\`$python\` cannot import torch: configuring without libtorch."
    else
      note "Configuring with libtorch (CMAKE_PREFIX_PATH=$torch_prefix) failed:"
      fenced "$work/configure.log"
    fi
    if configure -DECOPT_WITH_TORCH=OFF; then
      note "Configured without libtorch: the study and the generation bench cannot run."
    else
      note "Configuring without libtorch failed too (missing packages: see scripts/install-deps.sh):"
      grep -E 'Could NOT find|Could not find|not found' "$work/configure.log" | sort -u | head -n 20 >"$work/missing.txt"
      fenced "$work/missing.txt"
    fi
  fi
  build_ecopt() {
    local build_start=$SECONDS
    if run build 270 cmake --build "$build_dir" --target ecopt_cli -j "$(nproc)"; then
      note "Built \`ecopt\` in $((SECONDS - build_start)) s."
      return 0
    fi
    note "Building \`ecopt\` failed:"
    fenced "$work/build.log"
    return 1
  }
  if [ -f "$build_dir/build.ninja" ] && ! build_ecopt && [ $with_torch -eq 1 ]; then
    with_torch=0
    configure -DECOPT_WITH_TORCH=OFF && note "Trying again without libtorch." && build_ecopt
  fi
fi
[ -x "$build_dir/src/cli/ecopt" ] && ecopt="$build_dir/src/cli/ecopt"
[ -z "$ecopt" ] && skip "every ecopt step: no ecopt binary"

# --- devices ------------------------------------------------------------------
gpu_uuid=""
if [ -n "$ecopt" ]; then
  section "Meters (ecopt devices)"
  run devices 30 "$ecopt" devices
  fenced "$work/devices.log"
  if [ $gpu_ready -eq 1 ]; then
    # The GPU that ecopt calls cuda:0; every later step uses it alone.
    gpu_uuid=$("$ecopt" devices --json 2>/dev/null | $python -c '
import json, sys
for meter in json.load(sys.stdin)["meters"]:
    if meter["device"] == "cuda:0":
        print(meter.get("uuid") or "")
')
    [ -z "$gpu_uuid" ] && skip "the GPU steps: ecopt found no cuda:0 meter (reasons above)"
  fi
fi

# --- 2. ecopt measure against nvidia-smi ----------------------------------------
section "ecopt measure against nvidia-smi power.draw"
cat >"$work/gpu_work.py" <<'EOF'
# Matrix products on the GPU for a fixed time, synchronised at the end.
import sys
import time

import torch

seconds = float(sys.argv[1])
a = torch.randn(8192, 8192, device="cuda")
b = torch.randn(8192, 8192, device="cuda")
torch.cuda.synchronize()
end = time.monotonic() + seconds
products = 0
while time.monotonic() < end:
    for _ in range(8):
        torch.mm(a, b)
    torch.cuda.synchronize()
    products += 8
print(f"{products} products of 8192x8192 float32 matrices", file=sys.stderr)
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
    raise SystemExit(f"no nvidia-smi samples around {t}")


result = {"samples": sum(t0 <= t <= t1 for t, _ in rows), "joules": []}
for column in range(len(rows[0][1]) if rows else 0):
    points = [(t0, power_at(t0, column))]
    points += [(t, p[column]) for t, p in rows if t0 < t < t1]
    points.append((t1, power_at(t1, column)))
    result["joules"].append(sum((tb - ta) * (pa + pb) / 2 for (ta, pa), (tb, pb) in zip(points, points[1:])))
print(json.dumps(result))
EOF
if [ $use_gpu -eq 0 ]; then
  skip "the measurement against nvidia-smi (--no-gpu)"
elif [ -z "$ecopt" ] || [ -z "$gpu_uuid" ]; then
  skip "the measurement against nvidia-smi (no ecopt or no cuda:0 meter)"
else
  fields="timestamp,power.draw"
  nvidia-smi -i "$gpu_uuid" --query-gpu=power.draw.instant --format=csv,noheader 2>/dev/null \
    | grep -q '^[0-9]' && fields="$fields,power.draw.instant"
  nvidia-smi -i "$gpu_uuid" --query-gpu="$fields" --format=csv,noheader,nounits -lms 100 >"$work/smi.csv" 2>&1 &
  smi_pid=$!
  sleep 2  # nvidia-smi's first samples, and a settled GPU
  t0=$(date +%s.%N)
  # The report (--json) on stdout; the workload's own line and ecopt's on stderr.
  CUDA_VISIBLE_DEVICES=$gpu_uuid timeout --kill-after=5 90 "$ecopt" measure --json --devices cuda:0 -- \
    "$python" "$work/gpu_work.py" 20 >"$work/measure.json" 2>"$work/measure.log"
  measure_status=$?
  t1=$(date +%s.%N)
  sleep 1
  kill "$smi_pid" 2>/dev/null
  wait "$smi_pid" 2>/dev/null
  if [ $measure_status -ne 0 ]; then
    note "\`ecopt measure\` failed (status $measure_status):"
    fenced "$work/measure.log"
  else
    $python "$work/integrate.py" "$work/smi.csv" "$t0" "$t1" >"$work/smi.json" 2>&1
    $python - "$work/measure.json" "$work/smi.json" "$fields" "$t0" "$t1" >>"$report" <<'EOF'
import json
import sys

measured = json.load(open(sys.argv[1]))
smi = json.load(open(sys.argv[2]))
columns = sys.argv[3].split(",")[1:]
wall_s = float(sys.argv[5]) - float(sys.argv[4])
ecopt_j = measured["energy_j"]
print(f"Workload: 20 s of 8192x8192 float32 matrix products (`torch.mm`), after Python and CUDA start-up, "
      f"on the GPU ecopt calls cuda:0 alone (`CUDA_VISIBLE_DEVICES` = its UUID).\n")
print(f"| figure | joules | ratio to ecopt |\n|---|---|---|")
print(f"| ecopt measure ({measured['source']}, window {measured['duration_s']:.2f} s) | {ecopt_j:.1f} | 1 |")
for column, joules in zip(columns, smi["joules"]):
    print(f"| nvidia-smi {column} every 100 ms, integrated over {wall_s:.2f} s ({smi['samples']} samples) | "
          f"{joules:.1f} | {joules / ecopt_j:.3f} |")
reference = smi["joules"][-1]  # the instant reading where there is one
gap = abs(reference / ecopt_j - 1)
print(f"\n**{'Agree' if gap <= 0.05 else 'DISAGREE'}**: ecopt and the integrated `{columns[-1]}` differ by "
      f"{gap * 100:.1f} % (limit 5 %). The integration window is the shell's, around `ecopt measure`; "
      f"it is a few milliseconds longer than ecopt's own.")
EOF
  fi
fi

# --- 3. a CIFAR-shaped image study on CUDA ---------------------------------------
section "CIFAR-shaped image study"
# A dry run on CPU keeps to a tenth of the work: it checks the plumbing only.
study_device=cuda study_trials=4 study_train=5000 study_test=1000
[ $use_gpu -eq 0 ] && study_device=cpu study_trials=2 study_train=500 study_test=200
if [ -z "$ecopt" ] || [ $with_torch -eq 0 ]; then
  skip "the image study (no ecopt built with libtorch)"
elif [ $use_gpu -eq 1 ] && [ -z "$gpu_uuid" ]; then
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
  CUDA_VISIBLE_DEVICES=${gpu_uuid:-} run study 150 "$ecopt" tune "$work/study.toml"
  study_status=$?
  note "" "\`ecopt tune\` exited with status $study_status after $((SECONDS - study_start)) s."
  fenced "$work/study.log"
  run trials 30 "$ecopt" trials --storage "sqlite:///$work/study.db" \
    --study-name gpu-check-cifar-shaped --format table && fenced "$work/trials.log"
fi

# --- 4. generation bench --------------------------------------------------------------
section "Generation bench"
bench_devices=cpu,cuda bench_presets=micro,tiny
[ $use_gpu -eq 0 ] && bench_devices=cpu bench_presets=micro
if [ -z "$ecopt" ] || [ $with_torch -eq 0 ]; then
  skip "the generation bench (no ecopt built with libtorch)"
elif [ $use_gpu -eq 1 ] && [ -z "$gpu_uuid" ]; then
  skip "the generation bench (no GPU meter)"
else
  if CUDA_VISIBLE_DEVICES=${gpu_uuid:-} run bench 120 "$ecopt" generation-bench --devices "$bench_devices" \
    --presets "$bench_presets" --repeats 3 --min-window-s 1 --out "$work/bench.md"; then
    sed "s/^#/###/" "$work/bench.md" >>"$report"  # its headings under this section
  else
    note "\`ecopt generation-bench\` failed:"
    fenced "$work/bench.log"
  fi
fi

section "Summary"
note "Finished in $SECONDS s (limit: 480 s)."
if [ ${#skipped[@]} -eq 0 ]; then
  note "Nothing was skipped."
else
  note "Skipped:"
  for item in "${skipped[@]}"; do note "- $item"; done
fi
echo "gpu-check: results in $report (work files in $work)" >&2
