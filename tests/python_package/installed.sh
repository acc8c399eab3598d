#!/usr/bin/env bash
# Installs the built ECOpt into a virtual environment of the package's
# Python (offline, --system-site-packages for Debian's optuna), as the
# README says, and uses the installed package and command there, outside
# the build tree. Arguments: build dir, Python.
set -euo pipefail
build_dir=$1
python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
cmake --install "$build_dir" --prefix "$work/venv" > /dev/null
cd "$work"
output=$(env -u PYTHONPATH venv/bin/python -c '
import ecopt
study = ecopt.Study.create(storage="sqlite:///installed.db", name="s")
trial = study.ask({"x": {"name": "FloatDistribution",
                         "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}})
study.tell(trial.number, trial.params["x"])
print(ecopt.__file__, len(study.best_trials))
')
echo "$output"
[[ "$output" == "$work/venv/lib/python3."*"/site-packages/ecopt/__init__.py 1" ]]
# The installed command exports the study for Optuna, which opens it.
venv/bin/ecopt export --to optuna --storage sqlite:///installed.db --study-name s \
  --out sqlite:///optuna.db
env -u PYTHONPATH venv/bin/python -c '
import optuna
assert len(optuna.load_study(storage="sqlite:///optuna.db", study_name="s").best_trials) == 1
'
