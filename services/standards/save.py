"""Write side of course standards: ``save_standard`` validates one editor save and applies it in
one transaction (rows, alignments through ``services.alignment_rules``, audit, version, sign-offs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    OBJECTIVE_DIMENSIONS,
    Alignment,
    Comment,
    Competency,
    Course,
    CourseStandard,
    StandardVersion,
)
from models.enums import ASSESSMENT_CATEGORIES, SIDES
from models.tables import alignment_target, utcnow
from services import audit
from services.actor import Actor
from services.alignment_rules import level_change, new_row, proposal
from services.courses import owns_course
from services.db import retry_transient, session_scope
from services.errors import Conflict, FieldError, ValidationFailed
from services.notifications import signoffs_cleared
from services.permissions import require
from services.rows import in_range, kept_columns, unknown_value
from services.standards.common import (
    _ENTITY,
    _KIND_TABLE,
    _MODELS,
    _TARGET_KIND,
    HEADER_LIMITS,
    MAX_HOURS,
    TABLE_FIELDS,
    TABLE_LIMITS,
    _as_float,
    _as_int,
    _text,
    ensure_editable,
    invalid,
    lock_standard,
)
from services.standards.read import _alignment_links, _content, _rows
from services.versioning import apply_changes
from services.vocabulary import STANDARD_FIELDS as HEADER_FIELDS

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


CHILD_COLUMNS = {"objectives": ("dimension", "code", "text"),
                 "units": ("title", "content", "learning_tasks", "hours_theory", "hours_practice"),
                 "assessment": ("name", "category", "weight", "method")}


def _child_errors(table: str, index: int, values: dict[str, Any]) -> list[FieldError]:
    """The editor's row rules on values as they will be stored (no trimming): required text, known
    dimension / category, hours 0–2000, weight 0–100."""
    errors: list[FieldError] = []
    required = {"objectives": ("text",), "units": ("title",), "assessment": ("name",)}[table]
    for field in required:
        if not str(values.get(field) or "").strip():
            _row_error(errors, table, index, field, "standards.error.required", f"{field} is required")
    if table == "objectives" and values.get("dimension") not in OBJECTIVE_DIMENSIONS:
        _row_error(errors, table, index, "dimension", "standards.error.dimension",
                   f"dimension must be one of {', '.join(OBJECTIVE_DIMENSIONS)}")
    for field in ("hours_theory", "hours_practice") if table == "units" else ():
        if not in_range(values.get(field, 0), 0, MAX_HOURS):
            _row_error(errors, table, index, field, "standards.error.hours",
                       f"{field} must be a whole number 0–{MAX_HOURS}")
    if table == "assessment":
        if values.get("category", "process") not in ASSESSMENT_CATEGORIES:
            _row_error(errors, table, index, "category", "standards.error.category",
                       f"category must be one of {', '.join(ASSESSMENT_CATEGORIES)}")
        weight = values.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 100:
            _row_error(errors, table, index, "weight", "standards.error.weight", "weight must be 0–100")
    return errors


def new_child_row(table: str, *, standard_id: int, sort_order: int = 0, proposed_by_id: int | None = None,
                  proposed_side: str | None = None, **fields: Any) -> dict[str, Any]:
    """The columns of a new objective, learning unit or assessment item (``table`` "objectives", "units",
    "assessment"), the one rule for the editor's save, a copy, the import, restore and the demo seed: the
    editor's row rules (``ValidationFailed`` naming the table and row), text as given; objectives and units
    carry their proposer (``proposed_by_id``, ``proposed_side``). ``version`` kept when given. Pure."""
    columns = CHILD_COLUMNS[table]
    values = {k: v for k, v in fields.items() if k in columns}
    kept = kept_columns({k: v for k, v in fields.items() if k not in columns}, ("version",), _ENTITY[table])
    errors = _child_errors(table, sort_order, values)
    if table in _TARGET_KIND:
        side_error = unknown_value("proposed_side", proposed_side, SIDES, nullable=True)
        errors += [side_error] if side_error else []
        values.update(proposed_by_id=proposed_by_id, proposed_side=proposed_side)
    if errors:
        raise ValidationFailed(errors)
    return {"standard_id": standard_id, "sort_order": sort_order, **values, **kept}


def new_objective_row(**fields: Any) -> dict[str, Any]:
    """``new_child_row("objectives", …)``: the columns of a new ``Objective``."""
    return new_child_row("objectives", **fields)


def new_unit_row(**fields: Any) -> dict[str, Any]:
    """``new_child_row("units", …)``: the columns of a new ``LearningUnit``."""
    return new_child_row("units", **fields)


def new_assessment_row(**fields: Any) -> dict[str, Any]:
    """``new_child_row("assessment", …)``: the columns of a new ``AssessmentItem``."""
    return new_child_row("assessment", **fields)


def new_version_row(*, standard_id: int, number: int, content: dict[str, Any], author_id: int | None,
                    note: str = "", **kept: Any) -> dict[str, Any]:
    """The columns of a stored version of a standard, the one rule for a save, restore and the demo seed:
    a number from 1 and the content as a document (``ValidationFailed``); ``created_at`` kept when given."""
    if not in_range(number, 1, 10**9) or not isinstance(content, dict):
        raise invalid("standards.error.revision", f"a version needs a number from 1 and content, not {number!r}",
                      field="number", revision=str(number))
    return {"standard_id": standard_id, "number": number, "content": content, "author_id": author_id,
            "note": note or "", **kept_columns(kept, ("created_at",), "version")}


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
    session.add(StandardVersion(**new_version_row(standard_id=standard.id, number=number,
                                                  content=_content(session, standard), author_id=actor.id,
                                                  note=note[:500])))
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
                new = model(**new_child_row(table, standard_id=standard.id, sort_order=order, **row["values"], **extra))
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
                a = Alignment(**new_row(competency_id=cid, course_id=course.id, level=level, source="manual",
                                        **proposal(actor), **target_ids))
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
