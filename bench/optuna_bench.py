#!/usr/bin/python3
"""Optuna's samplers on the problems of bench/optim_bench.cpp.

Run with Debian's /usr/bin/python3: Optuna 3.1 (python3-optuna), or Optuna
4.9 with PYTHONPATH=../shared/vendor/optuna-4.9.0 (its runs are labelled
library "optuna 4.9"; 3.1's keep "optuna"). Prints one JSON
object per run in the same shape as ecopt_bench_optimizers, so
bench/optim_table.py can put both in one table. Seconds per suggestion
time study.ask() with the search space, which is where Optuna samples.
Noise and pending trials follow ecopt_bench_optimizers: Gaussian noise of a
share of each objective's range over the true front, scored on the
noise-free values of the observed front; `pending` trials asked ahead and
told oldest first.
"""
import argparse
import json
import math
import random
import time
import warnings

import optuna
from optuna import _hypervolume

VERSION = ".".join(optuna.__version__.split(".")[:2])
LIBRARY = "optuna" if VERSION.startswith("3.") else f"optuna {VERSION}"


def hypervolume(points, reference):
    """Exact hypervolume with the calculator the running Optuna ships."""
    if hasattr(_hypervolume, "WFG"):  # 3.x
        return _hypervolume.WFG().compute(points, reference)
    return _hypervolume.compute_hypervolume(points, reference)


def zdt_g(x):
    return 1.0 + 9.0 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1.0 - math.sqrt(x[0] / g))]


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1.0 - (x[0] / g) ** 2)]


def zdt3(x):
    g = zdt_g(x)
    return [x[0], g * (1.0 - math.sqrt(x[0] / g) - x[0] / g * math.sin(10.0 * math.pi * x[0]))]


def dtlz2(x, objectives=3):
    g = sum((v - 0.5) ** 2 for v in x[objectives - 1:])
    values = []
    for i in range(objectives):
        f = 1.0 + g
        for v in x[: objectives - 1 - i]:
            f *= math.cos(v * math.pi / 2)
        if i > 0:
            f *= math.sin(x[objectives - 1 - i] * math.pi / 2)
        values.append(f)
    return values


def branin_currin(x):
    """Branin on x rescaled to [-5, 10] x [0, 15], Currin on x (as src/math/benchmark_problems.cpp)."""
    u, v = 15.0 * x[0] - 5.0, 15.0 * x[1]
    branin = ((v - 5.1 / (4.0 * math.pi ** 2) * u * u + 5.0 / math.pi * u - 6.0) ** 2
              + 10.0 * (1.0 - 1.0 / (8.0 * math.pi)) * math.cos(u) + 10.0)
    decay = 1.0 - math.exp(-1.0 / (2.0 * x[1])) if x[1] > 0.0 else 1.0
    a = x[0]
    currin = decay * (2300.0 * a ** 3 + 1900.0 * a ** 2 + 2092.0 * a + 60.0) / (100.0 * a ** 3 + 500.0 * a ** 2 + 4.0 * a + 20.0)
    return [branin, currin]


def mixed_best_accuracy(capacity):
    return 0.97 - 0.45 * math.exp(-capacity / 400.0)


def mixed_samples_per_j(layers, width):
    return 40000.0 / (1.0 + layers * width / 32.0 + layers / 2.0)


def mixed(params):
    """The mixed-parameter stand-in of optim_bench.cpp (namespace mixed), minimised:
    (-accuracy, -samples per joule)."""
    penalty = {"sgd": 0.04, "rmsprop": 0.015, "adam": 0.0}[params["optimizer"]]
    accuracy = (mixed_best_accuracy(params["layers"] * params["width"]) - 0.06 * (math.log10(params["lr"]) + 2.5) ** 2
                - penalty - 0.4 * (params["dropout"] - 0.2) ** 2)
    return [-min(max(accuracy, 0.0), 1.0), -mixed_samples_per_j(params["layers"], params["width"])]


MIXED_SPACE = {
    "lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True),
    "layers": optuna.distributions.IntDistribution(1, 8),
    "width": optuna.distributions.IntDistribution(16, 512, log=True),
    "optimizer": optuna.distributions.CategoricalDistribution(["sgd", "adam", "rmsprop"]),
    "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
}
MIXED_REFERENCE = [-0.6, -1000.0]


def mixed_front():
    """True hypervolume and each objective's range over the true front."""
    import numpy as np

    best = [[-mixed_best_accuracy(l * w), -mixed_samples_per_j(l, w)] for l in range(1, 9) for w in range(16, 513)]
    front = [p for p in best if not any(dominated(p, q) for q in best)]
    inside = np.asarray([p for p in front if p[0] < MIXED_REFERENCE[0] and p[1] < MIXED_REFERENCE[1]])
    ranges = [max(p[j] for p in front) - min(p[j] for p in front) for j in range(2)]
    return hypervolume(inside, np.asarray(MIXED_REFERENCE)), ranges


