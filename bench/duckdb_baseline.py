#!/usr/bin/env python3
"""The funnel a RevOps analyst would otherwise write in SQL, against
Détente on the same CSV files (issue #5).

    python3 bench/duckdb_baseline.py DIR [DETENTE_BINARY]

DIR holds contacts.csv and events.csv as `detente generate --events-format
csv --no-gzip` writes them. Both sides compute, for every contact, how far
it got along subscriber -> lead -> mql -> sal -> opportunity -> customer
(each stage reached by the first matching event at or after the previous
one: bench/funnel.detente), and count the contacts reaching each stage.
Prints both counts, the time each took (wall clock, including reading the
CSV) and the ratio.

They are not identical by construction: Détente also folds merged
contacts into their survivors, applies `set_stage` rows (a rep's manual
moves), and orders events at one instant by row; the SQL does none of
that. The differences are printed.
"""

import csv
import subprocess
import sys
import time
from pathlib import Path

try:
    import duckdb
except ImportError:
    sys.exit("needs DuckDB: pip install duckdb")

# The end of `detente generate`'s default period: given, so the events
# are read once (without it Détente first reads them for the latest time).
AS_OF = "2026-10-31"

STAGES = ["subscriber", "lead", "mql", "sal", "opportunity", "customer"]

SQL = """
WITH e AS (
  SELECT DISTINCT id, contact, type, form, verdict,
         coalesce(try_cast("at" AS TIMESTAMPTZ), try_cast("at" AS DATE)::TIMESTAMPTZ) AS t
  FROM read_csv('{events}', all_varchar = true)
),
everyone AS (
  SELECT id AS contact FROM read_csv('{contacts}', all_varchar = true)
  UNION SELECT contact FROM e
),
lead AS (
  SELECT contact, min(t) AS t FROM e WHERE type = 'form_submit' GROUP BY contact
),
mql AS (
  SELECT e.contact, min(e.t) AS t FROM e JOIN lead USING (contact)
  WHERE e.type = 'form_submit' AND e.form = 'demo' AND e.t >= lead.t GROUP BY e.contact
),
sal AS (
  SELECT e.contact, min(e.t) AS t FROM e JOIN mql USING (contact)
  WHERE e.type = 'sales_feedback' AND e.verdict = 'accept' AND e.t >= mql.t GROUP BY e.contact
),
opportunity AS (
  SELECT e.contact, min(e.t) AS t FROM e JOIN sal USING (contact)
  WHERE e.type = 'opportunity_created' AND e.t >= sal.t GROUP BY e.contact
),
customer AS (
  SELECT e.contact, min(e.t) AS t FROM e JOIN opportunity USING (contact)
  WHERE e.type = 'deal_won' AND e.t >= opportunity.t GROUP BY e.contact
)
SELECT (SELECT count(*) FROM everyone), (SELECT count(*) FROM lead),
       (SELECT count(*) FROM mql), (SELECT count(*) FROM sal),
       (SELECT count(*) FROM opportunity), (SELECT count(*) FROM customer)
"""


def duckdb_counts(data: Path):
    con = duckdb.connect()
    row = con.execute(
        SQL.format(events=data / "events.csv", contacts=data / "contacts.csv")
    ).fetchone()
    return list(row)


def detente_counts(data: Path, binary: str):
    cmd = [
        binary, "classify", "--stream", "-o", "csv", "--as-of", AS_OF,
        "--policy", "bench/funnel.detente",
        "--contacts", str(data / "contacts.csv"),
        "--accounts", str(data / "accounts.csv"),
        "--events", str(data / "events.csv"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    reached = [0] * len(STAGES)
    reader = csv.DictReader(proc.stdout)
    for row in reader:
        rank = STAGES.index(row["highest"]) if row["highest"] in STAGES else 0
        for k in range(rank + 1):
            reached[k] += 1
    if proc.wait() != 0:
        sys.exit(f"detente failed: {' '.join(cmd)}")
    return reached


def main():
    data = Path(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 else "./target/release/detente"
    start = time.perf_counter()
    sql = duckdb_counts(data)
    sql_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = detente_counts(data, binary)
    ours_s = time.perf_counter() - start
    print(f"{'stage':<12} {'DuckDB':>10} {'Détente':>10}")
    for stage, a, b in zip(STAGES, sql, ours):
        print(f"{stage:<12} {a:>10,} {b:>10,}")
    print(f"DuckDB {duckdb.__version__}: {sql_s:.2f} s; Détente: {ours_s:.2f} s; "
          f"Détente / DuckDB time = {ours_s / sql_s:.2f}")


if __name__ == "__main__":
    main()
