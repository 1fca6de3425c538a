#!/usr/bin/env bash
# `sentiment serve` under wrk (release build, one machine: server and wrk share its cores):
#   predict-1     single-headline POST /v1/predict that stores, 64 connections
#   predict-1000  1,000-headline POST /v1/predict that stores, 8 connections
#   list          GET /v1/predictions filtered first pages with 1,000,000 stored predictions, 32 connections
# Prints wrk's report per scenario and a summary line each (requests/s, headlines/s, p50, p99, errors).
#
#   bench/serve.sh                    # all three (~2 min plus seeding 1M predictions)
#   bench/serve.sh predict-1          # one; several: bench/serve.sh predict-1 predict-1000
# Environment: DURATION (wrk -d, default 20s), SENTIMENT_BIN (default .build/release/sentiment),
#   SENTIMENT_BENCH_DIR (default /tmp/sentiment-bench), SENTIMENT_SHARED (for the 1M-row scale corpus),
#   SERVE_ARGS (extra `sentiment serve` flags, e.g. "--commit-wait-microseconds 0").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
BIN="${SENTIMENT_BIN:-$REPO/.build/release/sentiment}"
WORK="${SENTIMENT_BENCH_DIR:-/tmp/sentiment-bench}/serve"
SHARED="${SENTIMENT_SHARED:-$REPO/../shared}"
DURATION="${DURATION:-20s}"
PARTS=("$@"); [ ${#PARTS[@]} -gt 0 ] || PARTS=(predict-1 predict-1000 list)
export TOKEN="bench-$(date +%s)-token" HEADLINES="$WORK/headlines.txt" no_proxy='*' NO_PROXY='*'
command -v wrk > /dev/null || { echo "serve.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || (cd "$REPO" && swift build -c release --product sentiment)
mkdir -p "$WORK"
. "$HERE/serve-lib.sh"
write_headlines "$HEADLINES"

PID=""
start() { start_server "$1" "$WORK/serve.log" ${SERVE_ARGS:-}; }  # start DB: sets PORT and PID
stop() { kill -TERM "$PID"; wait "$PID" || { echo "serve.sh: the server exited with $?" >&2; exit 1; }; }
run() {  # run NAME CONNECTIONS SCRIPT [BATCH]
    local name="$1" connections="$2" script="$3" batch="${4:-1}"
    echo "== $name: wrk -t1 -c$connections -d$DURATION --latency -s bench/wrk/$script (batch $batch)"
    BATCH="$batch" wrk -t1 -c"$connections" -d"$DURATION" --latency -s "$HERE/wrk/$script" "http://127.0.0.1:$PORT" \
        2> "$WORK/$name.errors" | tee "$WORK/$name.txt"
    python3 - "$name" "$batch" "$WORK/$name.txt" "$WORK/$name.errors" <<'PY'
import re, sys
name, batch, text = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def pct(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
socket = re.search(r"Socket errors: (.*)", text)
print(f"{name}: {rps:,.0f} requests/s, {rps * batch:,.0f} headlines/s, p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, "
      f"non-2xx {errors.group(1) if errors else 0}, socket errors: {socket.group(1) if socket else 'none'}")
PY
}

for part in "${PARTS[@]}"; do
    case "$part" in
    predict-1|predict-1000)
        rm -f "$WORK/predict.sqlite"*
        start "$WORK/predict.sqlite"
        if [ "$part" = predict-1 ]; then run predict-1 64 predict.lua 1; else run predict-1000 8 predict.lua 1000; fi
        stop
        echo "stored: $("$BIN" predictions summary --db "$WORK/predict.sqlite" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])') predictions"
        ;;
    list)
        store="$WORK/list-1m.sqlite"
        if [ ! -f "$store" ]; then
            corpus="$WORK/scale-1000000.csv"
            if [ ! -f "$corpus" ]; then
                if [ -x "$SHARED/tools/make-scale-corpus" ]; then
                    "$SHARED/tools/make-scale-corpus" "$SHARED/corpora/financial-phrasebank/train.csv" 1000000 "$corpus"
                else  # the shipped headlines, repeated
                    python3 -c "import sys; h=open(sys.argv[1]).read().split('\n')[:-1]; print('text'); [print('\"'+h[i % len(h)].replace('\"','\"\"')+'\"') for i in range(1000000)]" "$HEADLINES" > "$corpus"
                fi
            fi
            echo "== seeding 1,000,000 predictions: sentiment predict --file $corpus" >&2
            "$BIN" predict --db "$store.tmp" --file "$corpus" --format csv > /dev/null
            for s in "" -wal -shm; do [ -f "$store.tmp$s" ] && mv "$store.tmp$s" "$store$s"; done
        fi
        start "$store"
        run list 32 list.lua 1
        stop
        ;;
    *) echo "serve.sh: unknown part $part (predict-1, predict-1000, list)" >&2; exit 64 ;;
    esac
done
