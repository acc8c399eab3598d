#!/usr/bin/python3
"""The demo study (Fashion-MNIST CNN, energy-first on) with each pruning rule
and without, through the real CLI (docs/benchmarks/pruning.md).

For each seed, the three rules run side by side (one `ecopt tune` each, at
the same time, so they share the machine's load alike), each on its own
SQLite file, from the demo's study file with a longer schedule (`--epochs`,
reports every `--report-every` batches) and `--trials` finished trials.

Per run: tuning energy (every trial's `trial` record plus the tuner's own,
the rule `tune` prints), wall time (first trial's start to last trial's end,
from the storage), trials pruned, and the hypervolume of the
final front. The front's accuracy is the held-out test set's (the task scores
only trials that finish on it; pruning reads the validation split). The
hypervolume is normalised per seed, the same for the three runs: accuracy
from 0.1 (chance on ten classes) to 1, inference samples per joule from 0 to
the largest any of the seed's runs reached.

    /usr/bin/python3 bench/pruning_demo.py --ecopt build/src/cli/ecopt
"""
import argparse
import datetime
import json
import pathlib
import re
import subprocess
import tempfile

RULES = ["none", "front-reach", "pareto-halving"]


def study_text(demo, db, seed, trials, epochs, report_every, train_subset):
    text = demo.read_text()
    replacements = [
        (r'storage = "[^"]*"', f'storage = "sqlite:///{db}"'),
        (r"^seed = \d+", f"seed = {seed}"),
        (r"^n_trials = \d+", f"n_trials = {trials}"),
        (r"^epochs = \d+", f"epochs = {epochs}\nreport_every_steps = {report_every}"),
        (r"train_subset = \d+", f"train_subset = {train_subset}"),
    ]
    for pattern, value in replacements:
        text, count = re.subn(pattern, value, text, count=1, flags=re.M)
        if count != 1:
            raise SystemExit(f"the demo study file has no line matching {pattern!r}")
    return text


def start(ecopt, folder, rule, text):
    path = folder / f"{rule}.toml"
    path.write_text(text + f'\n[pruning]\nrule = "{rule}"\n')
    log = open(folder / f"{rule}.log", "w")
    return subprocess.Popen([ecopt, "tune", str(path)], cwd=folder, stdout=log, stderr=subprocess.STDOUT)


def trials_of(ecopt, folder, rule):
    out = subprocess.run([ecopt, "trials", "--storage", f"sqlite:///{folder / (rule + '.db')}",
                          "--study-name", "demo-fashion-mnist", "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def record_j(record):
    return record["gross_j"] * record.get("attributed_fraction", 1.0)


def tuning_energy_j(trials):
    total = 0.0
    for trial in trials:
        energy = trial["user_attrs"].get("energy", {})
        total += sum(record_j(energy[name]) for name in ("trial", "tuner") if name in energy)
    return total


def front(points):
    return [p for p in points if not any(q != p and q[0] >= p[0] and q[1] >= p[1] for q in points)]


def hypervolume(points, top_speed):
    """Area dominated by maximised (accuracy, samples/J) points, normalised."""
    scaled = sorted(((a - 0.1) / 0.9, s / top_speed) for a, s in front(points) if a > 0.1 and s > 0)
    area, covered = 0.0, 0.0
    for accuracy, speed in reversed(scaled):  # best accuracy first
        if speed > covered:
            area += accuracy * (speed - covered)
            covered = speed
    return area


def complete_points(trials):
    return [tuple(t["values"]) for t in trials if t["state"] == "COMPLETE" and t.get("values")]


def wall_s(trials):
    """From the first trial's start to the last one's end, from the storage."""
    def seconds(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    finished = [t for t in trials if t.get("datetime_complete")]
    return (max(seconds(t["datetime_complete"]) for t in finished)
            - min(seconds(t["datetime_start"]) for t in trials))


def summarise(trials, at=None):
    """One seed's rows; with `at`, over each run's first `at` trials only
    (a run cut short: the same count of started trials for every rule)."""
    if at is not None:
        trials = {rule: [t for t in runs if t["number"] < at] for rule, runs in trials.items()}
    top_speed = max(p[1] for rule in RULES for p in complete_points(trials[rule]))
    rows = {}
    for rule in RULES:
        states = [t["state"] for t in trials[rule]]
        rows[rule] = {
            "tuning_j": tuning_energy_j(trials[rule]),
            "wall_s": wall_s(trials[rule]),
            "pruned": states.count("PRUNED"),
            "started": len(states),
            "hypervolume": hypervolume(complete_points(trials[rule]), top_speed),
        }
    return rows


def run_seed(ecopt, demo, folder, seed, args):
    text = {rule: study_text(demo, folder / f"{rule}.db", seed, args.trials, args.epochs,
                             args.report_every, args.train_subset) for rule in RULES}
    processes = {rule: start(ecopt, folder, rule, text[rule]) for rule in RULES}
    for rule, process in processes.items():
        if process.wait() != 0:
            raise SystemExit(f"seed {seed}, {rule}: ecopt tune failed; see {folder / (rule + '.log')}")
    return summarise({rule: trials_of(ecopt, folder, rule) for rule in RULES})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecopt", required=True)
    parser.add_argument("--demo", default="studies/demo-fashion-mnist.toml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--report-every", type=int, default=10)
    parser.add_argument("--train-subset", type=int, default=2400)
    parser.add_argument("--keep", help="folder to keep the studies and logs in")
    parser.add_argument("--at", type=int,
                        help="with --keep, do not run: summarise the kept runs over their first AT trials")
    args = parser.parse_args()
    ecopt = str(pathlib.Path(args.ecopt).resolve())
    demo = pathlib.Path(args.demo).resolve()
    base = pathlib.Path(args.keep or tempfile.mkdtemp(prefix="ecopt-pruning-demo-"))
    results = {}
    for seed in args.seeds:
        folder = base / f"seed-{seed}"
        if args.at is not None:
            results[seed] = summarise({rule: trials_of(ecopt, folder, rule) for rule in RULES}, args.at)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            results[seed] = run_seed(ecopt, demo, folder, seed, args)
        print(json.dumps({"seed": seed, **results[seed]}), flush=True)
    print("\n| rule | started | pruned | tuning energy (J) | vs none | wall (s) | hypervolume | vs none |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for rule in RULES:
        mean = {key: sum(results[s][rule][key] for s in args.seeds) / len(args.seeds)
                for key in ("tuning_j", "wall_s", "pruned", "started", "hypervolume")}
        base_row = {key: sum(results[s]["none"][key] for s in args.seeds) / len(args.seeds)
                    for key in ("tuning_j", "hypervolume")}
        print(f"| {rule} | {mean['started']:.1f} | {mean['pruned']:.1f} | {mean['tuning_j']:.0f} | "
              f"{mean['tuning_j'] / base_row['tuning_j'] - 1:+.1%} | {mean['wall_s']:.0f} | "
              f"{mean['hypervolume']:.4f} | {mean['hypervolume'] - base_row['hypervolume']:+.4f} |")


if __name__ == "__main__":
    main()
