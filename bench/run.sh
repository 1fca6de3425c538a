#!/usr/bin/env bash
# The release-mode benchmark suite: builds release, generates the scale corpora when missing, runs scikit-learn's
# baseline for the quality part, then runs `sentiment-bench suite`. Its stdout is the suite's: readable tables,
# then one JSON object as the last line (also saved to $SENTIMENT_BENCH_DIR/suite.json). Progress goes to stderr.
#
#   bench/run.sh                     # every part: features train predict query quality (~10 min on 2 cores)
#   bench/run.sh train               # one part; several: bench/run.sh predict query
#   bench/run.sh query -- --query-runs 200     # after --: options for `sentiment-bench suite` (see its --help)
#
# Parts: features  featurization throughput on the 1M corpus
#        train     `sentiment train` wall time and peak RSS at 10k, 100k and 1M rows
#        predict   prediction throughput (in-process, CLI --no-store, CLI storing) on 1M rows, 100k-row model
#        query     p50/p99 latency of store queries on the store holding 1M predictions
#        quality   Financial PhraseBank: sentiment next to scikit-learn (--c-grid 1,10,100)
# predict reuses train's 100k-row store and query reuses predict's store; each builds what it lacks.
#
# Environment:
#   SENTIMENT_SHARED     the shared folder (default: <repo>/../shared); parts needing it are skipped when absent
#   SENTIMENT_BENCH_DIR  scale corpora, stores, logs, results (default: /tmp/sentiment-bench)
#   BENCH_SKLEARN        run (default) | reuse (an earlier $SENTIMENT_BENCH_DIR/sklearn.json) | skip
#   SWIFT_BUILD_ARGS     extra `swift build` arguments, e.g. "--scratch-path .build-bench"
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
SHARED="${SENTIMENT_SHARED:-$REPO/../shared}"
WORK="${SENTIMENT_BENCH_DIR:-/tmp/sentiment-bench}"
SKLEARN_MODE="${BENCH_SKLEARN:-run}"
ALL_PARTS=(features train predict query quality)

log() { echo "[run.sh] $*" >&2; }

parts=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        features|train|predict|query|quality) parts+=("$1"); shift ;;
        *) echo "bench/run.sh: unknown part '$1' (parts: ${ALL_PARTS[*]}; suite options go after --)" >&2; exit 2 ;;
    esac
done
[ ${#parts[@]} -gt 0 ] || parts=("${ALL_PARTS[@]}")
wants() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

mkdir -p "$WORK"
cd "$REPO"

# 1. Build (release). Output to stderr so stdout stays the suite's.
log "swift build -c release ${SWIFT_BUILD_ARGS:-}"
# shellcheck disable=SC2086  # SWIFT_BUILD_ARGS is a list of words
swift build -c release ${SWIFT_BUILD_ARGS:-} >&2
# shellcheck disable=SC2086
BIN="$(swift build -c release ${SWIFT_BUILD_ARGS:-} --show-bin-path)"

# 2. Scale corpora, generated only when missing (written under a temporary name, then renamed).
TOOL="$SHARED/tools/make-scale-corpus"
SEED="$SHARED/corpora/financial-phrasebank/train.csv"
trap 'rm -f "$WORK"/scale-*.csv.tmp.$$' EXIT
sizes=()
if wants train; then sizes+=(10000 100000 1000000); fi
if wants features || wants predict || wants query; then sizes+=(100000 1000000); fi
for n in $(printf '%s\n' ${sizes[@]+"${sizes[@]}"} | sort -nu); do
    out="$WORK/scale-$n.csv"
    [ -s "$out" ] && continue
    if [ -e "$TOOL" ] && [ -e "$SEED" ]; then
        log "generating $out ($n rows; the 1M file takes ~15 s)"
        "$TOOL" "$SEED" "$n" "$out.tmp.$$"
        mv "$out.tmp.$$" "$out"
    else
        log "cannot generate $out: $SHARED is absent (the parts that need it will be skipped)"
    fi
done

# 3. scikit-learn's baseline for the quality part (before the suite: never two heavy jobs at once).
suite_args=()
if wants quality; then
    SK_JSON="$WORK/sklearn.json"
    case "$SKLEARN_MODE" in
        run)
            rm -f "$SK_JSON"
            if [ ! -e "$SHARED/corpora/financial-phrasebank/train.csv" ]; then
                log "scikit-learn baseline skipped: $SHARED/corpora/financial-phrasebank is absent"
            elif ! PY="$("$HERE/setup-venv.sh" | tail -1)"; then
                log "scikit-learn baseline skipped: bench/setup-venv.sh failed"
            else
                log "scikit-learn baseline: $PY bench/sklearn_baseline.py --c-grid 1,10,100 (about 1-2 min)"
                if "$PY" "$HERE/sklearn_baseline.py" --c-grid 1,10,100 \
                        --train "$SHARED/corpora/financial-phrasebank/train.csv" \
                        --test "$SHARED/corpora/financial-phrasebank/test.csv" > "$WORK/sklearn.out"; then
                    cat "$WORK/sklearn.out" >&2
                    tail -1 "$WORK/sklearn.out" > "$SK_JSON"
                else
                    log "scikit-learn baseline failed (see above); the quality table shows sentiment only"
                fi
            fi ;;
        reuse) [ -s "$SK_JSON" ] && log "reusing $SK_JSON" || log "no $SK_JSON to reuse" ;;
        skip) SK_JSON="" ;;
        *) echo "bench/run.sh: BENCH_SKLEARN must be run, reuse or skip" >&2; exit 2 ;;
    esac
    if [ -n "$SK_JSON" ] && [ -s "$SK_JSON" ]; then suite_args+=(--sklearn-json "$SK_JSON"); fi
fi

# 4. The suite.
log "$BIN/sentiment-bench suite ${parts[*]}"
status=0
"$BIN/sentiment-bench" suite "${parts[@]}" --shared "$SHARED" --work "$WORK" \
    ${suite_args[@]+"${suite_args[@]}"} ${extra[@]+"${extra[@]}"} | tee "$WORK/suite.out" || status=$?
tail -1 "$WORK/suite.out" > "$WORK/suite.json"
log "saved $WORK/suite.out and $WORK/suite.json"
exit "$status"
