#!/usr/bin/env python3
"""The shipped model (or any model) against VADER on the off-domain evaluation sets, and on PhraseBank's test set
when ../shared is beside the repository: macro-F1 for both, ECE for ours (VADER gives no probabilities).

    python3 bench/offdomain/evaluate.py [--bin .build/release/sentiment] [--model-file FILE]

VADER (the `vaderSentiment` package from PyPI, installed on first use) is read with its documented thresholds:
compound >= 0.05 positive, <= -0.05 negative, else neutral. Prints one Markdown table."""
import argparse, csv, json, os, pathlib, subprocess, sys, tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "vaderSentiment"], check=True)
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def macro_f1(gold, pred, labels):
    f1s = []
    for l in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == l and p == l)
        fp = sum(1 for g, p in zip(gold, pred) if g != l and p == l)
        fn = sum(1 for g, p in zip(gold, pred) if g == l and p != l)
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s)


def ours(binary, corpus, db, model):
    cmd = [binary, "evaluate", "--db", db, "--corpus", str(corpus), "--format", "json"]
    if model:
        cmd += ["--model", model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    return report["macro_f1"], report["ece"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / ".build/release/sentiment"))
    ap.add_argument("--model-file", help="a model file to import and evaluate instead of the shipped model")
    args = ap.parse_args()
    sets = [("general headlines (bench/offdomain)", HERE / "general-headlines.csv"),
            ("social posts (bench/offdomain)", HERE / "social-posts.csv")]
    shared = REPO.parent / "shared/corpora"
    for name in ["financial-phrasebank", "financial-tweets"]:
        if (shared / name / "test.csv").exists():
            sets.append((f"{name} test (../shared)", shared / name / "test.csv"))
    analyzer = vader()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "eval.sqlite")
        model = None
        if args.model_file:
            subprocess.run([args.bin, "models", "import", args.model_file, "--db", db, "--no-default-model"],
                           check=True, capture_output=True, text=True)
            listed = subprocess.run([args.bin, "models", "list", "--db", db, "--format", "json"],
                                    check=True, capture_output=True, text=True).stdout
            m = json.loads(listed)
            m = m["models"] if isinstance(m, dict) else m
            model = f"{m[0]['name']}@{m[0]['version']}"
        print("| set | rows | ours macro-F1 | ours ECE | VADER macro-F1 |")
        print("|---|---|---|---|---|")
        for title, path in sets:
            rows = list(csv.DictReader(open(path, encoding="utf-8")))
            gold = [r["label"] for r in rows]
            pred = []
            for r in rows:
                c = analyzer.polarity_scores(r["text"])["compound"]
                pred.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
            f1, ece = ours(args.bin, path, db, model)
            v = macro_f1(gold, pred, ["negative", "neutral", "positive"])
            print(f"| {title} | {len(rows):,} | {f1:.3f} | {ece:.3f} | {v:.3f} |")


if __name__ == "__main__":
    main()
