"""Review and sign-off of a course standard revision: draft → in review → approved.

- ``submit`` (``standard.submit``: course owners, leads, admins) moves a draft to review after
  running the checklist: errors block (unit hours ≠ course hours, assessment weights ≠ 100 %),
  warnings do not (reviewers see them).
- ``sign`` for the school (``standard.sign_school``: leads, admins, faculty) and for the
  enterprise (``standard.sign_enterprise``: mentors, admins), in either order. Separation of
  duties: the school signer must not have written the revision (created or saved it) nor own
  the course, so the programme lead or another school user signs what the course owner wrote;
  with both signatures the revision is approved and frozen. The signer names the version they
  reviewed (a change in between raises ``Conflict``); a content change during review clears the
  signatures given so far (``services.standards``).
- ``reject`` (anyone who may sign either side, or edit it: the owner withdraws it) returns a revision in review to draft with a
  required reason, clearing the sign-offs; the reason stays on the draft until it is resubmitted
  (and in the audit trail for good).
- ``start_revision`` copies an approved revision into revision + 1 as a draft, keeping
  provenance and alignment decisions.

After an approval commits, a coverage snapshot is taken with ``services.coverage.take_snapshot``
(reason "approval") when that module is available; a failure there never undoes the approval.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import SIDES, Course, CourseStandard, StandardVersion, User
from models.tables import utcnow
from services import audit, notifications
from services.actor import SYSTEM, Actor
from services.checks import check_content, framework_and_plan, summarize
from services.courses import owns_course
from services.db import session_scope
from services.errors import FieldError, PermissionDenied, ValidationFailed
from services.permissions import can, require
from services.standards import HEADER_FIELDS, copy_rows, invalid, load_standard, standard_content, write_version
from services.standards.create import new_standard_row
from services.versioning import apply_changes

log = logging.getLogger(__name__)
_SIGN_ACTION = {"school": "standard.sign_school", "enterprise": "standard.sign_enterprise"}


def _owner(session: Session, actor: Actor, standard: CourseStandard) -> bool:
    return owns_course(session, actor, standard.course_id)


def _wrote(session: Session, actor: Actor, standard: CourseStandard) -> bool:
    """True if ``actor`` created this revision or saved any version of it (its authors)."""
    if actor.id is None:
        return False
    if standard.created_by_id == actor.id:
        return True
    return session.exec(select(StandardVersion.id).where(StandardVersion.standard_id == standard.id,
                                                          StandardVersion.author_id == actor.id)).first() is not None


def _is_latest(session: Session, standard: CourseStandard) -> bool:
    latest = session.exec(select(CourseStandard.revision).where(CourseStandard.course_id == standard.course_id)
                          .order_by(CourseStandard.revision.desc())).first()
    return latest == standard.revision


def _expect_status(standard: CourseStandard, status: str) -> None:
    if standard.status != status:
        raise invalid(f"workflow.error.not_{status}",
                      f"revision {standard.revision} is {standard.status}, not {status}", field="status",
                      status=standard.status)


def _version_number(session: Session, standard_id: int) -> int:
    """The number of a revision's latest saved version (what history and "saved as version N" count)."""
    return session.exec(select(func.max(StandardVersion.number))
                        .where(StandardVersion.standard_id == standard_id)).one() or 0


