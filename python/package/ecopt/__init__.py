"""ECOpt from Python.

- ``ecopt.Study``: ask and tell on the same storages as the CLI.
- ``ecopt.optimize(objective, study_file_or_settings)``: tunes a function in
  this process, ``with trial.phase("inference", samples=n):`` measured as
  the phases of command trials are.
- ``ecopt.EnergyMonitor``: ``with monitor.window("name") as w:`` measures a
  block with ECOpt's meters (sensors, or an estimate that says it is one).
- ``ecopt.optuna.EcoptSampler``: ECOpt's sampler inside Optuna.
- ``ecopt.export_to_optuna``: a study as an Optuna storage, for Optuna's tools.
- ``ecopt.params()``, ``ecopt.report()``, ``ecopt.phase()``,
  ``ecopt.repeated_phase()``: the protocol of command trials (``kind =
  "command"``), from the one-file python/ecopt.py (the same file).

Importing it loads ECOpt's C++ core only: never torch, never optuna.
"""
from ecopt._energy import EnergyMonitor, Window
from ecopt._native import Error, InputError, NotFoundError, StorageError, UnavailableError
from ecopt._optimize import TrialPruned, optimize
from ecopt._study import Study, Trial, export_to_optuna
from ecopt.protocol import (begin_phase, end_phase, min_phase_s, params, phase, repeated_phase, report,
                            report_step, trial_number)

__all__ = [
    "EnergyMonitor", "Window", "Study", "Trial", "TrialPruned", "export_to_optuna", "optimize",
    "Error", "InputError", "NotFoundError", "StorageError", "UnavailableError",
    "params", "trial_number", "report", "report_step", "begin_phase", "end_phase", "phase",
    "repeated_phase", "min_phase_s",
]
