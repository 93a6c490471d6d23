#!/usr/bin/env bash
# Parquet input against CSV input at 100,000 contacts (bench/parquet.py):
# the files of bench/scale.sh, converted to Parquet by pyarrow, read by
# Détente and by DuckDB. Record the output in BENCHMARKS.md.
#
#   bash bench/parquet.sh          # DIR: as bench/scale.sh (generated if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/data.sh
python=python3
if ! python3 -c "import duckdb, pyarrow" 2>/dev/null; then
  if [ ! -x "$DIR/.venv/bin/python" ] || ! "$DIR/.venv/bin/python" -c "import duckdb, pyarrow" 2>/dev/null; then
    python3 -m venv "$DIR/.venv"
    "$DIR/.venv/bin/pip" install --quiet duckdb pyarrow
  fi
  python="$DIR/.venv/bin/python"
fi
"$python" bench/parquet.py "$DIR" "$bin"
