#!/usr/bin/env bash
# End-to-end classify and report on generated data (issue #5): prints
# events/s and peak RSS, then the DuckDB baseline. Record the figures in
# BENCHMARKS.md.
#
#   bash bench/e2e.sh                     # 100,000 contacts (~2.6M events)
#   CONTACTS=1000000 WHOLE=0 bash bench/e2e.sh   # 1M contacts, --stream only
#
# WHOLE=0 skips the runs that hold all the data in memory (classify and
# report without --stream); DUCKDB=0 skips the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTACTS="${CONTACTS:-100000}"
WHOLE="${WHOLE:-1}"
DUCKDB="${DUCKDB:-1}"
DIR="${DIR:-$(mktemp -d)}"
cargo build --release --quiet
bin=./target/release/detente

if [ ! -f "$DIR/events.csv" ]; then
  echo "== generate --contacts $CONTACTS into $DIR"
  $bin generate --contacts "$CONTACTS" --events-format csv --out "$DIR" --no-gzip
fi
events=$(($(wc -l < "$DIR/events.csv") - 1))
data=(--policy policies/acme.detente --contacts "$DIR/contacts.csv" --accounts "$DIR/accounts.csv" --events "$DIR/events.csv")

measure() {
  local what="$1"; shift
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" > /dev/null 2> "$DIR/stderr" || { cat "$DIR/stderr"; exit 1; }
  read -r secs kb < "$DIR/time"
  python3 -c "import sys; s, kb, ev = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]); print(f'{sys.argv[4]}: {s:.2f} s, {ev / s:,.0f} events/s, peak RSS {kb / 1024:,.0f} MiB')" "$secs" "$kb" "$events" "$what"
}

echo "== $(nproc) cores, $events event rows (CSV)"
measure "classify --stream -o jsonl --as-of 2026-10-31" $bin classify --stream -o jsonl --as-of 2026-10-31 "${data[@]}"
measure "classify --stream -o jsonl (reads twice for the as-of time)" $bin classify --stream -o jsonl "${data[@]}"
if [ "$WHOLE" = 1 ]; then
  measure "classify -o jsonl (all in memory)" $bin classify -o jsonl "${data[@]}"
  measure "report -o json (all in memory)" $bin report -o json "${data[@]}"
fi
if [ "$DUCKDB" = 1 ]; then
  python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
  echo "== the same simplified funnel in DuckDB and in Détente (bench/funnel.detente)"
  python3 bench/duckdb_baseline.py "$DIR" "$bin"
fi
