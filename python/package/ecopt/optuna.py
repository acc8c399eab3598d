"""ECOpt's samplers inside Optuna: ``optuna.create_study(directions=[...],
sampler=EcoptSampler(seed=0))``. Each suggestion hands the study's trials
(from whatever Optuna storage) to ECOpt's C++ sampler (default "mobo":
Gaussian processes with log expected hypervolume improvement), so it works
with Optuna's suggest_* API, its storages, pruners and n_jobs."""
import json
import math

import optuna
from optuna.distributions import CategoricalDistribution, distribution_to_json
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
    ones) are suggested by the same sampler over that parameter alone. A
    trial whose value is infinite is handed to the sampler as failed."""

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
        space = {name: json.loads(distribution_to_json(_by_index(d)))
                 for name, d in search_space.items()}
        history = [_history_entry(t, search_space)
                   for t in study.get_trials(deepcopy=False, states=tuple(_STATES))
                   if t.number != trial.number and set(search_space) <= set(t.params)]
        params = _native.suggest(_dumps(spec), _dumps(space), _dumps(history), trial.number,
                                 self._sampler, self._seed, self._initial_trials, self._kwargs)
        return {name: _from_ecopt(search_space[name], value)
                for name, value in json.loads(params).items()}


# Categorical choices go to ECOpt as their indices: Optuna's may be any
# value (None included), ECOpt's are numbers, strings or booleans.
def _by_index(distribution):
    if isinstance(distribution, CategoricalDistribution):
        return CategoricalDistribution(list(range(len(distribution.choices))))
    return distribution


def _to_ecopt(distribution, value):
    if isinstance(distribution, CategoricalDistribution):
        return int(distribution.to_internal_repr(value))
    return value


def _from_ecopt(distribution, value):
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[value]
    return value


def _dumps(value):
    return json.dumps(value, allow_nan=False)  # ECOpt reads JSON, which has no Infinity


def _history_entry(trial, search_space):
    entry = {"number": trial.number, "state": _STATES[trial.state],
             "params": {name: _to_ecopt(search_space[name], trial.params[name])
                        for name in search_space}}
    if trial.state == TrialState.COMPLETE:
        if all(math.isfinite(v) for v in trial.values):
            entry["values"] = trial.values
        else:  # Optuna keeps inf as a value; the models cannot, so it counts as failed
            entry["state"] = "fail"
    return entry
