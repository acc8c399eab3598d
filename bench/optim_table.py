#!/usr/bin/env python3
"""One Markdown table from the JSON lines of ecopt_bench_optimizers and
bench/optuna_bench.py: median hypervolume ratio at 25/50/100 evaluations and
median seconds per suggestion over the seeds, plus the large-history line.
Standard library only."""
import json
import statistics
import sys

PROBLEM_ORDER = ["zdt1", "zdt2", "dtlz2"]
SAMPLER_ORDER = [("ecopt", "mobo"), ("ecopt", "nsga2"), ("ecopt", "sobol"), ("ecopt", "random"),
                 ("optuna", "ecopt-mobo"), ("optuna", "motpe"), ("optuna", "nsga2"), ("optuna", "random")]


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def median_of(runs, key):
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else None


def main(paths):
    runs, large = [], []
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    (large if record.get("kind") == "large_history" else runs).append(record)
    print("| problem | library | sampler | seeds | HV ratio @25 | @50 | @100 | s / suggestion (wall) | CPU s / suggestion | s at 100 obs (wall / CPU) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for problem in PROBLEM_ORDER:
        for library, sampler in SAMPLER_ORDER:
            group = [r for r in runs if r["problem"] == problem and r["library"] == library and r["sampler"] == sampler]
            if not group:
                continue
            hv = {at: statistics.median(r["hv_ratio"][at] for r in group) for at in ("25", "50", "100")}
            at_last = ""
            if "seconds_at_last" in group[0]:
                at_last = f"{fmt(median_of(group, 'seconds_at_last'))} / {fmt(median_of(group, 'cpu_seconds_at_last'))}"
            print(f"| {problem} | {library} | {sampler} | {len(group)} | {fmt(hv['25'])} | {fmt(hv['50'])} | "
                  f"{fmt(hv['100'])} | {fmt(median_of(group, 'seconds_per_suggestion'), 4)} | "
                  f"{fmt(median_of(group, 'cpu_seconds_per_suggestion'), 4)} | {at_last} |")
    for record in large:
        print(f"\nOne mobo suggestion at {record['observations']} observations ({record['problem']}, 2 objectives, "
              f"history from NSGA-II): {record['seconds']:.3f} s wall, {record['cpu_seconds']:.3f} s CPU "
              "(median of 3).")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: optim_table.py RESULTS.jsonl [MORE.jsonl ...]")
    main(sys.argv[1:])
