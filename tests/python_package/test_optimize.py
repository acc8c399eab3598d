"""ecopt.optimize: an objective tuned in process, its phases measured and
stored as command trials' phases are, read back through the real CLI."""
import ctypes
import json
import os
import subprocess
import time

import pytest

import ecopt

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0},
         "act": {"type": "categorical", "choices": ["relu", "gelu"]},
         "width": {"type": "int", "low": 2, "high": 64, "log": True}}


def settings(storage, name="opt", **study):
    return {"study": {"name": name, "storage": storage, "n_trials": 3, "seed": 1, **study},
            "objectives": [{"name": "accuracy", "direction": "maximize"},
                           {"name": "inference_samples_per_j", "direction": "maximize"}],
            "space": SPACE}


def busy(cpu_s):
    """Work long enough for the CPU-time estimate's 10 ms ticks to resolve."""
    start = time.process_time()
    while time.process_time() - start < cpu_s:
        sum(i * i for i in range(1000))


def objective(trial):
    x = trial.suggest_float("x", 0.0, 1.0)
    trial.suggest_categorical("act", ["relu", "gelu"])
    trial.suggest_int("width", 2, 64, log=True)
    with trial.phase("inference", samples=100) as inference:
        busy(0.15)
    assert inference.energy_j is not None and inference.samples_per_j > 0
    return 1.0 - x  # accuracy; the energy objective comes from the phase


def test_phases_are_measured_and_stored_as_for_command_trials(storage, cli):
    study = ecopt.optimize(objective, settings(storage))
    assert [t.state for t in study.trials] == ["COMPLETE"] * 3

    trials = json.loads(cli("trials", "--storage", storage, "--study-name", "opt"))
    assert len(trials) == 3
    for trial in trials:
        attrs = trial["user_attrs"]
        records = attrs["energy"]
        assert set(records) == {"inference", "trial", "tuner"}
        inference = records["inference"]
        # ctest hides this machine's sensors: the CPU-time estimate, saying so.
        assert inference["estimate"] is True and inference["sources"] == ["estimate-cpu-time"]
        assert inference["unit"] == "sample" and inference["units_per_window"] == 100
        assert inference["j_per_unit"] == pytest.approx(attrs["inference_j"] / 100)
        assert attrs["inference_samples"] == 100
        assert trial["values"] == [pytest.approx(1.0 - trial["params"]["x"]),
                                   pytest.approx(attrs["inference_samples_per_j"])]
        assert records["trial"]["duration_s"] >= inference["duration_s"]
        # The phase nests in the trial's window on one thread: neither is shared.
        assert inference["shared"] is False and records["trial"]["shared"] is False
    best = json.loads(cli("best-trials", "--storage", storage, "--study-name", "opt"))
    assert {t["number"] for t in best} <= {t["number"] for t in trials} and best


@pytest.fixture
def fake_nvml():
    path = os.environ["ECOPT_FAKE_NVML"]
    library = ctypes.CDLL(path)  # the monitor's dlopen of the same path shares this state
    library.fake_nvml_reset()
    library.fake_nvml_add_device.restype = ctypes.c_int
    library.fake_nvml_set_energy_mj.argtypes = [ctypes.c_int, ctypes.c_ulonglong]
    index = library.fake_nvml_add_device(1, b"GPU-fake-0", b"Fake H100", 0, 0)
    counter = [1_000_000]
    library.fake_nvml_set_energy_mj(index, counter[0])

    def spend_mj(millijoules):
        counter[0] += millijoules
        library.fake_nvml_set_energy_mj(index, counter[0])
    return path, spend_mj


def test_a_given_monitor_measures_the_exact_joules_per_sample(storage, fake_nvml):
    path, spend_mj = fake_nvml
    monitor = ecopt.EnergyMonitor(devices=["cuda"], nvml_library=path)

    def on_gpu(trial):
        with trial.phase("inference", samples=50) as inference:
            spend_mj(12_500)
        assert inference.energy_j == pytest.approx(12.5)
        assert inference.source == "nvml-energy-counter" and inference.is_estimate is False
        return {"accuracy": trial.params["x"]}

    study = ecopt.optimize(on_gpu, settings(storage), n_trials=2, monitor=monitor)
    for trial in study.trials:
        record = trial.user_attrs["energy"]["inference"]
        assert record["sources"] == ["nvml-energy-counter"] and record["gross_j"] == pytest.approx(12.5)
        assert record["j_per_unit"] == pytest.approx(0.25)
        assert trial.values[1] == pytest.approx(4.0)  # samples per joule


def test_a_study_file_runs_and_resumes(storage, tmp_path):
    study_file = tmp_path / "study.toml"
    study_file.write_text(f"""
[study]
name = "file"
storage = "{storage}"
n_trials = 2

[[objectives]]
name = "loss"
direction = "minimize"

[task]
kind = "python"

[space.x]
type = "float"
low = -1.0
high = 1.0
""")
    ecopt.optimize(lambda trial: trial.suggest_float("x", -1.0, 1.0) ** 2, study_file)
    study = ecopt.optimize(lambda trial: trial.params["x"] ** 2, study_file, n_trials=4)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert all(t.values == [pytest.approx(t.params["x"] ** 2)] for t in study.trials)


