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

# Fake machine-wide packages, one powercap zone each (ZONE=CPUS: 0=all, or
# 0=0 1=1): IDLE_W, plus WATTS_PER_CPU per CPU-second of the busy loops
# listed in <out>/draw on the zone's CPUs (the CPU each last ran on),
# summed every 2 ms.
start_zones() {
  rm -rf "$out_dir/powercap" "$out_dir/stop-zone"
  for spec in "$@"; do
    zone=$out_dir/powercap/intel-rapl:${spec%%=*}
    mkdir -p "$zone"
    echo "package-${spec%%=*}" > "$zone/name"
    echo 262143328850 > "$zone/max_energy_range_uj"
    echo 1000000 > "$zone/energy_uj"
  done
  /usr/bin/python3 - "$out_dir" "$watts_per_cpu" "$idle_w" "$@" <<'EOF' &
import os, sys, time
out, watts, idle_w = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
zones = {}  # zone -> its CPUs (None: all)
for spec in sys.argv[4:]:
    zone, cpus = spec.split("=")
    zones[zone] = None if cpus == "all" else {int(c) for c in cpus.split(",")}
tick = os.sysconf("SC_CLK_TCK")
seen, last = {}, time.monotonic()
uj = {zone: 1_000_000.0 for zone in zones}
while not os.path.exists(os.path.join(out, "stop-zone")):
    now = time.monotonic()
    for zone in zones:
        uj[zone] += idle_w * 1e6 * (now - last)
    last = now
    for pid in os.listdir(os.path.join(out, "draw")):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu_s, cpu = (int(fields[11]) + int(fields[12])) / tick, int(fields[36])
        for zone, cpus in zones.items():
            if cpus is None or cpu in cpus:
                uj[zone] += watts * 1e6 * (cpu_s - seen.get(pid, 0.0))
                break
        seen[pid] = cpu_s
    for zone in zones:
        staging = os.path.join(out, f"energy-{zone}.writing")
        with open(staging, "w") as f:
            f.write(f"{int(uj[zone])}\n")
        os.rename(staging, os.path.join(out, "powercap", f"intel-rapl:{zone}", "energy_uj"))
    time.sleep(0.002)
EOF
  zone_pid=$!
}
stop_zones() { touch "$out_dir/stop-zone"; wait "$zone_pid"; }
start_zones 0=all
trap stop_zones EXIT
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

# The same on two packages of one CPU each (a fake topology of this
# machine's first two CPUs via ECOPT_CPU_ROOT), a zone each: one worker runs
# its trials unpinned, two workers a trial on each package (tune's default).
trap - EXIT
stop_zones
read -r cpu0 cpu1 _ < <(/usr/bin/python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')
for package in 0 1; do
  cpu=$([[ $package == 0 ]] && echo "$cpu0" || echo "$cpu1")
  mkdir -p "$out_dir/cpu/cpu$cpu/topology"
  echo "$package" > "$out_dir/cpu/cpu$cpu/topology/physical_package_id"
done
export ECOPT_CPU_ROOT=$out_dir/cpu
start_zones "0=$cpu0" "1=$cpu1"
trap stop_zones EXIT
alone=$(study packages-alone busy 8 "allow_estimate = false")
taskset -c "$cpu0,$cpu1" "$ecopt" tune "$alone" --workers 1 > "$out_dir/packages-alone.log" 2>&1
attributed "$alone" packages-alone
parallel=$(study packages-parallel busy 8 "allow_estimate = false")
taskset -c "$cpu0,$cpu1" "$ecopt" tune "$parallel" --workers 2 > "$out_dir/packages-parallel.log" 2>&1
attributed "$parallel" packages-parallel
grep -h '^parallel:\|^turns:\|^one at a time:' "$out_dir"/packages-*.log
