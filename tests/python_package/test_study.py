"""ecopt.Study on a real SQLite file, shared with the real CLI."""
import json

import pytest

import ecopt

SPACE = {
    "x": {"name": "FloatDistribution",
          "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}},
    "n": {"name": "IntDistribution", "attributes": {"low": 1, "high": 8, "log": False, "step": 1}},
    "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "gelu"]}},
}


def test_ask_tell_and_best_trials(storage):
    study = ecopt.Study.create(storage=storage, name="s", directions=["minimize", "maximize"])
    assert study.directions == ["minimize", "maximize"]
    for expected_number in range(6):
        trial = study.ask(SPACE, seed=1)
        assert trial.number == expected_number
        assert 0.0 <= trial.params["x"] <= 1.0
        assert isinstance(trial.params["n"], int) and 1 <= trial.params["n"] <= 8
        assert trial.params["act"] in ("relu", "gelu")
        study.tell(trial.number, [trial.params["x"], trial.params["n"]])
    trials = study.trials
    assert [t.state for t in trials] == ["COMPLETE"] * 6
    best = study.best_trials
    assert best
    # No trial dominates a best one: lower x and higher n.
    for b in best:
        assert not any(t.values[0] <= b.values[0] and t.values[1] >= b.values[1]
                       and t.values != b.values for t in trials)


def test_cli_and_python_share_a_study(storage, cli):
    cli("create-study", "--storage", storage, "--study-name", "shared", "--directions", "minimize")
    asked = json.loads(cli("ask", "--storage", storage, "--study-name", "shared",
                           "--search-space", json.dumps(SPACE), "--sampler", "random"))
    study = ecopt.Study.load(storage, "shared")
    told = study.tell(asked["number"], 0.25, user_attrs={"note": "from python"})
    assert told.state == "COMPLETE" and told.values == [0.25]
    from_python = study.ask(SPACE, sampler="random")
    study.tell(from_python.number, state="fail", fail_reason="diverged")
    listed = json.loads(cli("trials", "--storage", storage, "--study-name", "shared"))
    assert [t["state"] for t in listed] == ["COMPLETE", "FAIL"]
    assert listed[0]["user_attrs"]["note"] == "from python"
    assert listed[1]["params"] == from_python.params


def test_optuna_distributions_are_accepted(storage):
    optuna = pytest.importorskip("optuna")
    study = ecopt.Study.create(storage=storage, name="d")
    trial = study.ask({"lr": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)},
                      sampler="random")
    assert 1e-4 <= trial.params["lr"] <= 1e-1


def test_errors_are_one_line_and_typed(storage):
    study = ecopt.Study.create(storage=storage, name="e", directions=["minimize", "minimize"])
    with pytest.raises(ecopt.NotFoundError, match="study 'nope' not found") as missing:
        ecopt.Study.load(storage, "nope")  # in a database that exists (loading makes none)
    assert "\n" not in str(missing.value)
    trial = study.ask(SPACE, sampler="random")
    with pytest.raises(ecopt.InputError):
        study.tell(trial.number, [1.0])  # one value for two objectives
    with pytest.raises(ecopt.InputError):
        ecopt.Study.create(storage=storage, name="e")  # exists
    assert issubclass(ecopt.InputError, ecopt.Error)


def test_load_on_a_mistyped_path_creates_no_database(tmp_path):
    # Issue 24 (13): Study.load created an empty database at a mistyped path.
    typo = tmp_path / "typo.db"
    with pytest.raises(ecopt.StorageError, match="no database at"):
        ecopt.Study.load(f"sqlite:///{typo}", "s")
    assert not typo.exists()


