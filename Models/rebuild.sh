#!/usr/bin/env bash
# Rebuilds Models/default.sentiment-model from the corpora in Corpora/ with the default settings.
# Run from anywhere: bash Models/rebuild.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sentiment
db=$(mktemp -d)/rebuild.sqlite
.build/release/sentiment train --db "$db" --no-default-model --name default \
    --corpus Corpora/headlines-en/headlines.csv --corpus Corpora/financial-news-en/news.csv \
    --corpus Corpora/headlines-ja/headlines.csv
.build/release/sentiment models export default Models/default.sentiment-model --db "$db"
rm -f "$db" "$db-wal" "$db-shm"
echo "wrote Models/default.sentiment-model; rebuild the binary (swift build) to embed it"
