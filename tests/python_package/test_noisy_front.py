"""Study.best_trials_by_posterior_mean on a real SQLite file: a study with
noisy objectives told from Python, compared with the real CLI's
best-trials and best-trials --noisy."""
import json
import random

import pytest

import ecopt

SPACE = {"x": {"name": "FloatDistribution",
               "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}}


def true_accuracy(x):
    return 0.5 + 0.4 * x if x <= 0.75 else 0.8 - 0.8 * (x - 0.75)


def noisy_study(storage, name, trials=40, seed=7):
    """Energy (1 + 3 x mJ per sample) rises with x, accuracy rises to 0.8
    at x = 0.75 and falls beyond: the true front is x <= 0.75. Each reading
    gets Gaussian noise (0.02 in accuracy, 0.15 mJ in energy)."""
    study = ecopt.Study.create(storage=storage, name=name, directions=["maximize", "minimize"],
                               objective_names=["accuracy", "inference_j_per_sample"])
    noise = random.Random(seed)
    for _ in range(trials):
        trial = study.ask(SPACE, sampler="random", seed=seed)
        x = trial.params["x"]
        study.tell(trial.number, [true_accuracy(x) + noise.gauss(0.0, 0.02),
                                  1e-3 * (1.0 + 3.0 * x) + noise.gauss(0.0, 1.5e-4)])
    return study


def numbers(trials):
    return [t["number"] if isinstance(t, dict) else t.number for t in trials]


def test_the_posterior_mean_front_is_the_clis_and_differs_from_best_trials(storage, cli):
    study = noisy_study(storage, "noisy")
    by_posterior = study.best_trials_by_posterior_mean()
    best = study.best_trials
    common = ["--storage", storage, "--study-name", "noisy"]
    assert numbers(best) == numbers(json.loads(cli("best-trials", *common)))
    assert numbers(by_posterior) == numbers(json.loads(cli("best-trials", "--noisy", *common)))
    # Lucky readings hide truly optimal trials from the observed front; the
    # models bring them back.
    assert set(numbers(by_posterior)) - set(numbers(best))
    truly_optimal = {t.number for t in study.trials if t.params["x"] <= 0.75}
    assert len(truly_optimal & set(numbers(by_posterior))) > len(truly_optimal & set(numbers(best)))
    assert numbers(by_posterior) == sorted(numbers(by_posterior))
    assert all(t.state == "COMPLETE" and len(t.values) == 2 for t in by_posterior)


def test_best_trials_keeps_its_meaning(storage):
    study = noisy_study(storage, "plain", trials=12)
    trials = study.trials
    for b in study.best_trials:
        assert not any(t.values[0] >= b.values[0] and t.values[1] <= b.values[1]
                       and t.values != b.values for t in trials)


def test_a_study_with_nothing_asked_is_refused_in_one_line(storage):
    study = ecopt.Study.create(storage=storage, name="empty", directions=["minimize", "minimize"])
    with pytest.raises(ecopt.InputError, match="no stored search space") as refused:
        study.best_trials_by_posterior_mean()
    assert "\n" not in str(refused.value)


def test_asks_that_say_noisy_are_recorded_with_their_trials(storage, cli, tmp_path):
    """Asked from Python with noisy=True, the trial keeps the options it was
    asked with, so the CLI's report shows the front by posterior means."""
    study = ecopt.Study.create(storage=storage, name="said", directions=["minimize", "minimize"])
    for i in range(8):
        trial = study.ask(SPACE, noisy=True)
        x = trial.params["x"]
        study.tell(trial.number, [x + 0.01 * (i % 3), 1.0 - x])
    assert all(t.system_attrs["sampler_options"] == {"noisy": True} for t in study.trials)
    cli("report", "--storage", storage, "--study-name", "said", "--out", str(tmp_path / "said"))
    assert "data-posterior-front" in (tmp_path / "said" / "report.html").read_text()
