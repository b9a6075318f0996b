"""The import engine's two steps: ``analyse`` (bytes → preview) and ``commit`` (preview → one transaction).

``analyse`` reads the file, detects its kind, finds header and column mapping, parses the
rows and compares them with the database: the ``ImportPreview`` it returns is plain data a
page can show and let the user edit (kind, sheet, header row, mapping, mark scheme). Any
edit is applied by calling ``analyse`` again with the changed option. ``commit`` checks
inside its own transaction that nothing the plan read has changed since the preview (a
fingerprint of the programme's rows) and plans again if it has, so a preview can never be
stale; it writes everything or nothing.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import ImportRecord, Program
from services.actor import Actor
from services.db import session_scope
from services.errors import Conflict
from services.i18n import normalize_lang, translate
from services.importing.commit import Progress, apply_plan
from services.importing.detect import available_kinds, kind_module, score_kinds
from services.importing.limits import Limits, check_lengths
from services.importing.marks import parse_marks_option
from services.importing.plan import Plan, build_plan, empty_counts, load_state, state_fingerprint
from services.importing.readers import RawBook, read_book
from services.importing.records import Dataset, ImportRejected, Issue
from services.importing.table import Options, help_sheet_readings, row_roles_option
from services.permissions import require

MAX_LISTED_ISSUES = 1000
_Func = TypeVar("_Func", bound=Callable[..., Any])
_paused = 0  # imports running in this process with the collector paused
_resume = True  # whether the collector was on when the first of them started
_paused_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during bulk work, then restore it.

    Reading a large sheet and planning its rows allocate millions of small, acyclic objects;
    each allocation burst would trigger a full collection that walks all of them (a quarter
    of the time on a 5,000 × 300 matrix). Reference counting still frees everything; the
    collector resumes when the last concurrent import ends (the count is per process).

    On resuming, what the import allocated and still holds (the preview: its sheet, rows and
    plan) is moved to the oldest generation without being walked (``gc.freeze`` then
    ``gc.unfreeze``, both constant time): left young, the first allocation after resuming
    would walk all of it (about 0.1 s for a 50,000-row framework), and again on promotion.
    Cycles among those objects are still found by the next full collection.
    """
    global _paused, _resume
    with _paused_lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _resume:
                if gc.get_freeze_count() == 0:  # never thaw what someone else froze on purpose
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()


def _bulk(func: _Func) -> _Func:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


