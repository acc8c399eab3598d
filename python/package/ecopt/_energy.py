"""Energy of blocks of Python code, measured by ECOpt's meters (RAPL, NVML,
or a CPU-time estimate that says it is one), as ECOpt measures trials."""
import contextlib
import json
import statistics

from ecopt import _native


class Window:
    """One measured block, filled when the ``with`` block ends.

    ``energy_j`` is net of idle power when the monitor measured an idle
    baseline (``idle_subtracted``), else gross. ``source`` names the
    sensors ("rapl-powercap", "nvml-energy-counter", "estimate-cpu-time",
    or "mixed: a+b"); ``is_estimate`` is True when any figure is an
    estimate. ``resolution_j`` is the energy one step of the meters can
    hide, ``resolved`` whether the window spans enough steps to stand
    (docs/energy.md, "Figures at the meter's limits"), ``flags`` the
    record's flags ("within_resolution", "net_not_positive"). ``shared``
    is True when the figure holds work that is not the block's own: another
    thread's window of the same monitor was open meanwhile (each reads the
    whole process), or the device is shared (a GPU in MIG mode). ``readings``
    holds one dict per device and domain."""

    def __init__(self, name):
        self.name = name
        self.energy_j = None
        self.gross_j = None
        self.net_j = None
        self.duration_s = None
        self.source = None
        self.devices = None
        self.is_estimate = None
        self.idle_subtracted = None
        self.resolution_j = None
        self.resolved = None
        self.shared = None
        self.flags = None
        self.readings = []

    def _fill(self, result):
        self.gross_j = result["gross_j"]
        self.net_j = result["net_j"]
        self.energy_j = self.net_j if result["idle_subtracted"] else self.gross_j
        self.duration_s = result["duration_s"]
        self.source = result["source"]
        self.devices = result["devices"]
        self.is_estimate = result["estimate"]
        self.idle_subtracted = result["idle_subtracted"]
        self.resolution_j = result["resolution_j"]
        self.resolved = result["resolved"]
        self.shared = result["shared"]
        self.flags = result["flags"]
        self.readings = result["readings"]

    def __repr__(self):
        if self.energy_j is None:
            return f"Window({self.name!r}, open)"
        kind = "estimate" if self.is_estimate else "measured"
        marks = "".join(f", {mark}" for mark, on in (("shared", self.shared),
                                                     ("not resolved", not self.resolved)) if on)
        return (f"Window({self.name!r}, {self.energy_j:.4g} J over {self.duration_s:.4g} s, "
                f"{self.source}, {kind}{marks})")


class EnergyMonitor:
    """Every meter this machine has (or those on `devices`, e.g. ["cpu"],
    ["cuda:0"]). `nvml_library` names libnvidia-ml when it is not where the
    loader looks. Raises ecopt.UnavailableError, with each backend's
    reason, when none can be read."""

    def __init__(self, devices=None, nvml_library=None):
        self._handle = _native.MonitorHandle(list(devices or []), nvml_library or "")
        self._windows = {}

    @property
    def meters(self):
        """One line per meter: device, model, counter."""
        return self._handle.meters()

    @property
    def unavailable(self):
        """Why each missing kind of sensor is missing."""
        return self._handle.unavailable()

    def measure_idle(self, seconds=1.0):
        """Measures idle power; later windows report net energy."""
        self._handle.measure_idle(seconds)

    @contextlib.contextmanager
    def window(self, name):
        """Measures the enclosed block. Windows may nest (distinct names)."""
        window = Window(name)
        self._handle.begin_window(name)
        try:
            yield window
        finally:
            window._fill(json.loads(self._handle.end_window(name)))
            self._windows.setdefault(name, []).append(window)

    def spread(self, name):
        """Median, min, max and median absolute deviation of ``energy_j``
        over every window of this name so far."""
        energies = [w.energy_j for w in self._windows.get(name, [])]
        if not energies:
            raise _native.InputError(f"no window named {name!r} has ended; measure one first")
        median = statistics.median(energies)
        return {"count": len(energies), "median_j": median, "min_j": min(energies),
                "max_j": max(energies),
                "mad_j": statistics.median(abs(e - median) for e in energies)}
