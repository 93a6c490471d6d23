#!/usr/bin/env bash
# Load test of `detente serve` with wrk (Debian's `wrk` package):
#   1. single-contact classify requests with 20 events each, for $SECONDS_LOAD s;
#   2. the same mixed with malformed requests (1 in 4) for 60 s, then checks
#      the server is still healthy and answered no 5xx.
# Prints requests/s and latency percentiles; record them in BENCHMARKS.md.
#
#   bash bench/serve-load.sh            # from the project root
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "error: install wrk (apt-get install wrk)" >&2; exit 2; }
SECONDS_LOAD="${SECONDS_LOAD:-30}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18181}"

# The server as deployed: the `server` profile (Cargo.toml).
cargo build --profile server --quiet
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

# One contact, 20 events over three weeks (bench/api_body.json: 16 visits,
# downloads, clicks and a webinar, then a demo request, a connected call,
# sales acceptance and a held meeting; its account nested).
cp bench/api_body.json "$work/good.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
good = open(f"{work}/good.json").read().strip()
bad_json = '{"contacts": [{"id": "c-1", "events": [}'
bad_rows = json.dumps({"contacts": [{"id": "c-2", "title": "x", "events": [{"at": "soon", "type": "form_submit"}]}]})
bad_shape = json.dumps({"contacts": "everyone"})
def lua_string(s):
    return "[==[" + s + "]==]"
open(f"{work}/good.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + lua_string(good) + "\n")
open(f"{work}/mixed.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    "local bodies = {" + ", ".join(lua_string(b) for b in [good, bad_json, good, bad_rows, good, bad_shape, good, good]) + "}\n"
    "local i = 0\n"
    "request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, \"/v1/classify\", nil, bodies[i])\nend\n")
PY

./target/server/detente serve --listen "127.0.0.1:$PORT" --policy policies/acme.detente 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
if ! kill -0 "$server" 2>/dev/null; then
  echo "error: the server did not start (is port $PORT taken? set PORT=...):" >&2
  cat "$work/server.log" >&2
  exit 2
fi

# CPU time (user + system, in clock ticks) the server has used so far.
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# Requests wrk made, from its "N requests in" line.
requests_of() { awk '/requests in/ {print $1}' "$1"; }

echo "== the machine's ceiling: wrk -t1 -c$CONNECTIONS -d10s on GET /healthz (no work at all)"
wrk -t1 -c"$CONNECTIONS" -d10s --latency "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|requests in"

echo "== $(nproc) cores; wrk -t1 -c$CONNECTIONS -d${SECONDS_LOAD}s: single-contact classify, 20 events"
before=$(server_ticks)
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" --latency -s "$work/good.lua" "http://127.0.0.1:$PORT/v1/classify" | tee "$work/good.out"
after=$(server_ticks)
awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$(requests_of "$work/good.out")" \
  'BEGIN { if (n > 0) printf "server CPU per request: %.0f us (user + system)\n", t / hz / n * 1e6 }'

echo "== 60 s mixed with malformed requests (3 of 8 bad)"
wrk -t1 -c"$CONNECTIONS" -d60s --latency -s "$work/mixed.lua" "http://127.0.0.1:$PORT/v1/classify"

echo "== after the load"
curl -sf "http://127.0.0.1:$PORT/healthz"; echo
curl -sf "http://127.0.0.1:$PORT/metrics" | grep '^detente_requests_total'
if curl -sf "http://127.0.0.1:$PORT/metrics" | grep -q 'status="5'; then
  echo "FAIL: the server answered 5xx"; exit 1
fi
echo "no 5xx answers"