@dataclass
class ImportPreview:
    """What an import would do. Plain data (``to_dict``) plus the parsed file kept for ``commit``."""

    filename: str
    program_code: str
    lang: str
    kind: str | None = None
    kind_candidates: list[dict[str, Any]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    mark_scheme: str | dict[str, int] | None = None
    mark_candidates: list[str] = field(default_factory=list)
    # per used sheet, how it was read: header rows, mapping, groups, ignored rows/columns (with a reason),
    # split cells, transposed; every decision can be overridden (``row_roles``, ``split_cells``, ``mapping``…)
    reading: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=empty_counts)
    changes: list[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    error_issues: list[Issue] = field(default_factory=list)
    warning_issues: list[Issue] = field(default_factory=list)
    fatal: bool = False  # the file could not be parsed at all: no row can be imported
    data: bytes = field(default=b"", repr=False)
    dataset: Dataset | None = field(default=None, repr=False)
    book: RawBook | None = field(default=None, repr=False)
    plan: Plan | None = field(default=None, repr=False)
    fingerprint: tuple | None = field(default=None, repr=False)  # of the database the plan was made against

    @property
    def ok(self) -> bool:
        return not self.error_issues and not self.fatal

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [i.as_dict(self.lang) for i in self.error_issues[:MAX_LISTED_ISSUES]]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [i.as_dict(self.lang) for i in self.warning_issues[:MAX_LISTED_ISSUES]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view for a page or ``--json`` (without the file bytes)."""
        out = {k: v for k, v in asdict(self).items()
               if k not in ("data", "dataset", "book", "plan", "fingerprint", "error_issues", "warning_issues")}
        out.update(ok=self.ok, errors=self.errors, warnings=self.warnings,
                   error_count=len(self.error_issues), warning_count=len(self.warning_issues))
        return out


@dataclass
class ImportResult:
    ok: bool
    kind: str | None
    program: str
    dry_run: bool
    counts: dict[str, dict[str, int]]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    import_id: int | None = None
    program_id: int | None = None
    invalid_rows_xlsx: bytes | None = field(default=None, repr=False)
    invalid_row_count: int = 0
    reading: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON object (issue #3)."""
        return {"ok": self.ok, "kind": self.kind, "program": self.program, "dry_run": self.dry_run,
                **{name: self.counts.get(name, {}) for name in ("created", "updated", "unchanged", "not_in_file",
                                                                  "deleted")},
                "errors": self.errors, "warnings": self.warnings, "import_id": self.import_id,
                "invalid_rows": self.invalid_row_count, "reading": self.reading}


def _options(kind, sheet, header_row, mapping, marks, orientation, replace_alignments, row_roles,
             split_cells) -> Options:
    return Options(kind=kind, sheet=sheet, header_row=int(header_row) if header_row else None, mapping=mapping,
                   marks=marks, orientation=orientation, replace_alignments=replace_alignments,
                   row_roles=row_roles, split_cells=True if split_cells is None else split_cells)


@_bulk
def analyse(
    data: bytes, filename: str, *, engine: Engine | None, program_code: str, kind: str | None = None,
    sheet: str | None = None, header_row: int | None = None, mapping: dict[Any, str | None] | None = None,
    marks: str | dict[str, int] | None = None, orientation: str | None = None, replace_alignments: bool = False,
    row_roles: dict[Any, str] | None = None, split_cells: bool | list[str] | None = True,
    lang: str = "zh", limits: Limits | None = None,
) -> ImportPreview:
    """Read, detect, map, parse and diff a file against the database; nothing is written.

    ``engine=None`` skips the database comparison (everything counts as new). The returned
    preview lists errors instead of raising them: a page shows them next to the rows.
    ``row_roles`` ({1-based row: "data" | "ignore"}) overrides the reading of rows;
    ``split_cells`` (False, or cells such as "D7") keeps cells with several statements whole.
    """
    lang = normalize_lang(lang)
    limits = limits or Limits.from_env()
    preview = ImportPreview(filename=filename, program_code=program_code, lang=lang, data=data,
                            kinds=available_kinds(),
                            options={"kind": kind, "sheet": sheet, "header_row": header_row, "mapping": mapping,
                                     "marks": marks, "orientation": orientation,
                                     "replace_alignments": replace_alignments, "row_roles": row_roles,
                                     "split_cells": split_cells})
    try:
        marks_option = parse_marks_option(marks)
    except ValueError:
        preview.error_issues.append(Issue("import.error.marks_option", {"value": str(marks)}, file=filename))
        preview.fatal = True
        return preview
    try:
        roles_option = row_roles_option(row_roles)
    except (TypeError, ValueError):
        preview.error_issues.append(Issue("import.error.row_roles_option", {"value": str(row_roles)}, file=filename))
        preview.fatal = True
        return preview
    options = _options(kind, sheet, header_row, mapping, marks_option, orientation, replace_alignments,
                       roles_option, split_cells)
    try:
        book = read_book(data, filename, limits=limits)
    except ImportRejected as exc:
        preview.error_issues.extend(exc.issues)
        preview.fatal = True
        preview.kind = kind
        return preview
    preview.book = book
    preview.sheets = [{"name": s.name, "rows": len(s.rows), "columns": s.width, "hidden": s.hidden, "used": False}
                      for s in book.sheets]
    if book.encoding:
        preview.info["encoding"] = book.encoding
    if book.delimiter:
        preview.info["delimiter"] = book.delimiter
    preview.kind_candidates = score_kinds(book)
    if kind is not None and kind not in available_kinds():
        preview.error_issues.append(Issue("import.error.unknown_kind", {"kind": kind,
                                                                        "kinds": ", ".join(available_kinds())},
                                          file=filename))
        preview.fatal = True
        return preview
    if kind is None and marks_option is not None and "matrix" in available_kinds():
        kind = "matrix"  # a mark scheme only means something for a matrix
    chosen = kind or (preview.kind_candidates[0]["kind"] if preview.kind_candidates else None)
    preview.kind = chosen
    if chosen is None:
        preview.error_issues.append(Issue("import.error.unknown_layout", file=filename))
        preview.fatal = True
        return preview
    module = kind_module(chosen)
    preview.fields = [f for f in getattr(module, "FIELDS", {}) if not f.startswith("_")]
    try:
        dataset = module.parse(book, options, limits)
    except ImportRejected as exc:
        preview.error_issues.extend(exc.issues)
        preview.warning_issues.extend(book.warnings)
        preview.fatal = True
        _fill_sheet_info(preview, getattr(exc, "info", {}))
        return preview
    dataset.warnings[:0] = book.warnings
    check_lengths(dataset, filename=filename)
    preview.dataset = dataset
    _fill_sheet_info(preview, dataset.info.get("sheets", {}))
    if dataset.info.get("sheets") and not dataset.errors and not any(
            (dataset.nodes, dataset.courses, dataset.alignments, dataset.ratings, dataset.standards)):
        # a header with nothing under it (an attainment-calculation template): say so instead of "0 created"
        dataset.errors.append(Issue("import.error.no_rows", {"sheets": ", ".join(dataset.info["sheets"])},
                                    file=filename, sheet=next(iter(dataset.info["sheets"]))))
    _merge_kind_reading(preview, dataset.info.get("reading", []))
    if not sheet:  # instruction sheets (填表说明) are set aside, never silently
        readings, notes = help_sheet_readings(book, {e["sheet"] for e in preview.reading})
        preview.reading.extend(readings)
        dataset.warnings.extend(notes)
    preview.mark_scheme = dataset.info.get("mark_scheme")
    preview.mark_candidates = dataset.info.get("mark_candidates", [])
    preview.info.update({k: v for k, v in dataset.info.items() if k not in ("sheets",)})
    plan, preview.fingerprint = _plan(engine, dataset, program_code=program_code, replace=replace_alignments,
                                      filename=filename)
    preview.plan = plan
    preview.counts = plan.counts
    preview.changes = plan.changes()
    preview.info["job_roles_created"] = plan.extra.get("job_roles_created", 0)
    preview.info["program_exists"] = plan.program is not None
    preview.error_issues.extend(dataset.errors + plan.errors)
    preview.warning_issues.extend(dataset.warnings + plan.warnings)
    return preview


def _merge_kind_reading(preview: ImportPreview, extra: list[dict[str, Any]]) -> None:
    """Add what a kind set aside itself (a matrix's summary rows and columns, legends) to the sheet's reading."""
    by_sheet = {entry["sheet"]: entry for entry in preview.reading}
    for part in extra:
        entry = by_sheet.get(part.get("sheet"))
        if entry is None:
            entry = {"sheet": part.get("sheet"), "header_rows": [], "mapping": [], "groups": [], "ignored": [],
                     "splits": [], "transposed": False}
            preview.reading.append(entry)
            by_sheet[entry["sheet"]] = entry
        seen = {(i.get("row"), i.get("column")) for i in entry.setdefault("ignored", [])}
        for item in part.get("ignored", []):
            if (item.get("row"), item.get("column")) not in seen:
                entry["ignored"].append(item)
                seen.add((item.get("row"), item.get("column")))
        entry["transposed"] = bool(entry.get("transposed") or part.get("transposed"))


def _fill_sheet_info(preview: ImportPreview, sheets: dict[str, Any]) -> None:
    for entry in preview.sheets:
        info = sheets.get(entry["name"])
        if info:
            entry.update(info)
    used = [e for e in preview.sheets if e.get("used")]
    preview.reading = [{**e["reading"], "transposed": bool(e.get("transposed") or e["reading"]["transposed"])}
                       for e in used if e.get("reading")]  # a matrix says whether it read the sheet transposed
    if used:
        preview.sheet = used[0]["name"] if len(used) == 1 else None
        preview.header_row = used[0].get("header_row")
        preview.columns = used[0].get("columns", [])


def _plan(engine: Engine | None, dataset: Dataset, *, program_code: str, replace: bool, filename: str
          ) -> tuple[Plan, tuple | None]:
    if engine is None:
        from services.importing.plan import DbState

        return build_plan(DbState(program=None), dataset, program_code=program_code, replace_alignments=replace,
                          filename=filename), None
    with session_scope(engine) as session:
        fingerprint = state_fingerprint(session, program_code=program_code, dataset=dataset)
        state = load_state(session, program_code=program_code, dataset=dataset)
        plan = build_plan(state, dataset, program_code=program_code, replace_alignments=replace, filename=filename)
        return plan, fingerprint


class _Rejected(Exception):
    def __init__(self, plan: Plan) -> None:
        super().__init__("import rejected")
        self.plan = plan


@_bulk
def commit(engine: Engine, *, actor: Actor, preview: ImportPreview, skip_invalid: bool = False,
           progress_callback: Progress | None = None) -> ImportResult:
    """Write the previewed import in one transaction (admins and leads).

    Row errors reject the whole import unless ``skip_invalid``: then the valid rows go in
    and ``invalid_rows_xlsx`` holds the others with an error column. A file that could not
    be parsed is always rejected. The plan is redone inside the transaction when the
    programme changed since the preview; a concurrent change caught by a constraint rolls
    everything back and raises ``Conflict``.
    """
    require(actor, "import.run")
    lang = preview.lang
    if preview.fatal or preview.dataset is None:
        return _result(preview, ok=False, dry_run=False)
    dataset = preview.dataset
    if dataset.errors and not skip_invalid:
        return _result(preview, ok=False, dry_run=False)

    def progress(fraction: float, stage: str) -> None:
        if progress_callback:
            progress_callback(fraction, translate(f"import.progress.{stage}", lang))

    try:
        with session_scope(engine) as session:
            fingerprint = state_fingerprint(session, program_code=preview.program_code, dataset=dataset)
            if preview.plan is not None and fingerprint == preview.fingerprint:
                plan = preview.plan  # nothing the import reads has changed since the preview
            else:
                state = load_state(session, program_code=preview.program_code, dataset=dataset)
                plan = build_plan(state, dataset, program_code=preview.program_code,
                                  replace_alignments=bool(preview.options.get("replace_alignments")),
                                  filename=preview.filename)
            errors = dataset.errors + plan.errors
            if errors and not skip_invalid:
                raise _Rejected(plan)
            counts = {k: v for k, v in plan.counts.items()}
            record = apply_plan(session, plan=plan, actor=actor, filename=preview.filename, kind=dataset.kind,
                                counts=counts, errors=len(errors), warnings=len(dataset.warnings + plan.warnings),
                                program_language=lang, progress=progress)
    except IntegrityError as exc:
        raise Conflict("the programme changed while importing; analyse the file again",
                       key="import.error.concurrent_change") from exc
    except _Rejected as rejected:
        preview.error_issues = dataset.errors + rejected.plan.errors
        preview.counts = rejected.plan.counts
        return _result(preview, ok=False, dry_run=False)
    preview.error_issues = errors
    preview.warning_issues = dataset.warnings + plan.warnings
    preview.counts = plan.counts
    result = _result(preview, ok=True, dry_run=False)
    result.import_id = record["id"]
    result.program_id = record["program_id"]
    if errors:
        from services.importing.invalid import invalid_rows_workbook

        result.invalid_rows_xlsx, result.invalid_row_count = invalid_rows_workbook(preview, errors)
    return result


def _result(preview: ImportPreview, *, ok: bool, dry_run: bool) -> ImportResult:
    return ImportResult(ok=ok, kind=preview.kind, program=preview.program_code, dry_run=dry_run,
                        counts=preview.counts, errors=preview.errors, warnings=preview.warnings,
                        reading=preview.reading)


@_bulk  # one pause over both steps: the collector would otherwise walk the preview in between
def import_file(
    engine: Engine, *, actor: Actor, data: bytes, filename: str, program_code: str, dry_run: bool = False,
    skip_invalid: bool = False, progress_callback: Progress | None = None, **options: Any,
) -> ImportResult:
    """``analyse`` then (unless ``dry_run``) ``commit``: the one-call form the command line uses."""
    preview = analyse(data, filename, engine=engine, program_code=program_code, **options)
    if dry_run:
        return _result(preview, ok=preview.ok, dry_run=True)
    return commit(engine, actor=actor, preview=preview, skip_invalid=skip_invalid,
                  progress_callback=progress_callback)


def list_imports(engine: Engine, *, program_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recorded imports, newest first: who, when, file, kind, counts."""
    with session_scope(engine) as session:
        query = select(ImportRecord, Program.code).join(Program, Program.id == ImportRecord.program_id, isouter=True)
        if program_id is not None:
            query = query.where(ImportRecord.program_id == program_id)
        rows = session.exec(query.order_by(ImportRecord.at.desc(), ImportRecord.id.desc()).limit(limit)).all()
        return [{"id": r.id, "at": r.at.isoformat(), "username": r.username, "program": code, "filename": r.filename,
                 "kind": r.kind, "ok": r.ok, "counts": r.counts, "errors": r.errors, "warnings": r.warnings}
                for r, code in rows]
