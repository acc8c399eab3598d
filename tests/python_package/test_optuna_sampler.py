"""EcoptSampler through Optuna's own API: multi-objective, categorical
and conditional spaces, pruned and failed trials, threads and a shared
storage; with Debian's Optuna 3.1 in this process, and every scenario again
with the Optuna 4.9 source in ../shared/vendor in a child process."""
import math
import os
import pathlib
import subprocess
import sys

import optuna
import pytest

from ecopt.optuna import EcoptSampler

optuna.logging.set_verbosity(optuna.logging.WARNING)

VENDORED = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "vendor" / "optuna-4.9.0"


def test_the_optuna_on_the_path_is_the_one_expected():
    assert optuna.__version__ == os.environ.get("ECOPT_EXPECT_OPTUNA", optuna.__version__)


def test_every_scenario_with_optuna_4_9():
    """Optuna 4.0 moved IntersectionSearchSpace from optuna.samplers to
    optuna.search_space (issue 29: EcoptSampler failed at construction)."""
    if not VENDORED.is_dir():
        pytest.skip(f"no vendored Optuna 4.9 at {VENDORED}")
    env = dict(os.environ, ECOPT_EXPECT_OPTUNA="4.9.0")
    env["PYTHONPATH"] = os.pathsep.join([str(VENDORED), env.get("PYTHONPATH", "")])
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                          "-k", "not optuna_4_9"], env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert " passed" in ran.stdout and "skipped" not in ran.stdout


def zdt1(trial):
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3)]
    g = 1.0 + 9.0 * sum(x[1:]) / 2.0
    return x[0], g * (1.0 - math.sqrt(x[0] / g))


def test_multi_objective_study_runs_past_the_initial_design():
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=EcoptSampler(seed=0, initial_trials=4))
    study.optimize(zdt1, n_trials=10)
    assert len(study.trials) == 10
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert study.best_trials
    for t in study.trials:
        assert all(0.0 <= t.params[f"x{i}"] <= 1.0 for i in range(3))


def test_same_seed_same_suggestions():
    def params(seed):
        study = optuna.create_study(directions=["minimize", "minimize"],
                                    sampler=EcoptSampler(seed=seed, initial_trials=3))
        study.optimize(zdt1, n_trials=5)
        return [t.params for t in study.trials]
    assert params(7) == params(7)
    assert params(7) != params(8)


def test_categorical_and_conditional_parameters():
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["linear", "square"])
        steps = trial.suggest_int("steps", 1, 16, log=True)
        if kind == "linear":
            slope = trial.suggest_float("slope", -1.0, 1.0)
            return abs(slope) + steps
        return trial.suggest_float("power", 1.0, 3.0, step=0.5) + steps

    study = optuna.create_study(sampler=EcoptSampler(seed=0, initial_trials=4))
    study.optimize(objective, n_trials=12)
    assert len(study.trials) == 12
    for t in study.trials:
        assert t.params["kind"] in ("linear", "square")
        assert 1 <= t.params["steps"] <= 16
        if t.params["kind"] == "square":
            assert t.params["power"] in (1.0, 1.5, 2.0, 2.5, 3.0)
        else:
            assert -1.0 <= t.params["slope"] <= 1.0


def test_pruned_and_failed_trials_do_not_stop_the_study():
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        if trial.number % 4 == 1:
            raise optuna.TrialPruned()
        if trial.number % 4 == 2:
            raise ValueError("diverged")
        return (x - 0.3) ** 2

    study = optuna.create_study(sampler=EcoptSampler(seed=0, initial_trials=2),
                                pruner=optuna.pruners.MedianPruner())
    study.optimize(objective, n_trials=12, catch=(ValueError,))
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) == 3
    assert states.count(optuna.trial.TrialState.FAIL) == 3
    assert states.count(optuna.trial.TrialState.COMPLETE) == 6


def test_threads_on_a_shared_sqlite_storage(tmp_path):
    url = f"sqlite:///{tmp_path}/optuna.db"
    study = optuna.create_study(storage=url, study_name="shared",
                                directions=["minimize", "minimize"],
                                sampler=EcoptSampler(seed=0, initial_trials=4))
    study.optimize(zdt1, n_trials=10, n_jobs=2)
    # A second handle on the same storage (another worker) continues it.
    other = optuna.load_study(storage=url, study_name="shared",
                              sampler=EcoptSampler(seed=0, initial_trials=4))
    other.optimize(zdt1, n_trials=2)
    assert len(optuna.load_study(storage=url, study_name="shared").trials) == 12


def test_unknown_sampler_is_an_input_error():
    import ecopt
    study = optuna.create_study(sampler=EcoptSampler(sampler="annealing"))
    with pytest.raises(ecopt.InputError, match="annealing"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_thresholds_need_one_per_objective():
    import ecopt
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=EcoptSampler(thresholds=[1.1]))
    with pytest.raises(ecopt.InputError, match="1 thresholds for 2 objectives"):
        study.optimize(zdt1, n_trials=1)
    fine = optuna.create_study(directions=["minimize", "minimize"],
                               sampler=EcoptSampler(thresholds=[1.1, None], initial_trials=2))
    fine.optimize(zdt1, n_trials=4)
    assert len(fine.trials) == 4


def test_an_infinite_objective_value_does_not_stop_later_suggestions():
    # Optuna stores inf as a COMPLETE value; json.dumps would write Infinity.
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        return math.inf if trial.number == 1 else x

    study = optuna.create_study(sampler=EcoptSampler(seed=0, initial_trials=2))
    study.optimize(objective, n_trials=6)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 6
    assert study.trials[1].value == math.inf


def test_categorical_choices_may_be_none():
    def objective(trial):
        norm = trial.suggest_categorical("norm", [None, "batch", 0.5])
        return trial.suggest_float("x", 0.0, 1.0) + (0.0 if norm is None else 1.0)

    study = optuna.create_study(sampler=EcoptSampler(seed=0, initial_trials=3))
    study.optimize(objective, n_trials=8)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert {t.params["norm"] for t in study.trials} <= {None, "batch", 0.5}
