#!/usr/bin/env python3
"""How sure a macro-F1 difference between two systems on one test set is: a paired bootstrap.

Both systems' predicted labels for the same test rows, in the same order, are resampled together (rows drawn with
replacement, the same draw for both), and the difference of their macro-F1 is recomputed on each resample. Prints
both scores, the difference, its 95% percentile interval, and the share of resamples in which A leads B by at
least 0 and by at least --margin (0.01: the margin issue 17 asks over the best peer).

    python3 bench/paired_bootstrap.py --gold test.csv --a ours.csv --b peer.csv [--resamples 2000] [--seed 1]

--gold is the test corpus (columns text,label). Each predictions file is a CSV with the predicted label in a column
named `predicted` if it has one (bench/sklearn_baseline.py --predictions-out), else `label` (`sentiment predict
--file test.csv --no-store --format csv`). Standard library only.
"""
import argparse
import csv
import json
import random
import sys


def read_column(path, names):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"error: {path}: no rows")
    for name in names:
        if name in rows[0]:
            return [r[name] for r in rows]
    sys.exit(f"error: {path}: none of the columns {', '.join(names)}")


def macro_f1(gold, pred, idx, labels):
    tp = dict.fromkeys(labels, 0)
    fp = dict.fromkeys(labels, 0)
    fn = dict.fromkeys(labels, 0)
    for i in idx:
        g, p = gold[i], pred[i]
        if g == p:
            tp[g] += 1
        else:
            fn[g] += 1
            if p in fp:
                fp[p] += 1
    total = 0.0
    for c in labels:
        d = 2 * tp[c] + fp[c] + fn[c]
        total += 2 * tp[c] / d if d else 0.0
    return total / len(labels)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gold", required=True)
    p.add_argument("--a", required=True, help="predictions of system A")
    p.add_argument("--b", required=True, help="predictions of system B")
    p.add_argument("--resamples", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--margin", type=float, default=0.01)
    args = p.parse_args(argv)
    if args.resamples < 1:
        p.error("--resamples must be >= 1")
    gold = read_column(args.gold, ["label"])
    a = read_column(args.a, ["predicted", "label"])
    b = read_column(args.b, ["predicted", "label"])
    if not (len(gold) == len(a) == len(b)):
        sys.exit(f"error: row counts differ: gold {len(gold)}, A {len(a)}, B {len(b)}")
    labels = sorted(set(gold))
    n = len(gold)
    every = range(n)
    fa, fb = macro_f1(gold, a, every, labels), macro_f1(gold, b, every, labels)
    rng = random.Random(args.seed)
    diffs = []
    for _ in range(args.resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(macro_f1(gold, a, idx, labels) - macro_f1(gold, b, idx, labels))
    diffs.sort()
    lo = diffs[int(0.025 * (len(diffs) - 1))]
    hi = diffs[int(0.975 * (len(diffs) - 1))]
    result = {
        "rows": n, "macro_f1_a": round(fa, 4), "macro_f1_b": round(fb, 4), "difference": round(fa - fb, 4),
        "ci95": [round(lo, 4), round(hi, 4)],
        "share_a_ahead": round(sum(d > 0 for d in diffs) / len(diffs), 3),
        "share_a_ahead_by_margin": round(sum(d >= args.margin for d in diffs) / len(diffs), 3),
        "margin": args.margin, "resamples": args.resamples,
    }
    print(f"A {fa:.4f}  B {fb:.4f}  A-B {fa - fb:+.4f}  95% interval [{lo:+.4f}, {hi:+.4f}]  "
          f"A ahead in {result['share_a_ahead']:.1%}, by >= {args.margin} in {result['share_a_ahead_by_margin']:.1%}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
