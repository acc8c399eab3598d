"""ecopt.optuna's pruner in Optuna multi-objective studies, whose own
trial.report refuses them: with Debian's Optuna 3.1 in this process and
with the Optuna 4.9 source in ../shared/vendor in a child process."""
import os
import pathlib
import subprocess
import sys

import optuna
import pytest

import ecopt.optuna

VENDORED = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "vendor" / "optuna-4.9.0"


def linear_curve(trial):
    """Accuracy rises linearly to x by step 10; every trial costs 1."""
    x = trial.suggest_float("x", 0.0, 1.0)
    ecopt.optuna.report(trial, 0, {"objective_1": 1.0})
    for step in range(1, 11):
        ecopt.optuna.report(trial, step, {"objective_0": x * step / 10}, last_step=10)
        if ecopt.optuna.should_prune(trial):
            raise optuna.TrialPruned()
    return x, 1.0


def run_scenario():
    """A multi-objective study pruned by front-reach: a pruned trial's x is
    below the best x completed before it, and it stopped before step 10."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=4),
                                pruner=ecopt.optuna.EcoptPruner())
    study.optimize(linear_curve, n_trials=12)
    best_x = -1.0
    pruned = 0
    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.PRUNED:
            pruned += 1
            assert trial.params["x"] < best_x
            assert trial.system_attrs["ecopt:pruned_reason"].startswith(
                "front-reach: cannot enter the Pareto front")
            assert "ecopt:intermediate:10" not in trial.system_attrs
        else:
            assert trial.state == optuna.trial.TrialState.COMPLETE
            best_x = max(best_x, trial.params["x"])
    assert pruned >= 1
    return pruned


def test_pruner_in_a_multi_objective_study_with_debians_optuna():
    assert optuna.__version__.startswith("3.1")
    run_scenario()


def test_pruner_in_a_multi_objective_study_with_optuna_4_9():
    if not VENDORED.is_dir():
        pytest.skip(f"no vendored Optuna 4.9 at {VENDORED}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(VENDORED), env.get("PYTHONPATH", "")])
    ran = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    version, pruned = ran.stdout.split()
    assert version == "4.9.0" and int(pruned) >= 1


def test_single_objective_studies_use_optunas_own_report():
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(1, 11):
            trial.report(x * step / 10, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.RandomSampler(seed=4),
                                pruner=ecopt.optuna.EcoptPruner(best_plausible=[1.0], last_step=10))
    study.optimize(objective, n_trials=12)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.PRUNED in states


if __name__ == "__main__":
    print(optuna.__version__, run_scenario())
