"""Import layout corpus report (issue #10): how many real-world layouts the engine reads right.

Builds every layout of ``tests/import_corpus`` (and the real files of ../shared/data/real
when that folder exists), analyses each against an empty database and compares the preview
with what a person reads in the sheet. Prints one line per miss and ends with
"N of M layouts imported right". It is a report, not a gate: the exit code is 0 whenever it
ran (the test suite, tests/importing/test_import_corpus.py, is the gate).

Run: ``python -m bench.import_corpus`` (``--json`` for a machine-readable report,
``--no-real`` to leave out the real files, ``-k TEXT`` to run the layouts whose name holds TEXT).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections import Counter
from typing import Any

from tests.import_corpus import check, real_layouts, run, synthetic_layouts
from tests.import_corpus.paths import locate, searched


def _classify(miss: str) -> str:
    """The class of a miss: the expectation key it is about (counts.task, tasks, reading, …)."""
    if miss.startswith("either["):  # one of several acceptable readings: classify what it is about
        miss = miss.split("] ", 1)[-1]
    head = miss.split(":", 1)[0]
    return head.split("[", 1)[0]


def evaluate(*, real: bool = True, name_filter: str | None = None) -> list[dict[str, Any]]:
    """One record per layout: name, rules, format, status (right / missed / skipped / crashed), misses."""
    layouts = synthetic_layouts() + (real_layouts() if real else [])
    results = []
    for layout in layouts:
        if name_filter and name_filter not in layout.name:
            continue
        record: dict[str, Any] = {"name": layout.name, "rules": list(layout.rules), "format": layout.fmt,
                                  "file": layout.filename, "misses": []}
        if layout.path and locate(layout.path) is None:
            record["status"] = "skipped"
            record["misses"] = [f"real file not found in {searched()}"]
            results.append(record)
            continue
        try:
            preview = run(layout, layout.build())
            record["misses"] = check(layout, preview)
            record["kind"] = preview.kind
            record["status"] = "missed" if record["misses"] else "right"
        except Exception as exc:  # noqa: BLE001 - a crash is a finding of the report, not the end of it
            record["status"] = "crashed"
            record["misses"] = [f"crash: {type(exc).__name__}: {exc}"]
            record["traceback"] = traceback.format_exc(limit=3)
        results.append(record)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--no-real", action="store_true", help="leave out the real third-party files")
    parser.add_argument("-k", dest="name_filter", default=None, help="only layouts whose name contains this")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    results = evaluate(real=not args.no_real, name_filter=args.name_filter)
    ran = [r for r in results if r["status"] != "skipped"]
    right = [r for r in ran if r["status"] == "right"]
    classes = Counter(_classify(m) for r in ran for m in r["misses"])
    summary = f"{len(right)} of {len(ran)} layouts imported right"
    if args.json:
        print(json.dumps({"summary": summary, "right": len(right), "total": len(ran),
                          "skipped": [r["name"] for r in results if r["status"] == "skipped"],
                          "miss_classes": dict(classes.most_common()), "layouts": results},
                         ensure_ascii=False, indent=2))
        return 0
    for r in ran:
        for miss in r["misses"]:
            print(f"{r['name']}: {miss}")
    skipped = [r for r in results if r["status"] == "skipped"]
    if skipped:
        print(f"skipped {len(skipped)} real files: not found in {searched()} (set COSTANDARD_REAL_DATA)")
    if classes:
        print("misses by class: " + ", ".join(f"{k} {v}" for k, v in classes.most_common()))
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
