#!/usr/bin/env bash
# Reproduces docs/benchmarks/parallel.md (issue 27).
#   Throughput: wall time of `ecopt tune --workers W` (W = 1, 2, 4) for 16
#   command trials of a busy loop (fixed work, ~0.7 s of CPU) and of a 1 s
#   sleep, with the CPU-time estimate (no RAPL: tune's default is then each
#   trial pinned to its own CPUs).
#   Honesty: the same busy trial alone (one worker) and two at a time
#   (--workers 2 --cpus-per-trial 1) on a fake machine-wide powercap zone
#   whose counter moves by WATTS_PER_CPU for each CPU-second the trials'
#   busy loops use (read from /proc/<pid>/stat), plus IDLE_W (0.05 W, so
#   that discovery sees the counter move): per-trial energy after
#   attribution (gross × attributed_fraction) alone and in parallel.
# Usage: bench/parallel_trials.sh [BUILD_DIR] [OUT_DIR] [REPEATS]
# Prints tab-separated rows: kind, workers, repeat, wall_s, load1 (and the
# honesty rows); docs/benchmarks/parallel.md turns them into tables.
set -euo pipefail
build_dir=$(realpath "${1:-build}")
out_dir=${2:-$build_dir/parallel-bench}
repeats=${3:-3}
ecopt=$build_dir/src/cli/ecopt
watts_per_cpu=${WATTS_PER_CPU:-10}
idle_w=${IDLE_W:-0.05}
[[ -x $ecopt ]] || { echo "no $ecopt; build it with scripts/build.sh --target ecopt_cli" >&2; exit 1; }
rm -rf "$out_dir"
mkdir -p "$out_dir/no-rapl" "$out_dir/draw"
out_dir=$(realpath "$out_dir")
export ECOPT_LEASE_DIR=$out_dir/leases
export ECOPT_POWERCAP_ROOT=$out_dir/no-rapl ECOPT_PERF_ROOT=$out_dir/no-perf

# The busy loop runs in the background so that the fake zone can read its
# CPU time while it runs (<out>/draw/<pid>).
cat > "$out_dir/busy.sh" <<EOF
#!/bin/sh
awk 'BEGIN { for (i = 0; i < 6e7; i++) s += i }' &
touch "$out_dir/draw/\$!"
wait
rm -f "$out_dir/draw/\$!"
echo "ECOPT {\"f0\": \$ECOPT_PARAM_X}"
EOF
cat > "$out_dir/sleep.sh" <<EOF
#!/bin/sh
sleep 1
echo "ECOPT {\"f0\": \$ECOPT_PARAM_X}"
EOF

# study NAME SCRIPT N_TRIALS [ENERGY_LINES]
study() {
  cat > "$out_dir/$1.toml" <<EOF
[study]
name = "$1"
storage = "sqlite:///$out_dir/$1.db"
sampler = "random"
n_trials = $3
[[objectives]]
name = "f0"
direction = "minimize"
[energy]
${4:-}
[task]
kind = "command"
argv = ["/bin/sh", "$out_dir/$2.sh"]
[space.x]
type = "float"
low = 0.0
high = 1.0
EOF
  rm -f "$out_dir/$1.db"
  echo "$out_dir/$1.toml"
}

load1() { cut -d' ' -f1 /proc/loadavg; }

echo -e "kind\tworkers\trepeat\twall_s\tload1"
for repeat in $(seq 1 "$repeats"); do
  for kind in busy sleep; do
    for workers in 1 2 4; do
      file=$(study "$kind-$workers" "$kind" 16)
      load=$(load1)
      start=$(date +%s.%N)
      "$ecopt" tune "$file" --workers "$workers" > "$out_dir/$kind-$workers-$repeat.log" 2>&1
      end=$(date +%s.%N)
      echo -e "$kind\t$workers\t$repeat\t$(echo "$end - $start" | bc)\t$load"
    done
  done
done
cat "$out_dir"/busy-*-1.log 2>/dev/null | grep '^parallel:\|^turns:' | sort -u || true

# The fake machine-wide package: IDLE_W, plus WATTS_PER_CPU per CPU-second
# of the busy loops listed in <out>/draw, summed every 2 ms.
zone=$out_dir/powercap/intel-rapl:0
mkdir -p "$zone"
echo package-0 > "$zone/name"
echo 262143328850 > "$zone/max_energy_range_uj"
echo 1000000 > "$zone/energy_uj"
/usr/bin/python3 - "$out_dir" "$watts_per_cpu" "$idle_w" <<'EOF' &
import os, sys, time
out, watts, idle_w = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
tick = os.sysconf("SC_CLK_TCK")
zone = os.path.join(out, "powercap", "intel-rapl:0")
seen, uj, last = {}, 1_000_000.0, time.monotonic()
while not os.path.exists(os.path.join(out, "stop-zone")):
    now = time.monotonic()
    uj += idle_w * 1e6 * (now - last)
    last = now
    for pid in os.listdir(os.path.join(out, "draw")):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu_s = (int(fields[11]) + int(fields[12])) / tick
        uj += watts * 1e6 * (cpu_s - seen.get(pid, 0.0))
        seen[pid] = cpu_s
    with open(os.path.join(out, "energy.writing"), "w") as f:
        f.write(f"{int(uj)}\n")
    os.rename(os.path.join(out, "energy.writing"), os.path.join(zone, "energy_uj"))
    time.sleep(0.002)
EOF
zone_pid=$!
trap 'touch "$out_dir/stop-zone"; wait $zone_pid' EXIT
export ECOPT_POWERCAP_ROOT=$out_dir/powercap

# attributed FILE LABEL: one row per trial: label, trial, gross J, fraction, own J, shared
attributed() {
  "$ecopt" trials --storage "sqlite:///$out_dir/$(basename "$1" .toml).db" \
    --study-name "$(basename "$1" .toml)" --format json |
    /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    r = t["user_attrs"]["energy"]["trial"]
    f = r.get("attributed_fraction", 1.0)
    row = [sys.argv[1], t["number"], "%.3f" % r["gross_j"], "%.3f" % f, "%.3f" % (r["gross_j"] * f), r.get("shared", False)]
    print("\t".join(str(x) for x in row))
' "$2"
}
echo -e "honesty\ttrial\tgross_j\tattributed_fraction\town_j\tshared"
alone=$(study honest-alone busy 8 "allow_estimate = false")
"$ecopt" tune "$alone" --workers 1 > "$out_dir/honest-alone.log" 2>&1
attributed "$alone" alone
parallel=$(study honest-parallel busy 8 "allow_estimate = false")
"$ecopt" tune "$parallel" --workers 2 --cpus-per-trial 1 > "$out_dir/honest-parallel.log" 2>&1
attributed "$parallel" parallel
grep -h '^parallel:\|^turns:' "$out_dir"/honest-*.log
