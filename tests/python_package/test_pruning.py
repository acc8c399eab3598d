"""Pruning from Python (docs/pruning.md): trial.report / should_prune in
ecopt.optimize, and Study.report for ask and tell, decided by the same C++
rules as ``ecopt tune`` and read back through the real CLI."""
import json

import pytest

import ecopt


def curve_settings(storage, rule):
    return {"study": {"name": "curves", "storage": storage, "n_trials": 8, "seed": 4,
                      "sampler": "random"},
            "objectives": [{"name": "accuracy", "direction": "maximize"},
                           {"name": "cost", "direction": "minimize"}],
            "pruning": {"rule": rule},
            "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}}}


def linear_curve(trial):
    """Accuracy rises linearly to x by step 10; every trial costs 1."""
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.report(0, {"cost": 1.0})
    for step in range(1, 11):
        trial.report(step, {"accuracy": x * step / 10}, last_step=10)
        if trial.should_prune():
            raise ecopt.TrialPruned()
    return {"accuracy": x, "cost": 1.0}


def test_front_reach_prunes_trials_of_optimize_that_cannot_reach_the_front(storage, cli):
    study = ecopt.optimize(linear_curve, curve_settings(storage, "front-reach"))
    states = [t.state for t in study.trials]
    assert "PRUNED" in states and "COMPLETE" in states
    best_x = -1.0
    for trial in json.loads(cli("trials", "--storage", storage, "--study-name", "curves")):
        if trial["state"] == "PRUNED":
            assert trial["params"]["x"] < best_x
            assert trial["fail_reason"].startswith("front-reach: cannot enter the Pareto front")
            assert "10" not in trial["intermediate"]
            assert trial["values"][1] == 1.0  # its last reported values
            assert "trial" in trial["user_attrs"]["energy"]  # the energy it spent
        else:
            best_x = max(best_x, trial["params"]["x"])
    assert any(t.intermediate for t in study.trials)


def test_without_pruning_every_trial_runs_its_curve(storage):
    study = ecopt.optimize(linear_curve, curve_settings(storage, "none"))
    assert [t.state for t in study.trials] == ["COMPLETE"] * 8
    assert all(len(t.intermediate) == 11 for t in study.trials)


def test_study_report_answers_ask_and_tell(storage):
    study = ecopt.Study.create(storage, "s", ["maximize", "minimize"], ["accuracy", "cost"])
    space = {"x": {"name": "FloatDistribution",
                   "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}}
    first = study.ask(space, sampler="random")
    study.tell(first.number, [0.9, 1.0])
    second = study.ask(space, sampler="random")
    assert study.report(second.number, 0, {"cost": 1.0}) is None
    assert study.report(second.number, 1, {"accuracy": 0.1}, last_step=4) is None
    reason = study.report(second.number, 2, {"accuracy": 0.2}, last_step=4)
    assert reason.startswith("front-reach: cannot enter the Pareto front at step 2")
    assert study.report(second.number, 2, {"accuracy": 0.2}, last_step=4, pruner="none") is None
    with pytest.raises(ecopt.InputError, match="finite number"):
        study.report(second.number, 3, {"accuracy": "high"})
    study.tell(second.number, state="pruned", fail_reason=reason)
    stored = study.trials[second.number]
    assert stored.state == "PRUNED"
    assert stored.intermediate[2] == {"accuracy": 0.2}
