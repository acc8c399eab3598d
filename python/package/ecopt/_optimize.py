"""ecopt.optimize: an objective function tuned in this process by ECOpt's
runner, its phases measured by ECOpt's meters exactly as the phases of
command trials are (the same windows, metrics and energy records)."""
import contextlib
import json
import math
import numbers
import os
import traceback

from ecopt import _native
from ecopt._study import Study
from ecopt.protocol import _sync_function


class Phase:
    """A measured phase, filled when its block ends: ``energy_j`` (net of
    idle when the monitor took a baseline, else gross), ``duration_s``,
    ``samples``, ``j_per_sample`` and ``samples_per_j`` (with samples),
    ``source`` and ``is_estimate``. ``samples`` may be set inside the block."""

    def __init__(self, name, samples):
        self.name = name
        self.samples = samples
        self.energy_j = self.duration_s = self.j_per_sample = self.samples_per_j = None
        self.source = self.is_estimate = None

    def _fill(self, ended):
        metrics, record = ended["metrics"], ended["record"]
        self.energy_j = metrics[f"{self.name}_j"]
        self.duration_s = metrics[f"{self.name}_s"]
        self.j_per_sample = metrics.get(f"{self.name}_j_per_sample")
        self.samples_per_j = metrics.get(f"{self.name}_samples_per_j")
        self.source = "+".join(record["sources"])
        self.is_estimate = record["estimate"]


class TrialPruned(Exception):
    """Raised by an objective when ``trial.should_prune()``: the trial stops
    and is stored PRUNED (as Optuna's TrialPruned)."""


class Trial:
    """The trial an objective is given. ``suggest_*`` return the values
    ECOpt's sampler chose, for parameters the study's space declares (the
    call must ask for the declared distribution)."""

    def __init__(self, handle):
        self._handle = handle
        self.number = handle.number()
        self.params = json.loads(handle.params())

    def _suggest(self, name, distribution, attributes):
        encoded = json.dumps({"name": distribution, "attributes": attributes})
        return json.loads(self._handle.suggest(name, encoded))

    def suggest_float(self, name, low, high, *, step=None, log=False):
        return self._suggest(name, "FloatDistribution",
                             {"low": low, "high": high, "step": step, "log": log})

    def suggest_int(self, name, low, high, step=1, log=False):
        return self._suggest(name, "IntDistribution",
                             {"low": low, "high": high, "step": step, "log": log})

    def suggest_categorical(self, name, choices):
        return self._suggest(name, "CategoricalDistribution", {"choices": list(choices)})

    def report(self, step, values, last_step=None):
        """Reports a point of the learning curve: `values` maps metric names
        to numbers at `step` (0: measured before training; then quality on
        a validation split and energy so far). `last_step` is the schedule's
        last step, which the front-reach rule extrapolates to. The study's
        pruning rule (docs/pruning.md) answers at once: see should_prune."""
        self._handle.report(int(step), json.dumps(values), last_step)

    def should_prune(self):
        """Whether the last report was answered "stop"; then raise
        ecopt.TrialPruned: the trial is stored PRUNED with the reason, its
        reported values and the energy it spent."""
        return self._handle.prune_reason() is not None

    @contextlib.contextmanager
    def phase(self, name, samples=None, sync=None):
        """Measures the block as phase `name`, as a command's phase lines
        do: metrics ``<name>_j``, ``_s`` and with `samples` ``_samples_per_j``
        (an objective such as ``inference_samples_per_j`` comes from here),
        and an energy record. `sync` as in ecopt.phase: "cuda" or a function
        that waits for queued device work before the window opens and ends."""
        wait_for_device = _sync_function(sync)
        measured = Phase(name, samples)
        wait_for_device()
        self._handle.begin_phase(name)
        try:
            yield measured
            wait_for_device()
        finally:
            measured._fill(json.loads(self._handle.end_phase(name, int(measured.samples or 0))))


def _metrics(returned, objective_names, measured):
    """The objective's return as metrics: a dict as it is; a number or a
    sequence of numbers for the objectives its phases did not report, in
    order."""
    if isinstance(returned, dict):
        metrics = dict(returned)
    else:
        values = [returned] if isinstance(returned, numbers.Real) else list(returned)
        missing = [name for name in objective_names if name not in measured]
        if len(values) != len(missing):
            raise _native.InputError(
                f"the objective returned {len(values)} value(s) for the objectives its phases did "
                f"not measure ({', '.join(missing) or 'none'}); return one each, or a dict "
                "naming them")
        metrics = dict(zip(missing, values))
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise _native.InputError(f"the objective returned {value} for {key!r}; return finite "
                                     "numbers")
    return metrics


def _failure(error):
    """One line: the exception and where in the objective it was raised."""
    frame = traceback.extract_tb(error.__traceback__)[-1]
    where = f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
    return f"{type(error).__name__}: {error} ({where})"


def _settings(study_file_or_settings):
    """(text, is_toml, origin) for the native runner."""
    if isinstance(study_file_or_settings, dict):
        settings = dict(study_file_or_settings)
        settings.setdefault("task", {"kind": "python"})
        return json.dumps(settings), False, "the settings of ecopt.optimize"
    path = os.fspath(study_file_or_settings)
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(), True, path
    except OSError as error:
        raise _native.InputError(f"cannot read study file {path!r} ({error.strerror}); check "
                                 "the path") from None


def optimize(objective, study_file_or_settings, n_trials=None, storage=None, monitor=None):
    """Tunes ``objective(trial)`` in this process; returns the ecopt.Study.

    `study_file_or_settings`: a study file with ``[task] kind = "python"``
    (docs/study-file.md), or the same tables as a dict ({"study": {...},
    "objectives": [...], "space": {...}, "energy": {...}}). The objective
    returns its quality values (a number, one per objective its phases do
    not measure, or a dict of metrics); energy objectives come from its
    phases (``with trial.phase("inference", samples=n):``). Every trial is
    measured and stored as ``ecopt tune`` stores it: the runner's "trial"
    record, one record per phase, heartbeats, failures with their reason.
    `n_trials` and `storage` override the file's; `monitor` (an
    ecopt.EnergyMonitor) measures instead of the meters [energy] finds."""
    text, is_toml, origin = _settings(study_file_or_settings)

    def run_trial(handle):
        trial = Trial(handle)
        try:
            returned = objective(trial)
        except TrialPruned:
            return json.dumps({}), True
        except _native.Error:
            raise
        except Exception as error:  # the trial fails with this reason; the study goes on
            raise _native.Error(_failure(error)) from error
        return json.dumps(_metrics(returned, handle.objective_names(),
                                   json.loads(handle.metrics()))), False

    ran = json.loads(_native.optimize(text, is_toml, origin, run_trial, int(n_trials or 0),
                                      storage or "", monitor._handle if monitor else None))
    return Study.load(ran["storage"], ran["name"])
