"""`import ecopt` loads ECOpt's core only: no torch, no optuna, and it
works where torch is not installed at all."""
import json
import os
import subprocess
import sys

BLOCK_TORCH = """
import importlib.abc, sys
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'torch':
            raise ImportError('torch is not installed here')
        return None
sys.meta_path.insert(0, NoTorch())
"""


def python(code):
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True).stdout


def test_import_loads_neither_torch_nor_optuna():
    out = python("import sys, ecopt\n"
                 "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'optuna'}))\n"
                 "print(any('libtorch' in line or 'libc10' in line "
                 "for line in open('/proc/self/maps')))")
    assert out.split("\n")[:2] == ["[]", "False"]


def test_import_works_without_torch_installed():
    out = python(BLOCK_TORCH + "import ecopt\nprint(ecopt.Study.__name__)")
    assert out.strip() == "Study"


def test_command_protocol_is_in_the_package(tmp_path):
    params_file = tmp_path / "params.json"
    params_file.write_text('{"lr": 0.01}')
    out = subprocess.run(
        [sys.executable, "-c",
         "import ecopt\nassert ecopt.params() == {'lr': 0.01}\n"
         "with ecopt.phase('inference', samples=8):\n    pass\n"
         "ecopt.report(accuracy=0.5)"],
        check=True, capture_output=True, text=True,
        env={**os.environ, "ECOPT_PARAMS_FILE": str(params_file)}).stdout
    assert out.splitlines() == [
        'ECOPT {"event": "begin", "phase": "inference"}',
        'ECOPT {"event": "end", "phase": "inference", "samples": 8}',
        'ECOPT {"accuracy": 0.5}',
    ]


def test_repeated_phase_is_in_the_package_and_syncs_around_the_repeats(tmp_path, cli):
    """A command trial run by `ecopt tune` repeats short work until the phase
    lasts ECOPT_MIN_PHASE_S, calling `sync` before its begin and end lines."""
    script = tmp_path / "trial.py"
    script.write_text(
        "import ecopt\n"
        "syncs = []\n"
        "calls = ecopt.repeated_phase('inference', lambda: sum(range(1000)), samples=4,\n"
        "                             sync=lambda: syncs.append(1))\n"
        "ecopt.report(f0=0.5, calls=calls, syncs=len(syncs), min_phase_s=ecopt.min_phase_s())\n")
    study = tmp_path / "study.toml"
    study.write_text(f"""
[study]
name = "repeated"
storage = "sqlite:///{tmp_path}/r.db"
sampler = "random"
n_trials = 1
[[objectives]]
name = "f0"
direction = "minimize"
[task]
kind = "command"
argv = ["{sys.executable}", "{script}"]
[space.x]
type = "float"
low = 0.0
high = 1.0
""")
    cli("tune", str(study))
    trial = json.loads(cli("trials", "--storage", f"sqlite:///{tmp_path}/r.db", "--study-name", "repeated",
                           "--format", "json"))[0]
    attrs = trial["user_attrs"]
    assert trial["state"] == "COMPLETE", trial["fail_reason"]
    assert attrs["syncs"] == 2
    assert attrs["calls"] > 1 and attrs["min_phase_s"] > 0
    assert attrs["inference_samples"] == 4 * attrs["calls"]
