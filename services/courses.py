"""Courses (课程): catalogue, detail, edit, owners."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import COURSE_TYPES, Alignment, Competency, Course, CourseOwner, CourseStandard, Program, User
from services import audit
from services.actor import Actor
from services.db import session_scope
from services.errors import FieldError, NotFound, ValidationFailed, field_error
from services.outline import code_sort_key, normalize_text
from services.permissions import require
from services.rows import raise_any
from services.versioning import apply_changes
from services.vocabulary import counted_alignments

if TYPE_CHECKING:
    import pandas as pd

COURSE_FIELDS = ("code", "name", "course_type", "credits", "hours_theory", "hours_practice", "semester", "description")


def owns_course(session: Session, actor: Actor | None, course_id: int) -> bool:
    """True if ``actor`` is one of the course's owners (课程负责人)."""
    if actor is None or actor.id is None:
        return False
    return session.get(CourseOwner, (course_id, actor.id)) is not None


def _validate(values: dict[str, Any]) -> None:
    raise_any(course_errors(values))


def course_errors(values: dict[str, Any]) -> list[FieldError]:
    """The checks of a course's values (a new one's, or a stored one's merged with changes): code, name, a
    known type, hours 0–2000, credits 0–60, semester 1–12. The one rule of the editor, ``new_course_row``
    and the import's planner. Pure."""
    errors = []
    if not normalize_text(values.get("code")):
        errors.append(field_error("code", "course.error.required", "code: required"))
    if not normalize_text(values.get("name")):
        errors.append(field_error("name", "course.error.required", "name: required"))
    if values.get("course_type") not in COURSE_TYPES:
        errors.append(field_error("course_type", "course.error.type", f"type: one of {', '.join(COURSE_TYPES)}"))
    for field in ("hours_theory", "hours_practice"):
        value = values.get(field)
        if not isinstance(value, int) or value < 0 or value > 2000:
            errors.append(field_error(field, "course.error.hours", f"{field}: a whole number 0–2000"))
    credits = values.get("credits")
    if not isinstance(credits, (int, float)) or credits < 0 or credits > 60:
        errors.append(field_error("credits", "course.error.credits", "credits: 0–60"))
    semester = values.get("semester")
    if semester is not None and (not isinstance(semester, int) or not 1 <= semester <= 12):
        errors.append(field_error("semester", "course.error.semester", "semester: 1–12"))
    return errors


COURSE_DEFAULTS: dict[str, Any] = {"course_type": "professional_core", "credits": 0.0, "hours_theory": 0,
                                   "hours_practice": 0, "semester": None, "description": ""}
# columns a restore or seed may carry over as they were (never from a user's form)
KEPT_COLUMNS = ("created_at", "updated_at", "version")


def new_course_row(*, program_id: int, **fields: Any) -> dict[str, Any]:
    """The columns of a new course, the one rule for the editor, the import, restore and the demo seed:
    ``course_values`` (defaults, the code normalised, the name trimmed), then ``course_errors``
    (``ValidationFailed``). ``created_at``/``updated_at``/``version`` are kept when given (restore). Pure: no session."""
    values = course_values(**fields)
    _validate(values)
    kept = {k: fields[k] for k in KEPT_COLUMNS if fields.get(k) is not None}
    return {"program_id": program_id, **values, **kept}


def course_values(**fields: Any) -> dict[str, Any]:
    """A new course's values before its checks (``course_errors``): the defaults, the given course fields
    (others ignored), the code normalised, the name trimmed and otherwise kept as written (full-width
    punctuation is not folded: ``update_course``, restore and the import store names as written too). Pure."""
    values = {**COURSE_DEFAULTS, **{k: v for k, v in fields.items() if k in COURSE_FIELDS}}
    values["code"], values["name"] = normalize_text(values.get("code")), str(values.get("name") or "").strip()
    return values


def new_owner_row(*, course_id: int, user_id: int) -> dict[str, Any]:
    """The columns of a course owner (课程负责人), the one rule for the owners editor, restore and the demo
    seed: a course and a user, both named by id (``ValidationFailed`` otherwise). Pure: no session."""
    if not isinstance(course_id, int) or not isinstance(user_id, int):
        raise ValidationFailed([field_error("owners", "error.field.owner_missing", user_id=user_id)])
    return {"course_id": course_id, "user_id": user_id}


