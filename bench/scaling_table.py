#!/usr/bin/python3
"""The Markdown table of docs/benchmarks/scaling.md from a bench/scaling.sh run.

Usage: scaling_table.py OUT_DIR SIZE...
Per-trial overhead is the mean gap between consecutive trial starts, over
the first 100 and over the last 100 trials of the run (read from each
database), so the cost at a study's start and at its end are compared.
"""
import datetime
import os
import sqlite3
import sys

WINDOW = 100


def timing(path):
    """Wall seconds, CPU seconds (user + system) and max RSS in MiB from GNU time."""
    with open(path) as f:
        wall, user, system, rss_kib = f.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss_kib) / 1024


def gap_ms(starts_ms):
    """Mean start-to-start gap (ms) over the first and the last WINDOW trials."""
    starts_ms = sorted(starts_ms)
    k = min(WINDOW, len(starts_ms) - 1)
    first = (starts_ms[k] - starts_ms[0]) / k
    last = (starts_ms[-1] - starts_ms[-1 - k]) / k
    return first, last


def ecopt_starts(db):
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT started_at FROM trials")]


def optuna_starts(db):
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT datetime_start FROM trials").fetchall()
    return [datetime.datetime.fromisoformat(r[0]).timestamp() * 1000 for r in rows]


def main():
    out_dir, sizes = sys.argv[1], sys.argv[2:]
    print("| trials | ECOpt tune: wall s · CPU s | ms/trial, first 100 → last 100 | max RSS MiB "
          "| Optuna: wall s · CPU s | ms/trial, first 100 → last 100 | max RSS MiB "
          "| Optuna / ECOpt, wall · CPU "
          "| 4 workers on PostgreSQL: wall s | ms/trial, first 100 → last 100 "
          "| trials · distinct numbers · distinct params · COMPLETE "
          "| report: wall s | report.html MB | report max RSS MiB |")
    print("|" + " --- |" * 14)
    for n in sizes:
        run = os.path.join(out_dir, n)
        tune_s, tune_cpu, tune_rss = timing(os.path.join(run, "tune.time"))
        t_first, t_last = gap_ms(ecopt_starts(os.path.join(run, "ecopt.db")))
        opt_s, opt_cpu, opt_rss = timing(os.path.join(run, "optuna.time"))
        opt_starts = optuna_starts(os.path.join(run, "optuna.db"))
        o_first, o_last = gap_ms(opt_starts)
        optuna = f"{opt_s:.1f} · {opt_cpu:.1f}"
        ratio = f"{opt_s / tune_s:.1f}× · {opt_cpu / tune_cpu:.1f}×"
        if len(opt_starts) < int(n):  # stopped by OPTUNA_LIMIT_S
            optuna += f" (stopped after {len(opt_starts):,} trials)"
            ratio = "—"
        work_s, _, _ = timing(os.path.join(run, "workers.time"))
        w_first, w_last = gap_ms(worker_starts(os.path.join(run, "workers.starts")))
        with open(os.path.join(run, "workers.check")) as f:
            check = " · ".join(f.read().split()[:4])
        rep_s, _, rep_rss = timing(os.path.join(run, "report.time"))
        html_mb = os.path.getsize(os.path.join(run, "report", "report.html")) / 1e6
        print(f"| {int(n):,} | {tune_s:.1f} · {tune_cpu:.1f} | {t_first:.1f} → {t_last:.1f} "
              f"| {tune_rss:.0f} | {optuna} | {o_first:.1f} → {o_last:.1f} | {opt_rss:.0f} "
              f"| {ratio} | {work_s:.1f} | {w_first:.1f} → {w_last:.1f} | {check} "
              f"| {rep_s:.2f} | {html_mb:.2f} | {rep_rss:.0f} |")


def worker_starts(path):
    with open(path) as f:
        return [int(line) for line in f if line.strip()]


if __name__ == "__main__":
    main()