# (function, variables, objectives, true front hypervolume, each objective's
# range over the true front (the scale of the noise), reference point), as in
# src/math/benchmark_problems.cpp: reference 1.1 everywhere but for
# Branin-Currin; hypervolumes in closed form, ZDT3's and Branin-Currin's
# measured numerically there.
PROBLEMS = {
    "zdt1": (zdt1, 6, 2, 1.21 - 1.0 / 3.0, [1.0, 1.0], None),
    "zdt2": (zdt2, 6, 2, 1.21 - 2.0 / 3.0, [1.0, 1.0], None),
    "zdt3": (zdt3, 6, 2, 1.3317634, [0.8518, 1.7734], None),
    "dtlz2": (dtlz2, 6, 3, 1.331 - math.pi / 6.0, [1.0, 1.0, 1.0], None),
    "dtlz2_2obj": (lambda x: dtlz2(x, 2), 6, 2, 1.21 - math.pi / 4.0, [1.0, 1.0], None),
    "branin_currin": (branin_currin, 2, 2, 59.4064, [17.110412, 4.505736], [18.0, 6.0]),
}


def make_sampler(name, seed, reference):
    if name == "ecopt-mobo":  # ECOpt's sampler inside Optuna (PYTHONPATH=build/python)
        from ecopt.optuna import EcoptSampler

        return EcoptSampler(seed=seed, thresholds=reference)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=20, seed=seed)
    if name == "motpe":
        return optuna.samplers.TPESampler(n_startup_trials=10, multivariate=True, seed=seed)
    raise SystemExit(f"unknown sampler {name}; use random, nsga2, motpe or ecopt-mobo")


def hv_ratio(values, objectives, true_hv, reference=None):
    import numpy as np

    reference = np.asarray(reference if reference else [1.1] * objectives, dtype=float)
    inside = [v for v in values if all(a < r for a, r in zip(v, reference))]
    if not inside:
        return 0.0
    return hypervolume(np.asarray(inside, dtype=float), reference) / true_hv


def dominated(a, b):
    """b dominates a."""
    return all(y <= x for x, y in zip(a, b)) and any(y < x for x, y in zip(a, b))


def reported_ratio(observed, noise_free, objectives, true_hv, reference=None):
    """HV of the noise-free values of the observed Pareto front."""
    front = [t for o, t in zip(observed, noise_free) if not any(dominated(o, other) for other in observed)]
    return hv_ratio(front, objectives, true_hv, reference)


def run(sampler_name, problem_name, seed, evaluations, noise, pending):
    reference = None
    if problem_name == "mixed":
        # Minimised values in Optuna too; accuracy and samples/J are maximised in ECOpt's run.
        true_hv, front_range = mixed_front()
        evaluate, objectives, space, reference = mixed, 2, MIXED_SPACE, MIXED_REFERENCE
    else:
        base, _, variables_given = problem_name.partition(":")  # "zdt2:3": on 3 variables
        evaluate, variables, objectives, true_hv, front_range, reference = PROBLEMS[base]
        variables = int(variables_given or variables)
        space = {f"x{i}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(variables)}
    sampler = make_sampler(sampler_name, seed, reference or [1.1] * objectives)
    study = optuna.create_study(directions=["minimize"] * objectives, sampler=sampler)
    noise_source = random.Random(1000 + seed)
    observed, noise_free, seconds, running = [], [], [], []
    while len(observed) < evaluations:
        begin = time.perf_counter()
        running.append(study.ask(space))
        seconds.append(time.perf_counter() - begin)
        if len(running) <= pending:
            continue
        trial = running.pop(0)
        truth = evaluate(trial.params if problem_name == "mixed" else [trial.params[f"x{i}"] for i in range(len(space))])
        v = [t + noise * r * noise_source.gauss(0.0, 1.0) for t, r in zip(truth, front_range)]
        study.tell(trial, v)
        observed.append(v)
        noise_free.append(truth)
    budgets = [at for at in (25, 50, 75, 100, 150, 200, 300, 400) if at <= evaluations]
    hv = {str(at): reported_ratio(observed[:at], noise_free[:at], objectives, true_hv, reference) for at in budgets}
    # Every evaluated trial, noise-free: the qNEHVI literature's score for noisy problems.
    hv_all = {str(at): hv_ratio(noise_free[:at], objectives, true_hv, reference) for at in budgets} if noise else {}
    return {"library": LIBRARY, "sampler": sampler_name, "problem": problem_name,
            "thresholds": "given" if sampler_name == "ecopt-mobo" else "none",
            "rule": "default", "noise": noise, "pending": pending, "seed": seed,
            "hv_ratio": hv, "hv_ratio_all_evaluated": hv_all, "seconds_per_suggestion": sum(seconds) / len(seconds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samplers", default="random,nsga2,motpe")
    parser.add_argument("--problems", default="zdt1,zdt2,zdt3,dtlz2")
    parser.add_argument("--noise", default="0", help="comma-separated shares of each objective's front range")
    parser.add_argument("--pending", default="0", help="comma-separated counts of trials pending at every ask")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--evaluations", type=int, default=100)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    for problem in args.problems.split(","):
        for sampler in args.samplers.split(","):
            for noise in (float(v) for v in args.noise.split(",")):
                for pending in (int(v) for v in args.pending.split(",")):
                    for seed in range(args.first_seed, args.first_seed + args.seeds):
                        print(json.dumps(run(sampler, problem, seed, args.evaluations, noise, pending)), flush=True)


if __name__ == "__main__":
    main()
