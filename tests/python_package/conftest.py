"""Shared fixtures: the real ecopt CLI (ECOPT_CLI, set by ctest) and a
temporary SQLite storage URL."""
import os
import subprocess

import pytest


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path}/study.db"


@pytest.fixture
def cli():
    binary = os.environ.get("ECOPT_CLI")
    if not binary:
        pytest.fail("ECOPT_CLI is not set: run these tests through ctest")

    def run(*args):
        return subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return run
