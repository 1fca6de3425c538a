#!/usr/bin/env python3
"""Stratified subsample of a labelled CSV corpus (columns text,label): N rows with each label's share kept
(largest remainders), rows drawn with a seeded shuffle per label and written in their original order.

    python3 bench/subsample.py train.csv 500 out.csv [--seed 1] [--rest rest.csv]
With --rest, the rows not drawn are written there (a stratified split: the draw as the test set, the rest to train).
"""
import argparse
import csv
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rest", help="also write the rows not drawn to this file")
    args = ap.parse_args()
    with open(args.corpus, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    label = header.index("label")
    by_label = {}
    for i, r in enumerate(rows):
        by_label.setdefault(r[label], []).append(i)
    n = min(args.rows, len(rows))
    exact = {l: n * len(ix) / len(rows) for l, ix in by_label.items()}
    take = {l: int(q) for l, q in exact.items()}
    for l in sorted(exact, key=lambda l: (-(exact[l] - take[l]), l))[: n - sum(take.values())]:
        take[l] += 1
    rng = random.Random(args.seed)
    keep = []
    for l in sorted(by_label):
        ix = by_label[l][:]
        rng.shuffle(ix)
        keep += ix[: take[l]]
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in sorted(keep):
            w.writerow(rows[i])
    if args.rest:
        drawn = set(keep)
        with open(args.rest, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for i in range(len(rows)):
                if i not in drawn:
                    w.writerow(rows[i])
    print(f"{args.out}: {len(keep)} rows " + ", ".join(f"{l} {take[l]}" for l in sorted(take)), file=sys.stderr)


if __name__ == "__main__":
    main()