def current_revisions(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """Each course's current standard revision (its latest), by course code: ``standard_id``,
    ``course_id``, ``course_code``, ``course_name``, ``revision``, ``status``, ``version_number``
    (latest saved version, as the editor shows it) and ``updated_at``."""
    from services.outline import code_sort_key

    with session_scope(engine) as session:
        rows = session.exec(select(CourseStandard, Course.code, Course.name)
                            .join(Course, Course.id == CourseStandard.course_id)
                            .where(Course.program_id == program_id)).all()
        latest: dict[int, tuple] = {}
        for standard, code, name in rows:
            if standard.course_id not in latest or standard.revision > latest[standard.course_id][0].revision:
                latest[standard.course_id] = (standard, code, name)
        out = [{"standard_id": s.id, "course_id": s.course_id, "course_code": code, "course_name": name,
                "revision": s.revision, "status": s.status, "version_number": _version_number(session, s.id),
                "updated_at": s.updated_at.isoformat() if s.updated_at else ""}
               for s, code, name in latest.values()]
    return sorted(out, key=lambda r: code_sort_key(r["course_code"]))


def _state(session: Session, standard: CourseStandard) -> dict[str, Any]:
    names = {u.id: u.display_name for u in session.exec(select(User).where(User.id.in_(
        {standard.school_signed_by_id, standard.enterprise_signed_by_id} - {None} or {-1}))).all()}

    def when(value):
        return value.isoformat() if value else None

    return {
        "standard_id": standard.id, "course_id": standard.course_id, "revision": standard.revision,
        "status": standard.status, "version": standard.version, "frozen": standard.status == "approved",
        "version_number": _version_number(session, standard.id),
        "is_latest": _is_latest(session, standard), "submitted_at": when(standard.submitted_at),
        "approved_at": when(standard.approved_at), "rejection_reason": standard.rejection_reason,
        "school_signed_by": names.get(standard.school_signed_by_id, ""),
        "school_signed_at": when(standard.school_signed_at),
        "enterprise_signed_by": names.get(standard.enterprise_signed_by_id, ""),
        "enterprise_signed_at": when(standard.enterprise_signed_at),
    }


def workflow_state(engine: Engine, *, standard_id: int) -> dict[str, Any]:
    """Status, version (the row's, for saves), ``version_number`` (latest saved version, for people),
    sign-offs (who, when), rejection reason and whether this is the latest revision."""
    with session_scope(engine) as session:
        return _state(session, load_standard(session, standard_id))


def allowed_actions(engine: Engine, *, actor: Actor, standard_id: int) -> dict[str, bool]:
    """What ``actor`` may do on this revision now, so a page shows only the buttons that will work.

    Keys: edit, restore, submit, sign_school, sign_enterprise, reject, start_revision, comment,
    propose_alignment, decide_alignments, view_audit.
    """
    from services.alignments import may_propose

    with session_scope(engine) as session:
        standard = load_standard(session, standard_id)
        owner = _owner(session, actor, standard)
        status = standard.status
        edit = status != "approved" and can(actor, "standard.edit", owns_course=owner)
        school = can(actor, "standard.sign_school", owns_course=owner, wrote=_wrote(session, actor, standard))
        enterprise = can(actor, "standard.sign_enterprise")
        may_send_back = school or enterprise or can(actor, "standard.edit", owns_course=owner)
        return {
            "edit": edit, "restore": edit,
            "submit": status == "draft" and can(actor, "standard.submit", owns_course=owner),
            "sign_school": status == "in_review" and standard.school_signed_by_id is None and school,
            "sign_enterprise": status == "in_review" and standard.enterprise_signed_by_id is None and enterprise,
            "reject": status == "in_review" and may_send_back,
            "start_revision": status == "approved" and _is_latest(session, standard)
            and can(actor, "standard.edit", owns_course=owner),
            "comment": can(actor, "comment.write"),
            "propose_alignment": status != "approved" and may_propose(session, actor, standard.course_id),
            "decide_alignments": status != "approved" and can(actor, "alignment.decide"),
            "view_audit": can(actor, "audit.view"),
        }


def _transition(session: Session, *, actor: Actor, standard: CourseStandard, expected_version: int,
                changes: dict[str, Any], action: str, summary: str) -> None:
    before = audit.snapshot(standard)
    apply_changes(session, standard, expected_version=expected_version, changes=changes)
    course = session.get(Course, standard.course_id)
    audit.record(session, actor=actor, entity_type="standard", entity_id=standard.id, action=action,
                 before=before, after=audit.snapshot(standard), program_id=course.program_id,
                 summary=f"{course.code} r{standard.revision} {summary}".strip())


_CLEAR_SIGNOFFS = {"school_signed_by_id": None, "school_signed_at": None,
                   "enterprise_signed_by_id": None, "enterprise_signed_at": None}


def submit(engine: Engine, *, actor: Actor, standard_id: int, expected_version: int) -> dict[str, Any]:
    """Send a draft for review. Refused (``workflow.error.checks_failed``, one error per failed
    blocking check, ``exc.findings`` holding all findings) when the checklist has errors.
    Returns the workflow state plus the ``checklist`` it ran."""
    with session_scope(engine) as session:
        standard = load_standard(session, standard_id)
        require(actor, "standard.submit", owns_course=_owner(session, actor, standard))
        _expect_status(standard, "draft")
        content = standard_content(session, standard_id)
        framework, plan = framework_and_plan(session, content)
        result = summarize(check_content(content, framework=framework, plan_codes=plan))
        if result["blocking"]:
            errors = [FieldError(field=f["target_id"] if isinstance(f["target_id"], str) else f["target_type"],
                                 message=f["key"], params={"key": f["key"], **f["params"]})
                      for f in result["findings"] if f["severity"] == "error"]
            exc = ValidationFailed(errors, "the checklist has errors: " + ", ".join(e.message for e in errors))
            exc.key, exc.params, exc.findings = "workflow.error.checks_failed", {"errors": len(errors)}, \
                result["findings"]
            raise exc
        _transition(session, actor=actor, standard=standard, expected_version=expected_version,
                    changes={"status": "in_review", "submitted_at": utcnow(), "rejection_reason": "",
                             **_CLEAR_SIGNOFFS},
                    action="submit", summary=f"submitted ({result['warnings']} warnings)")
        notifications.review_requested(session, actor=actor, standard=standard)
        return {**_state(session, standard), "checklist": result}


def sign(engine: Engine, *, actor: Actor, standard_id: int, expected_version: int,
         side: str | None = None) -> dict[str, Any]:
    """Sign a revision in review for ``side`` (default: the actor's side; only admins may sign for
    the other side). With both sides signed it is approved and frozen, then a coverage snapshot is
    taken. Returns the workflow state plus ``approved`` and ``coverage_snapshot`` (or ``None``)."""
    side = side or actor.side
    if side not in SIDES:
        raise invalid("workflow.error.side", f"side must be one of {', '.join(SIDES)}", field="side")
    if side != actor.side and not actor.is_admin:
        raise PermissionDenied(f"{actor.username} ({actor.side}) may not sign for the {side} side",
                               action=_SIGN_ACTION[side], role=actor.role)
    with session_scope(engine) as session:
        standard = load_standard(session, standard_id)
        owner = _owner(session, actor, standard)
        if side == "school":  # separation of duties: whoever wrote it or owns the course does not sign it
            require(actor, _SIGN_ACTION[side], owns_course=owner, wrote=_wrote(session, actor, standard))
        else:
            require(actor, _SIGN_ACTION[side], owns_course=owner)
        _expect_status(standard, "in_review")
        if getattr(standard, f"{side}_signed_by_id") is not None:
            raise invalid("workflow.error.already_signed", f"the {side} side has already signed", field=side,
                          side=side)
        now = utcnow()
        changes: dict[str, Any] = {f"{side}_signed_by_id": actor.id, f"{side}_signed_at": now}
        other = "enterprise" if side == "school" else "school"
        approved = getattr(standard, f"{other}_signed_by_id") is not None
        if approved:
            changes.update(status="approved", approved_at=now)
        _transition(session, actor=actor, standard=standard, expected_version=expected_version, changes=changes,
                    action=f"sign_{side}", summary=f"signed for the {side} side" + (": approved" if approved else ""))
        notifications.signoff_given(session, actor=actor, standard=standard, side=side)
        state = _state(session, standard)
        course = session.get(Course, standard.course_id)
        program_id, label = course.program_id, f"{course.code} r{standard.revision} approved"
    snapshot = _coverage_snapshot(engine, program_id=program_id, label=label) if approved else None
    return {**state, "approved": approved, "coverage_snapshot": snapshot}


def _coverage_snapshot(engine: Engine, *, program_id: int, label: str) -> dict[str, Any] | None:
    """Take the approval coverage snapshot if ``services.coverage`` offers it (after our commit)."""
    try:
        from services.coverage import take_snapshot
    except ImportError:
        return None
    try:
        # SYSTEM takes it: the approving mentor or faculty member may not take snapshots themselves
        return take_snapshot(engine, actor=SYSTEM, program_id=program_id, reason="approval", label=label)
    except Exception:
        log.exception("coverage snapshot after approval failed (programme %s)", program_id)
        return None


def reject(engine: Engine, *, actor: Actor, standard_id: int, expected_version: int, reason: str) -> dict[str, Any]:
    """Return a revision in review to draft with a reason (required), clearing the sign-offs."""
    reason = (reason or "").strip()
    if not reason:
        raise invalid("workflow.error.reason_required", "a rejection needs a reason", field="reason")
    with session_scope(engine) as session:
        standard = load_standard(session, standard_id)
        owner = _owner(session, actor, standard)
        if not (can(actor, "standard.sign_school") or can(actor, "standard.sign_enterprise")
                or can(actor, "standard.edit", owns_course=owner)):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not reject a standard",
                                   action="standard.reject", role=actor.role)
        _expect_status(standard, "in_review")
        _transition(session, actor=actor, standard=standard, expected_version=expected_version,
                    changes={"status": "draft", "rejection_reason": reason, "submitted_at": None, **_CLEAR_SIGNOFFS},
                    action="reject", summary=f"rejected: {reason[:300]}")
        return _state(session, standard)


