"""ECOpt from Python.

- ``ecopt.Study``: ask and tell on the same storages as the CLI.
- ``ecopt.EnergyMonitor``: ``with monitor.window("name") as w:`` measures a
  block with ECOpt's meters (sensors, or an estimate that says it is one).
- ``ecopt.optuna.EcoptSampler``: ECOpt's sampler inside Optuna.
- ``ecopt.params()``, ``ecopt.report()``, ``ecopt.phase()``: the protocol of
  command trials (``kind = "command"``), as in the one-file python/ecopt.py.

Importing it loads ECOpt's C++ core only: never torch, never optuna.
"""
from ecopt._energy import EnergyMonitor, Window
from ecopt._native import Error, InputError, NotFoundError, StorageError, UnavailableError
from ecopt._study import Study, Trial
from ecopt.protocol import begin_phase, end_phase, params, phase, report, trial_number

__all__ = [
    "EnergyMonitor", "Window", "Study", "Trial",
    "Error", "InputError", "NotFoundError", "StorageError", "UnavailableError",
    "params", "trial_number", "report", "begin_phase", "end_phase", "phase",
]