def list_courses(engine: Engine, *, program_id: int, first_for: int | None = None) -> pd.DataFrame:
    """The programme's courses ordered by semester then code, with owners and coverage counts.

    With ``first_for`` (a user id) the courses that user owns come first, then the courses that have a
    standard, then the rest (each group in semester and code order): the pick a teacher means.
    """
    with session_scope(engine) as session:
        courses = session.exec(select(Course).where(Course.program_id == program_id)).all()
        owners = session.exec(
            select(CourseOwner.course_id, User.display_name, User.id).join(User, User.id == CourseOwner.user_id)
            .join(Course, Course.id == CourseOwner.course_id).where(Course.program_id == program_id)).all()
        counts = session.exec(
            select(Alignment.course_id, func.count(), func.count(func.distinct(Alignment.competency_id)))
            .join(Course, Course.id == Alignment.course_id)
            .where(Course.program_id == program_id, counted_alignments(Alignment.status))
            .group_by(Alignment.course_id)).all()
        standards = session.exec(
            select(CourseStandard.course_id, CourseStandard.revision, CourseStandard.status)
            .join(Course, Course.id == CourseStandard.course_id).where(Course.program_id == program_id)).all()
    owner_map: dict[int, list[str]] = {}
    mine: set[int] = set()
    for course_id, name, user_id in owners:
        owner_map.setdefault(course_id, []).append(name)
        if user_id == first_for:
            mine.add(course_id)
    count_map = {cid: (n, m) for cid, n, m in counts}
    latest: dict[int, tuple[int, str]] = {}
    for course_id, revision, status in standards:
        if course_id not in latest or revision > latest[course_id][0]:
            latest[course_id] = (revision, status)
    rows = []
    for c in courses:
        rows.append({
            "id": c.id, "code": c.code, "name": c.name, "course_type": c.course_type, "credits": c.credits,
            "hours_theory": c.hours_theory, "hours_practice": c.hours_practice,
            "hours_total": c.hours_theory + c.hours_practice, "semester": c.semester,
            "owners": ", ".join(sorted(owner_map.get(c.id, []))),
            "alignments": count_map.get(c.id, (0, 0))[0], "competencies": count_map.get(c.id, (0, 0))[1],
            "standard_status": latest.get(c.id, (None, ""))[1], "version": c.version,
        })
    import pandas as pd  # only here: the import path loads this module and must not pay for pandas

    frame = pd.DataFrame(rows, columns=[
        "id", "code", "name", "course_type", "credits", "hours_theory", "hours_practice", "hours_total",
        "semester", "owners", "alignments", "competencies", "standard_status", "version"])
    if not frame.empty:
        frame["_sem"] = frame["semester"].fillna(99)
        frame["_code"] = frame["code"].map(code_sort_key)
        frame["_first"] = 0 if first_for is None else [
            0 if cid in mine else 1 if status else 2 for cid, status in zip(frame["id"], frame["standard_status"],
                                                                           strict=True)]
        frame = frame.sort_values(["_first", "_sem", "_code"], kind="stable").drop(
            columns=["_first", "_sem", "_code"]).reset_index(drop=True)
        frame["semester"] = frame["semester"].astype("Int64")
    return frame


def get_course(engine: Engine, *, course_id: int) -> dict[str, Any]:
    """A course with owners, standards (all revisions) and the competencies it covers."""
    with session_scope(engine) as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"course {course_id} not found")
        data = audit.snapshot(course) or {}
        data["hours_total"] = course.hours_theory + course.hours_practice
        data["owners"] = [
            {"id": u.id, "username": u.username, "display_name": u.display_name}
            for u in session.exec(select(User).join(CourseOwner, CourseOwner.user_id == User.id)
                                  .where(CourseOwner.course_id == course_id).order_by(User.username)).all()
        ]
        data["standards"] = [
            {"id": s.id, "revision": s.revision, "status": s.status, "updated_at": s.updated_at.isoformat()}
            for s in session.exec(select(CourseStandard).where(CourseStandard.course_id == course_id)
                                  .order_by(CourseStandard.revision)).all()
        ]
        rows = session.exec(
            select(Alignment, Competency.code, Competency.statement, Competency.importance)
            .join(Competency, Competency.id == Alignment.competency_id)
            .where(Alignment.course_id == course_id)).all()
        data["alignments"] = sorted((
            {"id": a.id, "competency_id": a.competency_id, "code": code, "statement": statement,
             "importance": importance, "target": a.target, "level": a.level, "status": a.status,
             "proposed_side": a.proposed_side, "reason": a.reason}
            for a, code, statement, importance in rows), key=lambda r: (code_sort_key(r["code"]), r["target"]))
        return data


