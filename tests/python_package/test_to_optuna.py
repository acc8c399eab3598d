"""An ECOpt study opened by Optuna 3.1 after `python3 -m ecopt.to_optuna`."""
import os
import subprocess
import sys

import optuna

import ecopt

ZDT1_STUDY = os.path.join(os.path.dirname(__file__), "..", "..", "studies", "zdt1-quick.toml")
SPACE = {"x": {"name": "FloatDistribution",
               "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}},
         "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "gelu"]}}}


def to_optuna(*args):
    return subprocess.run([sys.executable, "-m", "ecopt.to_optuna", *args],
                          capture_output=True, text=True)


def test_every_state_parameter_and_attribute_survives(storage, tmp_path):
    study = ecopt.Study.create(storage=storage, name="s", directions=["maximize", "minimize"],
                               objective_names=["accuracy", "energy_j"])
    asked = [study.ask(SPACE, sampler="random") for _ in range(4)]
    study.tell(asked[0].number, [0.9, 2.0], user_attrs={"energy_source": "estimate-cpu-time"})
    study.tell(asked[1].number, [0.8, 1.0])
    study.tell(asked[2].number, state="fail", fail_reason="diverged")
    out = f"sqlite:///{tmp_path}/optuna.db"
    result = to_optuna("--storage", storage, "--study-name", "s", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"4 trials of s written to {out}"

    loaded = optuna.load_study(storage=out, study_name="s")
    assert [d.name for d in loaded.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert loaded.user_attrs["objective_names"] == ["accuracy", "energy_j"]
    trials = loaded.trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "FAIL", "RUNNING"]
    assert [t.params for t in trials] == [a.params for a in asked]
    assert isinstance(trials[0].distributions["act"], optuna.distributions.CategoricalDistribution)
    assert trials[0].values == [0.9, 2.0]
    assert trials[0].user_attrs["energy_source"] == "estimate-cpu-time"
    assert trials[2].system_attrs["fail_reason"] == "diverged"
    assert trials[0].datetime_complete >= trials[0].datetime_start
    assert sorted(t.number for t in loaded.best_trials) == [0, 1]


def test_a_tuned_study_keeps_its_energy_figures(storage, tmp_path, cli):
    cli("tune", ZDT1_STUDY, "--storage", storage, "--n-trials", "4")
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert to_optuna("--storage", storage, "--study-name", "zdt1-quick", "--out", out).returncode == 0
    trials = optuna.load_study(storage=out, study_name="zdt1-quick").trials
    assert len(trials) == 4
    for trial in trials:
        record = trial.user_attrs["energy"]["trial"]
        assert record["gross_j"] >= 0
        assert record["sources"]


def test_missing_study_and_existing_target_are_one_line_errors(storage, tmp_path):
    missing = to_optuna("--storage", storage, "--study-name", "nope", "--out",
                        f"sqlite:///{tmp_path}/o.db")
    assert missing.returncode != 0
    assert missing.stderr.startswith("ecopt.to_optuna: error: study 'nope' not found")
    ecopt.Study.create(storage=storage, name="s")
    out = f"sqlite:///{tmp_path}/twice.db"
    assert to_optuna("--storage", storage, "--study-name", "s", "--out", out).returncode == 0
    again = to_optuna("--storage", storage, "--study-name", "s", "--out", out)
    assert again.returncode != 0 and "already exists" in again.stderr


def test_plots_open_the_export(storage, tmp_path):
    study = ecopt.Study.create(storage=storage, name="p", directions=["minimize", "minimize"])
    for _ in range(3):
        trial = study.ask(SPACE, sampler="random")
        study.tell(trial.number, [trial.params["x"], 1 - trial.params["x"]])
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert to_optuna("--storage", storage, "--study-name", "p", "--out", out).returncode == 0
    figure = optuna.visualization.plot_pareto_front(optuna.load_study(storage=out, study_name="p"))
    assert sum(len(trace.x) for trace in figure.data) == 3  # dominated and front traces
