#!/usr/bin/env bash
# Load test of `ecopt dashboard` (docs/benchmarks/dashboard.md): 50
# concurrent clients for 30 s on loopback against a 1,000-trial SQLite
# study, first on the changes endpoint every open page polls (while a
# writer tells a trial per second), again while 4 running trials also
# stream a learning-curve point and a log line every 250 ms each, then on
# the whole study page. Prints wrk's latency percentiles and the server's
# resident memory.
# Usage: bench/dashboard_load.sh [BUILD_DIR]   (needs wrk: install-deps.sh)
set -euo pipefail
build=${1:-build}
ecopt=$build/src/cli/ecopt
filler=$build/bench/ecopt_bench_dashboard_study
work=$(mktemp -d)
port=${ECOPT_BENCH_PORT:-18080}
url="sqlite:///$work/load.db"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$filler" "$url" load 1000 0
"$ecopt" dashboard --storage "$url" --port "$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/studies" >/dev/null && break
  sleep 0.2
done
rss() { grep -E '^(VmRSS|VmHWM)' "/proc/$server/status" | tr -s ' \t' ' ' | paste -sd' '; }
echo "server pid $server, idle: $(rss)"
page_bytes=$(curl -sf "http://127.0.0.1:$port/study?name=load" | wc -c)
version=$(curl -sf "http://127.0.0.1:$port/api/changes?name=load&since=0" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
echo "study page: $page_bytes bytes at version $version; after the first render: $(rss)"

echo "== 50 clients polling /api/changes for 30 s, one trial told per second =="
"$filler" "$url" load 1000 30 &
writer=$!
ECOPT_START_VERSION=$version wrk -t2 -c50 -d30s --latency -s "$(dirname "$0")/dashboard_poll.lua" \
  "http://127.0.0.1:$port/"
wait "$writer"
echo "server memory: $(rss)"

echo "== 50 clients polling /api/changes for 30 s, one trial told per second, 4 running trials each reporting a point and a log line every 250 ms =="
version=$(curl -sf "http://127.0.0.1:$port/api/changes?name=load&since=0" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
"$filler" "$url" load 1000 30 4 &
writer=$!
ECOPT_START_VERSION=$version wrk -t2 -c50 -d30s --latency -s "$(dirname "$0")/dashboard_poll.lua" \
  "http://127.0.0.1:$port/"
wait "$writer"
echo "server memory: $(rss)"
echo "study page now: $(curl -sf "http://127.0.0.1:$port/study?name=load" | wc -c) bytes"

echo "== 50 clients loading the whole study page for 30 s =="
wrk -t2 -c50 -d30s --latency "http://127.0.0.1:$port/study?name=load"
echo "server memory: $(rss)"
