"""ecopt.EnergyMonitor through the same discovery and windows as the C++
core: exact joules from the fake NVML library the C++ tests use (loaded
through the real dlopen path), and this machine's own meters."""
import ctypes
import os
import threading

import pytest

import ecopt


@pytest.fixture
def fake_nvml():
    path = os.environ.get("ECOPT_FAKE_NVML")
    if not path:
        pytest.fail("ECOPT_FAKE_NVML is not set: run these tests through ctest")
    library = ctypes.CDLL(path)  # the monitor's dlopen of the same path shares this state
    library.fake_nvml_reset()
    library.fake_nvml_add_device.restype = ctypes.c_int
    library.fake_nvml_set_energy_mj.argtypes = [ctypes.c_int, ctypes.c_ulonglong]
    index = library.fake_nvml_add_device(1, b"GPU-fake-0", b"Fake H100", 0, 0)
    library.fake_nvml_set_energy_mj(index, 1_000_000)
    return path, lambda mj: library.fake_nvml_set_energy_mj(index, mj)


def test_window_reports_the_counter_difference_and_its_source(fake_nvml):
    path, set_energy_mj = fake_nvml
    monitor = ecopt.EnergyMonitor(devices=["cuda"], nvml_library=path)
    with monitor.window("inference") as window:
        assert window.energy_j is None  # filled when the block ends
        set_energy_mj(1_012_500)
    assert window.energy_j == pytest.approx(12.5)
    assert window.gross_j == pytest.approx(12.5)
    assert window.idle_subtracted is False and window.net_j is None
    assert window.source == "nvml-energy-counter"
    assert window.is_estimate is False
    assert window.duration_s > 0
    assert [(r["device"], r["domain"]) for r in window.readings] == [("cuda:0", "gpu")]


def test_repeated_windows_give_their_spread(fake_nvml):
    path, set_energy_mj = fake_nvml
    monitor = ecopt.EnergyMonitor(devices=["cuda"], nvml_library=path)
    counter = 1_000_000
    for joules in (2.0, 4.0, 3.0):
        with monitor.window("step"):
            counter += int(joules * 1000)
            set_energy_mj(counter)
    spread = monitor.spread("step")
    assert spread == pytest.approx({"count": 3, "median_j": 3.0, "min_j": 2.0, "max_j": 4.0,
                                    "mad_j": 1.0})
    with pytest.raises(ecopt.InputError):
        monitor.spread("never")


def test_missing_meters_raise_with_every_reason(tmp_path):
    with pytest.raises(ecopt.UnavailableError, match="nvml") as error:
        ecopt.EnergyMonitor(devices=["cuda"], nvml_library=str(tmp_path / "none.so"))
    assert "\n" not in str(error.value)


def test_this_machine_measures_or_says_it_estimates():
    monitor = ecopt.EnergyMonitor(devices=["cpu"])
    with monitor.window("work") as window:
        sum(i * i for i in range(200_000))
    assert window.energy_j >= 0 and window.duration_s > 0
    assert window.readings
    assert window.is_estimate == any(r["estimate"] for r in window.readings)
    if window.is_estimate:
        assert "estimate" in window.source


def test_windows_of_two_threads_at_once_are_marked_shared(fake_nvml):
    # Issue 23: each window reads the whole process (here the whole GPU), so
    # two threads' windows open at once each hold the other's work.
    path, set_energy_mj = fake_nvml
    monitor = ecopt.EnergyMonitor(devices=["cuda"], nvml_library=path)
    both_open = threading.Barrier(2)
    windows = {}

    def measure(name):
        with monitor.window(name) as window:
            both_open.wait(timeout=30)
            windows[name] = window
            both_open.wait(timeout=30)

    threads = [threading.Thread(target=measure, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert windows["a"].shared is True and windows["b"].shared is True
    with monitor.window("alone") as alone:
        set_energy_mj(1_012_500)
    assert alone.shared is False
    assert alone.energy_j == pytest.approx(12.5)
    # A counter moving every 100 ms cannot resolve a window this short:
    # one step at its mean power hides more than it read.
    assert alone.resolved is False
    assert alone.resolution_j > alone.energy_j
    assert alone.flags == ["within_resolution"]
