#!/usr/bin/env bash
# Rebuilds Models/default.sentiment-model from all nine corpora in Corpora/ with the default settings, its
# temperature fitted on each corpus as predicted by a model of the others (honest confidence off its own domains).
# Run from anywhere: bash Models/rebuild.sh   (SCRATCH_PATH=DIR builds in DIR instead of .build)
# --no-embeddings and --char-ngrams off: the groups would cost more per prediction than the 1.5x budget allows.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${SCRATCH_PATH:-.build}"
swift build -c release --product sentiment --scratch-path "$scratch"
db=$(mktemp -d)/rebuild.sqlite
"$scratch/release/sentiment" train --db "$db" --no-default-model --no-embeddings --char-ngrams off --name default \
    --calibrate-across-corpora \
    --corpus Corpora/headlines-en/headlines.csv --corpus Corpora/financial-news-en/news.csv \
    --corpus Corpora/headlines-ja/headlines.csv --corpus Corpora/financial-wire-en/news.csv \
    --corpus Corpora/news-world-en/headlines.csv --corpus Corpora/news-life-en/headlines.csv \
    --corpus Corpora/social-en/posts.csv --corpus Corpora/company-news-en/news.csv --corpus Corpora/news-ja/news.csv
"$scratch/release/sentiment" models export default Models/default.sentiment-model --force --db "$db"
rm -f "$db" "$db-wal" "$db-shm"
# The digest the binary accepts (DefaultModel.sha256).
digest=$(sha256sum Models/default.sentiment-model | cut -d' ' -f1)
sed -i "s/public static let sha256 = \"[0-9a-f]*\"/public static let sha256 = \"$digest\"/" Models/DefaultModel.swift
echo "wrote Models/default.sentiment-model (SHA-256 $digest, recorded in Models/DefaultModel.swift)"