def test_roles_and_units_are_declared_and_the_cli_asks_in_the_declared_space(storage, cli):
    study = ecopt.Study.create(storage=storage, name="roles", directions=["minimize", "maximize"],
                               objective_names=["energy_mj", "accuracy"],
                               roles=["energy", "quality"], units=["mJ/sample", None])
    assert study.roles == ["energy", "quality"]
    assert study.units == ["mJ/sample", None]
    assert ecopt.Study.load(storage, "roles").roles == ["energy", "quality"]
    first = study.ask(SPACE, sampler="random")
    # The first ask declared the study's space: the CLI asks in it without --search-space,
    # printing the parameters in the declared order.
    asked = json.loads(cli("ask", "--storage", storage, "--study-name", "roles", "--sampler", "random"))
    assert list(asked["params"]) == ["x", "n", "act"]
    assert asked["number"] == first.number + 1
    with pytest.raises(ecopt.InputError, match="1 role entries for 2 directions"):
        ecopt.Study.create(storage=storage, name="r2", directions=["minimize", "maximize"], roles=["energy"])
    with pytest.raises(ecopt.InputError, match="unknown objective role 'speed'"):
        ecopt.Study.create(storage=storage, name="r3", roles=["speed"])


def test_select_gives_the_clis_choice(storage, cli):
    """Issue 30: Study.select and `best-trials --where --pick` give one answer."""
    study = ecopt.Study.create(storage=storage, name="choose", directions=["maximize", "minimize"])
    for values in ([0.95, 10.0], [0.90, 4.0], [0.85, 2.0], [0.70, 1.0]):
        trial = study.ask(SPACE, seed=2)
        study.tell(trial.number, values)
    picked, candidates, rule = study.select(where="objective_0>=0.85", pick="knee")
    assert [t.number for t in candidates] == [0, 1, 2]
    assert picked.number == 1
    assert rule.startswith("knee")
    from_cli = json.loads(cli("best-trials", "--storage", storage, "--study-name", "choose",
                              "--where", "objective_0>=0.85", "--pick", "knee"))
    assert [t["number"] for t in from_cli] == [picked.number]
    # Weights on the objectives scaled to [0, 1] over the candidates: 1 × 1 + 3 × 0 is least.
    picked, _, rule = study.select(where="objective_0>=0.85", pick="weighted:1,3")
    assert picked.number == 2
    assert rule.startswith("least weighted sum 1 × objective_0 + 3 × objective_1")
    from_cli = json.loads(cli("best-trials", "--storage", storage, "--study-name", "choose",
                              "--where", "objective_0>=0.85", "--pick", "weighted:1,3"))
    assert [t["number"] for t in from_cli] == [picked.number]
    assert study.select(where="objective_0>0.99")[0] is None
    with pytest.raises(ecopt.InputError, match="no objective or trial metric is named 'acuracy'"):
        study.select(where="acuracy>=0.9")


def test_enqueued_configurations_come_first_then_the_declared_space_is_sampled(storage, cli):
    study = ecopt.Study.create(storage=storage, name="queued", directions=["minimize"])
    with pytest.raises(ecopt.InputError, match="declares no search space yet"):
        study.enqueue({"x": 0.5, "n": 2, "act": "relu"})
    assert study.enqueue({"x": 0.5, "n": 2, "act": "relu"}, search_space=SPACE) == 0
    with pytest.raises(ecopt.InputError, match=r"unknown parameter 'nn' \(did you mean 'n'\?\)"):
        study.enqueue({"x": 0.5, "nn": 2, "act": "relu"})
    assert study.enqueue({"x": 1, "n": 8, "act": "gelu"}) == 1
    assert study.enqueue({"x": 0.5, "n": 2, "act": "relu"}, skip_if_queued=True) == 0
    # The CLI's ask takes the first, Python's the second; then the declared space is sampled.
    asked = json.loads(cli("ask", "--storage", storage, "--study-name", "queued", "--sampler", "random"))
    assert asked["params"] == {"x": 0.5, "n": 2, "act": "relu"}
    second = study.ask(sampler="random")
    assert second.params == {"x": 1.0, "n": 8, "act": "gelu"} and isinstance(second.params["x"], float)
    third = study.ask(sampler="random")
    assert third.number == 2 and third.params not in (asked["params"], second.params)
    assert set(third.params) == {"x", "n", "act"}
