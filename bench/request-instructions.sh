#!/usr/bin/env bash
# Instructions per API-sized request, counted by callgrind (deterministic,
# unlike wall time on a shared machine): the load test's body
# (bench/api_body.json) sent N and 2N times through `detente classify
# --stdin`, which parses, classifies and writes each line as the server
# does; the difference over N leaves out start-up (compiling the policy).
#
#   bash bench/request-instructions.sh          # N=100
#   BIN=/path/to/other/detente bash bench/request-instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "error: install valgrind (apt-get install valgrind)" >&2; exit 2; }
N="${N:-100}"
BIN="${BIN:-}"
if [ -z "$BIN" ]; then cargo build --release --quiet; BIN=./target/release/detente; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp bench/api_body.json "$work/body.json"
count() {
  for _ in $(seq "$1"); do cat "$work/body.json"; done > "$work/lines.jsonl"
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
    "$BIN" classify --stdin --policy policies/acme.detente \
    <"$work/lines.jsonl" >/dev/null 2>"$work/vg.log"
  grep -o 'Collected : [0-9]*' "$work/vg.log" | grep -o '[0-9]*$'
}
one=$(count "$N")
two=$(count $((2 * N)))
echo "instructions per request: $(( (two - one) / N )) (callgrind; $N and $((2 * N)) requests through classify --stdin)"
