#!/usr/bin/python3
"""Optuna 3.1's own loop on the problem bench/scaling.sh tunes with ECOpt.

ZDT1 with 6 variables, RandomSampler, Optuna's SQLite RDB storage,
study.optimize(). Run with Debian's /usr/bin/python3 (python3-optuna).
Trial start times stay in the database; bench/scaling_table.py reads them.
"""
import argparse
import logging
import math
import time

import optuna

VARIABLES = 6


def zdt1(trial):
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(VARIABLES)]
    g = 1.0 + 9.0 * sum(x[1:]) / (VARIABLES - 1)
    return x[0], g * (1.0 - math.sqrt(x[0] / g))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, required=True)
    parser.add_argument("--storage", required=True, help="sqlite:////abs/path.db")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    optuna.logging.set_verbosity(logging.WARNING)
    start = time.perf_counter()
    study = optuna.create_study(
        study_name="zdt1-random",
        storage=args.storage,
        directions=["minimize", "minimize"],
        sampler=optuna.samplers.RandomSampler(seed=args.seed),
    )
    study.optimize(zdt1, n_trials=args.trials)
    print(f"optuna {args.trials} trials in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
