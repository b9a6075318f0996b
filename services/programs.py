"""Programmes (专业): list, create, edit, and the home page's summary."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Alignment, Comment, Competency, Course, CourseStandard, JobRole, Program
from services import audit
from services.actor import Actor
from services.db import session_scope
from services.errors import FieldError, NotFound, ValidationFailed
from services.errors import field_error as _error
from services.outline import code_sort_key
from services.permissions import require
from services.rows import kept_columns
from services.versioning import apply_changes

LANGUAGES = ("zh", "en")


def _validate(code: str, name: str, language: str) -> list[FieldError]:
    errors = []
    if not code or len(code) > 32:
        errors.append(_error("code", "program.error.code_length", "code: 1–32 characters"))
    if not name.strip():
        errors.append(_error("name", "program.error.required", "name: required"))
    if language not in LANGUAGES:
        errors.append(_error("language", "program.error.language", "language: zh or en"))
    return errors


PROGRAM_KEPT_COLUMNS = ("created_at", "updated_at", "version")


def new_program_row(*, code: str, name: str, language: str = "zh", description: str = "", is_demo: bool = False,
                    **kept: Any) -> dict[str, Any]:
    """The columns of a new programme, the one rule for the editor, the import, restore and the demo seed:
    code and name trimmed, code 1–32 characters, a name, a known language (``ValidationFailed``);
    timestamps and version kept when given (restore). Pure: no session."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = _validate(code, name, language)
    if errors:
        raise ValidationFailed(errors)
    return {"code": code, "name": name, "language": language, "description": description or "", "is_demo": is_demo,
            **kept_columns(kept, PROGRAM_KEPT_COLUMNS, "programme")}


def _exists(code: str) -> ValidationFailed:
    return ValidationFailed([_error("code", "program.error.exists", f"code: programme {code} already exists",
                                    code=code)])


def list_programs(engine: Engine) -> list[dict[str, Any]]:
    """All programmes with counts of competencies (leaves), courses and alignments."""
    with session_scope(engine) as session:
        programs = session.exec(select(Program).order_by(Program.code)).all()
        leaf_counts = dict(session.exec(
            select(Competency.program_id, func.count()).where(Competency.kind == "competency")
            .group_by(Competency.program_id)).all())
        course_counts = dict(session.exec(
            select(Course.program_id, func.count()).group_by(Course.program_id)).all())
        align_counts = dict(session.exec(
            select(Course.program_id, func.count()).join(Alignment, Alignment.course_id == Course.id)
            .group_by(Course.program_id)).all())
        return [
            {**(audit.snapshot(p) or {}), "competencies": leaf_counts.get(p.id, 0),
             "courses": course_counts.get(p.id, 0), "alignments": align_counts.get(p.id, 0)}
            for p in programs
        ]


def get_program(engine: Engine, *, program_id: int | None = None, code: str | None = None) -> dict[str, Any]:
    """One programme by id or code; ``NotFound`` otherwise."""
    with session_scope(engine) as session:
        program = session.get(Program, program_id) if program_id is not None else session.exec(
            select(Program).where(Program.code == code)).first()
        if program is None:
            raise NotFound(f"programme {code or program_id} not found", code=code or program_id)
        return audit.snapshot(program) or {}


def create_program(
    engine: Engine, *, actor: Actor, code: str, name: str, language: str = "zh", description: str = "",
    is_demo: bool = False,
) -> dict[str, Any]:
    """Create a programme (admins and leads)."""
    require(actor, "program.create")
    given = dict(code=code, name=name, language=language, description=description, is_demo=is_demo)
    checked = new_program_row(**given)  # refused before the database is asked
    code, name = checked["code"], checked["name"]
    with session_scope(engine) as session:
        if session.exec(select(Program).where(Program.code == code)).first():
            raise _exists(code)
        program = Program(**new_program_row(**given))
        session.add(program)
        session.flush()
        audit.record(session, actor=actor, entity_type="program", entity_id=program.id, action="create",
                     after=audit.snapshot(program), program_id=program.id, summary=f"{code} {name}")
        return audit.snapshot(program) or {}


