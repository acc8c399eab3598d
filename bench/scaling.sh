#!/usr/bin/env bash
# Reproduces docs/benchmarks/scaling.md: at each study size, in one run,
#   - `ecopt tune` alone on SQLite,
#   - `ecopt tune --workers 4` on a throw-away PostgreSQL 15 server,
#   - `ecopt report` of the SQLite study,
#   - Optuna 3.1's own loop (RandomSampler, its SQLite storage),
# all on ZDT1 with 6 variables and a random sampler, so that the tuners'
# own overhead is what is timed. Wall time and max RSS come from GNU time;
# per-trial overhead from the trials' start times in each database.
# Usage: bench/scaling.sh [BUILD_DIR] [OUT_DIR] [SIZES...]   (default 100 1000 5000)
# OPTUNA_LIMIT_S (default 1800) stops an Optuna run that takes longer; the
# table then says how far it got.
set -euo pipefail
build_dir=$(realpath "${1:-build}")
out_dir=${2:-$build_dir/scaling-bench}
shift $(($# < 2 ? $# : 2))
sizes=("${@:-100 1000 5000}")
read -r -a sizes <<< "${sizes[*]}"
here=$(cd "$(dirname "$0")" && pwd)
ecopt=$build_dir/src/cli/ecopt
pg_bin=/usr/lib/postgresql/15/bin
mkdir -p "$out_dir"
out_dir=$(realpath "$out_dir")
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

[[ -x $ecopt ]] || { echo "no $ecopt; build it with scripts/build.sh --target ecopt_cli" >&2; exit 1; }

# A throw-away PostgreSQL server (fsync off, as the tests run it), owned by
# the 'postgres' user when run as root.
pg_dir=$(mktemp -d /tmp/ecopt-scaling-pg-XXXXXX)
as_pg=()
if [[ $(id -u) == 0 ]]; then
  chown postgres "$pg_dir"
  as_pg=(runuser -u postgres --)
fi
stop_pg() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap stop_pg EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo bench > "$pg_dir/password"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U ecopt --auth=scram-sha-256 \
  --pwfile="$pg_dir/password" --no-sync -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w start \
  -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" >/dev/null
pg_url() { echo "postgresql://ecopt:bench@127.0.0.1:$port/$1"; }
pg_sql() { PGPASSWORD=bench psql -h 127.0.0.1 -p "$port" -U ecopt -d "$1" -At -F ' ' -c "$2"; }

study_file() {  # SIZE STORAGE
  cat <<EOF
[study]
name = "zdt1-random"
storage = "$2"
sampler = "random"
seed = 1
n_trials = $1

[[objectives]]
name = "f0"
direction = "minimize"
threshold = 1.1

[[objectives]]
name = "f1"
direction = "minimize"
threshold = 1.1

[task]
kind = "test-problem"
problem = "zdt1"
n_vars = 6
EOF
}

timed() {  # NAME COMMAND...: wall, user and system seconds, max RSS (KiB) into NAME.time
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$name.time" "$@" > "$name.log" 2>&1 || true
}

for n in "${sizes[@]}"; do
  run=$out_dir/$n
  rm -rf "$run"
  mkdir -p "$run"
  echo "== $n trials"
  study_file "$n" "sqlite:///$run/ecopt.db" > "$run/study.toml"
  timed "$run/tune" "$ecopt" tune "$run/study.toml"
  echo "tune: $(cat "$run/tune.time")"

  pg_sql postgres "CREATE DATABASE scale_$n" > /dev/null
  study_file "$n" "$(pg_url "scale_$n")" > "$run/study-pg.toml"
  timed "$run/workers" "$ecopt" tune "$run/study-pg.toml" --workers 4
  pg_sql "scale_$n" "SELECT count(*), count(DISTINCT number), count(DISTINCT params_json),
            count(*) FILTER (WHERE state = 'COMPLETE'), min(started_at), max(started_at)
       FROM trials" > "$run/workers.check"
  pg_sql "scale_$n" "SELECT started_at FROM trials ORDER BY started_at" > "$run/workers.starts"
  echo "workers: $(cat "$run/workers.time") (trials, numbers, params, complete: $(cut -d' ' -f1-4 "$run/workers.check"))"

  timed "$run/report" "$ecopt" report --storage "sqlite:///$run/ecopt.db" --study zdt1-random --out "$run/report"
  echo "report: $(cat "$run/report.time"), report.html $(stat -c %s "$run/report/report.html") bytes"

  timed "$run/optuna" timeout -s INT "${OPTUNA_LIMIT_S:-1800}" \
    /usr/bin/python3 "$here/scaling_optuna.py" --trials "$n" --storage "sqlite:///$run/optuna.db"
  echo "optuna: $(cat "$run/optuna.time")"
done

/usr/bin/python3 "$here/scaling_table.py" "$out_dir" "${sizes[@]}" | tee "$out_dir/table.md"
