#!/usr/bin/env bash
# Rebuilds Models/default.sentiment-model from the corpora in Corpora/ with the default settings.
# Run from anywhere: bash Models/rebuild.sh   (SCRATCH_PATH=DIR builds in DIR instead of .build)
# --no-embeddings: the shipped model predates the static word-embedding group and is rebuilt as it was made.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${SCRATCH_PATH:-.build}"
swift build -c release --product sentiment --scratch-path "$scratch"
db=$(mktemp -d)/rebuild.sqlite
"$scratch/release/sentiment" train --db "$db" --no-default-model --no-embeddings --char-ngrams off --name default \
    --corpus Corpora/headlines-en/headlines.csv --corpus Corpora/financial-news-en/news.csv \
    --corpus Corpora/headlines-ja/headlines.csv
"$scratch/release/sentiment" models export default Models/default.sentiment-model --force --db "$db"
rm -f "$db" "$db-wal" "$db-shm"
# The digest the binary accepts (DefaultModel.sha256).
digest=$(sha256sum Models/default.sentiment-model | cut -d' ' -f1)
sed -i "s/public static let sha256 = \"[0-9a-f]*\"/public static let sha256 = \"$digest\"/" Models/DefaultModel.swift
echo "wrote Models/default.sentiment-model (SHA-256 $digest, recorded in Models/DefaultModel.swift)"
