#!/usr/bin/python3
"""ECOpt's parameter importance (`ecopt importance`: |Spearman rho| or eta,
and the variance share epsilon squared) beside Optuna 4.9's PED-ANOVA on the
same trials, on a program whose true effects are known
(docs/benchmarks/importance.md).

The program (a command trial, through the real CLI, random sampler) stands
in for tuning a model: `lr` has an optimum in the middle of its log range
(quality rises then falls), `width` buys quality and costs energy, the
`optimizer` moves quality, `dropout` a little, and `unused` nothing. Seeded
noise of 0.005 on quality and 3 % on cost. The variance each parameter
explains alone (under the random sampler's uniform draws) sets the true
order: on quality lr 2.9e-3, width 8.3e-4, optimizer 1.6e-4, dropout
6.4e-5, unused 0 (noise 2.5e-5); on cost width alone.

    PYTHONPATH=../shared/vendor/optuna-4.9.0 /usr/bin/python3 bench/importance_vs_optuna.py \\
        --ecopt build/src/cli/ecopt
"""
import argparse
import json
import math
import pathlib
import subprocess
import sys
import tempfile

PROGRAM = r'''
import json, math, os, random
p = {k[len("ECOPT_PARAM_"):].lower(): v for k, v in os.environ.items() if k.startswith("ECOPT_PARAM_")}
rng = random.Random(int(os.environ["ECOPT_TRIAL_NUMBER"]) * 7919 + SEED)
lr, width, dropout = float(p["lr"]), float(p["width"]), float(p["dropout"])
quality = (0.9 - 0.08 * (math.log10(lr) + 2.5) ** 2 + 0.02 * math.log2(width / 16)
           + {"sgd": -0.03, "adam": 0.0, "rmsprop": -0.01}[p["optimizer"]]
           - 0.1 * abs(dropout - 0.2) + rng.gauss(0, 0.005))
cost = width * (1 + rng.gauss(0, 0.03))
print("ECOPT " + json.dumps({"quality": quality, "cost": cost}))
'''

STUDY = """[study]
name = "importance"
storage = "sqlite:///{db}"
sampler = "random"
seed = {seed}
n_trials = {trials}

[[objectives]]
name = "quality"
direction = "maximize"

[[objectives]]
name = "cost"
direction = "minimize"

[task]
kind = "command"
argv = ["/usr/bin/python3", "{program}"]

[space.lr]
type = "float"
low = 1e-4
high = 0.1
log = true

[space.width]
type = "int"
low = 16
high = 512
log = true

[space.optimizer]
type = "categorical"
choices = ["sgd", "adam", "rmsprop"]

[space.dropout]
type = "float"
low = 0.0
high = 0.5

[space.unused]
type = "float"
low = 0.0
high = 1.0
"""

# The true order of effects per objective, strongest tier first; the
# parameters of one tier (no effect) have no order among them.
TRUTH = {"quality": [["lr"], ["width"], ["optimizer"], ["dropout"], ["unused"]],
         "cost": [["width"], ["lr", "optimizer", "dropout", "unused"]]}


def ecopt_study(ecopt, folder, seed, trials):
    program = folder / "program.py"
    program.write_text(PROGRAM.replace("SEED", str(seed)))
    study = folder / "study.toml"
    study.write_text(STUDY.format(db=folder / "study.db", seed=seed, trials=trials, program=program))
    subprocess.run([ecopt, "tune", str(study)], check=True, capture_output=True, cwd=folder)
    flags = ["--storage", f"sqlite:///{folder / 'study.db'}", "--study-name", "importance", "--format", "json"]
    ranking = json.loads(subprocess.run([ecopt, "importance", *flags], check=True, capture_output=True,
                                        text=True).stdout)
    listed = json.loads(subprocess.run([ecopt, "trials", *flags], check=True, capture_output=True,
                                       text=True).stdout)
    return ranking, [t for t in listed if t["state"] == "COMPLETE"]


def ped_anova(trials):
    """Optuna 4.9's PED-ANOVA per objective on the same trials."""
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {"lr": FloatDistribution(1e-4, 0.1, log=True), "width": IntDistribution(16, 512, log=True),
                     "optimizer": CategoricalDistribution(["sgd", "adam", "rmsprop"]),
                     "dropout": FloatDistribution(0.0, 0.5), "unused": FloatDistribution(0.0, 1.0)}
    study = optuna.create_study(directions=["maximize", "minimize"])
    for trial in trials:
        study.add_trial(optuna.trial.create_trial(params=trial["params"], distributions=distributions,
                                                  values=trial["values"]))
    evaluator = optuna.importance.PedAnovaImportanceEvaluator()
    # PED-ANOVA takes a lower-is-better target: quality is negated.
    return {"quality": optuna.importance.get_param_importances(study, evaluator=evaluator,
                                                               target=lambda t: -t.values[0]),
            "cost": optuna.importance.get_param_importances(study, evaluator=evaluator,
                                                            target=lambda t: t.values[1])}, optuna.__version__


def kendall_tau(scores, tiers):
    """Agreement of the scores' order with the true order, over the pairs
    the truth orders (from different tiers): +1 the same, -1 reversed; a
    tie (0 and 0) counts neither way."""
    def score(name):
        value = scores[name]
        return -1.0 if value is None or math.isnan(value) else value
    pairs = [(a, b) for i, tier in enumerate(tiers) for a in tier for lower in tiers[i + 1:] for b in lower]
    return sum((score(a) > score(b)) - (score(a) < score(b)) for a, b in pairs) / len(pairs)


def ordered(scores):
    return sorted(scores, key=lambda name: -(scores[name] if scores[name] is not None and
                                             not math.isnan(scores[name]) else -1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ecopt", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--trials", type=int, nargs="+", default=[30, 100])
    args = parser.parse_args()
    ecopt = str(pathlib.Path(args.ecopt).resolve())
    rows = []
    for trials in args.trials:
        for seed in args.seeds:
            folder = pathlib.Path(tempfile.mkdtemp(prefix="ecopt-importance-"))
            ranking, complete = ecopt_study(ecopt, folder, seed, trials)
            ped, version = ped_anova(complete)
            for objective in ranking["objectives"]:
                name = objective["name"]
                score = {p["param"]: p["score"] for p in objective["parameters"]}
                share = {p["param"]: p["variance_share"] for p in objective["parameters"]}
                row = {"trials": trials, "seed": seed, "objective": name, "optuna": version,
                       "score": score, "variance_share": share, "ped_anova": ped[name],
                       "tau_score": kendall_tau(score, TRUTH[name]),
                       "tau_variance_share": kendall_tau(share, TRUTH[name]),
                       "tau_ped_anova": kendall_tau(ped[name], TRUTH[name])}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print("\n| trials | objective | top: rho/eta | top: variance share | top: PED-ANOVA | "
          "Kendall tau with the truth, median: rho/eta / variance share / PED-ANOVA |", file=sys.stderr)
    print("| --- | --- | --- | --- | --- | --- |", file=sys.stderr)
    for trials in args.trials:
        for name in TRUTH:
            group = [r for r in rows if r["trials"] == trials and r["objective"] == name]
            median = lambda key: sorted(r[key] for r in group)[len(group) // 2]
            top = lambda key: ", ".join(sorted({ordered(r[key])[0] for r in group}))
            print(f"| {trials} | {name} | {top('score')} | {top('variance_share')} | {top('ped_anova')} | "
                  f"{median('tau_score'):+.2f} / {median('tau_variance_share'):+.2f} / "
                  f"{median('tau_ped_anova'):+.2f} |", file=sys.stderr)


if __name__ == "__main__":
    main()
