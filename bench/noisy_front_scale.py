"""Cost of the front by posterior means as a study grows.

Builds one SQLite study per size with noisy ZDT1 readings (4 parameters,
Gaussian noise of sd 0.05 on each objective, random sampler), then times
`ecopt best-trials --noisy` on it (the same function the report, the
dashboard, tune's summary and Python call): median wall time of 3 runs,
peak resident memory, and the sizes of both fronts.

Usage: PYTHONPATH=build/python /usr/bin/python3 bench/noisy_front_scale.py ECOPT_BINARY SIZE...
"""
import json
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time

import ecopt

SPACE = {f"x{i}": {"name": "FloatDistribution",
                   "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}
         for i in range(4)}


def zdt1(x):
    g = 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)
    return [x[0], g * (1.0 - math.sqrt(x[0] / g))]


def build(url, size, rng):
    study = ecopt.Study.create(url, "s", directions=["minimize", "minimize"])
    for _ in range(size):
        trial = study.ask(SPACE, sampler="random", seed=1)
        values = [v + rng.gauss(0.0, 0.05) for v in zdt1([trial.params[f"x{i}"] for i in range(4)])]
        study.tell(trial.number, values)
    return study


def timed_front(binary, url):
    argv = ["/usr/bin/time", "-f", "%M", binary, "best-trials", "--storage", url, "--study-name", "s",
            "--noisy", "--format", "json"]
    start = time.perf_counter()
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) / 1024.0, done.stdout


def main():
    binary, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
    rng = random.Random(0)
    print("| complete trials | median s | peak MB | front by posterior means | observed front |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            url = f"sqlite:///{folder}/s{size}.db"
            study = build(url, size, rng)
            runs = [timed_front(binary, url) for _ in range(3)]
            front = json.loads(runs[0][2])
            print(f"| {size:,} | {statistics.median(r[0] for r in runs):.2f} | "
                  f"{max(r[1] for r in runs):.0f} | {len(front)} | {len(study.best_trials)} |")


if __name__ == "__main__":
    main()
