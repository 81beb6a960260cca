"""Compare the findings of two ``ldm503 check --format json`` documents.

Usage: python compare_findings.py before.json after.json

Prints the findings that appeared and those that went away (by check, milestone and
the IDs they relate, not by line, which edits move) and exits with 1 if any appeared.
"""

import json
import sys


def findings(path: str) -> set[tuple[str, str, str, bool]]:
    with open(path, encoding="utf-8") as file:
        document = json.load(file)
    if document.get("version") != 1:
        sys.exit(f"{path}: ldm503.json version {document.get('version')}, expected 1")
    return {(f["check"], f["milestone"] or "", " ".join(f["related"]), f["waived"])
            for f in document["findings"]}


before, after = findings(sys.argv[1]), findings(sys.argv[2])
for sign, items in (("+", after - before), ("-", before - after)):
    for check, milestone, related, waived in sorted(items):
        print(f"{sign} {check}: {milestone} {related}{' (waived)' if waived else ''}".rstrip())
sys.exit(1 if after - before else 0)
