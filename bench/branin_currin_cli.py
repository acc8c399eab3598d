#!/usr/bin/python3
"""Branin-Currin through the ask/tell CLI, as issue 28's hidden problems are measured: the default
sampler (mobo) with --seed, Gaussian noise of a share of each objective's front range (as
ecopt_bench_optimizers adds it, drawn here from Python's random), scored on the noise-free values of
the observed front (bench/optuna_bench.py's reported_ratio). Prints the HV ratio at 25 and 50.
Usage (Debian's /usr/bin/python3): branin_currin_cli.py ECOPT_BINARY SEED NOISE EVALUATIONS WORK_DIR"""
import json
import os
import random
import subprocess
import sys

import optuna_bench as bench

def main(ecopt, seed, noise, evaluations, work_dir):
    evaluate, _, objectives, true_hv, front_range, reference = bench.PROBLEMS["branin_currin"]
    db = os.path.join(work_dir, f"branin_currin_{seed}_{noise}.db")
    if os.path.exists(db):
        os.remove(db)
    storage = ["--storage", f"sqlite:///{db}", "--study-name", "bc"]
    unit = {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}
    space = json.dumps({"x0": unit, "x1": unit})
    noise_source = random.Random(1000 + seed)
    observed, noise_free = [], []
    for _ in range(evaluations):
        asked = subprocess.run([ecopt, "ask", *storage, "--directions", "minimize,minimize", "--search-space", space,
                                "--seed", str(seed)], capture_output=True, text=True, check=True).stdout
        trial = json.loads(asked.strip().splitlines()[-1])
        truth = evaluate([trial["params"]["x0"], trial["params"]["x1"]])
        values = [t + noise * r * noise_source.gauss(0.0, 1.0) for t, r in zip(truth, front_range)]
        subprocess.run([ecopt, "tell", *storage, "--trial-number", str(trial["number"]),
                        "--values", ",".join(repr(v) for v in values)], capture_output=True, text=True, check=True)
        observed.append(values)
        noise_free.append(truth)
        if len(observed) in (25, 50):
            ratio = bench.reported_ratio(observed, noise_free, objectives, true_hv, reference)
            # A "comparison" label keeps these lines out of optim_table.py's tables.
            print(json.dumps({"comparison": "ask/tell CLI", "problem": "branin_currin", "seed": seed,
                              "noise": noise, "at": len(observed), "hv_ratio": ratio}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
