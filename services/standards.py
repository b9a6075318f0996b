"""Course standards (课程标准): reading a revision as one document.

Editing, review and sign-off build on these tables (see the co-drafting issue); this module
holds the read side every page and export shares.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Alignment, AssessmentItem, Competency, Course, CourseStandard, LearningUnit, Objective, Program
from services import audit
from services.db import session_scope
from services.errors import NotFound
from services.outline import code_sort_key

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
