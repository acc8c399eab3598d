#!/usr/bin/env python3
"""Markdown tables from the JSON lines of ecopt_bench_optimizers and
bench/optuna_bench.py (and BoTorch's anchor figures): median hypervolume
ratio over the seeds at each checkpoint and median CPU seconds per
suggestion, one table per part of the benchmark (plain problems with and
without thresholds, reference rules, noise, pending trials, long studies),
plus the large-history line. Standard library only.
Usage: optim_table.py [--botorch ANCHORS.jsonl] [--optuna-anchors ANCHORS.jsonl] RESULTS.jsonl [MORE.jsonl ...]
(--optuna-anchors: recorded Optuna medians, shown where this run has no Optuna runs of a problem.)
Runs that carry a "comparison" label (variants and baselines of one experiment, tabulated in their own
section of docs/benchmarks/optimizers.md) stay out of these tables, and so do lines that are not runs
(warm_start_cnn.jsonl's trials), which are named on stderr."""
import collections
import json
import statistics
import sys

PROBLEM_ORDER = ["zdt1", "zdt2", "zdt3", "dtlz2", "mixed", "dtlz2_2obj", "branin_currin", "zdt1:3", "zdt2:3", "zdt3:3",
                 "dtlz2_2obj:3"]
SAMPLER_ORDER = [("ecopt", "mobo"), ("ecopt", "nsga2"), ("ecopt", "sobol"), ("ecopt", "random"),
                 ("optuna", "ecopt-mobo"), ("optuna 4.9", "motpe"), ("optuna", "motpe"), ("optuna", "nsga2"), ("optuna", "random")]


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def median_hv(group, at):
    values = [r["hv_ratio"][at] for r in group if at in r["hv_ratio"]]
    return statistics.median(values) if values else None


def median_of(group, key, at=None):
    values = [r[key][at] if at else r[key] for r in group if key in r and (at is None or at in r[key])]
    return statistics.median(values) if values else None


def median_posterior_hv(group, at):
    """HV of the front judged by the models' posterior means (noisy runs of ECOpt only)."""
    values = [r["hv_ratio_posterior_front"][at] for r in group if at in r.get("hv_ratio_posterior_front", {})]
    return statistics.median(values) if values else None


def stated_options(r):
    """mobo options beyond the reference rule (noisy, posterior_samples, ...), or 'default'."""
    options = {k: v for k, v in r.get("options", {}).items() if k not in ("reference_rule", "beyond_weight")}
    return ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted(options.items())) or "default"


def worst_seed(group, at):
    values = [r["hv_ratio"][at] for r in group if at in r["hv_ratio"]]
    return min(values) if values else None


def setting(r):
    """(thresholds, rule, noise, pending, evaluations) of a run; Optuna's have no thresholds."""
    return (r.get("thresholds", "none"), r.get("rule", "default"), r.get("noise", 0.0), r.get("pending", 0),
            r.get("observations_at_last", max(int(a) for a in r["hv_ratio"])))


def table(title, header, rows):
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def plain_table(runs, botorch, optuna_anchors):
    rows = []
    for problem in PROBLEM_ORDER:
        for library, sampler in SAMPLER_ORDER:
            recorded = [a for a in optuna_anchors if a["problem"] == problem and a["sampler"] == sampler]
            # Runs of the same sampler with noise or pending trials do not replace the anchor.
            plain_runs = [r for r in runs[(problem, library, sampler)] if setting(r)[:4] == ("none", "default", 0.0, 0)]
            if library == "optuna" and recorded and not plain_runs:
                hv = recorded[0]["median_hv_ratio"]
                rows.append([problem, "optuna (anchor)", sampler, "none", "5"] +
                            [fmt(hv.get(at)) for at in ("25", "50", "100")] + ["—", "—", "—",
                            fmt(recorded[0]["s_per_trial"], 4)])
            for given in ("none", "given"):
                group = [r for r in runs[(problem, library, sampler)] if setting(r)[:4] == (given, "default", 0.0, 0)
                         and setting(r)[4] <= 100]
                if not group:
                    continue
                rows.append([problem, library, sampler, given, str(len(group))] +
                            [fmt(median_hv(group, at)) for at in ("25", "50", "100")] +
                            [fmt(worst_seed(group, "100")), fmt(median_of(group, "cpu_seconds_per_suggestion"), 4),
                             fmt(median_of(group, "cpu_seconds_at", "100")),
                             fmt(median_of(group, "seconds_per_suggestion"), 4)])
        anchor = [a for a in botorch if a["problem"] == problem]
        if anchor:
            by_at = collections.defaultdict(list)
            for a in anchor:
                by_at[str(a["at"])].append(a["hv_ratio"])
            seeds = len({a["seed"] for a in anchor})
            rows.append([problem, "botorch (anchor)", "qLogNEHVI", "given", str(seeds)] +
                        [fmt(statistics.median(by_at[at])) if at in by_at else "—" for at in ("25", "50", "100")] +
                        ["—", "—", "—", fmt(statistics.median(a["s_per_trial"] for a in anchor), 2)])
    table("Plain problems: without thresholds (the default) and with the reference point given as thresholds",
          ["problem", "library", "sampler", "thresholds", "seeds", "HV @25", "@50", "@100", "worst seed @100",
           "CPU s / suggestion", "CPU s at 100 obs", "wall s / suggestion"], rows)


