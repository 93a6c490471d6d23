#!/usr/bin/env bash
# The Scale issue's figures in one command: generates the data, runs
# Détente and DuckDB on the same CSV files and prints each figure with its
# ratio and target (bench/scale.py). Record the output in BENCHMARKS.md.
#
#   bash bench/scale.sh                    # 100,000 contacts (~2.5M events)
#   CONTACTS=1000000 bash bench/scale.sh   # the large run (~25M events)
#
# DIR keeps the generated files between runs (default: a folder under
# /tmp named by the size). DuckDB comes from the Python registry, into a
# virtual environment beside the data when it is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/data.sh

python=python3
if ! python3 -c "import duckdb" 2>/dev/null; then
  if [ ! -x "$DIR/.venv/bin/python" ]; then
    python3 -m venv "$DIR/.venv"
    "$DIR/.venv/bin/pip" install --quiet duckdb
  fi
  python="$DIR/.venv/bin/python"
fi
# The events as an export sorted by date: a stable sort on `at` (the
# third column), outside memory.
if [ ! -f "$DIR/events-by-date.csv" ]; then
  (head -n1 "$DIR/events.csv"; tail -n+2 "$DIR/events.csv" | LC_ALL=C sort -t, -k3,3 -s -S 256M) \
    > "$DIR/events-by-date.csv"
fi
"$python" bench/scale.py "$DIR" "$bin"
