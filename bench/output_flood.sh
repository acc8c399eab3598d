#!/usr/bin/env bash
# Times how ECOpt reads a command trial's output as it grows (issue 16,
# item 4): one trial whose program prints SIZE MB as one stdout line, or as
# tqdm-style `\r` redraws of 100-byte lines, then its ECOPT line. Each size
# also runs with the output sent to /dev/null instead of to ECOpt, so the
# difference is ECOpt's own cost; linear reading means a constant s/MB.
# Usage: bench/output_flood.sh [BUILD_DIR] [SIZES_MB...]   (default 16 64 256 1024)
set -euo pipefail
build_dir=$(realpath "${1:-build}")
shift $(($# < 1 ? $# : 1))
sizes=("${@:-16 64 256 1024}")
read -r -a sizes <<< "${sizes[*]}"
ecopt=$build_dir/src/cli/ecopt
[[ -x $ecopt ]] || { echo "no $ecopt; build it with scripts/build.sh --target ecopt_cli" >&2; exit 1; }
work=$(mktemp -d /tmp/ecopt-flood-XXXXXX)
trap 'rm -rf "$work"' EXIT

study() {  # NAME SHELL_SNIPPET: a one-trial command study printing SNIPPET's output
  local snippet=${2//\\/\\\\}
  cat <<EOF
[study]
name = "$1"
storage = "sqlite:///$work/flood.db"
sampler = "random"
n_trials = 1

[[objectives]]
name = "score"
direction = "maximize"

[space.x]
type = "float"
low = 0.0
high = 1.0

[task]
kind = "command"
argv = ["/bin/sh", "-c", "$snippet; echo; echo 'ECOPT {{\"score\": 1}}'"]
EOF
}

cpu_s() {  # STUDY_FILE: user + system seconds of `ecopt tune`, children included
  /usr/bin/time -f "%U %S" -o "$work/time" "$ecopt" tune "$1" > "$work/log" 2>&1 ||
    { cat "$work/log" >&2; exit 1; }
  awk '{printf "%.3f", $1 + $2}' "$work/time"
}

echo "| output | MB | CPU s, to ECOpt | CPU s, to /dev/null | ECOpt's own s | s per MB |"
echo "|---|---|---|---|---|---|"
for mb in "${sizes[@]}"; do
  bytes=$((mb * 1000000))
  for kind in line redraws; do
    if [[ $kind == line ]]; then
      gen="head -c $bytes /dev/zero | tr '\\0' a"
    else
      gen="yes \$(head -c 99 /dev/zero | tr '\\0' a) | head -c $bytes | tr '\\n' '\\r'"
    fi
    study "$kind-$mb" "$gen" > "$work/to-ecopt.toml"
    study "$kind-$mb-null" "$gen > /dev/null" > "$work/to-null.toml"
    to_ecopt=$(cpu_s "$work/to-ecopt.toml")
    to_null=$(cpu_s "$work/to-null.toml")
    awk -v k="$kind" -v mb="$mb" -v a="$to_ecopt" -v b="$to_null" \
      'BEGIN { printf "| %s | %d | %.2f | %.2f | %.2f | %.4f |\n", k, mb, a, b, a - b, (a - b) / mb }'
  done
done
