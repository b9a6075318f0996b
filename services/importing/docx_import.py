"""Word import of a course standard: preview against the database, then write through ``services.standards``.

Two steps, like the spreadsheet engine::

    preview = analyse_docx(data, "课程标准.docx", engine=engine, program_code="460305", lang="zh")
    result = commit_docx(engine, actor=actor, preview=preview, confirm=True)

``analyse_docx`` reads the document (``docx_standard.read_standard_docx``), finds the course in the
programme (by the code the document names, or ``course_code``; else by name) and its latest standard
revision, and diffs what the document says against that revision: header fields changed, and per
table the rows created, updated, unchanged, kept (in the standard, not in the document) or deleted
(only with ``remove_missing``). Rows are matched by their key (an objective by dimension and code or
text, a unit by title, an assessment item by name), so a matched unit keeps its id and alignments.
A field the document leaves empty never blanks the standard's value.

``commit_docx`` writes nothing unless the preview is clean; a standard that already has content needs
``confirm=True`` (the user saw the diff). The course is created only when the user chose it
(``create_course``, through ``services.courses.create_course``); the standard's first revision comes
from ``services.standards.create_standard`` and its content from one ``save_standard`` naming the
version the preview read, so a save in between is a ``Conflict`` (analyse again), sign-offs given
while in review are cleared as in the editor, and every change is audited and versioned there. All of
it runs in one ``unit_of_work`` with the import record (the Import page's history, the inbox notice to
the course's owners): a refusal anywhere leaves no course, revision or record behind.
Approved revisions are frozen: the import is refused (start a new revision in the editor first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from services.actor import Actor
from services.db import unit_of_work
from services.errors import NotFound, ValidationFailed
from services.i18n import normalize_lang, translate
from services.importing.docx_standard import KIND, DocxStandard, fold, parse_hours_text, read_standard_docx
from services.importing.kinds.courses import parse_course_type, parse_semester
from services.importing.limits import Limits
from services.importing.records import ImportRejected, Issue, Term
from services.permissions import require
from services.textguard import FIELD_LIMITS
from services.vocabulary import STANDARD_FIELDS

TABLES = ("objectives", "units", "assessment")
ROW_FIELDS = {"objectives": ("dimension", "code", "text"),
              "units": ("title", "content", "learning_tasks", "hours_theory", "hours_practice"),
              "assessment": ("name", "category", "weight", "method")}
ACTIONS = ("created", "updated", "unchanged", "not_in_file", "deleted")
ENTITIES = ("header", "objective", "unit", "assessment", "course", "standard")
_ENTITY = {"objectives": "objective", "units": "unit", "assessment": "assessment"}


@dataclass
class DocxPreview:
    """What a Word import would do; plain data (``to_dict``) plus the save it would make."""

    filename: str
    program_code: str
    lang: str
    options: dict[str, Any] = field(default_factory=dict)
    reading: DocxStandard | None = None
    program: dict[str, Any] | None = None
    course: dict[str, Any] | None = None  # the matched course
    document_course: dict[str, Any] = field(default_factory=dict)  # what the document says of it, parsed
    standard: dict[str, Any] | None = None  # the latest revision: id, revision, status, version
    has_content: bool = False
    diff: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    save: dict[str, Any] = field(default_factory=dict, repr=False)
    error_issues: list[Issue] = field(default_factory=list)
    warning_issues: list[Issue] = field(default_factory=list)
    fatal: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_issues and not self.fatal

    @property
    def needs_confirmation(self) -> bool:
        """The standard already holds content: the user must see the diff and confirm."""
        return self.has_content

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view for the Import page and ``--json``."""
        return {"kind": KIND, "filename": self.filename, "program": self.program_code, "options": self.options,
                "reading": self.reading.to_dict(self.lang) if self.reading else None,
                "course": self.course, "document_course": self.document_course, "standard": self.standard,
                "has_content": self.has_content, "needs_confirmation": self.needs_confirmation,
                "diff": self.diff, "counts": self.counts, "ok": self.ok, "fatal": self.fatal,
                "errors": [i.as_dict(self.lang) for i in self.error_issues],
                "warnings": [i.as_dict(self.lang) for i in self.warning_issues]}


@dataclass
class DocxResult:
    ok: bool
    program: str
    dry_run: bool
    counts: dict[str, dict[str, int]]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    needs_confirmation: bool = False
    standard_id: int | None = None
    version_number: int | None = None
    course_created: bool = False
    kind: str = KIND

    def to_json(self) -> dict[str, Any]:
        """The command line's JSON object (the same keys as a spreadsheet import, plus the standard)."""
        return {"ok": self.ok, "kind": self.kind, "program": self.program, "dry_run": self.dry_run,
                **{name: self.counts.get(name, {}) for name in ACTIONS}, "errors": self.errors,
                "warnings": self.warnings, "needs_confirmation": self.needs_confirmation,
                "standard_id": self.standard_id, "version_number": self.version_number,
                "course_created": self.course_created}


