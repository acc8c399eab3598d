"""ECOpt's samplers inside Optuna: ``optuna.create_study(directions=[...],
sampler=EcoptSampler(seed=0))``. Each suggestion hands the study's trials
(from whatever Optuna storage) to ECOpt's C++ sampler (default "mobo":
Gaussian processes with log expected hypervolume improvement), so it works
with Optuna's suggest_* API, its storages, pruners and n_jobs."""
import json

import optuna
from optuna.distributions import distribution_to_json
from optuna.trial import TrialState

from ecopt import _native

_STATES = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "fail",
    TrialState.RUNNING: "running",
}


class EcoptSampler(optuna.samplers.BaseSampler):
    """`sampler`: "mobo" (default), "nsga2", "sobol" or "random";
    `initial_trials`: Sobol trials before a model takes over (-1: 2·(d+1));
    `thresholds`: per objective, a value not acceptable beyond (None for
    none), which is also the hypervolume reference, as in a study file.
    Parameters outside the space every finished trial shares (conditional
    ones) are suggested by the same sampler over that parameter alone."""

    def __init__(self, seed=0, sampler="mobo", initial_trials=-1, thresholds=None,
                 **sampler_kwargs):
        self._seed = seed
        self._thresholds = thresholds
        self._sampler = sampler
        self._initial_trials = initial_trials
        self._kwargs = json.dumps(sampler_kwargs)
        self._search_space = optuna.samplers.IntersectionSearchSpace()

    def reseed_rng(self):
        # Suggestions depend on seed and trial number only, so every worker
        # (process or thread) suggests the same for the same trial.
        pass

    def infer_relative_search_space(self, study, trial):
        return {name: distribution
                for name, distribution in self._search_space.calculate(study).items()
                if not distribution.single()}

    def sample_relative(self, study, trial, search_space):
        if not search_space:
            return {}
        return self._suggest(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._suggest(study, trial, {param_name: param_distribution})[param_name]

    def _suggest(self, study, trial, search_space):
        thresholds = self._thresholds or [None] * len(study.directions)
        if len(thresholds) != len(study.directions):
            raise _native.InputError(f"{len(thresholds)} thresholds for "
                                     f"{len(study.directions)} objectives; give one each (or None)")
        spec = {"name": study.study_name, "constraints": [],
                "objectives": [{"name": f"objective_{i}", "direction": d.name.lower(),
                                "threshold": t}
                               for i, (d, t) in enumerate(zip(study.directions, thresholds))]}
        space = {name: json.loads(distribution_to_json(d)) for name, d in search_space.items()}
        history = [_history_entry(t, search_space)
                   for t in study.get_trials(deepcopy=False, states=tuple(_STATES))
                   if t.number != trial.number and set(search_space) <= set(t.params)]
        params = _native.suggest(json.dumps(spec), json.dumps(space), json.dumps(history),
                                 trial.number, self._sampler, self._seed, self._initial_trials,
                                 self._kwargs)
        return json.loads(params)


def _history_entry(trial, search_space):
    entry = {"number": trial.number, "state": _STATES[trial.state],
             "params": {name: trial.params[name] for name in search_space}}
    if trial.state == TrialState.COMPLETE:
        entry["values"] = trial.values
    return entry
