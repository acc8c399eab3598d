#!/bin/bash
# Usage (as root, for mount): scripts/fault-disk-full.sh ECOPT LABEL RUNS —
# tunes zdt1 into an SQLite file on a
# tmpfs of 72, 80, ... KiB (one size per run) until the disk is full; counts the trials stored
# without params and RUNNING trials left behind.
E=$1; label=$2; runs=$3
dir=/tmp/faults/full-$label
mkdir -p $dir
for run in $(seq 1 $runs); do
  mountpoint -q $dir && umount $dir
  mount -t tmpfs -o size=$((64 + 8 * run))k tmpfs $dir
  timeout 300 nice -n 19 $E tune "$(dirname "$0")/../studies/zdt1-quick.toml" --storage sqlite:///$dir/z.db --n-trials 2000 > /tmp/faults/out-$label.txt 2> /tmp/faults/err-$label.txt
  code=$?
  # The WAL too: committed trials may not have reached the main file yet.
  for part in "" -wal; do cp $dir/z.db$part /tmp/faults/z-$label-$run.db$part 2>/dev/null; done
  umount $dir
  python3 - "$label" "$run" "$code" "/tmp/faults/z-$label-$run.db" "/tmp/faults/err-$label.txt" <<'PY'
import sqlite3, sys
label, run, code, db, err = sys.argv[1:]
c = sqlite3.connect(db)
rows = c.execute("select number, state, params_json from trials").fetchall()
empty = [n for n, s, p in rows if p in ('{}', '', None)]
running = [n for n, s, p in rows if s == 'RUNNING']
print(f"{label} run {run}: exit {code}, {len(rows)} trials, {len(empty)} without params {empty[:5]}, {len(running)} RUNNING {running[:5]}; error: {open(err).read().strip()[:160]}")
PY
done
