"""Course standards (课程标准): one revision as a document, its snapshot, saving and creating.

Read side: ``list_standards`` and ``standard_document`` (pages and exports share them) and
``standard_content``, the JSON snapshot of everything in a revision (alignments keyed by
competency code) that versions, diffs, restores and merges work on.

Write side: ``save_standard`` applies one editor save in one transaction. Rows with an ``id``
are updated, rows without are created, rows left out are deleted (only tables that are
passed are touched). The standard's version is bumped with ``services.versioning``; a stale
``expected_version`` raises ``Conflict`` whose ``current`` holds the current content, so the
page can show both and merge (``services.history.merge_content``). Every save stores a
``StandardVersion``.

Rules:
- Approved revisions are frozen (``standards.error.frozen``): a change starts a new revision.
- Editing needs ``standard.edit`` (admins, leads, faculty who own the course). Mentors
  comment and decide alignments (``services.alignments``) but do not edit the text.
- A content change while the standard is in review clears the sign-offs given so far:
  a signature is for the content that was reviewed.
- Alignments saved with the text start as ``proposed`` by the saver's side; changing the
  level of a decided alignment re-opens it for the other side. Statuses change only
  through ``services.alignments``.
"""

from __future__ import annotations

import math
from datetime import date
from numbers import Integral, Real
from typing import Any

import pandas as pd
from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import (
    OBJECTIVE_DIMENSIONS,
    Alignment,
    AssessmentItem,
    Comment,
    Competency,
    Course,
    CourseOwner,
    CourseStandard,
    LearningUnit,
    Objective,
    Program,
    StandardVersion,
    User,
)
from models.enums import ASSESSMENT_CATEGORIES
from models.tables import alignment_target, utcnow
from services import audit
from services.actor import Actor
from services.alignment_rules import level_change
from services.courses import owns_course
from services.db import retry_transient, session_scope
from services.errors import Conflict, FieldError, NotFound, ValidationFailed
from services.notifications import signoffs_cleared
from services.outline import code_sort_key
from services.permissions import require
from services.textguard import FIELD_LIMITS
from services.versioning import apply_changes
from services.vocabulary import STANDARD_FIELDS as HEADER_FIELDS

DIMENSION_ORDER = {"knowledge": 0, "skill": 1, "quality": 2}