def start_revision(engine: Engine, *, actor: Actor, standard_id: int) -> dict[str, Any]:
    """Copy the latest, approved revision into revision + 1 as a draft (provenance and alignment
    decisions kept). Returns ``{standard_id, revision, version, version_number, content}``."""
    with session_scope(engine) as session:
        source = load_standard(session, standard_id)
        require(actor, "standard.edit", owns_course=_owner(session, actor, source))
        _expect_status(source, "approved")
        if not _is_latest(session, source):
            raise invalid("workflow.error.not_latest", f"revision {source.revision} is not the latest revision",
                          field="revision", revision=source.revision)
        course = session.get(Course, source.course_id)
        revision = CourseStandard(**new_standard_row(course_id=source.course_id, created_by_id=actor.id,
                                                     revision=source.revision + 1,
                                                     **{f: getattr(source, f) for f in HEADER_FIELDS}))
        session.add(revision)
        session.flush()
        copy_rows(session, source=source, target=revision, actor=actor, keep_review=True)
        note = f"revision {revision.revision} from approved revision {source.revision}"
        audit.record(session, actor=actor, entity_type="standard", entity_id=revision.id, action="create",
                     after={**(audit.snapshot(revision) or {}), "copied_from": source.id},
                     program_id=course.program_id, summary=f"{course.code} {note}")
        number = write_version(session, actor=actor, standard=revision, note=note)
        return {"standard_id": revision.id, "revision": revision.revision, "version": revision.version,
                "version_number": number, "content": standard_content(session, revision.id)}
