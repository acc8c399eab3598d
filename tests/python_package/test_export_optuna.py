"""An ECOpt study opened by Optuna 3.1 after `ecopt export --to optuna`,
which writes Optuna's SQLite tables itself (no optuna in the loop)."""
import os
import sqlite3
import subprocess

import optuna
import pytest

import ecopt

ZDT1_STUDY = os.path.join(os.path.dirname(__file__), "..", "..", "studies", "zdt1-quick.toml")
SPACE = {"x": {"name": "FloatDistribution",
               "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}},
         "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "gelu"]}},
         "width": {"name": "IntDistribution",
                   "attributes": {"low": 2, "high": 64, "log": True, "step": 1}},
         "kernel": {"name": "OrdinalDistribution", "attributes": {"choices": [1, 3, 5]}},
         "seed": {"name": "FixedDistribution", "attributes": {"value": 7}}}


def export(*args):
    return subprocess.run([os.environ["ECOPT_CLI"], "export", "--to", "optuna", *args],
                          capture_output=True, text=True)


def test_every_state_parameter_and_attribute_survives(storage, tmp_path):
    study = ecopt.Study.create(storage=storage, name="s", directions=["maximize", "minimize"],
                               objective_names=["accuracy", "energy_j"])
    asked = [study.ask(SPACE, sampler="random", seed=3) for _ in range(5)]
    study.tell(asked[0].number, [0.9, 2.0], user_attrs={"energy_source": "estimate-cpu-time"})
    study.tell(asked[1].number, [0.1 + 0.2, 1e-300])
    study.tell(asked[2].number, state="fail", fail_reason="diverged")
    study.tell(asked[3].number, state="pruned")
    out = f"sqlite:///{tmp_path}/optuna.db"
    result = export("--storage", storage, "--study-name", "s", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"5 trials of s written to {out}"

    loaded = optuna.load_study(storage=out, study_name="s")
    assert [d.name for d in loaded.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert loaded.user_attrs["objective_names"] == ["accuracy", "energy_j"]
    trials = loaded.trials
    assert [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "FAIL", "PRUNED", "RUNNING"]
    assert [t.params for t in trials] == [a.params for a in asked]
    distributions = trials[0].distributions
    assert distributions["act"] == optuna.distributions.CategoricalDistribution(["relu", "gelu"])
    assert distributions["width"] == optuna.distributions.IntDistribution(2, 64, log=True)
    assert distributions["x"] == optuna.distributions.FloatDistribution(0.0, 1.0)
    # Optuna has no ordered choices nor fixed values: categorical ones.
    assert distributions["kernel"] == optuna.distributions.CategoricalDistribution([1, 3, 5])
    assert distributions["seed"] == optuna.distributions.CategoricalDistribution([7])
    assert trials[0].values == [0.9, 2.0]
    assert trials[1].values == [0.1 + 0.2, 1e-300]  # bit for bit
    assert trials[0].user_attrs["energy_source"] == "estimate-cpu-time"
    assert trials[2].system_attrs["fail_reason"] == "diverged"
    assert "search_space" not in trials[0].system_attrs
    assert trials[0].datetime_complete >= trials[0].datetime_start
    assert trials[4].datetime_complete is None
    assert sorted(t.number for t in loaded.best_trials) == [0, 1]


def test_a_tuned_study_keeps_its_typed_energy_records(storage, tmp_path, cli):
    cli("tune", ZDT1_STUDY, "--storage", storage, "--n-trials", "4")
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert export("--storage", storage, "--study-name", "zdt1-quick", "--out", out).returncode == 0
    stored = {t.number: t.user_attrs for t in ecopt.Study.load(storage, "zdt1-quick").trials}
    trials = optuna.load_study(storage=out, study_name="zdt1-quick").trials
    assert len(trials) == 4
    for trial in trials:
        assert trial.user_attrs == stored[trial.number]
        record = trial.user_attrs["energy"]["trial"]
        assert record["gross_j"] >= 0 and record["sources"]


def test_python_writes_the_same_export(storage, tmp_path):
    study = ecopt.Study.create(storage=storage, name="s")
    study.tell(study.ask(SPACE).number, 1.5)
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert ecopt.export_to_optuna(storage, "s", out, out_study_name="t") == 1
    assert optuna.load_study(storage=out, study_name="t").best_trial.value == 1.5


def test_bad_targets_are_one_line_errors_that_write_nothing(storage, tmp_path):
    ecopt.Study.create(storage=storage, name="s")
    missing = export("--storage", storage, "--study-name", "nope", "--out",
                     f"sqlite:///{tmp_path}/o.db")
    assert missing.returncode != 0
    assert missing.stderr.startswith("ecopt: error: ")
    assert "study 'nope' not found" in missing.stderr and missing.stderr.count("\n") == 1
    assert not (tmp_path / "o.db").exists()

    out = f"sqlite:///{tmp_path}/twice.db"
    assert export("--storage", storage, "--study-name", "s", "--out", out).returncode == 0
    again = export("--storage", storage, "--study-name", "s", "--out", out)
    assert again.returncode != 0 and "already holds a study named 's'" in again.stderr
    # A second study goes beside the first in the same Optuna storage.
    beside = export("--storage", storage, "--study-name", "s", "--out", out,
                    "--out-study-name", "s2")
    assert beside.returncode == 0, beside.stderr
    assert sorted(s.study_name for s in optuna.get_all_study_summaries(out)) == ["s", "s2"]

    postgres = export("--storage", storage, "--study-name", "s", "--out",
                      "postgresql://u:secret@h/db")
    assert postgres.returncode != 0 and "not an SQLite URL" in postgres.stderr
    assert "secret" not in postgres.stderr

    ecopt_db = storage.removeprefix("sqlite:///")
    into_ecopt = export("--storage", storage, "--study-name", "s", "--out", storage)
    assert into_ecopt.returncode != 0 and "is not an Optuna storage" in into_ecopt.stderr
    assert len(ecopt.Study.load(storage, "s").trials) == 0  # untouched
    assert "studies" in {row[0] for row in sqlite3.connect(ecopt_db).execute(
        "SELECT name FROM sqlite_master")}


def test_an_older_optuna_schema_is_refused(storage, tmp_path):
    ecopt.Study.create(storage=storage, name="s")
    path = tmp_path / "old.db"
    out = f"sqlite:///{path}"
    assert export("--storage", storage, "--study-name", "s", "--out", out).returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = 'v2.6.0.a'")
    again = export("--storage", storage, "--study-name", "s", "--out", out,
                   "--out-study-name", "other")
    assert again.returncode != 0
    assert "another schema revision (v2.6.0.a; Optuna 3.1's is v3.0.0.d)" in again.stderr


def test_plots_open_the_export(storage, tmp_path):
    study = ecopt.Study.create(storage=storage, name="p", directions=["minimize", "minimize"])
    for _ in range(3):
        trial = study.ask(SPACE, sampler="random")
        study.tell(trial.number, [trial.params["x"], 1 - trial.params["x"]])
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert export("--storage", storage, "--study-name", "p", "--out", out).returncode == 0
    figure = optuna.visualization.plot_pareto_front(optuna.load_study(storage=out, study_name="p"))
    assert sum(len(trace.x) for trace in figure.data) == 3  # dominated and front traces


@pytest.fixture(autouse=True)
def quiet_optuna():
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_learning_curves_export_as_optunas_intermediate_values(storage, tmp_path):
    """Optuna's trial_intermediate_values holds one float per step: the
    quality objective's; the whole object of each step goes along as the
    system attribute ecopt:intermediate:<step>."""
    study = ecopt.Study.create(storage=storage, name="s", directions=["maximize", "minimize"],
                               objective_names=["accuracy", "energy_j"])
    trial = study.ask(SPACE, sampler="random", seed=3)
    study.report(trial.number, 0, {"energy_j": 2.0})
    study.report(trial.number, 1, {"accuracy": 0.5, "val_loss": 1.2})
    study.report(trial.number, 2, {"accuracy": 0.7, "val_loss": 0.8})
    study.tell(trial.number, state="pruned")
    out = f"sqlite:///{tmp_path}/optuna.db"
    assert export("--storage", storage, "--study-name", "s", "--out", out).returncode == 0
    exported = optuna.load_study(storage=out, study_name="s").trials[0]
    assert exported.intermediate_values == {1: 0.5, 2: 0.7}
    assert exported.system_attrs["ecopt:intermediate:2"] == {"accuracy": 0.7, "val_loss": 0.8}
    assert exported.system_attrs["ecopt:intermediate:0"] == {"energy_j": 2.0}
