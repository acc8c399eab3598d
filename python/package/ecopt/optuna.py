"""ECOpt's samplers inside Optuna: ``optuna.create_study(directions=[...],
sampler=EcoptSampler(seed=0))``. Each suggestion hands the study's trials
(from whatever Optuna storage) to ECOpt's C++ sampler (default "mobo":
Gaussian processes with log expected hypervolume improvement), so it works
with Optuna's suggest_* API, its storages, pruners and n_jobs.

EcoptPruner, report and should_prune bring ECOpt's pruning rules to
Optuna studies, multi-objective ones included (docs/pruning.md)."""
import json
import math

import optuna
from optuna.distributions import CategoricalDistribution, distribution_to_json
from optuna.trial import TrialState

try:  # Optuna 3.2 and later (4.0 removed the old place)
    from optuna.search_space import IntersectionSearchSpace
except ImportError:  # Optuna 3.1
    from optuna.samplers import IntersectionSearchSpace

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
        self._search_space = IntersectionSearchSpace()

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


# --- pruning -----------------------------------------------------------------
# Optuna's trial.report and trial.should_prune refuse multi-objective
# studies. ecopt.optuna.report keeps each step's values (metric -> number)
# in one trial system attribute per step, _INTERMEDIATE_PREFIX + step, which
# every Optuna storage holds; trial_intermediate_values (one float per step)
# is left to Optuna's own report.
_INTERMEDIATE_PREFIX = "ecopt:intermediate:"
_LAST_STEP_ATTR = "ecopt:last_step"


def report(trial, step, values, last_step=None):
    """Reports a point of the learning curve of an Optuna `trial`, single-
    or multi-objective: `values` maps metric names to numbers at `step` (0:
    measured before training, such as inference energy; then quality on a
    validation split). Name the objectives' values as the pruner does
    (objective_0, objective_1, ... unless its objective_names say
    otherwise), or give a list, one number per objective. `last_step` is
    the schedule's last step, which front-reach extrapolates to."""
    if isinstance(values, (list, tuple)):
        values = {f"objective_{i}": v for i, v in enumerate(values)}
    step = int(step)
    if step < 0:
        raise _native.InputError(f"step {step} is negative; count steps from 0")
    storage = trial.study._storage
    storage.set_trial_system_attr(trial._trial_id, f"{_INTERMEDIATE_PREFIX}{step}",
                                  {k: float(v) for k, v in values.items()})
    if last_step is not None:
        storage.set_trial_system_attr(trial._trial_id, _LAST_STEP_ATTR, int(last_step))


def should_prune(trial):
    """Whether the study's pruner stops `trial` after its last report: for
    multi-objective studies, whose trial.should_prune() Optuna refuses. Then
    raise optuna.TrialPruned."""
    frozen = trial.study._storage.get_trial(trial._trial_id)
    return trial.study.pruner.prune(trial.study, frozen)


def _curve(frozen):
    """A frozen trial's learning curve, {step: {metric: value}}: what
    ecopt.optuna.report stored, else Optuna's own intermediate values."""
    curve = {int(key[len(_INTERMEDIATE_PREFIX):]): value
             for key, value in frozen.system_attrs.items() if key.startswith(_INTERMEDIATE_PREFIX)}
    if not curve:
        curve = {step: {"objective_0": value} for step, value in frozen.intermediate_values.items()}
    return curve


class EcoptPruner(optuna.pruners.BasePruner):
    """ECOpt's pruning rules (docs/pruning.md) as an Optuna pruner, for
    multi-objective studies too: `rule` "front-reach" (default) or
    "pareto-halving"; `best_plausible`, per objective, the best value it
    could reach (None where unknown); `objective_names` name the objectives
    in the reported values (default objective_0, objective_1, ...);
    `last_step`, the schedules' last step where reports do not give it; the
    rest as the study file's [pruning] table. Report with
    ecopt.optuna.report and ask ecopt.optuna.should_prune (or Optuna's own
    report and should_prune in single-objective studies)."""

    def __init__(self, rule="front-reach", best_plausible=None, objective_names=None,
                 last_step=None, window=3, min_step=1, reduction_factor=3.0, min_trials=4):
        self._objective_names = objective_names
        self._last_step = last_step
        self._config = json.dumps({"rule": rule, "best_plausible": list(best_plausible or []),
                                   "window": window, "min_step": min_step,
                                   "reduction_factor": reduction_factor, "min_trials": min_trials})

    def prune(self, study, trial):
        curve = _curve(trial)
        if not curve:
            return False
        names = self._objective_names or [f"objective_{i}" for i in range(len(study.directions))]
        spec = {"name": study.study_name, "constraints": [],
                "objectives": [{"name": n, "direction": d.name.lower()}
                               for n, d in zip(names, study.directions)]}
        history = []
        for other in study.get_trials(deepcopy=False, states=tuple(_STATES)):
            entry = {"number": other.number, "state": _STATES[other.state],
                     "intermediate": {str(step): values for step, values in _curve(other).items()}}
            if other.state == TrialState.COMPLETE and all(math.isfinite(v) for v in other.values):
                entry["values"] = other.values
            elif other.state == TrialState.COMPLETE:
                entry["state"] = "fail"
            history.append(entry)
        if not any(entry["number"] == trial.number for entry in history):
            history.append({"number": trial.number, "state": "running",
                            "intermediate": {str(s): v for s, v in curve.items()}})
        step = max(curve)
        report = {"step": step, "values": curve[step],
                  "last_step": trial.system_attrs.get(_LAST_STEP_ATTR, self._last_step)}
        reason = _native.prune_reason(_dumps(spec), self._config, _dumps(history), trial.number,
                                      _dumps(report))
        if reason is not None:
            study._storage.set_trial_system_attr(trial._trial_id, "ecopt:pruned_reason", reason)
        return reason is not None
