"""`ecopt ask` against Optuna 3.1's `optuna ask`, end to end, in one run.

Both CLIs ask on a two-objective study of their own SQLite file holding 100
complete trials (ZDT1 on four parameters). Every timed ask is followed by an
untimed `tell --state fail`, so each ask sees the same 100 observations.
Asks alternate between the two programs; prints a Markdown table with the
medians of wall time and of CPU time (user + system of the child, which a
machine shared with other work inflates less) and their ratios, then
`ecopt --help` time and peak resident memory, and `import ecopt` time when
the Python package's folder is given.

Usage: /usr/bin/python3 bench/ask_latency.py ECOPT_BINARY [RUNS [PYTHONPATH]]
"""
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import optuna

OBSERVATIONS = 100
PARAMS = ["x0", "x1", "x2", "x3"]
SPACE = {name: {"name": "FloatDistribution",
                "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}
         for name in PARAMS}


def zdt1(x):
    g = 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)
    return [x[0], g * (1.0 - math.sqrt(x[0] / g))]


def run(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, env=None):
    """Wall and CPU seconds of one run of argv, and its stdout."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
    return time.perf_counter() - start, children_cpu_s() - cpu, out


def fill_ecopt(ecopt, url):
    run([ecopt, "create-study", "--storage", url, "--study-name", "s",
         "--directions", "minimize,minimize"])
    for _ in range(OBSERVATIONS):
        trial = json.loads(run([ecopt, "ask", "--storage", url, "--study-name", "s",
                                "--search-space", json.dumps(SPACE), "--sampler", "random"]))
        values = zdt1([trial["params"][p] for p in PARAMS])
        run([ecopt, "tell", "--storage", url, "--study-name", "s",
             "--trial-number", str(trial["number"]), "--values", ",".join(map(repr, values))])


def fill_optuna(url):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=url, study_name="s", directions=["minimize"] * 2,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(OBSERVATIONS):
        trial = study.ask({p: optuna.distributions.FloatDistribution(0.0, 1.0) for p in PARAMS})
        study.tell(trial, zdt1([trial.params[p] for p in PARAMS]))


def peak_rss_mb(argv):
    result = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True,
                            check=True)
    line = next(l for l in result.stderr.splitlines() if "Maximum resident set size" in l)
    return int(line.split(":")[1]) / 1024.0


def main():
    ecopt = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    python_path = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory() as folder:
        ecopt_url = f"sqlite:///{folder}/ecopt.db"
        optuna_url = f"sqlite:///{folder}/optuna.db"
        fill_ecopt(ecopt, ecopt_url)
        fill_optuna(optuna_url)
        space = json.dumps(SPACE)
        asks = {"ecopt": [], "optuna": []}
        for _ in range(runs):
            wall, cpu, out = timed([ecopt, "ask", "--storage", ecopt_url, "--study-name", "s",
                                    "--search-space", space])
            asks["ecopt"].append((wall, cpu))
            run([ecopt, "tell", "--storage", ecopt_url, "--study-name", "s",
                 "--trial-number", str(json.loads(out)["number"]), "--state", "fail"])
            wall, cpu, out = timed(["/usr/bin/optuna", "ask", "--storage", optuna_url,
                                    "--study-name", "s", "--search-space", space, "-f", "json"])
            asks["optuna"].append((wall, cpu))
            run(["/usr/bin/optuna", "tell", "--storage", optuna_url, "--study-name", "s",
                 "--trial-number", str(json.loads(out)["number"]), "--state", "fail"])
    medians = {name: (statistics.median(w for w, _ in runs_),
                      statistics.median(c for _, c in runs_)) for name, runs_ in asks.items()}
    print("| program | median wall s | min wall s | max wall s | median CPU s | runs |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, label in (("ecopt", "`ecopt ask` (mobo)"),
                        ("optuna", "`optuna ask` (its default, NSGA-II)")):
        walls = [w for w, _ in asks[name]]
        print(f"| {label} | {medians[name][0]:.4f} | {min(walls):.4f} | {max(walls):.4f} | "
              f"{medians[name][1]:.4f} | {runs} |")
    print(f"\noptuna / ecopt: wall **{medians['optuna'][0] / medians['ecopt'][0]:.1f}x**, "
          f"CPU **{medians['optuna'][1] / medians['ecopt'][1]:.1f}x**\n")
    help_runs = [timed([ecopt, "--help"])[:2] for _ in range(runs)]
    print(f"`ecopt --help`: median wall {statistics.median(w for w, _ in help_runs):.4f} s, "
          f"CPU {statistics.median(c for _, c in help_runs):.4f} s, peak resident "
          f"{peak_rss_mb([ecopt, '--help']):.1f} MB")
    if python_path:
        env = {**os.environ, "PYTHONPATH": python_path}
        bare = [timed([sys.executable, "-c", "pass"], env)[:2] for _ in range(runs)]
        imported = [timed([sys.executable, "-c", "import ecopt"], env)[:2] for _ in range(runs)]
        print(f"\n`import ecopt` (process with the import minus a bare `python3 -c pass`, "
              f"medians): wall {statistics.median(w for w, _ in imported) - statistics.median(w for w, _ in bare):.4f} s, "
              f"CPU {statistics.median(c for _, c in imported) - statistics.median(c for _, c in bare):.4f} s")


if __name__ == "__main__":
    main()
