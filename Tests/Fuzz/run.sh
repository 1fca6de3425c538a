#!/usr/bin/env bash
# libFuzzer targets for the CSV/TSV reader, the JSON Lines (and fastText/PhraseBank) reader and the tokenizer.
#
#   bash Tests/Fuzz/run.sh [csv|jsonl|tokenizer|all] [SECONDS]     (default: all, 600 s each)
#
# Each target is compiled with the module sources it exercises (swiftc -sanitize=fuzzer,address), runs for SECONDS
# with Tests/Fuzz/corpus/TARGET as its seed corpus (interesting inputs found are added there), and writes crash
# inputs to .build-fuzz/. Regression inputs kept in Tests/Fuzz/corpus/ are replayed by FuzzRegressionTests.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-all}
seconds=${2:-600}
out=.build-fuzz
mkdir -p "$out"
build() {  # name, sources...
    local name=$1; shift
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name Fuzz$name -o "$out/fuzz-$name" "$@"
}
run() {
    local name=$1
    mkdir -p "Tests/Fuzz/corpus/$name"
    "$out/fuzz-$name" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/crash-$name-" \
        -print_final_stats=1 "Tests/Fuzz/corpus/$name" 2>&1 | tail -n 14
}
if [[ $target == csv || $target == all ]]; then
    build csv Sources/CorpusIO/*.swift Tests/Fuzz/ReaderCheck.swift Tests/Fuzz/FuzzCSV.swift && run csv
fi
if [[ $target == jsonl || $target == all ]]; then
    build jsonl Sources/CorpusIO/*.swift Tests/Fuzz/ReaderCheck.swift Tests/Fuzz/FuzzJSONL.swift && run jsonl
fi
if [[ $target == tokenizer || $target == all ]]; then
    # TextFeatures imports Sparse; compiled as one module here, so the import lines are dropped from copies.
    rm -rf "$out/src" && mkdir -p "$out/src"
    for f in Sources/Sparse/*.swift Sources/TextFeatures/*.swift; do
        grep -v '^import Sparse$' "$f" > "$out/src/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    build tokenizer "$out"/src/*.swift Tests/Fuzz/FuzzTokenizer.swift && run tokenizer
fi