def grouped_table(title, runs, keep, label, label_header, checkpoints, extra=(), varied=lambda r: True,
                  posterior=False):
    """Rows for the problems where some kept run is `varied` (noisy, pending...), baselines included."""
    rows = []
    for problem in PROBLEM_ORDER:
        if not any(keep(r) and varied(r) for key, group in runs.items() if key[0] == problem for r in group):
            continue
        for library, sampler in SAMPLER_ORDER:
            groups = collections.defaultdict(list)
            for r in runs[(problem, library, sampler)]:
                if keep(r):
                    groups[label(r)].append(r)
            for key in sorted(groups):
                group = groups[key]
                rows.append([problem, library, sampler, *key, str(len(group))] +
                            [fmt(median_hv(group, at)) for at in checkpoints] +
                            [fmt(worst_seed(group, checkpoints[-1]))] +
                            ([fmt(median_posterior_hv(group, at)) for at in checkpoints] if posterior else []) +
                            [fmt(median_of(group, "cpu_seconds_at", at)) for at in extra])
    if rows:
        table(title, ["problem", "library", "sampler", *label_header, "seeds"] +
              [f"HV @{at}" for at in checkpoints] + [f"worst seed @{checkpoints[-1]}"] +
              ([f"posterior-mean front @{at}" for at in checkpoints] if posterior else []) +
              [f"CPU s at {at} obs" for at in extra], rows)


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(paths):
    botorch, optuna_anchors = [], []
    while paths[:1] in (["--botorch"], ["--optuna-anchors"]):
        if paths[0] == "--botorch":
            botorch = read_lines(paths[1])
        else:
            optuna_anchors = read_lines(paths[1])
        paths = paths[2:]
    runs, large = collections.defaultdict(list), []
    for path in paths:
        not_runs = 0
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    if "comparison" in record:
                        continue
                    if "hv_ratio" not in record and record.get("kind") != "large_history":
                        not_runs += 1
                        continue
                    if record.get("kind") == "large_history":
                        large.append(record)
                    else:
                        runs[(record["problem"], record["library"], record["sampler"])].append(record)
        if not_runs:
            print(f"optim_table.py: {path}: {not_runs} lines are not benchmark runs (no hv_ratio); left out",
                  file=sys.stderr)
    plain_table(runs, botorch, optuna_anchors)
    short = ("25", "50", "100")
    grouped_table("Reference rules of mobo without thresholds", runs,
                  lambda r: r["sampler"] == "mobo" and setting(r)[0] == "none" and setting(r)[2:] == (0.0, 0, 100),
                  lambda r: (r.get("rule", "default"),), ["rule"], short)
    model_based = ("mobo", "motpe")
    grouped_table("Noisy observations (scored on the noise-free values of the reported front: by observed values, "
                  "and by the models' posterior means)", runs,
                  lambda r: r["sampler"] in model_based and setting(r)[0] == "none" and setting(r)[3] == 0
                  and setting(r)[4] == 100 and setting(r)[1] == "default",
                  lambda r: (f"{setting(r)[2]:.2f}", stated_options(r)), ["noise (share of front range)", "options"], short,
                  extra=("100",), varied=lambda r: setting(r)[2] > 0, posterior=True)
    grouped_table("Trials pending at every ask", runs,
                  lambda r: r["sampler"] == "mobo" and setting(r)[0] == "none" and setting(r)[2] == 0.0
                  and setting(r)[4] == 100 and setting(r)[1] == "default",
                  lambda r: (str(setting(r)[3]), stated_options(r)), ["pending", "options"], short, extra=("100",),
                  varied=lambda r: setting(r)[3] > 0)
    grouped_table("Long studies", runs, lambda r: setting(r)[4] >= 400 and setting(r)[2:4] == (0.0, 0),
                  lambda r: (setting(r)[0],), ["thresholds"], ("100", "200", "400"), extra=("100", "400"))
    for record in large:
        print(f"\nOne mobo suggestion at {record['observations']} observations ({record['problem']}, 2 objectives, "
              f"history from NSGA-II): {record['seconds']:.3f} s wall, {record['cpu_seconds']:.3f} s CPU "
              "(median of 3).")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
