"""`import ecopt` loads ECOpt's core only: no torch, no optuna, and it
works where torch is not installed at all."""
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
