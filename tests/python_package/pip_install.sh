#!/usr/bin/env bash
# `pip wheel` and `pip install` from a checkout, offline and without build
# isolation, with Debian's pip into a virtual environment made with
# --system-site-packages (issue 29): the in-tree backend builds the C++
# core, the command and the package; `import ecopt` and the `ecopt`
# command then work from the environment, outside the tree. Arguments:
# the checkout, Python.
set -euo pipefail
root=$1
python=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
cd "$work"
pip=(env -u PYTHONPATH venv/bin/python -m pip --disable-pip-version-check)
settings=(--config-settings "cmake-args=-DECOPT_WITH_TORCH=OFF -DECOPT_WITH_DASHBOARD=OFF -DECOPT_WITH_POSTGRES=OFF")
if ! "${pip[@]}" wheel --no-build-isolation --no-index --no-deps "${settings[@]}" -w dist "$root" > pip.log 2>&1; then
  tail -40 pip.log
  exit 1
fi
"${pip[@]}" install --no-index --no-deps dist/ecopt-*.whl > /dev/null
output=$(env -u PYTHONPATH venv/bin/python -c '
import ecopt
study = ecopt.Study.create(storage="sqlite:///pip.db", name="s")
trial = study.ask({"x": {"name": "FloatDistribution",
                         "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}})
study.tell(trial.number, trial.params["x"])
print(ecopt.__file__, len(study.best_trials), callable(ecopt.repeated_phase))
')
echo "$output"
[[ "$output" == "$work/venv/lib/python3."*"/site-packages/ecopt/__init__.py 1 True" ]]
# The installed command reads the study the installed package wrote.
venv/bin/ecopt trials --storage sqlite:///pip.db --study-name s --format json | grep -q '"state": *"COMPLETE"'
# And `pip install .` straight from the checkout (the build folder is reused).
"${pip[@]}" uninstall -y ecopt > /dev/null
"${pip[@]}" install --no-build-isolation --no-index --no-deps "${settings[@]}" "$root" > pip.log 2>&1 || { tail -40 pip.log; exit 1; }
env -u PYTHONPATH venv/bin/python -c 'import ecopt; print(ecopt.Study.__name__)' | grep -qx Study
venv/bin/ecopt --version
