"""What waits for an industry mentor in a programme: the mentor's section of the home page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import AuditEvent, Course, CourseStandard
from services.actor import Actor
from services.alignments import review_queue
from services.db import session_scope
from services.impact import list_marks
from services.outline import code_sort_key
from services.surveys import surveys_to_fill

RECENT_DAYS = 14
RECENT_LIMIT = 10
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


def recent_framework_changes(engine: Engine, *, program_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The latest changes to competencies, job roles, surveys and change marks of the programme
    (last ``RECENT_DAYS`` days, at most ``RECENT_LIMIT``): who, when, what."""
    since = (now or datetime.now(UTC)) - timedelta(days=RECENT_DAYS)
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(
            AuditEvent.program_id == program_id, AuditEvent.entity_type.in_(_FRAMEWORK_ENTITIES),
            AuditEvent.at >= since).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(RECENT_LIMIT)).all()
        return [{"at": e.at.isoformat(), "username": e.username, "entity_type": e.entity_type, "action": e.action,
                 "summary": e.summary} for e in events]


def mentor_home(engine: Engine, *, actor: Actor, program_id: int) -> dict[str, Any]:
    """Surveys to fill (with progress), alignments to review and comments to answer (this side's
    review queue), standards awaiting the enterprise signature, open change marks, recent changes."""
    queue = review_queue(engine, actor=actor, program_id=program_id)
    surveys = [s for s in surveys_to_fill(engine, actor=actor, program_id=program_id) if s["answered"] < s["items"]]
    return {
        "surveys": surveys,
        "alignments": queue["counts"]["alignments"],
        "comments": queue["counts"]["comments"],
        "signatures": awaiting_enterprise_signature(engine, program_id=program_id),
        "changes": list_marks(engine, program_id=program_id),
        "recent": recent_framework_changes(engine, program_id=program_id),
    }
