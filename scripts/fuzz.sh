#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan in
# build-fuzz/ and runs each for a bounded time, seeded with the bad-input
# suite and the shipped studies. Usage:
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 300)
# A crash leaves its input as build-fuzz/crash-* and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
build=build-fuzz

cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2

seed_corpus() {  # target, file patterns...
  local corpus="$build/corpus-$1"
  mkdir -p "$corpus"
  shift
  for file in "$@"; do [ -f "$file" ] && cp "$file" "$corpus/"; done
  echo "$corpus"
}
study_corpus=$(seed_corpus study_file tests/bad-input/studies/*.toml studies/*.toml)
space_corpus=$(seed_corpus search_space tests/bad-input/spaces/*.json)

status=0
for run in "study_file_fuzzer $study_corpus" "search_space_fuzzer $space_corpus"; do
  set -- $run
  echo "fuzz: $1 for ${seconds}s"
  (cd "$build" && ./"$1" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
      -print_final_stats=1 "../$2") 2>&1 | tail -n 25 || status=1
done
exit $status
