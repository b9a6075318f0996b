"""Export commands: ``export`` (documents and interchange files) and ``restore`` (a backup).

Exit codes: 0 = done, 1 = rejected with nothing written, 2 = usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, open_engine, print_json
from models.enums import LEVEL_ORDER, SOURCE_KINDS
from services.actor import SYSTEM
from services.exports import FORMATS, KINDS, MARK_SCHEMES

DEFAULT_FORMAT = {"standard": "xlsx", "matrix": "xlsx", "gaps": "xlsx", "backup": "json", "moodle": "csv",
                  "case": "json", "opensalt": "xlsx"}


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _format_for(kind: str, asked: str | None, out: Path) -> tuple[str, str | None]:
    """The format to write: ``--format``, else the one ``--out``'s extension names, else the default.

    A file name whose extension names another format is refused, so a .xlsx never holds JSON.
    """
    known = {f for formats in FORMATS.values() for f in formats}
    suffix = "" if out.is_dir() else out.suffix.lower().lstrip(".")
    named = suffix if suffix in known else None
    fmt = asked or named or DEFAULT_FORMAT[kind]
    if fmt not in FORMATS[kind]:
        return fmt, (f"{kind} exports as {' or '.join(FORMATS[kind])}, not {fmt}"
                     + (f" (--out {out.name} names a .{suffix} file)" if not asked else ""))
    if named and named != fmt:
        return fmt, f"--out {out.name} names a .{suffix} file but the format is {fmt}; name it .{fmt}"
    return fmt, None


def free_path(folder: Path, filename: str) -> Path:
    """``folder / filename``, or ``name-2.ext``, ``name-3.ext`` … when taken: a second export never replaces the first."""
    path = folder / filename
    stem, suffix = path.stem, path.suffix
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def cmd_export(args: argparse.Namespace) -> int:
    """Export a course standard, the coverage matrix, the gap report, a backup, Moodle CSV, CASE JSON or OpenSALT."""
    from services import exports

    kind = args.kind
    out = Path(args.out) if args.out else Path.cwd()
    fmt, problem = _format_for(kind, args.format, out)
    if problem:
        return _usage(problem)
    if kind == "standard" and not args.course:
        return _usage("export standard needs --course CODE")
    if kind != "standard" and args.course:
        return _usage("--course only applies to export standard")
    if args.all and kind != "backup":
        return _usage("--all only applies to export backup")
    if not args.program and not args.all:
        return _usage("--program CODE is required (or --all for a backup of the whole database)")
    if args.include_password_hashes and kind != "backup":
        return _usage("--include-password-hashes only applies to export backup")
    if (args.source_kind or args.level) and kind not in ("matrix", "gaps"):
        return _usage("--source-kind and --level only apply to export matrix and export gaps")
    engine = open_engine(args)
    program_id = None if args.all else exports.program_by_code(engine, args.program)["id"]
    common = {"actor": SYSTEM}
    if kind == "standard":
        standard_id = exports.current_standard_id(engine, program_code=args.program, course_code=args.course)
        writer = exports.export_standard_xlsx if fmt == "xlsx" else exports.export_standard_docx
        result = writer(engine, standard_id=standard_id, lang=args.lang, **common)
    elif kind == "matrix":
        result = exports.export_matrix_xlsx(engine, program_id=program_id, marks=args.marks, lang=args.lang,
                                            confirmed_only=args.confirmed_only, source_kind=args.source_kind,
                                            level=args.level, **common)
    elif kind == "gaps":
        result = exports.export_gaps_xlsx(engine, program_id=program_id, lang=args.lang,
                                          confirmed_only=args.confirmed_only, source_kind=args.source_kind,
                                          level=args.level, **common)
    elif kind == "backup":
        result = exports.export_backup(engine, program_id=program_id, fmt=fmt,
                                       include_password_hashes=args.include_password_hashes, **common)
    elif kind == "moodle":
        result = exports.export_moodle_csv(engine, program_id=program_id, lang=args.lang, **common)
    elif kind == "case":
        result = exports.export_case_json(engine, program_id=program_id, lang=args.lang, **common)
    else:
        result = exports.export_opensalt_xlsx(engine, program_id=program_id, lang=args.lang, **common)
    if out.is_dir():
        out = free_path(out, result.filename)
    out.write_bytes(result.content)
    if args.json:
        print_json({"ok": True, "kind": kind, "format": fmt, "path": str(out), "filename": result.filename,
                    "bytes": len(result.content)})
    else:
        print(f"{kind} ({fmt}) written to {out} ({len(result.content):,} bytes)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup file (one transaction; an existing programme is refused unless --merge)."""
    from services.exports import restore_backup

    path = Path(args.path)
    if not path.is_file():
        return _usage(f"{path} is not a file")
    engine = open_engine(args)
    report = restore_backup(engine, actor=SYSTEM, data=path.read_bytes(), merge=args.merge, dry_run=args.dry_run,
                            lang=args.lang)
    if args.json:
        print_json(report.to_json())
    else:
        head = "dry run" if report.dry_run and report.ok else ("restored" if report.ok else "rejected, nothing written")
        print(f"backup → {', '.join(report.programs) or '?'}: {head}")
        data = report.to_json()
        for name in ("created", "unchanged", "not_in_file"):
            counts = {k: v for k, v in data[name].items() if v}
            if counts:
                print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for issue in report.warnings[:50]:
            print(f"warning: {issue['where'] + ': ' if issue['where'] else ''}{issue['message']}", file=sys.stderr)
        for issue in report.errors[:200]:
            print(f"error: {issue['where'] + ': ' if issue['where'] else ''}{issue['message']}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_REJECTED


def register(add) -> None:
    p = add("export", cmd_export)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--program", metavar="CODE", help="programme code")
    p.add_argument("--course", metavar="CODE", help="course code (export standard: its current revision)")
    p.add_argument("--format", choices=sorted({f for formats in FORMATS.values() for f in formats}),
                   help="xlsx or docx for a standard; json or zip for a backup; one format for the others")
    p.add_argument("--marks", choices=tuple(MARK_SCHEMES), default="symbols",
                   help="matrix marks: symbols ● ◐ ○, irm I/R/M, hml L/M/H, numeric 1–3")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the labels in the document")
    p.add_argument("--confirmed-only", action="store_true", help="matrix and gaps: count accepted alignments only")
    p.add_argument("--source-kind", choices=SOURCE_KINDS,
                   help="matrix and gaps: only the requirements of one source kind (default: all)")
    p.add_argument("--level", choices=LEVEL_ORDER,
                   help="matrix and gaps: only requirements at this level and below on its scale, plus those "
                        "without a level (中级 counts 初级 and 中级)")
    p.add_argument("--all", action="store_true", help="backup: the whole database instead of one programme")
    p.add_argument("--include-password-hashes", action="store_true",
                   help="backup: keep users' password hashes (and survey links' token hashes)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", metavar="PATH",
                   help="file to write, or a folder (default: the current one) that gets the suggested name, "
                        "e.g. 460305-ZH3021-课程标准-草稿-zh-2026-12-01.docx; an existing file there is kept (name-2.docx)")
    p = add("restore", cmd_restore)
    p.add_argument("path", help="a backup file (.json, or .zip holding backup.json)")
    p.add_argument("--merge", action="store_true",
                   help="add what is missing to existing programmes (matched by codes); never overwrite")
    p.add_argument("--dry-run", action="store_true", help="report what would be restored; write nothing")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
