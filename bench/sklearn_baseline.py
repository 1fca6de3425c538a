#!/usr/bin/env python3
"""scikit-learn reference baseline for the sentiment benchmarks.

Fits TF-IDF (word 1-2 grams, optionally + char_wb n-grams) + LogisticRegression
(class_weight="balanced", max_iter=2000), with C tuned by 5-fold stratified CV
(GridSearchCV over C in np.logspace(-2, 3, 12), scoring f1_macro, n_jobs=1),
then evaluates on the test file.

The last line of stdout is ONE JSON object with the keys
  system, macro_f1, accuracy, log_loss, ece, fit_seconds, predict_seconds, train_rows
plus a few extras (test_rows, predict_rows, C, cv, n_features, sklearn_version).

Run ./setup-venv.sh first and use the python it prints.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpora", "financial-phrasebank")
C_GRID = np.logspace(-2, 3, 12)
ECE_BINS = 15


class InputError(Exception):
    """Bad input file; the message is `FILE:LINE: problem`."""


def read_csv(path: str, need_label: bool = True) -> tuple[list[str], list[str]]:
    """Reads an RFC 4180 CSV with a header holding `text` (and `label` when need_label)."""
    texts: list[str] = []
    labels: list[str] = []
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}:0: cannot open ({e.strerror})") from None
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}:1: empty file, expected a header with 'text'") from None
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(f"{path}:1: {e}") from None
        cols = [h.strip().lower() for h in header]
        if "text" not in cols or (need_label and "label" not in cols):
            want = "'text' and 'label'" if need_label else "'text'"
            raise InputError(f"{path}:1: header {header!r} lacks {want} columns")
        ti = cols.index("text")
        li = cols.index("label") if "label" in cols else -1
        try:
            for row in reader:
                line = reader.line_num
                if not row:
                    continue
                if len(row) != len(cols):
                    raise InputError(f"{path}:{line}: expected {len(cols)} fields, found {len(row)}")
                texts.append(row[ti])
                if need_label:
                    label = row[li].strip()
                    if not label:
                        raise InputError(f"{path}:{line}: empty label")
                    labels.append(label)
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(f"{path}:{reader.line_num}: {e}") from None
    if not texts:
        raise InputError(f"{path}:2: no data rows")
    return texts, labels


def expected_calibration_error(proba: np.ndarray, y_true: np.ndarray, classes: np.ndarray,
                               n_bins: int = ECE_BINS) -> float:
    """ECE over max-probability confidence: n_bins equal-width bins (lo, hi] on [0, 1],
    |accuracy - mean confidence| per bin, weighted by the bin's share of rows."""
    conf = proba.max(axis=1)
    pred = classes[proba.argmax(axis=1)]
    correct = (pred == y_true).astype(np.float64)
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    ece = 0.0
    n = len(conf)
    for b in range(n_bins):
        mask = bins == b
        k = int(mask.sum())
        if k:
            ece += (k / n) * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def build_pipeline(args: argparse.Namespace, C: float) -> Pipeline:
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=args.sublinear_tf, min_df=args.min_df)
    if args.char:
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                               sublinear_tf=args.sublinear_tf, min_df=args.min_df)
        features = FeatureUnion([("word", word), ("char", char)], n_jobs=1)
    else:
        features = word
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("clf", clf)])


