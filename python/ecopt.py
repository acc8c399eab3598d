"""ECOpt's command-trial protocol for Python programs, in one file with no
dependencies. Copy it next to your script or put this folder on PYTHONPATH.

    import ecopt
    p = ecopt.params()                 # {"lr": 0.01, "width": 32, ...}
    ... train ...
    with ecopt.phase("inference", samples=len(test_set), sync="cuda"):
        accuracy = evaluate(model)     # energy of this block is measured apart
    ecopt.report(accuracy=accuracy)

The protocol itself (docs/command-protocol.md) is plain text on stdout, so
programs in any language can speak it.
"""
import contextlib
import json
import math
import os
import sys
import time

_PREFIX = "ECOPT "


def params():
    """The trial's parameters, from the JSON file ECOpt names in ECOPT_PARAMS_FILE."""
    path = os.environ.get("ECOPT_PARAMS_FILE")
    if not path:
        raise RuntimeError("ECOPT_PARAMS_FILE is not set: run this program through `ecopt tune`")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def trial_number():
    return int(os.environ.get("ECOPT_TRIAL_NUMBER", "-1"))


def _emit(message):
    # One line per message, flushed at once: the runner opens and closes
    # energy windows when it reads the line, so buffering would blur phases.
    sys.stdout.write(_PREFIX + json.dumps(message, allow_nan=False) + "\n")
    sys.stdout.flush()


def report(**metrics):
    """Reports metrics (numbers or strings); later reports of a key win."""
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"metric {key!r} is {value}: ECOpt accepts finite numbers only")
    _emit(metrics)


def report_step(step, last_step=None, **metrics):
    """Reports a point of the learning curve: numeric metrics at `step`
    (0: measured before training; then validation quality, never the test
    set). ECOpt's pruning rule answers by stopping the program: SIGTERM,
    then SIGKILL after the task's grace_s; what was reported is kept."""
    message = {"step": int(step), **metrics}
    if last_step is not None:
        message["last_step"] = int(last_step)
    report(**message)


def begin_phase(name):
    _emit({"event": "begin", "phase": name})


def end_phase(name, samples=None):
    message = {"event": "end", "phase": name}
    if samples is not None:
        message["samples"] = int(samples)
    _emit(message)


def _cuda_sync():
    # Only a program that already uses torch can have queued CUDA work;
    # importing torch here would cost seconds and initialise nothing useful.
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def _sync_function(sync):
    if sync is None:
        return lambda: None
    if sync == "cuda":
        return _cuda_sync
    if callable(sync):
        return sync
    raise ValueError(f"sync={sync!r}: give None, \"cuda\" or a function to call")


@contextlib.contextmanager
def phase(name, samples=None, sync=None):
    """Measures the energy of the enclosed block as phase `name`; with
    `samples`, ECOpt also reports joules per sample for it.

    GPU work runs asynchronously: without a sync the end line can be written
    while the block's kernels still run, and their energy falls outside the
    phase. `sync="cuda"` calls torch.cuda.synchronize() (when the program
    has imported torch and initialised CUDA) before the begin line and before
    the end line; any other function given as `sync` is called there instead."""
    wait_for_device = _sync_function(sync)
    wait_for_device()
    begin_phase(name)
    yield
    wait_for_device()
    end_phase(name, samples)


def min_phase_s():
    """How long a phase must last for ECOpt's meters to resolve it (10 steps
    of the coarsest meter), from ECOPT_MIN_PHASE_S; 0 outside `ecopt tune`."""
    return float(os.environ.get("ECOPT_MIN_PHASE_S", "0"))


def repeated_phase(name, work, samples=1, sync=None):
    """Measures `work()` as phase `name`, calling it again until the phase has
    lasted min_phase_s(); each call processes `samples` samples, and the
    phase reports calls × samples. Returns the number of calls. Use it for
    work that is shorter than the meters can resolve (a single fast batch).
    `sync` is phase()'s: the device is synchronised before the begin line
    and after the last call, before the end line, so that no queued GPU
    work falls outside the phase."""
    calls = 0
    wait_for_device = _sync_function(sync)
    wait_for_device()
    begin_phase(name)
    start = time.monotonic()
    while calls == 0 or time.monotonic() - start < min_phase_s():
        work()
        calls += 1
    wait_for_device()
    end_phase(name, calls * samples)
    return calls
