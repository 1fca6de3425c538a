#!/usr/bin/env bash
# Two `sentiment serve` nodes on one PostgreSQL database against one node: single-headline POST /v1/predict that
# stores, wrk with 64 connections in all (one node: 64 to it; two nodes: 32 to each, at the same time). Everything
# runs on this machine (PostgreSQL, both servers and wrk share its cores). Afterwards it checks that every
# prediction either node answered is listed through the other.
#
#   bench/serve-two-nodes.sh               # needs PostgreSQL installed (a throwaway cluster via .ci/postgres)
# Environment: DURATION (wrk -d, default 15s), SENTIMENT_BIN (default .build/release/sentiment).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
BIN="${SENTIMENT_BIN:-$REPO/.build/release/sentiment}"
DURATION="${DURATION:-15s}"
WORK="$(mktemp -d)"
export TOKEN="bench-$(date +%s)-token" HEADLINES="$WORK/headlines.txt" no_proxy='*' NO_PROXY='*'
command -v wrk > /dev/null || { echo "serve-two-nodes.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || (cd "$REPO" && swift build -c release --product sentiment)
. "$HERE/serve-lib.sh"
write_headlines "$HEADLINES"
eval "$("$REPO/.ci/postgres" start)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true; done
    "$REPO/.ci/postgres" stop "$PGCLUSTER_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT
DB="$SENTIMENT_TEST_POSTGRES_URL"

start() { start_server "$DB" "$WORK/$1.log"; PIDS+=("$PID"); }  # start NAME: a node; sets PORT
summary() {  # summary FILE...: requests/s summed, p99 the largest
    python3 - "$@" <<'PY'
import re, sys
rps, p50s, p90s, p99s = 0.0, [], [], []
def pct(text, p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
for f in sys.argv[1:]:
    text = open(f).read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50s.append(pct(text, 50)); p90s.append(pct(text, 90)); p99s.append(pct(text, 99))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if bad: print(f"  {f}: {bad.group(1)} non-2xx responses")
print(f"{rps:,.0f} requests/s, p99 {max(p99s):.1f} ms (per node p50 / p90 / p99: "
      + ", ".join(f"{a:.1f} / {b:.1f} / {c:.1f}" for a, b, c in zip(p50s, p90s, p99s)) + ")")
PY
}
wrk_run() {  # wrk_run PORT CONNECTIONS OUT
    wrk -t1 -c"$2" -d"$DURATION" --latency -s "$HERE/wrk/predict.lua" "http://127.0.0.1:$1" > "$3"
}

start a; A=$PORT
start b; B=$PORT
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$A/healthz"
echo "== one node, 64 connections"
wrk_run "$A" 64 "$WORK/one.txt"
summary "$WORK/one.txt"
echo "== two nodes, 32 connections each, at once"
wrk_run "$A" 32 "$WORK/two-a.txt" & W=$!
wrk_run "$B" 32 "$WORK/two-b.txt"
wait "$W"
summary "$WORK/two-a.txt" "$WORK/two-b.txt"
# Every stored prediction is visible through both nodes.
count() { curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/v1/predictions/summary" |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
echo "stored predictions seen through node a: $(count "$A"), through node b: $(count "$B")"
