#!/usr/bin/env bash
# Reproduces docs/benchmarks/optimizers.md: ECOpt's samplers and Optuna
# 3.1's (and 4.9's TPE) on ZDT1, ZDT2, ZDT3, DTLZ2 and the mixed-parameter problem (5
# seeds, 100 evaluations, one thread each), mobo and Optuna 4.9's TPE on the
# low-dimensional problems of the qNEHVI literature (Branin-Currin, DTLZ2
# with 2 objectives) with and without noise, mobo's reference rules, noisy
# observations, pending trials and long studies, then the tables. Hours of
# CPU in all; each part writes its own JSONL, so parts can be rerun alone
# (PARTS="plain noise" ...).
# Usage: bench/run_optimizer_bench.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build_dir=${1:-build}
out_dir=${2:-$build_dir/optimizer-bench}
parts=${PARTS:-plain rules noise pending long mixed warm optuna optuna49 problems}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out_dir"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

cmake --build "$build_dir" --target ecopt_bench_optimizers
bench() { "$build_dir/bench/ecopt_bench_optimizers" --large-history 0 "$@"; }
for part in $parts; do
  case $part in
    plain) bench --thresholds none,given --large-history 1000 > "$out_dir/plain.jsonl" ;;
    rules) bench --samplers mobo --thresholds none --rules front_nadir,observed_worst > "$out_dir/rules.jsonl" ;;
    noise) { bench --samplers mobo --problems zdt1 --thresholds none --noise 0.01,0.05,0.1
             bench --samplers mobo --problems zdt3 --thresholds none --noise 0.05
             bench --samplers mobo --problems dtlz2 --thresholds none --noise 0.05
             for options in '{"noisy": true}' '{"noisy": false}' '{"posterior_samples": 16}'; do
               bench --samplers mobo --problems dtlz2 --thresholds none --noise 0.05 --seeds 3 --mobo-options "$options"
             done; } > "$out_dir/noise.jsonl" ;;
    pending) { bench --samplers mobo --problems zdt1,dtlz2 --thresholds none --pending 4,8
               bench --samplers mobo --problems zdt1,dtlz2 --thresholds none --pending 4,8 \
                 --mobo-options '{"pending_outcomes": "sampled"}'; } > "$out_dir/pending.jsonl" ;;
    long) bench --samplers mobo --problems zdt1,dtlz2 --thresholds none --seeds 2 --evaluations 400 > "$out_dir/long.jsonl" ;;
    mixed) bench --samplers mobo --problems mixed --thresholds none,given > "$out_dir/mixed.jsonl" ;;
    # Warm-started from 100 trials of the problem's shifted and scaled copy (2 f + 1), and of
    # that copy with its distance variables moved (a weak relation); the cold start beside.
    warm) { bench --samplers mobo --problems dtlz2,zdt1 --thresholds none --evaluations 50 --warm-start 100
            bench --samplers mobo --problems dtlz2,zdt1 --thresholds none --evaluations 50 --warm-start 100 \
              --warm-relation moved
            bench --samplers mobo --problems dtlz2,zdt1 --thresholds none --evaluations 50; } \
            > "$out_dir/warm_start.jsonl" ;;
    optuna) { /usr/bin/python3 "$here/optuna_bench.py"
              /usr/bin/python3 "$here/optuna_bench.py" --samplers motpe --problems zdt1,zdt3 --noise 0.01,0.05,0.1
              /usr/bin/python3 "$here/optuna_bench.py" --samplers motpe --problems dtlz2 --noise 0.05
              /usr/bin/python3 "$here/optuna_bench.py" --samplers motpe --problems mixed; } \
              > "$out_dir/optuna.jsonl" ;;
    # Optuna 4.9's multivariate TPE (the default multi-objective sampler from 5.0), vendored.
    optuna49) { export PYTHONPATH=$here/../../shared/vendor/optuna-4.9.0
                /usr/bin/python3 "$here/optuna_bench.py" --samplers motpe --problems zdt1,zdt2,zdt3,dtlz2,mixed
                /usr/bin/python3 "$here/optuna_bench.py" --samplers motpe --problems zdt1,zdt3,dtlz2 --noise 0.05
                unset PYTHONPATH; } > "$out_dir/optuna49.jsonl" ;;
    # Branin-Currin, DTLZ2 with 2 objectives and 3-variable ZDT1-3 and DTLZ2 (2 objectives),
    # noise-free and with 2 % and 5 % noise.
    problems) { low=branin_currin,dtlz2_2obj,zdt1:3,zdt2:3,zdt3:3,dtlz2_2obj:3
                bench --samplers mobo --problems $low --thresholds none --noise 0,0.02,0.05
                PYTHONPATH=$here/../../shared/vendor/optuna-4.9.0 /usr/bin/python3 "$here/optuna_bench.py" \
                  --samplers motpe --problems $low --noise 0,0.02,0.05; } \
                > "$out_dir/problems.jsonl" ;;
    *) echo "unknown part $part; use plain rules noise pending long mixed warm optuna optuna49 problems" >&2; exit 1 ;;
  esac
done
# BoTorch's figures (ZDT1, ZDT2, DTLZ2 with the reference given), where the anchors are checked out.
anchors=${ANCHORS:-$here/../../shared/anchors}
recorded=()
[[ -f $anchors/botorch_qlognehvi.jsonl ]] && recorded=(--botorch "$anchors/botorch_qlognehvi.jsonl")
python3 "$here/optim_table.py" "${recorded[@]}" "$out_dir"/*.jsonl | tee "$out_dir/table.md"