def system_name(args: argparse.Namespace) -> str:
    parts = ["sklearn", "tfidf-word1-2"]
    if args.char:
        parts.append("char_wb2-5")
    if args.sublinear_tf:
        parts.append("sublinear")
    if args.min_df != 1:
        parts.append(f"mindf{args.min_df}")
    parts.append("logreg-balanced")
    if args.no_cv:
        parts.append(f"C={args.C:g}")
    else:
        parts.append("cv5" if args.c_grid is None else f"cv5[{args.c_grid}]")
    return "+".join(parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", default=os.path.join(DEFAULT_CORPUS, "train.csv"))
    p.add_argument("--test", default=os.path.join(DEFAULT_CORPUS, "test.csv"))
    p.add_argument("--no-cv", action="store_true", help="plain fit with --C, no grid search")
    p.add_argument("--C", type=float, default=None, help="inverse regularisation for --no-cv")
    p.add_argument("--predict-file", default=None,
                   help="CSV with a 'text' column: predict_seconds is timed on its texts instead of test")
    p.add_argument("--char", action="store_true", help="add char_wb 2-5 TF-IDF features (FeatureUnion)")
    p.add_argument("--sublinear-tf", action="store_true", help="TF-IDF with 1+log(tf)")
    p.add_argument("--min-df", type=int, default=1, help="min document frequency for both vectorizers")
    p.add_argument("--predictions-out", default=None,
                   help="write the test set's predicted labels to this CSV (columns text,label,predicted), in "
                        "test-set order, for bench/paired_bootstrap.py")
    p.add_argument("--c-grid", default=None,
                   help="comma-separated C values for the CV search instead of np.logspace(-2, 3, 12) "
                        "(a coarser grid for quick variant runs)")
    args = p.parse_args(argv)
    if args.no_cv and args.C is None:
        p.error("--no-cv needs --C X")
    if args.C is not None and not args.no_cv:
        p.error("--C only applies with --no-cv")
    if args.C is not None and not args.C > 0:
        p.error("--C must be > 0")
    if args.min_df < 1:
        p.error("--min-df must be >= 1")
    grid = C_GRID
    if args.c_grid is not None:
        try:
            grid = np.array([float(v) for v in args.c_grid.split(",")])
        except ValueError:
            p.error(f"--c-grid: not a comma-separated list of numbers: {args.c_grid!r}")
        if len(grid) == 0 or not (grid > 0).all():
            p.error("--c-grid values must be > 0")

    try:
        x_train, y_train = read_csv(args.train)
        x_test, y_test = read_csv(args.test)
        x_pred = read_csv(args.predict_file, need_label=False)[0] if args.predict_file else None
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    y_train_a = np.asarray(y_train)
    y_test_a = np.asarray(y_test)

    t0 = time.perf_counter()
    if args.no_cv:
        model = build_pipeline(args, args.C).fit(x_train, y_train_a)
        best_C = args.C
        cv_score = None
    else:
        search = GridSearchCV(build_pipeline(args, 1.0), {"clf__C": grid}, scoring="f1_macro",
                              cv=StratifiedKFold(n_splits=5), n_jobs=1, refit=True)
        search.fit(x_train, y_train_a)
        model = search.best_estimator_
        best_C = float(search.best_params_["clf__C"])
        cv_score = float(search.best_score_)
    fit_seconds = time.perf_counter() - t0

    classes = model.classes_
    t0 = time.perf_counter()
    proba = model.predict_proba(x_test)
    predict_seconds = time.perf_counter() - t0
    predict_rows = len(x_test)
    if x_pred is not None:
        t0 = time.perf_counter()
        model.predict_proba(x_pred)
        predict_seconds = time.perf_counter() - t0
        predict_rows = len(x_pred)

    pred = classes[proba.argmax(axis=1)]
    if args.predictions_out:
        with open(args.predictions_out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text", "label", "predicted"])
            for text, gold, guess in zip(x_test, y_test, pred):
                w.writerow([text, gold, guess])
    result = {
        "system": system_name(args),
        "macro_f1": round(float(f1_score(y_test_a, pred, average="macro", labels=classes)), 4),
        "accuracy": round(float(accuracy_score(y_test_a, pred)), 4),
        "log_loss": round(float(log_loss(y_test_a, proba, labels=classes)), 4),
        "ece": round(expected_calibration_error(proba, y_test_a, classes), 4),
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(predict_seconds, 4),
        "train_rows": len(x_train),
        "test_rows": len(x_test),
        "predict_rows": predict_rows,
        "C": round(best_C, 6),
        "cv_macro_f1": None if cv_score is None else round(cv_score, 4),
        "n_features": int(len(model.named_steps["clf"].coef_[0])),
        "sklearn_version": sklearn.__version__,
    }
    print(f"train {args.train} ({len(x_train)} rows), test {args.test} ({len(x_test)} rows)")
    print(f"C={best_C:g}  macro-F1={result['macro_f1']}  accuracy={result['accuracy']}  "
          f"log-loss={result['log_loss']}  ECE={result['ece']}  fit={result['fit_seconds']}s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