def test_a_failing_objective_fails_its_trial_with_the_reason(storage):
    def flaky(trial):
        if trial.number == 1:
            raise ValueError("diverged")
        with trial.phase("inference", samples=1):
            busy(0.15)
        return trial.params["x"]

    study = ecopt.optimize(flaky, settings(storage))
    states = [t.state for t in study.trials]
    # n_trials counts COMPLETE and PRUNED trials: the failure makes room for one more.
    assert states == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    reason = study.trials[1].fail_reason
    assert reason.startswith("ValueError: diverged (test_optimize.py:") and "in flaky" in reason


def test_wrong_suggestions_and_returns_are_one_line_reasons(storage):
    def undeclared(trial):
        trial.suggest_float("lr", 1e-4, 1e-1, log=True)

    def other_bounds(trial):
        trial.suggest_float("x", 0.0, 2.0)

    def two_values(trial):
        with trial.phase("inference", samples=1):
            busy(0.15)
        return 0.5, 0.7

    for name, wrong, expected in [
            ("a", undeclared, "parameter 'lr' is not in the study's search space"),
            ("b", other_bounds, "the objective suggests 'x' as"),
            ("c", two_values, "returned 2 value(s) for the objectives its phases did not "
                              "measure (accuracy)")]:
        with pytest.raises(ecopt.Error, match="3 trials in a row failed with") as error:
            ecopt.optimize(wrong, settings(storage, name=name))
        assert expected in str(error.value) and "\n" not in str(error.value)
        reasons = {t.fail_reason for t in ecopt.Study.load(storage, name).trials}
        assert len(reasons) == 1 and expected in reasons.pop()


def test_other_task_kinds_and_missing_spaces_are_refused(storage):
    command = settings(storage)
    command["task"] = {"kind": "command", "argv": ["true"]}
    with pytest.raises(ecopt.InputError, match='kind = "command" runs with \'ecopt tune\''):
        ecopt.optimize(objective, command)
    no_space = settings(storage)
    del no_space["space"]
    with pytest.raises(ecopt.InputError, match="needs a search space"):
        ecopt.optimize(objective, no_space)


def test_ecopt_tune_explains_where_python_tasks_run(storage, tmp_path):
    study_file = tmp_path / "study.toml"
    study_file.write_text('[study]\nname = "p"\n[[objectives]]\nname = "loss"\n'
                          '[task]\nkind = "python"\n[space.x]\ntype = "float"\nlow = 0.0\n'
                          'high = 1.0\n')
    result = subprocess.run([os.environ["ECOPT_CLI"], "tune", str(study_file), "--storage",
                             storage], capture_output=True, text=True)
    assert result.returncode != 0
    assert "run in process by ecopt.optimize" in result.stderr


def test_ctrl_c_in_the_objective_fails_its_trial_and_stops_the_study(storage):
    def interrupted(trial):
        if trial.number == 1:
            raise KeyboardInterrupt
        with trial.phase("inference", samples=1):
            busy(0.15)
        return trial.params["x"]

    with pytest.raises(KeyboardInterrupt, match="interrupted: trial 1 marked FAILED"):
        ecopt.optimize(interrupted, settings(storage))
    trials = ecopt.Study.load(storage, "opt").trials
    assert [(t.state, t.fail_reason) for t in trials] == [
        ("COMPLETE", None), ("FAIL", "interrupted by user")]


def test_a_warm_start_informs_the_models_without_adding_trials(storage, cli):
    """[study] warm_start_from in the settings: the related study's COMPLETE
    trials inform mobo's models and are not trials of the new study; its
    start of 4 is halved, a point of the related Pareto set first, then the
    Sobol design's first point."""
    def quadratic(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        return [(x - 0.3) ** 2, (x - 0.7) ** 2]

    def two(name, n_trials, **study):
        return {"study": {"name": name, "storage": storage, "n_trials": n_trials, "seed": 2, **study},
                "objectives": [{"name": "a", "direction": "minimize"}, {"name": "b", "direction": "minimize"}],
                "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}}}

    ecopt.optimize(quadratic, two("related", 8))
    cold = ecopt.optimize(quadratic, two("cold", 3))
    warm = ecopt.optimize(quadratic, two("warm", 3, warm_start_from="related"))
    assert len(warm.trials) == 3
    related = json.loads(cli("trials", "--storage", storage, "--study-name", "related"))
    assert len(related) == 8
    pareto_set = [t["params"] for t in related
                  if not any(o["values"] != t["values"] and all(a <= b for a, b in zip(o["values"], t["values"]))
                             for o in related)]
    assert warm.trials[0].params in pareto_set
    assert warm.trials[1].params == cold.trials[0].params
    assert warm.trials[2].params != cold.trials[2].params
