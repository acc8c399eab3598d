"""python/ecopt.py's phase(): protocol lines, and the device sync before them."""
import contextlib
import io
import json
import sys
import types
import unittest

import ecopt


def protocol_lines(text):
    return [json.loads(line[len("ECOPT "):]) for line in text.splitlines() if line.startswith("ECOPT ")]


class Phase(unittest.TestCase):
    def run_phase(self, **options):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), ecopt.phase("inference", samples=10, **options):
            print("work")
        return out.getvalue()

    def test_lines_without_sync(self):
        self.assertEqual(protocol_lines(self.run_phase()),
                         [{"event": "begin", "phase": "inference"},
                          {"event": "end", "phase": "inference", "samples": 10}])

    def test_a_sync_function_runs_before_each_line(self):
        seen = []
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            with ecopt.phase("inference", sync=lambda: seen.append(out.getvalue())):
                print("work")
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0], "")  # before the begin line
        self.assertEqual([line["event"] for line in protocol_lines(seen[1])], ["begin"])
        self.assertIn("work", seen[1])  # after the block, before the end line

    def test_cuda_sync_never_imports_torch(self):
        saved = sys.modules.pop("torch", None)
        try:
            self.run_phase(sync="cuda")
            self.assertNotIn("torch", sys.modules)
        finally:
            if saved is not None:
                sys.modules["torch"] = saved

    def test_cuda_sync_synchronises_torch_once_cuda_is_initialised(self):
        calls = []
        fake_torch = types.ModuleType("torch")
        fake_torch.cuda = types.SimpleNamespace(is_initialized=lambda: initialised,
                                                synchronize=lambda: calls.append("sync"))
        saved = sys.modules.get("torch")
        sys.modules["torch"] = fake_torch
        try:
            initialised = False
            self.run_phase(sync="cuda")
            self.assertEqual(calls, [])  # no CUDA context: nothing can be queued
            initialised = True
            self.run_phase(sync="cuda")
            self.assertEqual(calls, ["sync", "sync"])
        finally:
            if saved is None:
                del sys.modules["torch"]
            else:
                sys.modules["torch"] = saved

    def test_a_bad_sync_is_refused_before_any_line(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), self.assertRaises(ValueError):
            with ecopt.phase("inference", sync="rocm"):
                pass
        self.assertEqual(out.getvalue(), "")


if __name__ == "__main__":
    unittest.main()
