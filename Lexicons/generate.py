#!/usr/bin/env python3
"""Writes the Swift sources of the word lists in Lexicons/en:
- Sources/TextFeatures/PolarityLexicon+English.swift from polarity.tsv (`word<TAB>+` or `word<TAB>-`);
- Sources/TextFeatures/ChangeLexicon+English.swift from changes.tsv (`word<TAB>up`, `down` or `skip`).

The lists ship inside the binary (Swift strings), so a model that names a list tokenizes the same way wherever the
binary runs. Run after editing a list; `PolarityLexiconTests` and `ChangeLexiconTests` fail while a list and its
source differ. A list a released model may name is never edited in place: a changed list gets a new identity.
"""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LISTS = [
    ("Lexicons/en/polarity.tsv", r"[+-]", "Sources/TextFeatures/PolarityLexicon+English.swift", "PolarityLexicon"),
    ("Lexicons/en/changes.tsv", r"up|down|skip", "Sources/TextFeatures/ChangeLexicon+English.swift", "ChangeLexicon"),
]


def write(source, kinds, target, type_name) -> bool:
    path = ROOT / source
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, 1):
        if not re.fullmatch(r"[a-z](?:[a-z'-]*[a-z])?\t(?:" + kinds + ")", line):
            print(f"{path}:{n}: expected word<TAB>{kinds}, got {line!r}", file=sys.stderr)
            return False
    words = [l.split("\t")[0] for l in lines]
    if words != sorted(words) or len(set(words)) != len(words):
        print(f"{path}: words must be sorted (LC_ALL=C) and unique", file=sys.stderr)
        return False
    (ROOT / target).write_text(
        f"// Generated from {source} by Lexicons/generate.py; do not edit.\n"
        f"extension {type_name} {{\n"
        "    static let englishWords = \"\"\"\n" + "\n".join(lines) + "\n\"\"\"\n}\n", encoding="utf-8")
    print(f"wrote {target} ({len(lines)} words)")
    return True


def main() -> int:
    return 0 if all([write(*entry) for entry in LISTS]) else 1


if __name__ == "__main__":
    sys.exit(main())