# --------------------------------------------------------------------------- analysing


def analyse_docx(data: bytes, filename: str, *, engine: Engine, program_code: str, lang: str = "zh",
                 course_code: str | None = None, create_course: bool = False, remove_missing: bool = False,
                 limits: Limits | None = None) -> DocxPreview:
    """Read the document and diff it against the course's latest standard revision; nothing is written."""
    from services import courses, programs, standards

    lang = normalize_lang(lang)
    preview = DocxPreview(filename=filename, program_code=program_code, lang=lang,
                          options={"course_code": course_code, "create_course": create_course,
                                   "remove_missing": remove_missing})
    try:
        reading = read_standard_docx(data, filename, lang=lang, limits=limits)
    except ImportRejected as exc:
        preview.error_issues.extend(exc.issues)
        preview.fatal = True
        return preview
    preview.reading = reading
    preview.error_issues.extend(reading.errors)
    preview.warning_issues.extend(reading.warnings)
    _check_header(preview, reading)
    preview.document_course = _document_course(preview, reading)
    try:
        preview.program = programs.get_program(engine, code=program_code)
    except NotFound:
        preview.error_issues.append(Issue("import.error.docx_program", {"program": program_code}, file=filename))
        preview.fatal = True
        return preview
    code = (course_code or preview.document_course.get("code") or "").strip()
    name = preview.document_course.get("name") or ""
    preview.course = courses.find_course(engine, program_id=preview.program["id"], code=code or None,
                                         name=name or None)
    if preview.course is None:
        if not create_course:
            preview.error_issues.append(Issue("import.error.docx_course_missing",
                                              {"code": code or "—", "name": name or "—", "program": program_code},
                                              file=filename))
            preview.fatal = True
            return preview
        if not code:
            preview.error_issues.append(Issue("import.error.docx_course_code", file=filename))
            preview.fatal = True
            return preview
        content: dict[str, Any] = {"header": {}, "objectives": [], "units": [], "assessment": []}
    else:
        _compare_course(preview)
        current = standards.current_standard(engine, course_id=preview.course["id"])
        if current is not None:
            preview.standard = current
            snapshot = standards.editing_snapshot(engine, standard_id=current["id"])
            content = snapshot["content"]
            preview.standard["version"] = snapshot["version"]
            if current["status"] == "approved":
                preview.error_issues.append(Issue("import.error.docx_frozen", {"revision": current["revision"]},
                                                  file=filename))
            elif current["status"] == "in_review":
                preview.warning_issues.append(Issue("import.warning.docx_in_review", file=filename))
        else:
            content = {"header": {}, "objectives": [], "units": [], "assessment": []}
    prose = ("prerequisites", "follow_on", "nature", "design_rationale", "teaching_methods", "resources")
    preview.has_content = preview.standard is not None and (
        any(content.get(t) for t in TABLES) or any((content.get("header") or {}).get(f) for f in prose))
    _plan(preview, reading, content, remove_missing=remove_missing)
    return preview


def _check_header(preview: DocxPreview, reading: DocxStandard) -> None:
    limits = FIELD_LIMITS["course_standard"]
    for name, value in list(reading.header.items()):
        if len(value) > limits[name]:
            preview.error_issues.append(Issue("import.error.docx_field_too_long",
                                              {"field": Term(f"import.docx.field.{name}"), "length": len(value),
                                               "limit": limits[name]}, file=reading.filename))
            del reading.header[name]


def _where(reading: DocxStandard, name: str) -> dict[str, Any]:
    spot = reading.course_where.get(name, {})
    return {"file": reading.filename, "sheet": spot.get("where"), "row": spot.get("row")}


def _document_course(preview: DocxPreview, reading: DocxStandard) -> dict[str, Any]:
    """The course fields the document names, as values (warnings for the ones that cannot be read)."""
    raw = reading.course
    out: dict[str, Any] = {k: raw[k].strip() for k in ("code", "name", "program") if raw.get(k)}
    if raw.get("credits"):
        try:
            out["credits"] = float(raw["credits"].replace("学分", "").strip())
        except ValueError:
            preview.warning_issues.append(Issue("import.warning.docx_course_value", {"value": raw["credits"]},
                                                **_where(reading, "credits")))
    hours = parse_hours_text(raw.get("hours", ""))
    for name in ("hours_theory", "hours_practice"):
        value = parse_hours_text(raw.get(name, "")).get("hours")
        if value is not None:
            hours[name] = value
    if "hours_theory" in hours and "hours_practice" in hours:
        out["hours_theory"], out["hours_practice"] = hours["hours_theory"], hours["hours_practice"]
    if "hours" in hours:
        out["hours"] = hours["hours"]
    for name, parser in (("course_type", parse_course_type), ("semester", parse_semester)):
        if raw.get(name):
            try:
                out[name] = parser(raw[name])
            except ValueError:
                preview.warning_issues.append(Issue("import.warning.docx_course_value", {"value": raw[name]},
                                                    **_where(reading, name)))
    return out


