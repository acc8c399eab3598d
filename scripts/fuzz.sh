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
cmake --build "$build" -j2 --target "${targets[@]/%/_fuzzer}"

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

# JSON nested 100,000 levels deep once overflowed the stack; the JSON
# targets start from such a seed, read inputs up to 256 KiB and get a
# dictionary whose openers let mutations nest deeper still.
nested() {  # prefix, depth, suffix
  printf '%s' "$1"; head -c "$2" /dev/zero | tr '\0' '['; printf 0; head -c "$2" /dev/zero | tr '\0' ']'
  printf '%s' "$3"
}
nested '{"x": ' 100000 '}' >"$build/corpus-search_space/deep-100000.json"
nested 'ECOPT {"d": ' 100000 '}' >"$build/corpus-protocol_line/deep-100000.txt"
json_options() {  # target
  case "$1" in
    search_space|protocol_line) echo "-max_len=262144 -dict=../fuzz/json.dict" ;;
    *) echo "-max_len=4096" ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  corpus="$build/corpus-$target"
  echo "fuzz: ${target}_fuzzer for ${seconds}s"
  # shellcheck disable=SC2046  # json_options gives separate flags
  (cd "$build" && ./"${target}_fuzzer" -max_total_time="$seconds" $(json_options "$target") \
      -timeout=10 -print_final_stats=1 "../$corpus") 2>&1 | tail -n 25 || status=1
done
exit $status
