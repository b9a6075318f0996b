"""Coverage commands: coverage (gap analytics as JSON or text) and coverage-snapshot."""

from __future__ import annotations

import argparse

from cli.common import EXIT_OK, open_engine, print_json
from services.actor import SYSTEM


def _threshold(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from exc
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def cmd_coverage(args: argparse.Namespace) -> int:
    """Coverage and gaps of a programme (definitions: docs/coverage.md)."""
    from services import coverage

    engine = open_engine(args)
    program_id = coverage.program_id_for_code(engine, code=args.program)
    result = coverage.compute_coverage(engine, program_id=program_id, confirmed_only=args.confirmed_only,
                                       redundant_threshold=args.redundant_threshold)
    if args.json:
        print_json(coverage.result_json(result))
        return EXIT_OK
    m = result.metrics
    mode = "accepted alignments only" if result.confirmed_only else "all alignments not rejected"
    print(f"programme {result.program['code']} {result.program['name']} ({mode})")
    print(f"  competencies {m['competencies']}, courses {m['courses']}, alignments {m['alignments']}")
    print(f"  covered {m['covered']} of {m['competencies']} ({m['coverage_ratio']:.1%}), "
          f"weighted coverage {m['weighted_coverage']:.1%}")
    print(f"  gaps: uncovered {m['uncovered']}, below required {m['below_required']}, "
          f"redundant {m['redundant']} (level 3 in ≥ {result.redundant_threshold} courses)")
    print(f"  orphans: courses {m['orphan_courses']}, units {m['orphan_units']}, objectives {m['orphan_objectives']}")
    print(f"  hours: under-invested {m['under_invested']}, over-invested {m['over_invested']}")
    return EXIT_OK


def cmd_coverage_snapshot(args: argparse.Namespace) -> int:
    """Store a coverage snapshot of a programme (to compare later)."""
    from services import coverage

    engine = open_engine(args)
    program_id = coverage.program_id_for_code(engine, code=args.program)
    snapshot = coverage.take_snapshot(engine, actor=SYSTEM, program_id=program_id, label=args.label,
                                      confirmed_only=args.confirmed_only)
    if args.json:
        print_json(snapshot)
    else:
        m = snapshot["metrics"]
        print(f"snapshot {snapshot['id']} of {args.program}: covered {m['covered']} of {m['competencies']}, "
              f"weighted coverage {m['weighted_coverage']:.1%}")
    return EXIT_OK


def register(add) -> None:
    p = add("coverage", cmd_coverage)
    p.add_argument("--program", required=True, metavar="CODE", help="programme code, e.g. 460305")
    p.add_argument("--confirmed-only", action="store_true", help="count accepted alignments only")
    p.add_argument("--redundant-threshold", type=_threshold, default=3, metavar="N",
                   help="redundant = level 3 in at least N courses (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = add("coverage-snapshot", cmd_coverage_snapshot)
    p.add_argument("--program", required=True, metavar="CODE", help="programme code")
    p.add_argument("--label", default="", help="a short label, e.g. 'before the 2026 review'")
    p.add_argument("--confirmed-only", action="store_true", help="count accepted alignments only")
    p.add_argument("--json", action="store_true", help="print the snapshot as JSON")
