#!/usr/bin/env python3
"""Writes Sources/TextFeatures/PolarityLexicon+English.swift from Lexicons/en/polarity.tsv.

The word list ships inside the binary (a Swift string), so a model that names the list tokenizes the same way
wherever the binary runs. Run after editing the list; `PolarityLexiconTests` fails while the two differ. A list a
released model may name is never edited in place: a changed list gets a new identity (`PolarityLexicon`).
"""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Lexicons/en/polarity.tsv"
TARGET = ROOT / "Sources/TextFeatures/PolarityLexicon+English.swift"

def main() -> int:
    text = SOURCE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        if not re.fullmatch(r"[a-z](?:[a-z'-]*[a-z])?\t[+-]", line):
            print(f"{SOURCE}:{n}: expected word<TAB>+ or word<TAB>-, got {line!r}", file=sys.stderr)
            return 1
    words = [l.split("\t")[0] for l in lines]
    if words != sorted(words) or len(set(words)) != len(words):
        print(f"{SOURCE}: words must be sorted (LC_ALL=C) and unique", file=sys.stderr)
        return 1
    TARGET.write_text(
        "// Generated from Lexicons/en/polarity.tsv by Lexicons/generate.py; do not edit.\n"
        "extension PolarityLexicon {\n"
        "    static let englishWords = \"\"\"\n" + "\n".join(lines) + "\n\"\"\"\n}\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(lines)} words)")
    return 0

if __name__ == "__main__":
    sys.exit(main())
