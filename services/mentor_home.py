"""What waits for an industry mentor in a programme: the mentor's section of the home page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import AuditEvent, ChangeMark, Competency, Course, CourseStandard, Rating, Survey, SurveyRater
from services.actor import Actor
from services.alignments import review_queue
from services.db import session_scope
from services.framework import framework_frame, list_job_roles
from services.impact import list_marks
from services.outline import code_sort_key
from services.sources import source_of_nodes
from services.surveys import surveys_to_fill

RECENT_DAYS = 14
RECENT_LIMIT = 10
RECENT_SCAN = 1000  # framework events of the window read before filtering by job role
_FRAMEWORK_ENTITIES = ("competency", "job_role", "survey", "change_mark")


def awaiting_enterprise_signature(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """Latest standard revisions in review that the enterprise side has not signed yet."""
    with session_scope(engine) as session:
        rows = session.exec(select(CourseStandard, Course).join(Course, Course.id == CourseStandard.course_id)
                            .where(Course.program_id == program_id)).all()
        latest: dict[int, tuple] = {}
        for standard, course in rows:
            if course.id not in latest or standard.revision > latest[course.id][0].revision:
                latest[course.id] = (standard, course)
        out = [{"standard_id": s.id, "course_code": c.code, "course_name": c.name, "revision": s.revision,
                "school_signed": s.school_signed_by_id is not None}
               for s, c in latest.values() if s.status == "in_review" and s.enterprise_signed_by_id is None]
    return sorted(out, key=lambda r: code_sort_key(r["course_code"]))


def mentor_job_roles(engine: Engine, *, actor: Actor, program_id: int) -> list[dict[str, Any]]:
    """The programme's job roles (and other 岗课赛证 sources) this person works on: a competency of it they
    rated (``rating`` rows under their account), a survey on it they were invited to, or a node of it they
    proposed (authored) — a node's job role is its own or its parent's, as ``sources.source_of_nodes``."""
    node_role = source_of_nodes(framework_frame(engine, program_id=program_id))
    with session_scope(engine) as session:
        rated = session.exec(select(Rating.competency_id).join(Competency, Competency.id == Rating.competency_id)
                             .where(Rating.rater_user_id == actor.id, Competency.program_id == program_id)).all()
        authored = session.exec(select(Competency.id).where(Competency.program_id == program_id,
                                                            Competency.proposed_by_id == actor.id)).all()
        surveyed = session.exec(select(Survey.job_role_id).join(SurveyRater, SurveyRater.survey_id == Survey.id)
                                .where(Survey.program_id == program_id, SurveyRater.user_id == actor.id)).all()
    ids = {node_role.get(int(n)) for n in (*rated, *authored)} | {int(r) for r in surveyed}
    return [r for r in list_job_roles(engine, program_id=program_id) if r["id"] in ids]


def recent_framework_changes(engine: Engine, *, program_id: int, job_role_ids: set[int] | None = None,
                             now: datetime | None = None) -> list[dict[str, Any]]:
    """The latest changes to competencies, job roles, surveys and change marks of the programme
    (last ``RECENT_DAYS`` days, at most ``RECENT_LIMIT``): who, when, what (and the entity's id). With ``job_role_ids``, only
    those that belong to one of these job roles (a competency by its own or its parent's job role, a
    survey and a change mark by theirs); a deleted competency's events no longer belong to any."""
    since = (now or datetime.now(UTC)) - timedelta(days=RECENT_DAYS)
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(
            AuditEvent.program_id == program_id, AuditEvent.entity_type.in_(_FRAMEWORK_ENTITIES),
            AuditEvent.at >= since).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(RECENT_LIMIT if job_role_ids is None else RECENT_SCAN)).all()
        rows = [{"at": e.at.isoformat(), "username": e.username, "entity_type": e.entity_type, "action": e.action,
                 "summary": e.summary, "entity_id": e.entity_id} for e in events]
        if job_role_ids is None:
            return rows
        surveys = dict(session.exec(select(Survey.id, Survey.job_role_id).where(Survey.program_id == program_id)).all())
        marks = dict(session.exec(select(ChangeMark.id, ChangeMark.competency_id)
                                  .where(ChangeMark.program_id == program_id)).all())
    node_role = source_of_nodes(framework_frame(engine, program_id=program_id))

    def role_of(row: dict[str, Any]) -> int | None:
        entity = row["entity_id"]
        if entity is None:
            return None
        if row["entity_type"] == "job_role":
            return entity
        if row["entity_type"] == "survey":
            return surveys.get(entity)
        if row["entity_type"] == "change_mark":
            return node_role.get(marks.get(entity, -1))
        return node_role.get(entity)

    return [r for r in rows if role_of(r) in job_role_ids][:RECENT_LIMIT]


def mentor_home(engine: Engine, *, actor: Actor, program_id: int) -> dict[str, Any]:
    """Surveys to fill (with progress), alignments to review and comments to answer (this side's
    review queue), standards awaiting the enterprise signature, open change marks, the job roles they
    work on (``mentor_job_roles``) and the recent changes in those job roles (none when they work on none)."""
    queue = review_queue(engine, actor=actor, program_id=program_id)
    surveys = [s for s in surveys_to_fill(engine, actor=actor, program_id=program_id) if s["answered"] < s["items"]]
    roles = mentor_job_roles(engine, actor=actor, program_id=program_id)
    return {
        "surveys": surveys,
        "alignments": queue["counts"]["alignments"],
        "comments": queue["counts"]["comments"],
        "signatures": awaiting_enterprise_signature(engine, program_id=program_id),
        "changes": list_marks(engine, program_id=program_id),
        "roles": [{"id": r["id"], "name": r["name"]} for r in roles],
        "recent": recent_framework_changes(engine, program_id=program_id, job_role_ids={r["id"] for r in roles})
        if roles else [],
    }