def find_course(engine: Engine, *, program_id: int, code: str | None = None, name: str | None = None
                ) -> dict[str, Any] | None:
    """A programme's course by code (case and width folded), else by name; ``None`` when neither matches."""
    with session_scope(engine) as session:
        rows = session.exec(select(Course).where(Course.program_id == program_id)).all()
        for wanted, attr in ((code, "code"), (name, "name")):
            key = normalize_text(wanted).casefold() if wanted else ""
            if not key:
                continue
            found = next((c for c in rows if normalize_text(getattr(c, attr)).casefold() == key), None)
            if found is not None:
                return audit.snapshot(found) or {}
        return None


def create_course(engine: Engine, *, actor: Actor, program_id: int, **fields: Any) -> dict[str, Any]:
    """Add a course to a programme (admins and leads)."""
    require(actor, "course.create")
    values = new_course_row(program_id=program_id, **{k: v for k, v in fields.items() if k in COURSE_FIELDS})
    with session_scope(engine) as session:
        if session.get(Program, program_id) is None:
            raise NotFound(f"programme {program_id} not found")
        if session.exec(select(Course.id).where(Course.program_id == program_id, Course.code == values["code"])).first():
            raise ValidationFailed([field_error("code", "course.error.exists",
                                                f"code: course {values['code']} already exists in this programme",
                                                code=values["code"])])
        course = Course(**new_course_row(**values))  # checked above, before the session; pure and idempotent
        session.add(course)
        session.flush()
        audit.record(session, actor=actor, entity_type="course", entity_id=course.id, action="create",
                     after=audit.snapshot(course), program_id=program_id, summary=f"{course.code} {course.name}")
        return audit.snapshot(course) or {}


def update_course(
    engine: Engine, *, actor: Actor, course_id: int, expected_version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Edit a course (admins, leads, and faculty who own it); stale versions raise ``Conflict``."""
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationFailed([field_error("changes", "error.field.cannot_change", fields=", ".join(sorted(unknown)))])
    with session_scope(engine) as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"course {course_id} not found")
        require(actor, "course.edit", owns_course=owns_course(session, actor, course_id))
        before = audit.snapshot(course) or {}
        merged = {**before, **changes}
        merged["code"], merged["name"] = normalize_text(merged["code"]), normalize_text(merged["name"])
        _validate(merged)
        if "code" in changes:
            changes["code"] = merged["code"]
            clash = session.exec(select(Course.id).where(
                Course.program_id == course.program_id, Course.code == merged["code"])).first()
            if clash is not None and clash != course_id:
                raise ValidationFailed([field_error("code", "course.error.exists",
                                                    f"code: course {merged['code']} already exists in this programme",
                                                    code=merged["code"])])
        apply_changes(session, course, expected_version=expected_version, changes=changes)
        audit.record(session, actor=actor, entity_type="course", entity_id=course.id, action="update",
                     before=before, after=audit.snapshot(course), program_id=course.program_id,
                     summary=f"{course.code} {course.name}")
        return audit.snapshot(course) or {}


def set_course_owners(engine: Engine, *, actor: Actor, course_id: int, user_ids: list[int]) -> list[int]:
    """Replace a course's owners (admins and leads)."""
    require(actor, "course.edit")
    with session_scope(engine) as session:
        course = session.get(Course, course_id)
        if course is None:
            raise NotFound(f"course {course_id} not found")
        current = set(session.exec(select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)).all())
        wanted = set(user_ids)
        for user_id in wanted - current:
            if session.get(User, user_id) is None:
                raise ValidationFailed([field_error("owners", "error.field.owner_missing", user_id=user_id)])
            session.add(CourseOwner(**new_owner_row(course_id=course_id, user_id=user_id)))
        for user_id in current - wanted:
            session.delete(session.get(CourseOwner, (course_id, user_id)))
        audit.record(session, actor=actor, entity_type="course", entity_id=course_id, action="owners",
                     before={"owners": sorted(current)}, after={"owners": sorted(wanted)},
                     program_id=course.program_id, summary=course.code)
        return sorted(wanted)


def list_course_owners_candidates(engine: Engine) -> list[dict[str, Any]]:
    """Active faculty and leads who can own a course."""
    with session_scope(engine) as session:
        return [{"id": u.id, "username": u.username, "display_name": u.display_name}
                for u in session.exec(select(User).where(User.is_active == True, User.role.in_(("faculty", "lead", "admin")))  # noqa: E712
                                      .order_by(User.username)).all()]
