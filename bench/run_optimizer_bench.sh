#!/usr/bin/env bash
# Reproduces docs/benchmarks/optimizers.md: ECOpt's samplers and Optuna
# 3.1's on ZDT1, ZDT2 and DTLZ2, 5 seeds, 100 evaluations, one thread each.
# Usage: bench/run_optimizer_bench.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build_dir=${1:-build}
out_dir=${2:-$build_dir/optimizer-bench}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out_dir"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

cmake --build "$build_dir" --target ecopt_bench_optimizers
"$build_dir/bench/ecopt_bench_optimizers" --seeds 5 --evaluations 100 --large-history 1000 > "$out_dir/ecopt.jsonl"
/usr/bin/python3 "$here/optuna_bench.py" --seeds 5 --evaluations 100 > "$out_dir/optuna.jsonl"
python3 "$here/optim_table.py" "$out_dir/ecopt.jsonl" "$out_dir/optuna.jsonl" | tee "$out_dir/table.md"
