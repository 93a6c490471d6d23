#!/usr/bin/env bash
# Load and faults against `detente serve` (the Reliability issue's cases):
#   1. warm-up: single-contact classify for 5 s; resident memory noted;
#   2. for $SECONDS_FAULTS s at once: classify mixed with malformed bodies
#      (bad JSON, bad rows, wrong shapes, a wrong Content-Type, a slow
#      body), $SLOW silent and half-open connections reopened as they are
#      closed, and the policy file rewritten every 0.5 s with broken
#      versions (syntax error, invalid UTF-8, failing its own tests, the
#      deep-nesting file) and good ones;
#   3. SIGTERM under load: the server must exit 0 within the drain deadline.
# Prints requests, 5xx, crashes, connections refused and memory; exits 1
# when any of them is wrong. Record the figures in BENCHMARKS.md.
#
#   bash bench/faults.sh            # from the project root (needs wrk, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "error: install wrk (apt-get install wrk)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is needed for the slow clients" >&2; exit 2; }
SECONDS_FAULTS="${SECONDS_FAULTS:-30}"
SLOW="${SLOW:-200}"
PORT="${PORT:-18182}"
cargo build --release --quiet
work="$(mktemp -d)"
trap 'kill "$server" "$slow_pid" "$rewriter" 2>/dev/null || true; rm -rf "$work"' EXIT
server="" slow_pid="" rewriter=""

mkdir -p "$work/policies/tests"
cp policies/acme.detente "$work/policies/acme.detente"
cp policies/tests/acme.toml "$work/policies/tests/acme.toml"
policy="$work/policies/acme.detente"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
good = open("bench/api_body.json").read().strip()
acme = open(f"{work}/policies/acme.detente").read()
bodies = [good, '{"contacts": [{"id": "c-1", "events": [}',
          json.dumps({"contacts": [{"id": "c-2", "events": [{"at": "soon", "type": "form_submit"}]}]}),
          good, json.dumps({"contacts": "everyone"}), good, "", good]
lua = lambda s: "[==[" + s + "]==]"
open(f"{work}/mixed.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    "local bodies = {" + ", ".join(lua(b) for b in bodies) + "}\nlocal i = 0\n"
    "request = function()\n  i = i % #bodies + 1\n"
    "  if i == 7 then return wrk.format(\"POST\", \"/v1/classify\", {[\"Content-Type\"] = \"text/plain\"}, bodies[i]) end\n"
    "  return wrk.format(nil, \"/v1/classify\", nil, bodies[i])\nend\n")
open(f"{work}/good.lua", "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ' + lua(good) + "\n")
versions = {
    "good": acme.replace("  version 3", "  version 4"),
    "syntax": acme.replace("lead -> mql ", "lead -> mqll "),
    "tests": acme.replace("fit >= 30", "fit >= 59"),
    "deep": 'policy "x" {\n  timezone "UTC\\\n' + "(" * 20000 + "\n",
}
for name, text in versions.items():
    open(f"{work}/{name}.detente", "w").write(text)
open(f"{work}/utf8.detente", "wb").write(acme.encode() + b"# caf\xe9\n")
PY

./target/release/detente serve --listen "127.0.0.1:$PORT" --policy "$policy" --reload-ms 200 \
  --header-timeout 5 --request-timeout 10 --max-connections 256 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
kill -0 "$server" 2>/dev/null || { echo "error: the server did not start:" >&2; cat "$work/server.log" >&2; exit 2; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$server/status"; }

echo "== warm-up: 5 s of single-contact classify"
wrk -t1 -c32 -d5s -s "$work/good.lua" "http://127.0.0.1:$PORT/v1/classify" | grep -E "Requests/sec"
warm=$(rss)
echo "resident memory after warm-up: $((warm / 1024)) MiB"

echo "== ${SECONDS_FAULTS} s of faults: malformed bodies, $SLOW slow clients, broken reloads"
python3 - "$PORT" "$SLOW" "$SECONDS_FAULTS" <<'PY' &
import socket, sys, time
port, n, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
end = time.time() + seconds
socks = []
def open_one(i):
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        # Silent, half a head, or a head with a body that never comes.
        if i % 3 == 1: s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        if i % 3 == 2: s.send(b"POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Length: 999\r\n\r\n{")
    except OSError:
        pass
    return s
while time.time() < end:
    socks = [s for s in socks if s.fileno() != -1]
    while len(socks) < n:
        socks.append(open_one(len(socks)))
    time.sleep(1)
    for s in socks[: n // 10]:
        s.close()
PY
slow_pid=$!
(
  end=$((SECONDS + SECONDS_FAULTS))
  while [ $SECONDS -lt $end ]; do
    for v in syntax utf8 tests deep good; do
      cp "$work/$v.detente" "$policy"; sleep 0.5
    done
  done
  cp "$work/good.detente" "$policy"
) &
rewriter=$!
wrk -t1 -c32 -d"${SECONDS_FAULTS}s" -s "$work/mixed.lua" "http://127.0.0.1:$PORT/v1/classify" | tee "$work/faults.out" | grep -E "requests in|Socket errors|Requests/sec" || true
wait "$rewriter" "$slow_pid" 2>/dev/null || true
sleep 6  # the slow clients' connections reach their header timeout
after=$(rss)

crashes=0
kill -0 "$server" 2>/dev/null || crashes=1
requests=$(awk '/requests in/ {print $1}' "$work/faults.out")
refused=$(awk '/Socket errors/ {for (i = 1; i <= NF; i++) if ($i == "connect") print $(i + 1)}' "$work/faults.out" | tr -d ,)
metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics" || true)
fivexx=$(printf '%s\n' "$metrics" | awk '/^detente_requests_total/ && /status="5/ {s += $2} END {print s + 0}')
reloads=$(printf '%s\n' "$metrics" | grep '^detente_policy_reloads_total' | tr '\n' ' ')
ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")

echo "== SIGTERM under load"
wrk -t1 -c32 -d10s -s "$work/good.lua" "http://127.0.0.1:$PORT/v1/classify" >/dev/null 2>&1 &
load=$!
sleep 2
peak=$(hwm)
started=$(date +%s.%N)
kill -TERM "$server"
status=0
wait "$server" || status=$?
took=$(echo "$(date +%s.%N) - $started" | bc)
wait "$load" 2>/dev/null || true
server=""

echo "requests: ${requests:-0}"
echo "5xx answers: $fivexx"
echo "crashes: $crashes"
echo "connections refused: ${refused:-0}"
echo "reloads: $reloads"
echo "/readyz after the last (good) change: $ready"
echo "resident memory: after warm-up $((warm / 1024)) MiB, after the load $((after / 1024)) MiB, peak $((peak / 1024)) MiB"
echo "SIGTERM under load: exit $status after ${took} s"
fail=0
[ "$fivexx" -eq 0 ] || { echo "FAIL: 5xx answers"; fail=1; }
[ "$crashes" -eq 0 ] || { echo "FAIL: the server crashed"; fail=1; }
[ "$status" -eq 0 ] || { echo "FAIL: SIGTERM exit code $status"; fail=1; }
[ "$ready" = "200" ] || { echo "FAIL: /readyz $ready after a good change"; fail=1; }
awk -v a="$after" -v w="$warm" 'BEGIN { exit !(a <= 1.5 * w) }' || { echo "FAIL: memory after the load is over 1.5 times its warm-up value"; fail=1; }
exit $fail
