#!/usr/bin/env bash
# Partial reports at scale: the report of the generated data in N shards
# (`report --shard K/N --partial`) and their merge, against one run of
# `report`: each command's time and peak memory, each partial's size, and
# whether the merged report is the one run's, byte for byte.
#
#   bash bench/partials.sh                  # 100,000 contacts, 4 shards
#   CONTACTS=20000 SHARDS=8 bash bench/partials.sh
#
# DIR keeps the generated files between runs (shared with bench/scale.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARDS="${SHARDS:-4}"
. bench/data.sh
data=(--contacts "$DIR/contacts.csv" --accounts "$DIR/accounts.csv" --events "$DIR/events.csv")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Wall time and peak resident memory of one command (GNU time).
timed() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@"
  read -r secs kib < "$work/time"
  printf '%-34s %8.2f s %7d MiB\n' "$label" "$secs" $((kib / 1024))
}

echo "== $CONTACTS contacts, $SHARDS shards ($(nproc) cores)"
timed "report -o json (one run)" sh -c "$bin report ${data[*]} -o json > $work/one.json 2>/dev/null"
for k in $(seq "$SHARDS"); do
  timed "report --shard $k/$SHARDS --partial" \
    sh -c "$bin report ${data[*]} --shard $k/$SHARDS --partial $work/part-$k 2>/dev/null"
done
timed "merge (all shards) -o json" sh -c "$bin merge $work/part-* -o json > $work/merged.json 2>/dev/null"
total=0
for k in $(seq "$SHARDS"); do
  size=$(stat -c %s "$work/part-$k"); total=$((total + size))
  printf 'partial %d: %d bytes\n' "$k" "$size"
done
events=$(($(wc -l < "$DIR/events.csv") - 1))
printf 'partials together: %d bytes for %d event rows (%.1f bytes a row)\n' "$total" "$events" \
  "$(echo "$total / $events" | bc -l)"
if cmp -s "$work/one.json" "$work/merged.json"; then
  echo "merged report: byte-identical to the one run"
else
  echo "merged report: DIFFERS from the one run" >&2
  exit 1
fi