def _compare_course(preview: DocxPreview) -> None:
    """Warn where the document's course data differ from the course (the import does not change the course)."""
    course, doc, reading = preview.course or {}, preview.document_course, preview.reading
    if doc.get("code") and fold(doc["code"]) != fold(course.get("code", "")):
        preview.warning_issues.append(Issue("import.warning.docx_other_course",
                                            {"document": doc["code"], "course": course.get("code")},
                                            **_where(reading, "code")))
    total = course.get("hours_theory", 0) + course.get("hours_practice", 0)
    checks = [("credits", doc.get("credits"), course.get("credits")), ("hours", doc.get("hours"), total),
              ("hours_theory", doc.get("hours_theory"), course.get("hours_theory")),
              ("hours_practice", doc.get("hours_practice"), course.get("hours_practice")),
              ("course_type", doc.get("course_type"), course.get("course_type")),
              ("semester", doc.get("semester"), course.get("semester"))]
    for name, document, stored in checks:
        if document is not None and stored is not None and document != stored:
            spot = "hours" if name.startswith("hours") and name not in preview.reading.course else name
            preview.warning_issues.append(Issue("import.warning.docx_course_differs",
                                                {"field": Term(f"import.docx.field.{name}"),
                                                 "document": _shown(document), "course": _shown(stored)},
                                                **_where(reading, spot)))
    program = preview.program or {}
    stated = doc.get("program")
    if stated and program.get("code") not in stated and fold(program.get("name", "")) not in fold(stated):
        preview.warning_issues.append(Issue("import.warning.docx_other_program",
                                            {"document": stated, "program": program.get("code")},
                                            **_where(reading, "program")))


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _key(table: str, row: dict[str, Any]) -> tuple:
    if table == "objectives":
        return ("objectives", row["dimension"], fold(row["code"]) if row.get("code") else fold(row["text"]))
    if table == "units":
        return ("units", fold(row["title"]))
    return ("assessment", fold(row["name"]))


def _label(table: str, row: dict[str, Any]) -> str:
    if table == "objectives":
        return f"{row.get('code') or ''} {row['text'][:60]}".strip()
    if table == "units":
        return row["title"][:80]
    return row["name"][:80]


def _plan(preview: DocxPreview, reading: DocxStandard, content: dict[str, Any], *, remove_missing: bool) -> None:
    """The diff and the ``save_standard`` arguments that make the standard hold the document."""
    counts = {action: dict.fromkeys(ENTITIES, 0) for action in ACTIONS}
    current_header = content.get("header") or {}
    header_changes = []
    for name in STANDARD_FIELDS:
        after = reading.header.get(name, "")
        before = current_header.get(name, "") or ""
        if not after:
            continue  # an empty field in the document never blanks the standard's
        if after != before:
            header_changes.append({"field": name, "before": before, "after": after})
    counts["updated" if preview.standard else "created"]["header"] = len(header_changes)
    diff: dict[str, Any] = {"header": header_changes}
    save: dict[str, Any] = {"header": {c["field"]: c["after"] for c in header_changes}}
    for table in TABLES:
        entity = _ENTITY[table]
        existing = list(content.get(table) or [])
        by_key: dict[tuple, dict[str, Any]] = {}
        for row in existing:
            by_key.setdefault(_key(table, row), row)
        used: set[int] = set()
        rows, part = [], {"created": [], "updated": [], "unchanged": 0, "not_in_file": [], "deleted": []}
        for incoming in getattr(reading, table):
            values = {f: incoming[f] for f in ROW_FIELDS[table]}
            match = by_key.get(_key(table, incoming))
            if match is not None and match["id"] not in used:
                used.add(match["id"])
                changed = [f for f in ROW_FIELDS[table] if _differs(match.get(f), values[f])]
                rows.append({"id": match["id"], **values})
                if changed:
                    part["updated"].append({"label": _label(table, values), "fields": changed,
                                            "where": incoming["where"], "row": incoming["row"]})
                else:
                    part["unchanged"] += 1
            else:
                rows.append(dict(values))
                part["created"].append({"label": _label(table, values), "where": incoming["where"],
                                        "row": incoming["row"]})
        for row in existing:
            if row["id"] in used:
                continue
            if remove_missing:
                part["deleted"].append({"label": _label(table, row)})
            else:
                rows.append({"id": row["id"], **{f: row.get(f) for f in ROW_FIELDS[table]}})
                part["not_in_file"].append({"label": _label(table, row)})
        for action in ACTIONS:
            value = part[action]
            counts[action][entity] = value if isinstance(value, int) else len(value)
        diff[table] = part
        save[table] = rows
    if preview.course is None:
        counts["created"]["course"] = 1
    if preview.standard is None:
        counts["created"]["standard"] = 1
    preview.diff, preview.save, preview.counts = diff, save, counts


