"""Creating course standards: a first revision from the course's defaults, and copying the rows
(with their alignments, through ``services.alignment_rules``) of one revision into another."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import (
    Alignment,
    AssessmentItem,
    Competency,
    Course,
    CourseOwner,
    CourseStandard,
    LearningUnit,
    Objective,
    User,
)
from models.enums import STANDARD_STATUSES
from services import audit
from services.actor import Actor
from services.alignment_rules import new_row, proposal, stored_review
from services.courses import owns_course
from services.db import retry_transient, session_scope
from services.errors import NotFound
from services.outline import code_sort_key
from services.permissions import require
from services.standards.common import invalid, load_standard
from services.standards.read import _content, _rows
from services.standards.save import new_assessment_row, new_objective_row, new_unit_row, write_version
from services.vocabulary import STANDARD_FIELDS as HEADER_FIELDS

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
            review = stored_review(a.model_dump()) if keep_review else proposal(actor)
            session.add(Alignment(**new_row(competency_id=comp.id, course_id=target.course_id, level=a.level,
                                            source="copy", **new_ids, **review)))

    for o in _rows(session, Objective, source.id):
        new = Objective(**new_objective_row(standard_id=target.id, dimension=o.dimension, code=o.code, text=o.text,
                                            sort_order=o.sort_order, **provenance(o)))
        session.add(new)
        session.flush()
        copy_alignments("objective_id", o.id, {"objective_id": new.id})
    for u in _rows(session, LearningUnit, source.id):
        new = LearningUnit(**new_unit_row(standard_id=target.id, title=u.title, content=u.content,
                                          learning_tasks=u.learning_tasks, hours_theory=u.hours_theory,
                                          hours_practice=u.hours_practice, sort_order=u.sort_order, **provenance(u)))
        session.add(new)
        session.flush()
        copy_alignments("unit_id", u.id, {"unit_id": new.id})
    for i in _rows(session, AssessmentItem, source.id):
        session.add(AssessmentItem(**new_assessment_row(standard_id=target.id, name=i.name, category=i.category,
                                                        weight=i.weight, method=i.method, sort_order=i.sort_order)))
    session.flush()
    return sorted(skipped, key=code_sort_key)


# columns besides the header a restore or an import may carry over as they were (sign-offs, timestamps)
STANDARD_KEPT_COLUMNS = ("rejection_reason", "school_signed_by_id", "school_signed_at", "enterprise_signed_by_id",
                         "enterprise_signed_at", "submitted_at", "approved_at", "created_at", "updated_at", "version")


def new_standard_row(*, course_id: int, created_by_id: int | None, revision: int = 1, status: str = "draft",
                     **fields: Any) -> dict[str, Any]:
    """The columns of a new course standard, the one rule for the editor, a new revision, the import,
    restore and the demo seed: a revision from 1 and a known status; header fields and the kept columns
    only (anything else is a ``ValidationFailed``); ``None`` header text is stored as ""."""
    unknown = sorted(set(fields) - set(HEADER_FIELDS) - set(STANDARD_KEPT_COLUMNS))
    if unknown:
        raise invalid("error.field.cannot_change", f"unknown standard fields: {', '.join(unknown)}",
                      field="fields", fields=", ".join(unknown))
    if not isinstance(revision, int) or revision < 1:
        raise invalid("standards.error.revision", f"revision must be a whole number from 1, not {revision!r}",
                      field="revision", revision=str(revision))
    if status not in STANDARD_STATUSES:
        raise invalid("standards.error.status", f"unknown status {status!r}", field="status", status=str(status))
    text = {f: ("" if fields.get(f) is None else fields[f]) for f in HEADER_FIELDS if f in fields}
    kept = {k: fields[k] for k in STANDARD_KEPT_COLUMNS if fields.get(k) is not None}
    return {"course_id": course_id, "revision": revision, "status": status, "created_by_id": created_by_id,
            **text, **kept}


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
        standard = CourseStandard(**new_standard_row(course_id=course_id, created_by_id=actor.id, **values))
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
