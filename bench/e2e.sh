#!/usr/bin/env bash
# End-to-end classify and report on generated data (issue #5): prints
# events/s and peak RSS. Record the figures in BENCHMARKS.md.
#
#   ACCOUNTS=18700 bash bench/e2e.sh      # about 100k contacts
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS="${ACCOUNTS:-18700}"
DIR="${DIR:-$(mktemp -d)}"
cargo build --release --quiet
bin=./target/release/detente

echo "== generate --accounts $ACCOUNTS into $DIR"
$bin generate --accounts "$ACCOUNTS" --out "$DIR" --no-gzip
events=$(($(wc -l < "$DIR/events.jsonl")))
data=(--policy policies/acme.detente --contacts "$DIR/contacts.csv" --accounts "$DIR/accounts.csv" --events "$DIR/events.jsonl")

measure() {
  local what="$1"; shift
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" > /dev/null 2> "$DIR/stderr" || { cat "$DIR/stderr"; exit 1; }
  read -r secs kb < "$DIR/time"
  python3 -c "import sys; s, kb, ev = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]); print(f'{sys.argv[4]}: {s:.2f} s, {ev / s:,.0f} events/s, peak RSS {kb / 1024:,.0f} MiB')" "$secs" "$kb" "$events" "$what"
}

echo "== $(nproc) cores, $events event rows"
measure "classify -o jsonl" $bin classify -o jsonl "${data[@]}"
measure "report -o json" $bin report -o json "${data[@]}"
