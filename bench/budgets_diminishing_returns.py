#!/usr/bin/python3
"""Where the diminishing-returns rule ([budget] min_hypervolume_per_kwh)
stops a long ZDT1 study, against the trial after which the final
hypervolume grew by less than 1 % (docs/benchmarks/budgets.md).

For each seed: a full run of --trials trials without the rule, then, for
each window and threshold, a fresh run of the same study (same seed, so the same
parameters while it runs: checked) with the rule, its threshold a fraction
of the full run's average hypervolume per kWh (final hypervolume / the
study's tuning energy as the rule and the budgets count it: each trial's
`trial` record and the tuner's work for it, its `tuner` record). Every run
goes through the real CLI (`ecopt tune`, `ecopt trials`); the hypervolume is
recomputed here against the fixed reference (1.1, 1.1), the thresholds,
which the rule also uses, and the hypervolume and the tuning energy are
checked against the figures `tune`'s closing line prints.

    /usr/bin/python3 bench/budgets_diminishing_returns.py --ecopt build/src/cli/ecopt
"""
import argparse
import json
import pathlib
import re
import subprocess
import tempfile

REFERENCE = (1.1, 1.1)

STUDY = """[study]
name = "zdt1-long"
storage = "sqlite:///{db}"
sampler = "{sampler}"
seed = {seed}
n_trials = {trials}

[[objectives]]
name = "f0"
direction = "minimize"
threshold = {reference[0]}

[[objectives]]
name = "f1"
direction = "minimize"
threshold = {reference[1]}

[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 4
"""


def hypervolume(points):
    """2-D hypervolume of minimised points against REFERENCE."""
    front = sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1])
    volume, best_f1 = 0.0, REFERENCE[1]
    for f0, f1 in front:
        if f1 < best_f1:
            volume += (REFERENCE[0] - f0) * (best_f1 - f1)
            best_f1 = f1
    return volume


def record_j(trial, name):
    """A trial's energy record as the rule counts it: gross × attributed_fraction."""
    record = trial["user_attrs"]["energy"].get(name)
    return record["gross_j"] * record.get("attributed_fraction", 1.0) if record else 0.0


def spent_j(trials):
    """What the rule and the budgets count: each trial's and the tuner's records."""
    return sum(record_j(t, "trial") + record_j(t, "tuner") for t in trials)


def run(ecopt, folder, seed, trials, sampler, extra=()):
    db = folder / "study.db"
    study = folder / "study.toml"
    study.write_text(STUDY.format(db=db, seed=seed, trials=trials, sampler=sampler, reference=REFERENCE))
    tuned = subprocess.run([ecopt, "tune", str(study), *extra], capture_output=True, text=True, check=True)
    listed = subprocess.run([ecopt, "trials", "--storage", f"sqlite:///{db}", "--study-name", "zdt1-long"],
                            capture_output=True, text=True, check=True)
    return sorted(json.loads(listed.stdout), key=lambda t: t["number"]), tuned.stdout


def history(trials):
    """Hypervolume after each trial (trials run one at a time: number order
    is finishing order, the rule's order)."""
    points, curve = [], []
    for trial in trials:
        if trial["state"] == "COMPLETE":
            points.append(tuple(trial["values"]))
        curve.append(hypervolume(points))
    return curve


def closing_hypervolume(out):
    """The hypervolume tune's closing line prints (4 significant digits)."""
    return float(re.search(r"hypervolume (\S+) \(reference", out).group(1))


PREFIXES = {"p": 1e-12, "n": 1e-9, "µ": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def closing_tuning_j(out):
    """The trials' and the tuner's energy tune's closing line prints (4
    significant digits each): "tuning energy 1.234 J (...), and 56.7 mJ of
    the tuner's own work"."""
    closing = out[out.rindex("tuning energy "):]  # progress lines name it too
    figures = [re.match(r"tuning energy (\S+) (\S*)J ", closing),
               re.search(r", and (\S+) (\S*)J of the tuner's own work", closing)]
    return [float(f.group(1)) * PREFIXES[f.group(2)] if f else 0.0 for f in figures]


def check_energy(seed, trials, out):
    """The sums here are the figures tune printed, to its 4 digits."""
    printed = closing_tuning_j(out)
    summed = [sum(record_j(t, "trial") for t in trials), sum(record_j(t, "tuner") for t in trials)]
    for here, there in zip(summed, printed):
        if abs(here - there) > 1e-3 * max(abs(here), abs(there)):
            raise SystemExit(f"seed {seed}: tuning energy {summed} J here, {printed} J in tune")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ecopt", required=True)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--windows", type=int, nargs="+", default=[10, 30, 100])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.01])
    parser.add_argument("--sampler", default="nsga2")
    args = parser.parse_args()
    print(f"{args.trials} trials, sampler {args.sampler}; "
          "threshold = fraction × (final hypervolume ÷ the full run's tuning energy, trials and tuner, in kWh)\n")
    print("| seed | HV final | trials to within 1 % of final HV | window | fraction | threshold (HV/kWh) "
          "| trials when the rule stopped | HV at stop / final | full run's tuning energy spent by the stop | same params |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as full_dir:
            full, out = run(args.ecopt, pathlib.Path(full_dir), seed, args.trials, args.sampler)
        curve = history(full)
        final = curve[-1]
        if f"{final:.4g}" != f"{closing_hypervolume(out):.4g}":
            raise SystemExit(f"seed {seed}: hypervolume {final:.4g} here, {closing_hypervolume(out)} in tune")
        # The first trial (1-based count) from which the hypervolume stays
        # within 1 % of the final: after it, the study gained less than 1 %.
        plateau = next(i + 1 for i, hv in enumerate(curve) if final - hv < 0.01 * final)
        check_energy(seed, full, out)
        full_j = spent_j(full)
        for window in args.windows:
            for fraction in args.fractions:
                threshold = fraction * final / (full_j / 3.6e6)
                with tempfile.TemporaryDirectory() as rule_dir:
                    ruled, out = run(args.ecopt, pathlib.Path(rule_dir), seed, args.trials, args.sampler,
                                     ["--min-hypervolume-per-kwh", f"{threshold:.6g}",
                                      "--hypervolume-window", str(window)])
                stopped = "stopped by [budget] min_hypervolume_per_kwh" in out
                same = all(a["params"] == b["params"] for a, b in zip(ruled, full))
                # The same trials' energy in the full run: separate runs'
                # CPU-time estimates differ with the machine's load.
                ruled_j = spent_j(full[:len(ruled)])
                print(f"| {seed} | {final:.4f} | {plateau} | {window} | {fraction:g} | {threshold:.4g} | "
                      f"{len(ruled) if stopped else 'did not stop'} | {history(ruled)[-1] / final:.4f} | "
                      f"{ruled_j / full_j:.2f} | {'yes' if same else 'NO'} |", flush=True)

if __name__ == "__main__":
    main()
