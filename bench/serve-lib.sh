# Shared by bench/serve.sh and bench/serve-two-nodes.sh (sourced; BIN and TOKEN set by the caller).

# write_headlines FILE: one headline per line from the corpora this project ships.
write_headlines() {
    python3 - "$(dirname "${BASH_SOURCE[0]}")/../Corpora" "$1" <<'PY'
import csv, pathlib, sys
out = [row["text"] for p in sorted(pathlib.Path(sys.argv[1]).glob("*/*.csv")) for row in csv.DictReader(open(p, encoding="utf-8"))]
pathlib.Path(sys.argv[2]).write_text("\n".join(t.replace("\n", " ") for t in out) + "\n", encoding="utf-8")
PY
}

# start_server DB LOG [FLAGS…]: `sentiment serve` on a free loopback port, its stderr in LOG; sets PORT and PID.
start_server() {
    local db="$1" log="$2"
    shift 2
    SENTIMENT_API_TOKEN="$TOKEN" "$BIN" serve --db "$db" --port 0 "$@" 2> "$log" &
    PID=$!
    for _ in $(seq 1 600); do
        PORT="$(sed -n 's/^sentiment: serving http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")"
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2> /dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    echo "$(basename "$0"): the server did not start" >&2; cat "$log" >&2; exit 1
}