def list_standards(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """Every standard revision of a programme's courses, by course code then revision."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(CourseStandard, Course.code, Course.name).join(Course, Course.id == CourseStandard.course_id)
            .where(Course.program_id == program_id)).all()
        out = [{**(audit.snapshot(s) or {}), "course_code": code, "course_name": name} for s, code, name in rows]
    return sorted(out, key=lambda r: (code_sort_key(r["course_code"]), r["revision"]))


def standard_document(engine: Engine, *, standard_id: int) -> dict[str, Any]:
    """A standard revision with its course, objectives, units, assessment and alignments."""
    with session_scope(engine) as session:
        standard = session.get(CourseStandard, standard_id)
        if standard is None:
            raise NotFound(f"course standard {standard_id} not found")
        course = session.get(Course, standard.course_id)
        program = session.get(Program, course.program_id)
        doc = audit.snapshot(standard) or {}
        doc["course"] = {**(audit.snapshot(course) or {}), "hours_total": course.hours_theory + course.hours_practice}
        doc["program"] = {"id": program.id, "code": program.code, "name": program.name}
        objectives = session.exec(select(Objective).where(Objective.standard_id == standard_id)).all()
        units = session.exec(select(LearningUnit).where(LearningUnit.standard_id == standard_id)
                             .order_by(LearningUnit.sort_order, LearningUnit.id)).all()
        items = session.exec(select(AssessmentItem).where(AssessmentItem.standard_id == standard_id)
                             .order_by(AssessmentItem.sort_order, AssessmentItem.id)).all()
        unit_ids = [u.id for u in units]
        objective_ids = [o.id for o in objectives]
        links = session.exec(
            select(Alignment, Competency.code, Competency.statement)
            .join(Competency, Competency.id == Alignment.competency_id)
            .where((Alignment.unit_id.in_(unit_ids)) | (Alignment.objective_id.in_(objective_ids)))).all() \
            if unit_ids or objective_ids else []
        by_unit: dict[int, list[dict]] = {}
        by_objective: dict[int, list[dict]] = {}
        for a, code, statement in links:
            entry = {"id": a.id, "competency_id": a.competency_id, "code": code, "statement": statement,
                     "level": a.level, "status": a.status, "proposed_side": a.proposed_side, "version": a.version}
            if a.unit_id:
                by_unit.setdefault(a.unit_id, []).append(entry)
            if a.objective_id:
                by_objective.setdefault(a.objective_id, []).append(entry)
        doc["objectives"] = [
            {**(audit.snapshot(o) or {}), "alignments": sorted(by_objective.get(o.id, []), key=lambda e: code_sort_key(e["code"]))}
            for o in sorted(objectives, key=lambda o: (DIMENSION_ORDER.get(o.dimension, 9), o.sort_order, o.id))
        ]
        doc["units"] = [
            {**(audit.snapshot(u) or {}), "hours": u.hours_theory + u.hours_practice,
             "alignments": sorted(by_unit.get(u.id, []), key=lambda e: code_sort_key(e["code"]))}
            for u in units
        ]
        doc["assessment"] = [audit.snapshot(i) or {} for i in items]
        doc["unit_hours_total"] = sum(u["hours"] for u in doc["units"])
        doc["assessment_weight_total"] = round(sum(i.weight for i in items), 2)
        return doc


# --------------------------------------------------------------------------- vocabulary

HEADER_LIMITS = FIELD_LIMITS["course_standard"]  # the one table of limits (services.textguard)
TABLE_LIMITS = {"objectives": FIELD_LIMITS["objective"], "units": FIELD_LIMITS["learning_unit"],
                "assessment": FIELD_LIMITS["assessment_item"]}
OBJECTIVE_FIELDS = ("dimension", "code", "text")
UNIT_FIELDS = ("title", "content", "learning_tasks", "hours_theory", "hours_practice")
ASSESSMENT_FIELDS = ("name", "category", "weight", "method")
TABLE_FIELDS = {"objectives": OBJECTIVE_FIELDS, "units": UNIT_FIELDS, "assessment": ASSESSMENT_FIELDS}
# The parts of the document a comment or a checklist finding can point at.
SECTIONS = ("header", "nature", "design_rationale", "task_table", "objectives", "units", "teaching_methods",
            "resources", "assessment")
_MODELS = {"objectives": Objective, "units": LearningUnit, "assessment": AssessmentItem}
_ENTITY = {"objectives": "objective", "units": "unit", "assessment": "assessment"}
_TARGET_KIND = {"objectives": "objective", "units": "unit"}
_KIND_TABLE = {"objective": "objectives", "unit": "units"}
MAX_HOURS = 2000


def invalid(key: str, message: str, *, field: str = "", row: int | None = None, sheet: str | None = None,
            **params: Any) -> ValidationFailed:
    """A ``ValidationFailed`` with one error that carries a translation ``key`` and its params."""
    exc = ValidationFailed([FieldError(field=field, message=message, row=row, sheet=sheet,
                                       params={"key": key, **params})])
    exc.key, exc.params = key, params
    return exc


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return value is pd.NA or value is pd.NaT or value == ""
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _as_int(value: Any) -> int | None:
    """Whole numbers from editors (numpy ints, 4.0 floats, "4"); ``None`` if blank; ``ValueError`` else."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(value)


def _as_float(value: Any) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


# --------------------------------------------------------------------------- loading


def load_standard(session: Session, standard_id: int) -> CourseStandard:
    """The standard row or ``NotFound`` (shared by the standards services)."""
    standard = session.get(CourseStandard, standard_id)
    if standard is None:
        raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
    return standard


def lock_standard(session: Session, standard_id: int) -> CourseStandard:
    """Lock the standard's row for the rest of the transaction and return it, freshly read.

    Lock order (docs/architecture.md, Concurrency): every transaction that changes a standard
    or anything under it (objectives, units, assessment, their alignments, versions) takes this
    lock first, then touches the children, so two writers never wait for each other in a cycle.
    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite: a no-op ``UPDATE`` takes the database's write
    lock at once, before the transaction has read anything that could go stale.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(CourseStandard).where(CourseStandard.id == standard_id)
                        .values(version=CourseStandard.version).execution_options(synchronize_session=False))
        query = select(CourseStandard).where(CourseStandard.id == standard_id)
    else:
        query = select(CourseStandard).where(CourseStandard.id == standard_id).with_for_update()
    standard = session.exec(query.execution_options(populate_existing=True)).first()
    if standard is None:
        raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
    return standard


def ensure_editable(standard: CourseStandard) -> None:
    """Refuse any content change to an approved (frozen) revision."""
    if standard.status == "approved":
        raise invalid("standards.error.frozen",
                      f"revision {standard.revision} is approved and frozen; start a new revision to change it",
                      field="status", revision=standard.revision)


def _alignment_links(session: Session, unit_ids: list[int], objective_ids: list[int]) -> list[tuple[Alignment, str]]:
    if not unit_ids and not objective_ids:
        return []
    return list(session.exec(
        select(Alignment, Competency.code).join(Competency, Competency.id == Alignment.competency_id)
        .where((Alignment.unit_id.in_(unit_ids)) | (Alignment.objective_id.in_(objective_ids)))).all())


def _rows(session: Session, model, standard_id: int) -> list:
    return list(session.exec(select(model).where(model.standard_id == standard_id)
                             .order_by(model.sort_order, model.id)).all())


def _content(session: Session, standard: CourseStandard) -> dict[str, Any]:
    course = session.get(Course, standard.course_id)
    objectives = _rows(session, Objective, standard.id)
    units = _rows(session, LearningUnit, standard.id)
    items = _rows(session, AssessmentItem, standard.id)
    by_target: dict[str, list[dict[str, Any]]] = {}
    for a, code in _alignment_links(session, [u.id for u in units], [o.id for o in objectives]):
        by_target.setdefault(a.target, []).append(
            {"code": code, "level": a.level, "status": a.status, "proposed_side": a.proposed_side,
             "reason": a.reason})
    for links in by_target.values():
        links.sort(key=lambda e: code_sort_key(e["code"]))
    return {
        "meta": {"standard_id": standard.id, "course_id": course.id, "program_id": course.program_id,
                 "course_code": course.code, "course_name": course.name,
                 "course_hours": course.hours_theory + course.hours_practice,
                 "course_hours_theory": course.hours_theory, "course_hours_practice": course.hours_practice,
                 "revision": standard.revision, "status": standard.status},
        "header": {f: getattr(standard, f) for f in HEADER_FIELDS},
        "objectives": [
            {"id": o.id, "dimension": o.dimension, "code": o.code, "text": o.text, "proposed_side": o.proposed_side,
             "alignments": by_target.get(f"objective:{o.id}", [])} for o in objectives],
        "units": [
            {"id": u.id, "title": u.title, "content": u.content, "learning_tasks": u.learning_tasks,
             "hours_theory": u.hours_theory, "hours_practice": u.hours_practice, "proposed_side": u.proposed_side,
             "alignments": by_target.get(f"unit:{u.id}", [])} for u in units],
        "assessment": [
            {"id": i.id, "name": i.name, "category": i.category, "weight": float(i.weight), "method": i.method}
            for i in items],
    }


def standard_content(source: Session | Engine, standard_id: int) -> dict[str, Any]:
    """JSON-safe snapshot of a revision: meta, header and prose, objectives, units, assessment.

    Unit and objective rows carry their alignments as ``{code, level, status, proposed_side,
    reason}`` keyed by competency code, so a snapshot survives re-created ids and reads the
    same in any database. Accepts an open session (same transaction) or an engine.
    """
    if isinstance(source, Session):
        return _content(source, load_standard(source, standard_id))
    with session_scope(source) as session:
        return _content(session, load_standard(session, standard_id))


def editing_snapshot(engine: Engine, *, standard_id: int) -> dict[str, Any]:
    """What an editor starts from: ``{standard_id, version, content}`` read in one transaction,
    so the version is exactly the one the content belongs to (a save naming it is not stale)."""
    with session_scope(engine) as session:
        standard = load_standard(session, standard_id)
        return {"standard_id": standard.id, "version": standard.version, "content": _content(session, standard)}


def current_standard(engine: Engine, *, course_id: int) -> dict[str, Any] | None:
    """The latest revision of a course's standard (id, revision, status, version), or ``None``."""
    with session_scope(engine) as session:
        standard = session.exec(select(CourseStandard).where(CourseStandard.course_id == course_id)
                                .order_by(CourseStandard.revision.desc())).first()
        if standard is None:
            return None
        return {"id": standard.id, "course_id": standard.course_id, "revision": standard.revision,
                "status": standard.status, "version": standard.version}


def editor_frames(content: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """DataFrames for the three data editors (objectives, units, assessment), keyed by row id (pure)."""
    columns = {"objectives": ["id", *OBJECTIVE_FIELDS], "units": ["id", *UNIT_FIELDS],
               "assessment": ["id", *ASSESSMENT_FIELDS]}
    frames = {}
    for table, cols in columns.items():
        frame = pd.DataFrame([{c: row.get(c) for c in cols} for row in content.get(table, [])], columns=cols)
        frame["id"] = frame["id"].astype("Int64")
        frames[table] = frame
    return frames


def save_args_from_content(content: dict[str, Any]) -> dict[str, Any]:
    """``save_standard`` keyword arguments that make a standard hold ``content`` (restore, merge)."""
    def table(rows: list[dict[str, Any]], fields: tuple[str, ...], nested: bool) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            item = {"id": row.get("id"), **{f: row.get(f) for f in fields}}
            if nested:
                item["alignments"] = [{"code": a["code"], "level": a["level"]} for a in row.get("alignments", [])]
            out.append(item)
        return out

    return {
        "header": {f: content.get("header", {}).get(f, "") for f in HEADER_FIELDS},
        "objectives": table(content.get("objectives", []), OBJECTIVE_FIELDS, True),
        "units": table(content.get("units", []), UNIT_FIELDS, True),
        "assessment": table(content.get("assessment", []), ASSESSMENT_FIELDS, False),
    }


# --------------------------------------------------------------------------- saving: validation


def _clean_header(header: dict[str, Any], errors: list[FieldError]) -> dict[str, str]:
    clean = {}
    for key, value in header.items():
        if key not in HEADER_FIELDS:
            errors.append(FieldError(field=key, message=f"{key}: not a header field",
                                     params={"key": "standards.error.unknown_field", "field": key}))
            continue
        text = _text(value)
        limit = HEADER_LIMITS.get(key)
        if limit and len(text) > limit:
            errors.append(FieldError(field=key, message=f"{key}: at most {limit} characters",
                                     params={"key": "standards.error.too_long", "field": key, "limit": limit}))
        clean[key] = text
    return clean


def _row_error(errors: list[FieldError], table: str, index: int, field: str, key: str, message: str,
               **params: Any) -> None:
    errors.append(FieldError(field=field, message=f"{table} row {index + 1}: {message}", row=index + 1, sheet=table,
                             params={"key": key, "table": table, "row": index + 1, "field": field, **params}))


def _clean_values(table: str, index: int, raw: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if table == "objectives":
        values["dimension"] = _text(raw.get("dimension"))
        if not values["dimension"]:
            _row_error(errors, table, index, "dimension", "standards.error.required", "dimension is required")
        elif values["dimension"] not in OBJECTIVE_DIMENSIONS:
            _row_error(errors, table, index, "dimension", "standards.error.dimension",
                       f"dimension must be one of {', '.join(OBJECTIVE_DIMENSIONS)}")
        values["code"] = _text(raw.get("code"))
        values["text"] = _text(raw.get("text"))
        if not values["text"]:
            _row_error(errors, table, index, "text", "standards.error.required", "text is required")
    elif table == "units":
        values["title"] = _text(raw.get("title"))
        if not values["title"]:
            _row_error(errors, table, index, "title", "standards.error.required", "title is required")
        values["content"] = _text(raw.get("content"))
        values["learning_tasks"] = _text(raw.get("learning_tasks"))
        for field in ("hours_theory", "hours_practice"):
            try:
                hours = _as_int(raw.get(field)) or 0
            except ValueError:
                hours = -1
            if not 0 <= hours <= MAX_HOURS:
                _row_error(errors, table, index, field, "standards.error.hours",
                           f"{field} must be a whole number 0–{MAX_HOURS}")
            values[field] = hours
    else:
        values["name"] = _text(raw.get("name"))
        if not values["name"]:
            _row_error(errors, table, index, "name", "standards.error.required", "name is required")
        values["category"] = _text(raw.get("category")) or "process"
        if values["category"] not in ASSESSMENT_CATEGORIES:
            _row_error(errors, table, index, "category", "standards.error.category",
                       f"category must be one of {', '.join(ASSESSMENT_CATEGORIES)}")
        try:
            weight = _as_float(raw.get("weight"))
            weight = 0.0 if weight is None else weight
        except (TypeError, ValueError):
            weight = -1.0
        if not 0 <= weight <= 100:
            _row_error(errors, table, index, "weight", "standards.error.weight", "weight must be 0–100")
        values["weight"] = weight
        values["method"] = _text(raw.get("method"))
    for field, limit in TABLE_LIMITS[table].items():
        value = values.get(field)
        if isinstance(value, str) and len(value) > limit:
            _row_error(errors, table, index, field, "standards.error.too_long", f"{field}: at most {limit} characters",
                       limit=limit)
    return values


def _clean_table(table: str, raw_rows: list[dict[str, Any]], existing: dict[int, Any],
                 errors: list[FieldError]) -> list[dict[str, Any]]:
    cleaned, seen = [], set()
    for index, raw in enumerate(raw_rows):
        try:
            row_id = _as_int(raw.get("id"))
        except ValueError:
            row_id = None
            _row_error(errors, table, index, "id", "standards.error.unknown_row", "unknown row id")
        if row_id is not None and (row_id not in existing or row_id in seen):
            _row_error(errors, table, index, "id", "standards.error.unknown_row",
                       f"row id {row_id} is not part of this standard (or listed twice)", id=row_id)
            row_id = None
        if row_id is not None:
            seen.add(row_id)
        nested = raw.get("alignments")
        cleaned.append({"id": row_id, "key": _text(raw.get("key")) or None,
                        "values": _clean_values(table, index, raw, errors),
                        "alignments": list(nested) if isinstance(nested, (list, tuple)) else None})
    return cleaned


def _existing_as_rows(table: str, existing: dict[int, Any]) -> list[dict[str, Any]]:
    return [{"id": row.id, "key": None, "values": {f: getattr(row, f) for f in TABLE_FIELDS[table]},
             "alignments": None, "unchanged": True}
            for row in sorted(existing.values(), key=lambda r: (r.sort_order, r.id))]


def _resolve_competencies(session: Session, program_id: int, rows: list[dict[str, Any]]) -> tuple[dict, dict]:
    ids = {r["competency_id"] for r in rows if r.get("competency_id") is not None}
    codes = {r["code"] for r in rows if r.get("code")}
    found = []
    if ids:
        found += session.exec(select(Competency).where(Competency.program_id == program_id,
                                                       Competency.id.in_(ids))).all()
    if codes:
        found += session.exec(select(Competency).where(Competency.program_id == program_id,
                                                       Competency.code.in_(codes))).all()
    return {c.id: c for c in found}, {c.code: c for c in found}


def _desired_alignments(session: Session, *, course: Course, finals: dict[str, list[dict[str, Any]]],
                        alignments: list[dict[str, Any]] | None, existing_comp_ids: set[int],
                        errors: list[FieldError]) -> dict[tuple[str, int], dict[int, int]]:
    """Map (table, final row index) → {competency_id: level} for every target the save manages."""
    entries: list[tuple[str, int, dict[str, Any], str, int]] = []  # table, row index, raw, sheet, line
    managed: set[tuple[str, int]] = set()
    if alignments is not None:
        for table in ("objectives", "units"):
            managed |= {(table, i) for i in range(len(finals[table]))}
        for line, raw in enumerate(alignments):
            target = _text(raw.get("target"))
            kind, _, ref = target.partition(":") if target else (_text(raw.get("target_type")), "", "")
            try:
                target_id = _as_int(ref or raw.get("target_id"))
            except ValueError:
                target_id = None
            key = _text(raw.get("target_key"))
            tables = [_KIND_TABLE[kind]] if kind in _KIND_TABLE else [] if kind else list(_TARGET_KIND)
            table, index = None, None
            for candidate in tables:
                for i, row in enumerate(finals[candidate]):
                    if (target_id is not None and row["id"] == target_id) or (key and row.get("key") == key):
                        table, index = candidate, i
                        break
                if index is not None:
                    break
            if index is None:
                _row_error(errors, "alignments", line, "target", "standards.error.alignment_target",
                           "the alignment's unit or objective is not part of this save")
                continue
            entries.append((table, index, raw, "alignments", line))
    else:
        for table in ("objectives", "units"):
            for i, row in enumerate(finals[table]):
                if row["alignments"] is not None:
                    managed.add((table, i))
                    entries += [(table, i, raw, table, i) for raw in row["alignments"]]
    parsed = []
    for table, index, raw, sheet, line in entries:
        try:
            comp_id = _as_int(raw.get("competency_id"))
        except ValueError:
            comp_id = None
        code = _text(raw.get("code") or raw.get("competency_code"))
        try:
            level = _as_int(raw.get("level"))
        except ValueError:
            level = None
        parsed.append({"table": table, "index": index, "competency_id": comp_id, "code": code, "level": level,
                       "sheet": sheet, "line": line})
    by_id, by_code = _resolve_competencies(session, course.program_id, parsed)
    desired: dict[tuple[str, int], dict[int, int]] = {target: {} for target in managed}
    for p in parsed:
        comp = by_id.get(p["competency_id"]) if p["competency_id"] is not None else by_code.get(p["code"])
        label = p["code"] or str(p["competency_id"])
        if comp is None or comp.kind != "competency":
            _row_error(errors, p["sheet"], p["line"], "competency", "standards.error.unknown_competency",
                       f"{label} is not a competency of this programme", code=label)
            continue
        if p["level"] not in (1, 2, 3):
            _row_error(errors, p["sheet"], p["line"], "level", "standards.error.level", "level must be 1, 2 or 3")
            continue
        if comp.status == "retired" and comp.id not in existing_comp_ids:
            _row_error(errors, p["sheet"], p["line"], "competency", "standards.error.retired_competency",
                       f"{comp.code} is retired in the framework", code=comp.code)
            continue
        target = desired.setdefault((p["table"], p["index"]), {})
        if comp.id in target:
            _row_error(errors, p["sheet"], p["line"], "competency", "standards.error.duplicate_alignment",
                       f"{comp.code} is aligned twice to the same item", code=comp.code)
            continue
        target[comp.id] = p["level"]
    return desired


# --------------------------------------------------------------------------- saving: applying


def _conflict(session: Session, standard: CourseStandard, expected_version: int) -> Conflict:
    session.refresh(standard)
    return Conflict(
        f"course standard {standard.id} was changed by someone else (now version {standard.version}, "
        f"you started from {expected_version})",
        current={**(audit.snapshot(standard) or {}), "content": _content(session, standard)},
        entity="CourseStandard", id=standard.id)


def _signoff_clears(standard: CourseStandard) -> dict[str, Any]:
    if standard.status == "in_review" and (standard.school_signed_by_id or standard.enterprise_signed_by_id):
        return {"school_signed_by_id": None, "school_signed_at": None,
                "enterprise_signed_by_id": None, "enterprise_signed_at": None}
    return {}


def write_version(session: Session, *, actor: Actor, standard: CourseStandard, note: str) -> int:
    """Store the standard's current content as the next ``StandardVersion``; returns its number."""
    session.flush()
    number = (session.exec(select(func.max(StandardVersion.number))
                           .where(StandardVersion.standard_id == standard.id)).one() or 0) + 1
    session.add(StandardVersion(standard_id=standard.id, number=number, content=_content(session, standard),
                                author_id=actor.id, note=note[:500]))
    session.flush()
    return number


def record_content_change(session: Session, *, actor: Actor, standard: CourseStandard, note: str) -> dict[str, Any]:
    """After a change to a standard's alignments made elsewhere: bump its version, clear sign-offs
    given while in review, and store a version. ``standard`` must be locked (``lock_standard``)
    before the change. Returns ``{version, previous_version, version_number, signoffs_cleared}``:
    an editor that started from ``previous_version`` may follow to ``version``."""
    ensure_editable(standard)
    previous = standard.version
    clears = _signoff_clears(standard)
    program_id = session.get(Course, standard.course_id).program_id
    if clears:
        signoffs_cleared(session, actor=actor, standard=standard)  # tell the signers, in this transaction
    apply_changes(session, standard, expected_version=standard.version, changes=clears)
    if clears:
        audit.record(session, actor=actor, entity_type="standard", entity_id=standard.id, action="signoffs_cleared",
                     program_id=program_id, summary=f"r{standard.revision}: sign-offs cleared by a change")
    number = write_version(session, actor=actor, standard=standard, note=note)
    return {"version": standard.version, "previous_version": previous, "version_number": number,
            "signoffs_cleared": bool(clears)}


@retry_transient
def save_standard(
    engine: Engine, *, actor: Actor, standard_id: int, expected_version: int,
    header: dict[str, Any] | None = None, objectives: list[dict[str, Any]] | None = None,
    units: list[dict[str, Any]] | None = None, assessment: list[dict[str, Any]] | None = None,
    alignments: list[dict[str, Any]] | None = None, note: str = "",
) -> dict[str, Any]:
    """Save an editor session: header fields, objectives, units, assessment and alignments at once.

    Tables left as ``None`` are not touched. In a passed table, rows with an ``id`` are updated,
    rows without are created (in list order) and missing rows are deleted with their alignments.
    Alignments come either as ``alignments`` (the full set for this standard: rows with
    ``target`` "unit:<id>" / "objective:<id>", or ``target_type`` + ``target_id``, or
    ``target_key`` naming the ``key`` of a new row; plus ``code`` or ``competency_id`` and
    ``level``) or nested as an ``alignments`` list in unit and objective rows (that row's full set).
    Returns ``{saved, standard_id, version, version_number, changes, signoffs_cleared, content}``;
    a save that changes nothing stores nothing (``saved`` False).
    """
    if alignments is not None and any(
            isinstance(r, dict) and r.get("alignments") is not None for r in [*(objectives or []), *(units or [])]):
        raise invalid("standards.error.alignments_twice",
                      "give alignments either as the alignments list or nested in rows, not both",
                      field="alignments")
    with session_scope(engine) as session:
        standard = lock_standard(session, standard_id)
        course = session.get(Course, standard.course_id)
        require(actor, "standard.edit", owns_course=owns_course(session, actor, course.id))
        ensure_editable(standard)
        if standard.version != expected_version:
            raise _conflict(session, standard, expected_version)

        errors: list[FieldError] = []
        header_clean = _clean_header(header or {}, errors)
        existing = {table: {r.id: r for r in _rows(session, model, standard.id)} for table, model in _MODELS.items()}
        given = {"objectives": objectives, "units": units, "assessment": assessment}
        finals = {table: (_clean_table(table, list(given[table]), existing[table], errors)
                          if given[table] is not None else _existing_as_rows(table, existing[table]))
                  for table in _MODELS}
        links = _alignment_links(session, list(existing["units"]), list(existing["objectives"]))
        desired = _desired_alignments(session, course=course, finals=finals, alignments=alignments,
                                      existing_comp_ids={a.competency_id for a, _ in links}, errors=errors)
        if errors:
            raise ValidationFailed(errors)

        plan = _plan(standard, header_clean, finals, existing, given, links, desired)
        if not plan["any"]:
            return {"saved": False, "standard_id": standard.id, "version": standard.version, "version_number": None,
                    "changes": plan["summary"], "signoffs_cleared": False, "content": _content(session, standard)}
        before = audit.snapshot(standard) or {}
        clears = _signoff_clears(standard)
        if clears:
            signoffs_cleared(session, actor=actor, standard=standard)  # tell the signers, in this transaction
        try:
            apply_changes(session, standard, expected_version=expected_version,
                          changes={**plan["header"], **clears})
        except Conflict:
            raise _conflict(session, standard, expected_version) from None
        program_id = course.program_id
        if plan["header"] or clears:
            audit.record(session, actor=actor, entity_type="standard", entity_id=standard.id, action="update",
                         before=before, after=audit.snapshot(standard), program_id=program_id,
                         summary=f"{course.code} r{standard.revision}" + (": sign-offs cleared" if clears else ""))
        _apply_rows(session, actor=actor, standard=standard, course=course, plan=plan, finals=finals,
                    existing=existing, links=links, desired=desired)
        number = write_version(session, actor=actor, standard=standard, note=note or "save")
        audit.record(session, actor=actor, entity_type="standard", entity_id=standard.id, action="save",
                     after={"version_number": number, "changes": plan["summary"]}, program_id=program_id,
                     summary=f"{course.code} r{standard.revision} v{number} {note}".strip())
        return {"saved": True, "standard_id": standard.id, "version": standard.version, "version_number": number,
                "changes": plan["summary"], "signoffs_cleared": bool(clears), "content": _content(session, standard)}


def _plan(standard, header_clean, finals, existing, given, links, desired) -> dict[str, Any]:
    """What a save changes (no writes): header fields, row creates/updates/deletes, alignment changes."""
    header_changes = {k: v for k, v in header_clean.items() if getattr(standard, k) != v}
    summary: dict[str, Any] = {"header": sorted(header_changes)}
    any_change = bool(header_changes)
    deletes: dict[str, list[int]] = {}
    for table in _MODELS:
        kept = {row["id"] for row in finals[table] if row["id"] is not None}
        deletes[table] = sorted(set(existing[table]) - kept) if given[table] is not None else []
        created = sum(1 for row in finals[table] if row["id"] is None)
        updated = 0
        if given[table] is not None:
            for order, row in enumerate(finals[table]):
                if row["id"] is None:
                    continue
                db = existing[table][row["id"]]
                row["changes"] = {f: v for f, v in row["values"].items() if getattr(db, f) != v}
                if db.sort_order != order:
                    row["changes"]["sort_order"] = order
                updated += bool(row["changes"])
        summary[table] = {"created": created, "updated": updated, "deleted": len(deletes[table])}
        any_change |= bool(created or updated or deletes[table])
    by_target: dict[str, dict[int, Alignment]] = {}
    for a, _code in links:
        by_target.setdefault(a.target, {})[a.competency_id] = a
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for (table, index), wanted in desired.items():
        row = finals[table][index]
        current = by_target.get(f"{_TARGET_KIND[table]}:{row['id']}", {}) if row["id"] is not None else {}
        counts["created"] += len(set(wanted) - set(current))
        counts["deleted"] += len(set(current) - set(wanted))
        counts["updated"] += sum(1 for cid in set(wanted) & set(current) if current[cid].level != wanted[cid])
    for table in ("objectives", "units"):
        for row_id in deletes[table]:
            counts["deleted"] += len(by_target.get(f"{_TARGET_KIND[table]}:{row_id}", {}))
    summary["alignments"] = counts
    any_change |= any(counts.values())
    return {"any": any_change, "header": header_changes, "deletes": deletes, "summary": summary,
            "by_target": by_target}


def _apply_rows(session: Session, *, actor: Actor, standard: CourseStandard, course: Course, plan: dict[str, Any],
                finals, existing, links, desired) -> None:

    program_id = course.program_id
    by_target = plan["by_target"]

    def record_alignment(action: str, a: Alignment, before: dict | None, code: str) -> None:
        audit.record(session, actor=actor, entity_type="alignment", entity_id=a.id, action=action,
                     before=before, after=audit.snapshot(a) if action != "delete" else None,
                     program_id=program_id, summary=f"{course.code} {a.target} → {code} L{a.level}")

    codes = {a.competency_id: code for a, code in links}
    for table in ("objectives", "units", "assessment"):
        model, entity = _MODELS[table], _ENTITY[table]
        for row_id in plan["deletes"][table]:
            row = existing[table][row_id]
            if table in _TARGET_KIND:
                links_of_row = list(by_target.get(f"{_TARGET_KIND[table]}:{row_id}", {}).values())
                reattach_comments(session, actor=actor, entity_type="alignment", ids=[a.id for a in links_of_row],
                                  to=("section:" + table, standard.id), program_id=program_id)
                reattach_comments(session, actor=actor, entity_type=_TARGET_KIND[table], ids=[row_id],
                                  to=("section:" + table, standard.id), program_id=program_id)
                for a in links_of_row:
                    record_alignment("delete", a, audit.snapshot(a), codes.get(a.competency_id, ""))
                    session.delete(a)
                session.flush()
            audit.record(session, actor=actor, entity_type=entity, entity_id=row_id, action="delete",
                         before=audit.snapshot(row), program_id=program_id, summary=_row_label(table, row))
            session.delete(row)
        session.flush()
        for order, row in enumerate(finals[table]):
            if row.get("unchanged"):
                continue
            if row["id"] is None:
                extra = {"proposed_by_id": actor.id, "proposed_side": actor.side} if table in _TARGET_KIND else {}
                new = model(standard_id=standard.id, sort_order=order, **row["values"], **extra)
                session.add(new)
                session.flush()
                row["id"], row["created"] = new.id, True
                audit.record(session, actor=actor, entity_type=entity, entity_id=new.id, action="create",
                             after=audit.snapshot(new), program_id=program_id, summary=_row_label(table, new))
            elif row["changes"]:
                db = existing[table][row["id"]]
                before = audit.snapshot(db)
                for field, value in row["changes"].items():
                    setattr(db, field, value)
                db.version += 1
                session.add(db)
                audit.record(session, actor=actor, entity_type=entity, entity_id=db.id, action="update",
                             before=before, after=audit.snapshot(db), program_id=program_id,
                             summary=_row_label(table, db))
    session.flush()
    comp_codes = dict(session.exec(select(Competency.id, Competency.code).where(
        Competency.id.in_({cid for wanted in desired.values() for cid in wanted} or {-1}))).all())
    for (table, index), wanted in desired.items():
        row = finals[table][index]
        kind = _TARGET_KIND[table]
        target_ids = {"unit_id": row["id"]} if kind == "unit" else {"objective_id": row["id"]}
        target = alignment_target(course_id=course.id, **target_ids)
        # SQLite may give a new row the id of one deleted in this save: only existing rows have links
        current = {} if row.get("created") else by_target.get(target, {})
        for cid in set(current) - set(wanted):
            a = current[cid]
            reattach_comments(session, actor=actor, entity_type="alignment", ids=[a.id], to=(kind, row["id"]),
                              program_id=program_id)
            record_alignment("delete", a, audit.snapshot(a), codes.get(cid, ""))
            session.delete(a)
        session.flush()
        for cid, level in wanted.items():
            if cid in current:
                a = current[cid]
                if a.level == level:
                    continue
                before = audit.snapshot(a)
                for column, value in level_change(before, level, actor=actor).items():
                    setattr(a, column, value)
                a.version += 1
                a.updated_at = utcnow()
                session.add(a)
                session.flush()
                record_alignment("update", a, before, comp_codes.get(cid, ""))
            else:
                a = Alignment(competency_id=cid, course_id=course.id, target=target, level=level, status="proposed",
                              source="manual", proposed_by_id=actor.id, proposed_side=actor.side, **target_ids)
                session.add(a)
                session.flush()
                record_alignment("create", a, None, comp_codes.get(cid, ""))


def reattach_comments(session: Session, *, actor: Actor, entity_type: str, ids: list[int], to: tuple[str, int],
                      program_id: int | None) -> int:
    """Move the comment threads of rows about to be deleted onto ``to`` (entity type, id): the
    discussion stays visible, and a later row that reuses the id (SQLite) does not inherit it."""
    if not ids:
        return 0
    rows = session.exec(select(Comment).where(Comment.entity_type == entity_type, Comment.entity_id.in_(ids))).all()
    for comment in rows:
        before = {"entity_type": comment.entity_type, "entity_id": comment.entity_id}
        comment.entity_type, comment.entity_id = to
        comment.version += 1
        session.add(comment)
        if comment.parent_id is None:
            audit.record(session, actor=actor, entity_type="comment", entity_id=comment.id, action="move",
                         before=before, after={"entity_type": to[0], "entity_id": to[1]}, program_id=program_id,
                         summary=f"#{comment.id} {before['entity_type']} {before['entity_id']} deleted → {to[0]} {to[1]}")
    session.flush()
    return len(rows)


def _row_label(table: str, row: Any) -> str:
    if table == "objectives":
        return f"{row.code} {row.text[:80]}".strip()
    if table == "units":
        return row.title[:100]
    return f"{row.name[:100]} {row.weight:g}%"


# --------------------------------------------------------------------------- creating


def _header_defaults(session: Session, *, actor: Actor, course: Course) -> dict[str, Any]:
    owners = list(session.exec(select(User).join(CourseOwner, CourseOwner.user_id == User.id)
                               .where(CourseOwner.course_id == course.id).order_by(User.username)).all())
    author = next((u for u in owners if u.id == actor.id), owners[0] if owners else None)
    if author is None and actor.id is not None:
        author = session.get(User, actor.id)
    return {"title": course.name, "department": author.organisation if author else "",
            "author_name": author.display_name if author else actor.display_name,
            "author_date": date.today().isoformat(), "nature": course.description}


def copy_rows(session: Session, *, source: CourseStandard, target: CourseStandard, actor: Actor,
              keep_review: bool) -> list[str]:
    """Copy objectives, units, assessment and their alignments from ``source`` into ``target``.

    ``keep_review`` (a new revision of the same course) keeps provenance and alignment
    decisions; otherwise (a copy for another course) everything is proposed anew by ``actor``
    and competencies are matched by code in the target's programme. Returns the competency
    codes that could not be matched (their alignments are left out).
    """
    target_course = session.get(Course, target.course_id)
    codes = {c.id: c.code for c in session.exec(select(Competency).join(
        Alignment, Alignment.competency_id == Competency.id).join(Course, Course.id == Alignment.course_id)
        .where(Course.id == source.course_id)).all()}
    by_code = {c.code: c for c in session.exec(select(Competency).where(
        Competency.program_id == target_course.program_id, Competency.kind == "competency",
        Competency.code.in_(set(codes.values()) or {""}))).all()}
    skipped: set[str] = set()

    def provenance(row: Any) -> dict[str, Any]:
        if keep_review:
            return {"proposed_by_id": row.proposed_by_id, "proposed_side": row.proposed_side}
        return {"proposed_by_id": actor.id, "proposed_side": actor.side}

    def copy_alignments(old_field: str, old_id: int, new_ids: dict[str, int]) -> None:
        for a in session.exec(select(Alignment).where(getattr(Alignment, old_field) == old_id)).all():
            comp = by_code.get(codes.get(a.competency_id, ""))
            if comp is None:
                skipped.add(codes.get(a.competency_id, str(a.competency_id)))
                continue
            review = ({"status": a.status, "proposed_by_id": a.proposed_by_id, "proposed_side": a.proposed_side,
                       "decided_by_id": a.decided_by_id, "decided_at": a.decided_at, "reason": a.reason}
                      if keep_review else {"status": "proposed", **provenance(a)})
            session.add(Alignment(competency_id=comp.id, course_id=target.course_id, level=a.level, source="copy",
                                  target=alignment_target(course_id=target.course_id, **new_ids), **new_ids,
                                  **review))

    for o in _rows(session, Objective, source.id):
        new = Objective(standard_id=target.id, dimension=o.dimension, code=o.code, text=o.text,
                        sort_order=o.sort_order, **provenance(o))
        session.add(new)
        session.flush()
        copy_alignments("objective_id", o.id, {"objective_id": new.id})
    for u in _rows(session, LearningUnit, source.id):
        new = LearningUnit(standard_id=target.id, title=u.title, content=u.content, learning_tasks=u.learning_tasks,
                           hours_theory=u.hours_theory, hours_practice=u.hours_practice, sort_order=u.sort_order,
                           **provenance(u))
        session.add(new)
        session.flush()
        copy_alignments("unit_id", u.id, {"unit_id": new.id})
    for i in _rows(session, AssessmentItem, source.id):
        session.add(AssessmentItem(standard_id=target.id, name=i.name, category=i.category, weight=i.weight,
                                   method=i.method, sort_order=i.sort_order))
    session.flush()
    return sorted(skipped, key=code_sort_key)


@retry_transient
def create_standard(
    engine: Engine, *, actor: Actor, course_id: int, copy_from_standard_id: int | None = None,
) -> dict[str, Any]:
    """Start a course's first standard: blank (header from the course) or a copy of another standard.

    A copy brings objectives, units, assessment and their alignments, re-targeted to this
    course (competencies matched by code in its programme, proposed anew by ``actor``). A course
    that already has a standard gets a new revision through ``services.workflow.start_revision``.
    Returns ``{standard_id, revision, version, version_number, skipped_codes, content}``.
    """
    with session_scope(engine) as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"course {course_id} not found", course_id=course_id)
        require(actor, "standard.edit", owns_course=owns_course(session, actor, course_id))
        latest = session.exec(select(CourseStandard).where(CourseStandard.course_id == course_id)
                              .order_by(CourseStandard.revision.desc())).first()
        if latest is not None:
            raise invalid("standards.error.exists",
                          f"{course.code} already has a standard (revision {latest.revision})",
                          field="course_id", revision=latest.revision, standard_id=latest.id)
        source = load_standard(session, copy_from_standard_id) if copy_from_standard_id is not None else None
        values = _header_defaults(session, actor=actor, course=course)
        if source is not None:
            values.update({f: getattr(source, f) for f in HEADER_FIELDS
                           if f not in ("title", "author_name", "author_date", "reviewer_name", "reviewer_date")})
        standard = CourseStandard(course_id=course_id, revision=1, status="draft", created_by_id=actor.id, **values)
        session.add(standard)
        course_code = course.code
        try:
            session.flush()
        except IntegrityError:  # someone created the course's first standard at the same moment
            raise invalid("standards.error.exists", f"{course_code} already has a standard (revision 1)",
                          field="course_id", revision=1) from None
        skipped = copy_rows(session, source=source, target=standard, actor=actor, keep_review=False) if source else []
        source_label = ""
        if source is not None:
            source_course = session.get(Course, source.course_id)
            source_label = f"{source_course.code} r{source.revision}"
        note = f"copied from {source_label}" if source else "created"
        audit.record(session, actor=actor, entity_type="standard", entity_id=standard.id, action="create",
                     after={**(audit.snapshot(standard) or {}), "copied_from": source.id if source else None,
                            "skipped_codes": skipped},
                     program_id=course.program_id, summary=f"{course.code} r1 {note}")
        number = write_version(session, actor=actor, standard=standard, note=note)
        return {"standard_id": standard.id, "revision": standard.revision, "version": standard.version,
                "version_number": number, "skipped_codes": skipped, "content": _content(session, standard)}


def error_lines(exc: Exception, lang: str) -> list[str]:
    """A domain error's messages in ``lang`` (kept here for callers; see ``services.errors.error_lines``)."""
    from services.errors import error_lines as lines

    return lines(exc, lang)
