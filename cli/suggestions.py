"""Suggestion command: suggest (competencies for a text, or for every unit and objective of a course standard)."""

from __future__ import annotations

import argparse

from cli.common import EXIT_OK, open_engine, print_json


def _top(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from exc
    if not 1 <= number <= 200:
        raise argparse.ArgumentTypeError("must be between 1 and 200")
    return number


def _brief(rows: list[dict]) -> list[dict]:
    return [{"code": r["code"], "statement": r["statement"], "score": r["score"], "matched": r["matched"]}
            for r in rows]


def _print_rows(rows: list[dict], indent: str = "") -> None:
    if not rows:
        print(f"{indent}(no suggestion)")
    for r in rows:
        matched = f"  [{', '.join(r['matched'])}]" if r["matched"] else ""
        print(f"{indent}{r['score']:.3f}  {r['code']}  {r['statement']}{matched}")


def cmd_suggest(args: argparse.Namespace) -> int:
    """Suggest competencies for a text, or for every unit and objective of a course's current standard."""
    from sqlmodel import select

    from models import Course
    from services import suggestions
    from services.coverage import program_id_for_code
    from services.db import session_scope
    from services.errors import NotFound
    from services.standards import current_standard, invalid

    engine = open_engine(args)
    program_id = program_id_for_code(engine, code=args.program)
    if args.text is not None:
        if not args.text.strip():
            raise invalid("suggest.error.empty_text", "the text is empty", field="text")
        rows = _brief(suggestions.suggest_for_text(engine, program_id=program_id, text=args.text, top=args.top))
        if args.json:
            print_json(rows)
        else:
            _print_rows(rows)
        return EXIT_OK
    with session_scope(engine) as session:
        course_id = session.exec(select(Course.id).where(Course.program_id == program_id,
                                                         Course.code == args.course)).first()
    if course_id is None:
        raise NotFound(f"course {args.course} not found in programme {args.program}", code=args.course)
    standard = current_standard(engine, course_id=course_id)
    if standard is None:
        raise NotFound(f"course {args.course} has no course standard yet", code=args.course)
    out = []
    for target in suggestions.standard_targets(engine, standard_id=standard["id"]):
        found = suggestions.suggest_for_target(engine, unit_id=target["unit_id"], objective_id=target["objective_id"],
                                               top=args.top)
        out.append({"target": found["target"], "target_type": "unit" if target["unit_id"] else "objective",
                    "label": found["label"], "suggestions": _brief(found["suggestions"])})
    if args.json:
        print_json(out)
    else:
        for entry in out:
            print(f"{entry['target_type']} {entry['label']}")
            _print_rows(entry["suggestions"], indent="  ")
    return EXIT_OK


def register(add) -> None:
    p = add("suggest", cmd_suggest)
    p.add_argument("--program", required=True, metavar="CODE", help="programme code, e.g. 460305")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="a unit or objective text to find competencies for")
    source.add_argument("--course", metavar="CODE", help="every unit and objective of this course's current standard")
    p.add_argument("--top", type=_top, default=10, metavar="N", help="suggestions per text (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