def _differs(stored: Any, incoming: Any) -> bool:
    if isinstance(incoming, float) or isinstance(stored, float):
        return abs(float(stored or 0) - float(incoming or 0)) > 1e-9
    return (stored if stored is not None else "") != incoming


# --------------------------------------------------------------------------- committing


def commit_docx(engine: Engine, *, actor: Actor, preview: DocxPreview, confirm: bool = False) -> DocxResult:
    """Write the previewed import (admins and leads): course if chosen, first revision if none, one save.

    Refused, with nothing written, when the preview has errors or when the standard already has content
    and ``confirm`` is not given. A save made by someone else since the preview raises ``Conflict``.
    """
    from services import courses, standards
    from services.importing.commit import record_import

    require(actor, "import.run")
    if not preview.ok or preview.reading is None or preview.program is None:
        return _result(preview, ok=False)
    if preview.needs_confirmation and not confirm:
        result = _result(preview, ok=False)
        result.errors.append(Issue("import.error.docx_confirm", file=preview.filename).as_dict(preview.lang))
        return result
    if preview.course is None:
        require(actor, "course.create")
    course_created = False
    course = preview.course
    try:
        # one transaction: the course, its first revision, the content and the import record land together
        with unit_of_work(engine) as session:
            if course is None:
                doc = preview.document_course
                code = (preview.options.get("course_code") or doc.get("code") or "").strip()
                values = {k: doc[k] for k in ("course_type", "credits", "hours_theory", "hours_practice", "semester")
                          if doc.get(k) is not None}
                course = courses.create_course(engine, actor=actor, program_id=preview.program["id"], code=code,
                                               name=doc.get("name") or code, **values)
                course_created = True
            if preview.standard is None:
                created = standards.create_standard(engine, actor=actor, course_id=course["id"])
                standard_id, version = created["standard_id"], created["version"]
            else:
                standard_id, version = preview.standard["id"], preview.standard["version"]
            saved = standards.save_standard(engine, actor=actor, standard_id=standard_id, expected_version=version,
                                            note=f"Word import: {preview.filename}"[:500], **preview.save)
            record_import(session, actor=actor, program_id=preview.program["id"], filename=preview.filename,
                          kind=KIND, counts=preview.counts, errors=0, warnings=len(preview.warning_issues),
                          entities={"created": {"course": [[course["id"], course["id"]]]}} if course_created else None,
                          course_codes={course["code"]})
    except ValidationFailed as exc:
        result = _result(preview, ok=False)
        result.errors.append(Issue("import.error.docx_save", {"reason": _reason(exc, preview.lang)},
                                   file=preview.filename).as_dict(preview.lang))
        return result  # nothing written: the course too was rolled back
    result = _result(preview, ok=True)
    result.standard_id, result.version_number = standard_id, saved.get("version_number")
    result.course_created = course_created
    return result


def _reason(exc: ValidationFailed, lang: str) -> str:
    parts = []
    for error in exc.errors[:5]:
        params = dict(error.params or {})
        key = params.pop("key", None)
        parts.append(translate(key, lang, **params) if key else error.message)
    return "; ".join(parts)


def _result(preview: DocxPreview, *, ok: bool, dry_run: bool = False) -> DocxResult:
    return DocxResult(ok=ok, program=preview.program_code, dry_run=dry_run, counts=preview.counts,
                      errors=[i.as_dict(preview.lang) for i in preview.error_issues],
                      warnings=[i.as_dict(preview.lang) for i in preview.warning_issues],
                      needs_confirmation=preview.needs_confirmation)


def import_docx(engine: Engine, *, actor: Actor, data: bytes, filename: str, program_code: str,
                dry_run: bool = False, confirm: bool = False, lang: str = "zh", course_code: str | None = None,
                create_course: bool = False, remove_missing: bool = False) -> DocxResult:
    """``analyse_docx`` then (unless ``dry_run``) ``commit_docx``: the one-call form the command line uses."""
    preview = analyse_docx(data, filename, engine=engine, program_code=program_code, lang=lang,
                           course_code=course_code, create_course=create_course, remove_missing=remove_missing)
    if dry_run:
        return _result(preview, ok=preview.ok, dry_run=True)
    return commit_docx(engine, actor=actor, preview=preview, confirm=confirm)
