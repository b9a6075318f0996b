"""Read side of course standards: the list, the document pages and exports share, the JSON
snapshot of a revision (``standard_content``) and the editor's frames."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    Alignment,
    AssessmentItem,
    Competency,
    Course,
    CourseStandard,
    LearningUnit,
    Objective,
    Program,
)
from services import audit
from services.db import session_scope
from services.errors import NotFound
from services.outline import code_sort_key
from services.standards.common import ASSESSMENT_FIELDS, OBJECTIVE_FIELDS, UNIT_FIELDS, load_standard
from services.vocabulary import STANDARD_FIELDS as HEADER_FIELDS

if TYPE_CHECKING:
    import pandas as pd

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
    import pandas as pd  # only the editor needs frames; the import path must not pay for pandas

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
