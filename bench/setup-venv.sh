#!/usr/bin/env bash
# Creates (once) a Python venv with a pinned scikit-learn for the reference baselines.
# The venv lives OUTSIDE the repo: ${BENCH_VENV:-/tmp/sentiment-bench-venv}.
# Idempotent: if the pinned version is already installed, nothing is downloaded.
# Prints the python interpreter to use on the last line of stdout.
set -euo pipefail

SKLEARN_VERSION="1.9.1"
VENV="${BENCH_VENV:-/tmp/sentiment-bench-venv}"
PYTHON="${BENCH_PYTHON:-python3.11}"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup-venv.sh: $PYTHON not found (set BENCH_PYTHON to a Python 3.11 interpreter)" >&2
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating venv at $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi

installed="$("$VENV/bin/python" -c 'import sklearn; print(sklearn.__version__)' 2>/dev/null || true)"
if [ "$installed" != "$SKLEARN_VERSION" ]; then
    echo "installing scikit-learn==$SKLEARN_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "scikit-learn==$SKLEARN_VERSION" >&2
else
    echo "scikit-learn $SKLEARN_VERSION already installed in $VENV" >&2
fi

echo "$VENV/bin/python"
