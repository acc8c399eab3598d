#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in
# build-fuzz/ and runs each for a bounded time, seeded with the bad-input
# suite, the shipped studies and fuzz/seeds/. Usage:
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# SECONDS_PER_TARGET defaults to 300; TARGET is study_file, search_space,
# protocol_line or storage_url (default: all four).
# A crash leaves its input as build-fuzz/crash-* and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else targets=(study_file search_space protocol_line storage_url); fi
build=build-fuzz

cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2

seed_corpus() {  # target, files...
  local corpus="$build/corpus-$1"
  mkdir -p "$corpus"
  shift
  cp "$@" "$corpus/"
}
seed_corpus study_file tests/bad-input/studies/*.toml studies/*.toml
seed_corpus search_space tests/bad-input/spaces/*.json
seed_corpus protocol_line fuzz/seeds/protocol_line/*
seed_corpus storage_url fuzz/seeds/storage_url/*

status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus-$target"
  echo "fuzz: ${target}_fuzzer for ${seconds}s"
  (cd "$build" && ./"${target}_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
      -print_final_stats=1 "../$corpus") 2>&1 | tail -n 25 || status=1
done
exit $status
