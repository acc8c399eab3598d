#!/usr/bin/env bash
# Reproduces the report rows of docs/benchmarks/scaling.md: at each study
# size, a study of finished ZDT1 trials shaped as `ecopt tune` stores them
# is written straight through storage (ecopt_bench_report_study; kept and
# reused when OUT_DIR already holds it, since 100,000 trials take minutes to
# write), then `ecopt report` is timed (GNU time: wall, user, system, max
# RSS), and report.html is opened in headless Chromium
# (ecopt_bench_report_page_load) for its long tasks, a sort of every trial
# and a page turn.
# Usage: bench/report_scale.sh [BUILD_DIR] [OUT_DIR] [SIZES...]   (default 1000 20000 100000)
# KIND=demo writes the report tests' CNN study instead (three energy records
# a trial, parameter and FLOP counts: every section of the page has data).
set -euo pipefail
build_dir=$(realpath "${1:-build}")
out_dir=${2:-$build_dir/report-scale-bench}
shift $(($# < 2 ? $# : 2))
sizes=("${@:-1000 20000 100000}")
read -r -a sizes <<< "${sizes[*]}"
kind=${KIND:-zdt1}
ecopt=$build_dir/src/cli/ecopt
make_study=$build_dir/bench/ecopt_bench_report_study
page_load=$build_dir/bench/ecopt_bench_report_page_load
for tool in "$ecopt" "$make_study" "$page_load"; do
  [[ -x $tool ]] || { echo "no $tool; build it with scripts/build.sh --target $(basename "$tool")" >&2; exit 1; }
done
mkdir -p "$out_dir"
out_dir=$(realpath "$out_dir")

echo "| trials | report: wall s · CPU s (user + sys) | max RSS MiB | report.html MB | trials.csv MB | trials.json MB | Chromium: ready s | longest task ms (all over 50 ms) | sort every trial ms | next page ms |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for n in "${sizes[@]}"; do
  run=$out_dir/$kind-$n
  mkdir -p "$run"
  db=$run/study.db
  if [[ ! -f $db ]]; then
    /usr/bin/time -f "%e" -o "$run/make-study.time" "$make_study" "sqlite:///$db" "$kind" "$kind" "$n" > /dev/null
  fi
  rm -rf "$run/report"
  /usr/bin/time -f "%e %U %S %M" -o "$run/report.time" \
    "$ecopt" report --storage "sqlite:///$db" --study "$kind" --out "$run/report" > "$run/report.log" 2>&1
  read -r wall user sys rss_kib < "$run/report.time"
  "$page_load" "$run/report/report.html" "$run/chromium" > "$run/page-load.json"
  /usr/bin/python3 - "$n" "$wall" "$user" "$sys" "$rss_kib" "$run" <<'EOF'
import json, os, sys
n, wall, user, sys_s, rss_kib, run = sys.argv[1:]
load = json.load(open(os.path.join(run, "page-load.json")))
mb = lambda name: os.path.getsize(os.path.join(run, "report", name)) / 1e6
tasks = ", ".join(f"{t:.0f}" for t in load["long_tasks_ms"])
print(f"| {int(n):,} | {float(wall):.2f} · {float(user) + float(sys_s):.2f} | {int(rss_kib) / 1024:.0f} | "
      f"{mb('report.html'):.2f} | {mb('trials.csv'):.1f} | {mb('trials.json'):.1f} | {load['ready_s']:.2f} | "
      f"{load['longest_task_ms']:.0f} ({tasks}) | {load['sort_ms']:.0f} | {load['next_page_ms']:.0f} |")
EOF
done
