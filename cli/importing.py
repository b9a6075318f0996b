"""Import commands: ``import`` (any supported file into a programme) and ``import-template``.

Exit codes: 0 = imported (or a clean dry run), 1 = rejected with nothing written, 2 = usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, open_engine, print_json
from services.actor import SYSTEM
from services.i18n import translate
from services.importing import KINDS, SCHEME_NAMES, import_file
from services.importing.docx_standard import EXTENSIONS as DOCX_EXTENSIONS
from services.importing.docx_standard import KIND as DOCX_KIND


def cmd_import(args: argparse.Namespace) -> int:
    """Import a spreadsheet, CSV or JSON file into a programme (created if missing), or a 课程标准 .docx."""
    path = Path(args.path)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return EXIT_USAGE
    engine = open_engine(args)
    if args.kind == DOCX_KIND or (args.kind is None and path.suffix.lower() in DOCX_EXTENSIONS):
        return _import_docx(engine, args, path)
    result = import_file(
        engine, actor=SYSTEM, data=path.read_bytes(), filename=path.name, program_code=args.program,
        kind=args.kind, sheet=args.sheet, marks=args.marks, replace_alignments=args.replace_alignments,
        lang=args.lang, dry_run=args.dry_run, skip_invalid=args.skip_invalid,
    )
    invalid_path = None
    if result.invalid_rows_xlsx:
        invalid_path = path.with_name(f"{path.stem}.invalid.xlsx")
        invalid_path.write_bytes(result.invalid_rows_xlsx)
    if args.json:
        data = result.to_json()
        if invalid_path:
            data["invalid_rows_file"] = str(invalid_path)
        print_json(data)
    else:
        _print_report(result, args.lang, invalid_path)
    return EXIT_OK if result.ok else EXIT_REJECTED


def _import_docx(engine, args: argparse.Namespace, path: Path) -> int:
    """A course standard in Word: through services.standards; needs --confirm over existing content."""
    from services.importing.docx_import import import_docx

    result = import_docx(engine, actor=SYSTEM, data=path.read_bytes(), filename=path.name, program_code=args.program,
                         dry_run=args.dry_run, confirm=args.confirm, lang=args.lang, course_code=args.course,
                         create_course=args.create_course, remove_missing=args.remove_missing)
    if args.json:
        print_json(result.to_json())
    else:
        _print_report(result, args.lang, None)
        if result.needs_confirmation and not args.confirm and result.ok is False and not result.dry_run:
            print(translate("import.docx.cli.needs_confirm", args.lang), file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_REJECTED


def _print_report(result, lang: str, invalid_path: Path | None) -> None:
    head = "dry run" if result.dry_run else ("imported" if result.ok else "rejected, nothing written")
    print(f"{result.kind or '?'} → {result.program}: {head}")
    planned = result.dry_run or not result.ok  # counts of what would happen, not of what happened
    for name in ("created", "updated", "unchanged", "not_in_file", "deleted"):
        counts = {k: v for k, v in result.counts.get(name, {}).items() if v}
        if counts:
            label = f"would be {name}" if planned and name in ("created", "updated", "deleted") else name
            print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for issue in result.warnings[:50]:
        print(f"warning: {_where(issue)}{issue['message']}", file=sys.stderr)
    for issue in result.errors[:200]:
        print(f"error: {_where(issue)}{issue['message']}", file=sys.stderr)
    if len(result.errors) > 200:
        print(f"error: … {len(result.errors) - 200} more", file=sys.stderr)
    if invalid_path:
        print(translate("import.cli.invalid_rows", lang, path=str(invalid_path), count=result.invalid_row_count))


def _where(issue: dict) -> str:
    parts = [p for p in (issue.get("file"), issue.get("sheet"),
                         f"row {issue['row']}" if issue.get("row") else None, issue.get("column")) if p]
    return (" / ".join(str(p) for p in parts) + ": ") if parts else ""


def cmd_import_template(args: argparse.Namespace) -> int:
    """Write a blank template of an import kind (header, two examples, instructions in zh and en)."""
    from services.importing.templates import TEMPLATE_KINDS, template_workbook

    if args.kind not in TEMPLATE_KINDS:
        print(f"error: no template for {args.kind}; kinds: {', '.join(TEMPLATE_KINDS)}", file=sys.stderr)
        return EXIT_USAGE
    Path(args.out).write_bytes(template_workbook(args.kind))
    print(f"template {args.kind} written to {args.out}")
    return EXIT_OK


def register(add) -> None:
    p = add("import", cmd_import)
    p.add_argument("path", help="the file: .xlsx .xlsm .xls .ods .csv .tsv .json, or a course standard .docx")
    p.add_argument("--program", required=True, metavar="CODE", help="programme code (created if missing)")
    p.add_argument("--kind", choices=(*KINDS, DOCX_KIND),
                   help=f"override the detected kind ({DOCX_KIND}: a course standard in Word, the default for .docx)")
    p.add_argument("--sheet", metavar="NAME", help="import only this sheet")
    p.add_argument("--marks", metavar="SCHEME",
                   help=f"matrix mark scheme: {', '.join(SCHEME_NAMES)} or VALUE=LEVEL pairs such as 1=3,2=2,3=0")
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows; write the invalid ones to PATH.invalid.xlsx")
    p.add_argument("--replace-alignments", action="store_true",
                   help="replace the course-level alignments of the matrix's courses with the matrix's")
    p.add_argument("--course", metavar="CODE", help=f"{DOCX_KIND}: the course to import into (default: the "
                   "code or name the document gives)")
    p.add_argument("--create-course", action="store_true", help=f"{DOCX_KIND}: create the course if missing")
    p.add_argument("--confirm", action="store_true",
                   help=f"{DOCX_KIND}: write over a standard that already has content (see the diff with --dry-run)")
    p.add_argument("--remove-missing", action="store_true",
                   help=f"{DOCX_KIND}: delete objectives, units and assessment items the document does not have")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = add("import-template", cmd_import_template)
    p.add_argument("kind", help="framework, courses, matrix, ratings or standard")
    p.add_argument("--out", required=True, metavar="PATH", help="where to write the .xlsx")
