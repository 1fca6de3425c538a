#!/usr/bin/env python3
"""Rows of the off-domain sets that nearly repeat a training row: token-set Jaccard similarity (lower-cased
[a-z0-9']+ tokens) at or above a threshold against any row of Corpora/*/*.csv.

    python3 bench/offdomain/near_duplicates.py [--threshold 0.6] [--remove] [FILE.csv ...]

Without files it checks general-headlines.csv and social-posts.csv. Prints the count per file and per training
corpus, and the closest pairs; --remove rewrites each file without those rows. Exit 1 when any was found."""
import argparse, collections, csv, pathlib, re, sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
# Words in more training rows than this do not propose candidates (they would make every row a candidate).
COMMON = 3000
CANDIDATES = 50


def tokens(text):
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.6)
    ap.add_argument("--remove", action="store_true")
    ap.add_argument("files", nargs="*", default=[HERE / "general-headlines.csv", HERE / "social-posts.csv"])
    args = ap.parse_args()
    train = [(p.parent.name, r["text"], tokens(r["text"])) for p in sorted(REPO.glob("Corpora/*/*.csv")) for r in read(p)]
    index = collections.defaultdict(list)
    for i, (_, _, t) in enumerate(train):
        for w in t:
            index[w].append(i)
    found = 0
    for path in args.files:
        rows = read(path)
        hits = []
        for k, row in enumerate(rows):
            t = tokens(row["text"])
            shared = collections.Counter(i for w in t if len(index.get(w, ())) < COMMON for i in index.get(w, ()))
            best = max(((len(t & train[i][2]) / len(t | train[i][2]), i) for i, _ in shared.most_common(CANDIDATES)),
                       default=(0.0, None))
            if best[0] >= args.threshold:
                hits.append((k, best[0], best[1]))
        found += len(hits)
        print(f"{path}: {len(rows)} rows, {len(hits)} at similarity >= {args.threshold}",
              dict(collections.Counter(train[i][0] for _, _, i in hits)))
        for k, s, i in sorted(hits, key=lambda h: -h[1])[:8]:
            print(f"  {s:.2f}  {rows[k]['text'][:80]!r}  ~  [{train[i][0]}] {train[i][1][:80]!r}")
        if args.remove and hits:
            drop = {k for k, _, _ in hits}
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
                w.writeheader()
                w.writerows(r for k, r in enumerate(rows) if k not in drop)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
