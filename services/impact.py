"""Change impact: a mentor marks a task or competency as changing; the report follows it to the courses.

Marking a node (new equipment, new process, future trend, other; with a note) records a
``ChangeMark`` and tells the owners of every affected course (``services.notifications``, in the
same transaction). The impact report walks competencies → alignments → courses → units and
objectives → the courses' current standards and their owners.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    Alignment,
    ChangeMark,
    Competency,
    Course,
    CourseOwner,
    CourseStandard,
    LearningUnit,
    Objective,
    User,
)
from models.enums import CHANGE_REASONS, SIDES
from models.tables import utcnow
from services import audit
from services.actor import Actor
from services.db import session_scope
from services.errors import Conflict, NotFound, ValidationFailed, field_error
from services.notifications import notify
from services.outline import code_sort_key
from services.permissions import require
from services.rows import kept_columns, raise_any, unknown_value
from services.vocabulary import counted_alignments


def _affected(session: Session, node: Competency) -> list[Competency]:
    """The node itself if it is a competency, else every competency below it."""
    if node.kind == "competency":
        return [node]
    out, frontier = [], [node.id]
    while frontier:
        children = session.exec(select(Competency).where(Competency.parent_id.in_(frontier))).all()
        out += [c for c in children if c.kind == "competency"]
        frontier = [c.id for c in children if c.kind != "competency"]
    return sorted(out, key=lambda c: code_sort_key(c.code))


def _report(session: Session, node: Competency) -> dict[str, Any]:
    competencies = _affected(session, node)
    ids = [c.id for c in competencies]
    codes = {c.id: c.code for c in competencies}
    alignments = session.exec(select(Alignment).where(Alignment.competency_id.in_(ids),
                                                      counted_alignments(Alignment.status))).all() if ids else []
    courses: dict[int, dict[str, Any]] = {}
    for a in alignments:
        entry = courses.get(a.course_id)
        if entry is None:
            course = session.get(Course, a.course_id)
            owners = session.exec(select(User).join(CourseOwner, CourseOwner.user_id == User.id)
                                  .where(CourseOwner.course_id == course.id)).all()
            standard = session.exec(select(CourseStandard).where(CourseStandard.course_id == course.id)
                                    .order_by(CourseStandard.revision.desc())).first()
            entry = courses[a.course_id] = {
                "course_id": course.id, "code": course.code, "name": course.name,
                "owners": [{"id": u.id, "name": u.display_name} for u in owners],
                "standard": None if standard is None else {"id": standard.id, "revision": standard.revision,
                                                           "status": standard.status},
                "competencies": set(), "units": [], "objectives": [], "course_level": [],
            }
        entry["competencies"].add(codes[a.competency_id])
        if a.unit_id is not None:
            unit = session.get(LearningUnit, a.unit_id)
            entry["units"].append({"title": unit.title, "competency": codes[a.competency_id], "level": a.level})
        elif a.objective_id is not None:
            objective = session.get(Objective, a.objective_id)
            entry["objectives"].append({"code": objective.code, "text": objective.text,
                                        "competency": codes[a.competency_id], "level": a.level})
        else:
            entry["course_level"].append({"competency": codes[a.competency_id], "level": a.level})
    ordered = sorted(courses.values(), key=lambda c: code_sort_key(c["code"]))
    for c in ordered:
        c["competencies"] = sorted(c["competencies"], key=code_sort_key)
    return {"node": {"id": node.id, "kind": node.kind, "code": node.code, "statement": node.statement},
            "competencies": [{"id": c.id, "code": c.code, "statement": c.statement, "importance": c.importance}
                             for c in competencies],
            "courses": ordered}


def impact_report(engine: Engine, *, node_id: int) -> dict[str, Any]:
    """What a change to a task or competency reaches: competencies, and per course its owners, current
    standard, the units and objectives aligned (rejected alignments left out)."""
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        if node is None:
            raise NotFound(f"competency {node_id} not found")
        return _report(session, node)


MARK_KEPT_COLUMNS = ("marked_at", "resolved_at", "resolved_by_id", "version")


def new_mark_row(*, program_id: int, competency_id: int, node_kind: str, reason: str, note: str,
                 marked_by_id: int | None, marked_side: str | None, **kept: Any) -> dict[str, Any]:
    """The columns of a change mark, the one rule for marking and restore: on a task or competency (not a
    work area), a known reason, a note (trimmed), a known side (``ValidationFailed``); when it was marked and
    its resolution kept when given (restore). Pure: no session."""
    note = (note or "").strip()
    raise_any([None if node_kind in ("task", "competency") else
               field_error("competency", "error.field.unknown_value", "a task or competency", value=str(node_kind)),
               None if reason in CHANGE_REASONS else
               field_error("reason", "impact.error.reason", f"reason: one of {CHANGE_REASONS}"),
               None if note else field_error("note", "industry.error.required", "note: required"),
               unknown_value("marked_side", marked_side, SIDES, nullable=True)])
    return {"program_id": program_id, "competency_id": competency_id, "reason": reason, "note": note,
            "marked_by_id": marked_by_id, "marked_side": marked_side,
            **kept_columns(kept, MARK_KEPT_COLUMNS, "change mark")}


def mark_changing(engine: Engine, *, actor: Actor, node_id: int, reason: str, note: str) -> dict[str, Any]:
    """Mark a task or competency as changing and notify the affected courses' owners (not the marker).
    Returns the mark with ``notified`` (user ids)."""
    require(actor, "change.mark")
    if reason not in CHANGE_REASONS:
        raise ValidationFailed([field_error("reason", "impact.error.reason", f"reason: one of {CHANGE_REASONS}")])
    if not (note or "").strip():
        raise ValidationFailed([field_error("note", "industry.error.required", "note: required")])
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        if node is None or node.kind == "area":
            raise NotFound(f"task or competency {node_id} not found")
        mark = ChangeMark(**new_mark_row(program_id=node.program_id, competency_id=node.id, node_kind=node.kind,
                                         reason=reason, note=note, marked_by_id=actor.id, marked_side=actor.side))
        session.add(mark)
        session.flush()
        report = _report(session, node)
        notified = sorted({o["id"] for c in report["courses"] for o in c["owners"]} - {actor.id})
        for user_id in notified:
            notify(session, user_id=user_id, kind="change_impact", key="notification.change_impact",
                   params={"code": node.code, "statement": node.statement[:80], "by": actor.display_name,
                           "reason": reason, "courses": ", ".join(c["code"] for c in report["courses"]
                                                                  if any(o["id"] == user_id for o in c["owners"]))},
                   entity_type="change_mark", entity_id=mark.id, program_id=node.program_id, actor=actor)
        audit.record(session, actor=actor, entity_type="change_mark", entity_id=mark.id, action="create",
                     after=audit.snapshot(mark), program_id=node.program_id,
                     summary=f"{node.code} changing: {note.strip()[:200]}")
        return {**(audit.snapshot(mark) or {}), "notified": notified}


def resolve_mark(engine: Engine, *, actor: Actor, mark_id: int, expected_version: int) -> dict[str, Any]:
    """Close a change mark (the courses have been reviewed); version-checked."""
    require(actor, "change.mark")
    with session_scope(engine) as session:
        mark = session.get(ChangeMark, mark_id)
        if mark is None:
            raise NotFound(f"change mark {mark_id} not found")
        if mark.version != expected_version or mark.resolved_at is not None:
            raise Conflict(f"change mark {mark_id} changed", current=audit.snapshot(mark), entity="ChangeMark",
                           id=mark_id)
        before = audit.snapshot(mark)
        mark.resolved_at, mark.resolved_by_id, mark.version = utcnow(), actor.id, mark.version + 1
        session.add(mark)
        session.flush()
        audit.record(session, actor=actor, entity_type="change_mark", entity_id=mark.id, action="resolve",
                     before=before, after=audit.snapshot(mark), program_id=mark.program_id)
        return audit.snapshot(mark) or {}


def list_marks(engine: Engine, *, program_id: int, open_only: bool = True) -> list[dict[str, Any]]:
    """The programme's change marks, newest first, with the node's code and statement and who marked it."""
    with session_scope(engine) as session:
        query = (select(ChangeMark, Competency).join(Competency, Competency.id == ChangeMark.competency_id)
                 .where(ChangeMark.program_id == program_id))
        if open_only:
            query = query.where(ChangeMark.resolved_at == None)  # noqa: E711
        names = {u.id: u.display_name for u in session.exec(select(User)).all()}
        return [{**(audit.snapshot(m) or {}), "code": c.code, "statement": c.statement, "kind": c.kind,
                 "marked_by": names.get(m.marked_by_id, "")}
                for m, c in session.exec(query.order_by(ChangeMark.marked_at.desc(), ChangeMark.id.desc())).all()]
