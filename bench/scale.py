#!/usr/bin/env python3
"""The Scale issue's figures in one run: Détente's commands and DuckDB's
queries on the same generated CSV files, each timed with its peak memory,
and each ratio printed.

    python3 bench/scale.py DIR DETENTE_BINARY

DIR holds contacts.csv, accounts.csv and events.csv as `detente generate
--events-format csv --no-gzip` writes them (bench/scale.sh makes them).
Times are wall clock, from start to exit, reading the CSV included; peak
memory is the child's maximum resident set (getrusage). DuckDB runs in a
child process of its own, timed inside it (the query alone, not the
import). This process never loads DuckDB: a child's peak memory counts
its parent's from before it started (Linux keeps the figure across
exec), so a parent holding DuckDB made every command look as large.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

# The end of `detente generate`'s default period.
AS_OF = "2026-10-31"


def run_measured(cmd):
    """Wall time (s) and peak RSS (MiB) of one child, through wait4."""
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0),
    ])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


def duckdb_time(code):
    """Runs `code` in a child Python with DuckDB; what it prints."""
    here = str(Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": here})
    return out.stdout.strip()


def timed(setup, body):
    """The seconds `body` took in a child, after `setup`. DuckDB draws a
    progress bar on standard output for long queries (without a line
    break at its end): the time is the last word printed."""
    out = duckdb_time(f"import time, duckdb\n{setup}\nstart = time.perf_counter()\n{body}\n"
                      "print(time.perf_counter() - start)")
    return float(out.split()[-1])


def main():
    data, binary = Path(sys.argv[1]), sys.argv[2]
    events = data / "events.csv"
    rows = sum(1 for _ in open(events, "rb")) - 1
    files = ["--contacts", str(data / "contacts.csv"), "--accounts", str(data / "accounts.csv"),
             "--events", str(events)]
    acme = ["--policy", "policies/acme.detente", *files]
    changed = data / "acme-fit35.detente"
    changed.write_text(Path("policies/acme.detente").read_text().replace("fit >= 30", "fit >= 35"))

    # The same events as an export sorted by date has them (a stable
    # sort on `at`, each account's events in their order): the report
    # groups them by account first, in temporary files. Made by
    # bench/scale.sh with `sort`, which sorts outside memory.
    by_date = data / "events-by-date.csv"
    by_date_files = [*files[:-1], str(by_date)]

    group_by = (f"select contact, count(*), min(\"at\"), max(\"at\") "
                f"from read_csv('{events}') group by contact")
    sql_group = timed("con = duckdb.connect(); con.execute('SET enable_progress_bar = false')", f"con.execute({group_by!r}).fetchall()")
    sql_funnel = timed("import duckdb_baseline, pathlib",
                       f"duckdb_baseline.duckdb_counts(pathlib.Path({str(data)!r}))")
    version = duckdb_time("import duckdb; print(duckdb.__version__)")

    runs = [
        ("classify --stream --as-of", [binary, "classify", "--stream", "-o", "jsonl", "--as-of", AS_OF, *acme],
         "3,000,000 events/s", None),
        ("classify --stream", [binary, "classify", "--stream", "-o", "jsonl", *acme],
         "<= DuckDB group by", sql_group),
        ("report -o json", [binary, "report", "-o", "json", *acme], "<= 512 MiB at 100k", None),
        ("report, events by date", [binary, "report", "-o", "json", "--policy", "policies/acme.detente",
                                    *by_date_files], "<= 512 MiB at 100k", None),
        ("diff (fit >= 30 -> 35)", [binary, "diff", "policies/acme.detente", str(changed), "-o", "json", *files],
         "1,000,000 events/s, <= 768 MiB at 100k", None),
        ("funnel (bench/funnel.detente)", [binary, "classify", "--stream", "-o", "csv", "--as-of", AS_OF,
                                           "--policy", "bench/funnel.detente", *files],
         "faster than DuckDB", sql_funnel),
    ]
    print(f"{os.cpu_count()} cores, {rows:,} event rows (CSV), DuckDB {version}")
    print(f"DuckDB `{group_by.replace(str(events), 'events.csv')}`: {sql_group:.2f} s")
    print(f"DuckDB funnel (bench/duckdb_baseline.py): {sql_funnel:.2f} s")
    print()
    print(f"| {'command':<30} | {'time':>8} | {'events/s':>11} | {'peak':>9} | {'÷ DuckDB':>8} | target")
    print(f"|{'-' * 32}|{'-' * 10}|{'-' * 13}|{'-' * 11}|{'-' * 10}|-------")
    for name, cmd, target, baseline in runs:
        wall, mib = run_measured(cmd)
        ratio = f"{wall / baseline:.1f}×" if baseline else "—"
        print(f"| {name:<30} | {wall:>6.2f} s | {rows / wall:>11,.0f} | {mib:>5,.0f} MiB | {ratio:>8} | {target}",
              flush=True)


if __name__ == "__main__":
    main()