def update_program(
    engine: Engine, *, actor: Actor, program_id: int, expected_version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Edit name, language or description; the save names the version it started from."""
    require(actor, "program.edit")
    allowed = {"name", "language", "description", "code"}
    if set(changes) - allowed:
        unknown = ", ".join(sorted(set(changes) - allowed))
        raise ValidationFailed([_error(unknown, "program.error.unknown_field", f"cannot change {unknown}")])
    with session_scope(engine) as session:
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"programme {program_id} not found")
        merged = {**(audit.snapshot(program) or {}), **changes}
        errors = _validate(merged["code"], merged["name"], merged["language"])
        if errors:
            raise ValidationFailed(errors)
        if "code" in changes and changes["code"] != program.code and session.exec(
                select(Program).where(Program.code == changes["code"])).first():
            raise _exists(changes["code"])
        before = audit.snapshot(program)
        apply_changes(session, program, expected_version=expected_version, changes=changes)
        audit.record(session, actor=actor, entity_type="program", entity_id=program.id, action="update",
                     before=before, after=audit.snapshot(program), program_id=program.id, summary=program.code)
        return audit.snapshot(program) or {}


def program_summary(engine: Engine, *, program_id: int) -> dict[str, Any]:
    """Counts and the things that need attention, for the home page."""
    with session_scope(engine) as session:
        if session.get(Program, program_id) is None:
            raise NotFound(f"programme {program_id} not found")
        kinds = dict(session.exec(
            select(Competency.kind, func.count()).where(Competency.program_id == program_id)
            .group_by(Competency.kind)).all())
        course_ids = session.exec(select(Course.id).where(Course.program_id == program_id)).all()
        alignments = session.exec(
            select(Alignment.status, func.count()).join(Course, Course.id == Alignment.course_id)
            .where(Course.program_id == program_id).group_by(Alignment.status)).all()
        by_status = dict(alignments)
        standards = dict(session.exec(
            select(CourseStandard.status, func.count()).join(Course, Course.id == CourseStandard.course_id)
            .where(Course.program_id == program_id).group_by(CourseStandard.status)).all())
        unresolved = session.exec(select(func.count()).select_from(Comment).where(
            Comment.program_id == program_id, Comment.resolved == False, Comment.parent_id == None)).one()  # noqa: E711,E712
        job_roles = session.exec(select(func.count()).select_from(JobRole).where(
            JobRole.program_id == program_id)).one()
    # Coverage figures come from the coverage service, so home and coverage pages always agree (imported
    # here: the import writer uses this module's row builder and must not load pandas)
    from services.coverage import compute_coverage

    result = compute_coverage(engine, program_id=program_id)
    leaves = result.by_competency
    uncovered = leaves[leaves["gap"] == "uncovered"]
    core = uncovered[uncovered["importance"].fillna(0) >= 4]
    core_uncovered = [{"code": c, "statement": s, "importance": int(i)}
                      for c, s, i in zip(core["code"], core["statement"], core["importance"], strict=True)]
    return {
        "job_roles": job_roles,
        "areas": kinds.get("area", 0),
        "tasks": kinds.get("task", 0),
        "competencies": kinds.get("competency", 0),
        "courses": len(course_ids),
        "alignments": sum(by_status.values()),
        "alignments_proposed": by_status.get("proposed", 0),
        "alignments_rejected": by_status.get("rejected", 0),
        "covered": result.metrics["covered"],
        "uncovered": len(uncovered),
        "core_uncovered": sorted(core_uncovered, key=lambda r: (-(r["importance"] or 0), code_sort_key(r["code"]))),
        "standards": standards,
        "standards_in_review": standards.get("in_review", 0),
        "unresolved_comments": unresolved,
    }
