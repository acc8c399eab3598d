#!/usr/bin/env bash
# The main job: install, build, then tune the embedded default study
# (a small CNN on Fashion-MNIST, accuracy against inference energy), write
# its report and say what to open and run next.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target ecopt_cli
study_file=${1:-studies/demo-fashion-mnist.toml}
ecopt=build/src/cli/ecopt
"$ecopt" tune "$study_file"
# The study's name and storage, as the file gives them.
name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$study_file" | head -n 1)
storage=$(sed -n 's/^storage *= *"\(.*\)"/\1/p' "$study_file" | head -n 1)
"$ecopt" report --storage "$storage" --study-name "$name" --out "$name-report"
cat <<NEXT

Open the report:      $PWD/$name-report/report.html
Watch it live:        $ecopt dashboard --storage $storage   (then http://127.0.0.1:8080)
Tune your own script: a study file naming it, as examples/pytorch-fashion-mnist/ does
                      (docs/command-protocol.md): $ecopt tune examples/pytorch-fashion-mnist/study.toml --stream-output
Put ecopt on PATH:    cmake --install build --prefix ~/.local   (installs ~/.local/bin/ecopt)
NEXT
