"""Notifications: short messages to one user, shown in their language, read or unread.

A notification is written in the same transaction as the change it reports (every event
function below takes the open session), so nobody is told about a change that was rolled back.
Each event is one call from the service that makes the change; who hears about it is decided
here and nowhere else:

| kind | sent by | recipients |
|---|---|---|
| ``alignment_decided`` | ``services.alignments.decide_alignment`` | the proposer |
| ``comment`` | ``services.comments.add_comment`` | the owners of the commented course |
| ``reply`` | ``services.comments.reply`` | everyone who wrote in the thread |
| ``review_requested`` | ``services.workflow.submit`` | active leads and mentors (the signing sides) |
| ``signoff_given`` | ``services.workflow.sign`` | the course owners and the revision's author |
| ``signoff_cleared`` | ``services.standards`` (save / content change in review) | the signers |
| ``import_changed`` | ``services.importing.commit.apply_plan`` | the owners of the courses it changed |
| ``rating_changed`` | ``services.framework.update_node`` | users who rated the competency |

Nobody is told about their own change. Dedupe: a user holds at most one *unread* notification
per kind and record; a new event on it refreshes that one (text, time, author) instead of
piling up. Each notification links to its record (``link``: page slug and query, e.g.
``standards?course=ZH3021``). The last visit per user and programme (``last_visit``) lets Home
say what happened since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Comment, Competency, Course, CourseOwner, CourseStandard, LastVisit, Notification, Program, User
from models.tables import utcnow
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, PermissionDenied

KINDS = ("alignment_decided", "comment", "reply", "review_requested", "signoff_given", "signoff_cleared",
         "import_changed", "rating_changed")


# --------------------------------------------------------------------------- writing


def notify(session: Session, *, user_id: int, kind: str, key: str, params: dict[str, Any] | None = None,
           entity_type: str = "", entity_id: int | None = None, program_id: int | None = None,
           actor: Actor | None = None) -> Notification:
    """Add (or refresh: same user, kind and record, still unread) a notification for ``user_id``
    inside the caller's transaction; returns the row."""
    row = None
    if entity_id is not None:
        row = session.exec(select(Notification).where(
            Notification.user_id == user_id, Notification.kind == kind, Notification.entity_type == entity_type,
            Notification.entity_id == entity_id, Notification.read_at == None)).first()  # noqa: E711
    if row is None:
        row = Notification(user_id=user_id, kind=kind, entity_type=entity_type, entity_id=entity_id)
    row.key, row.params, row.program_id = key, dict(params or {}), program_id
    row.created_by_id, row.created_at = (actor.id if actor else None), utcnow()
    session.add(row)
    return row


def _send(session: Session, recipients: Iterable[int | None], *, actor: Actor | None, kind: str,
          params: dict[str, Any], entity_type: str, entity_id: int | None, program_id: int | None) -> list[int]:
    """One notification per recipient (active users, never the actor); returns who was told."""
    ids = {r for r in recipients if r is not None and (actor is None or r != actor.id)}
    if not ids:
        return []
    active = set(session.exec(select(User.id).where(User.id.in_(ids), User.is_active == True)).all())  # noqa: E712
    by = actor.display_name if actor else ""
    for user_id in sorted(active):
        notify(session, user_id=user_id, kind=kind, key=f"notification.{kind}", params={"by": by, **params},
               entity_type=entity_type, entity_id=entity_id, program_id=program_id, actor=actor)
    return sorted(active)


def _owners(session: Session, course_id: int) -> list[int]:
    return list(session.exec(select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)).all())


def create_notification(engine: Engine, *, user_id: int, kind: str, key: str, params: dict[str, Any] | None = None,
                        entity_type: str = "", entity_id: int | None = None, program_id: int | None = None,
                        actor: Actor | None = None) -> dict[str, Any]:
    """Create one notification in its own transaction; returns it as a dict."""
    with session_scope(engine) as session:
        row = notify(session, user_id=user_id, kind=kind, key=key, params=params, entity_type=entity_type,
                     entity_id=entity_id, program_id=program_id, actor=actor)
        session.flush()
        return _as_dict(row, {})


def signoffs_cleared(session: Session, *, actor: Actor, standard: CourseStandard) -> list[int]:
    """Tell each signer of ``standard`` (before its signatures are cleared) that ``actor``'s change
    cleared their signature; nobody is told about their own change. Returns the users notified."""
    course = session.get(Course, standard.course_id)
    notified = []
    for side in ("school", "enterprise"):
        signer = getattr(standard, f"{side}_signed_by_id")
        notified += _send(session, [signer], actor=actor, kind="signoff_cleared",
                          params={"course": course.code, "revision": standard.revision, "side": side},
                          entity_type="standard", entity_id=standard.id, program_id=course.program_id)
    return notified


def alignment_decided(session: Session, *, actor: Actor, alignment: Any, competency: Competency) -> list[int]:
    """Tell the proposer of ``alignment`` how it was decided (status and reason)."""
    course = session.get(Course, alignment.course_id)
    return _send(session, [alignment.proposed_by_id], actor=actor, kind="alignment_decided",
                 params={"course": course.code, "code": competency.code, "status": alignment.status,
                         "reason": alignment.reason or "—"},
                 entity_type="alignment", entity_id=alignment.id, program_id=course.program_id)


def _comment_course(session: Session, comment: Comment) -> int | None:
    """The course a comment is about (``None`` for a competency thread)."""
    from models import Alignment, LearningUnit, Objective

    kind, entity_id = comment.entity_type, comment.entity_id
    if kind == "alignment":
        alignment = session.get(Alignment, entity_id)
        return alignment.course_id if alignment else None
    if kind in ("unit", "objective"):
        row = session.get(LearningUnit if kind == "unit" else Objective, entity_id)
        entity_id = row.standard_id if row else None
    elif not (kind == "standard" or kind.startswith("section:")):
        return None
    standard = session.get(CourseStandard, entity_id) if entity_id is not None else None
    return standard.course_id if standard else None


def comment_added(session: Session, *, actor: Actor, comment: Comment) -> list[int]:
    """A new thread: tell the owners of the commented course (a competency thread has none)."""
    course_id = _comment_course(session, comment)
    if course_id is None:
        return []
    course = session.get(Course, course_id)
    return _send(session, _owners(session, course_id), actor=actor, kind="comment",
                 params={"course": course.code, "body": comment.body[:120]},
                 entity_type="comment", entity_id=comment.id, program_id=course.program_id)


def reply_added(session: Session, *, actor: Actor, root: Comment, answer: Comment) -> list[int]:
    """A reply: tell everyone who wrote in the thread before (one notification per thread)."""
    course_id = _comment_course(session, root)
    writers = session.exec(select(Comment.author_id).where(
        (Comment.id == root.id) | (Comment.parent_id == root.id))).all()
    course = session.get(Course, course_id) if course_id is not None else None
    return _send(session, writers, actor=actor, kind="reply",
                 params={"course": course.code if course else "", "body": answer.body[:120]},
                 entity_type="comment", entity_id=root.id, program_id=root.program_id)


def review_requested(session: Session, *, actor: Actor, standard: CourseStandard) -> list[int]:
    """A revision went to review: tell the people who sign it (active leads and mentors)."""
    course = session.get(Course, standard.course_id)
    signers = session.exec(select(User.id).where(User.role.in_(("lead", "mentor")))).all()
    return _send(session, signers, actor=actor, kind="review_requested",
                 params={"course": course.code, "revision": standard.revision},
                 entity_type="standard", entity_id=standard.id, program_id=course.program_id)


def signoff_given(session: Session, *, actor: Actor, standard: CourseStandard, side: str) -> list[int]:
    """A side signed: tell the course owners and whoever created the revision."""
    course = session.get(Course, standard.course_id)
    return _send(session, [*_owners(session, course.id), standard.created_by_id], actor=actor,
                 kind="signoff_given",
                 params={"course": course.code, "revision": standard.revision, "side": side,
                         "approved": standard.status == "approved"},
                 entity_type="standard", entity_id=standard.id, program_id=course.program_id)


def import_changed(session: Session, *, actor: Actor, program_id: int, course_codes: Iterable[str],
                   filename: str) -> list[int]:
    """An import changed courses (their rows, standards or alignments): tell each owner once per course."""
    codes = sorted(set(course_codes))
    if not codes:
        return []
    told: list[int] = []
    for course in session.exec(select(Course).where(Course.program_id == program_id, Course.code.in_(codes))).all():
        told += _send(session, _owners(session, course.id), actor=actor, kind="import_changed",
                      params={"course": course.code, "file": filename},
                      entity_type="course", entity_id=course.id, program_id=program_id)
    return told


def rating_changed(session: Session, *, actor: Actor, competency: Competency) -> list[int]:
    """A competency changed: tell the users who rated it."""
    from models import Rating

    raters = session.exec(select(Rating.rater_user_id).where(Rating.competency_id == competency.id)).all()
    return _send(session, raters, actor=actor, kind="rating_changed", params={"code": competency.code},
                 entity_type="competency", entity_id=competency.id, program_id=competency.program_id)


# --------------------------------------------------------------------------- reading


def _links(session: Session, rows: list[Notification]) -> dict[int, dict[str, Any]]:
    """notification id → ``{"page": slug, "query": {...}}``: the record it is about, by stable codes."""
    programs = dict(session.exec(select(Program.id, Program.code)).all())
    out = {}
    for row in rows:
        query = {"program": programs[row.program_id]} if row.program_id in programs else {}
        params = row.params or {}
        if row.entity_type == "competency":
            out[row.id] = {"page": "competencies", "query": {**query, "code": params.get("code", "")}}
        elif row.entity_type == "course":
            out[row.id] = {"page": "courses", "query": {**query, "course": params.get("course", "")}}
        elif params.get("course"):
            out[row.id] = {"page": "standards", "query": {**query, "course": params["course"]}}
        else:
            out[row.id] = {"page": "review", "query": query}
    return out


def _as_dict(row: Notification, links: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "program_id": row.program_id, "kind": row.kind, "key": row.key,
            "params": dict(row.params or {}), "entity_type": row.entity_type, "entity_id": row.entity_id,
            "created_by_id": row.created_by_id, "created_at": row.created_at.isoformat() if row.created_at else None,
            "read": row.read_at is not None, "link": links.get(row.id)}


def list_notifications(engine: Engine, *, actor: Actor, unread_only: bool = False,
                       program_id: int | None = None) -> list[dict[str, Any]]:
    """``actor``'s notifications, newest first (``read`` says whether each was marked read, ``link``
    where its record is); ``program_id`` keeps one programme's."""
    with session_scope(engine) as session:
        query = select(Notification).where(Notification.user_id == actor.id)
        if unread_only:
            query = query.where(Notification.read_at == None)  # noqa: E711
        if program_id is not None:
            query = query.where(Notification.program_id == program_id)
        rows = list(session.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())).all())
        links = _links(session, rows)
        return [_as_dict(r, links) for r in rows]


def unread_count(engine: Engine, *, actor: Actor) -> int:
    """How many of ``actor``'s notifications are unread."""
    if actor.id is None:
        return 0
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(Notification).where(
            Notification.user_id == actor.id, Notification.read_at == None)).one()  # noqa: E711


def mark_read(engine: Engine, *, actor: Actor, notification_id: int) -> dict[str, Any]:
    """Mark one of ``actor``'s own notifications read (someone else's: ``PermissionDenied``)."""
    with session_scope(engine) as session:
        row = session.get(Notification, notification_id)
        if row is None:
            raise NotFound(f"notification {notification_id} not found")
        if row.user_id != actor.id:
            raise PermissionDenied(f"{actor.username} may not read another user's notifications",
                                   action="notification.read", role=actor.role)
        if row.read_at is None:
            row.read_at = utcnow()
            session.add(row)
        session.flush()
        return _as_dict(row, _links(session, [row]))


def mark_all_read(engine: Engine, *, actor: Actor) -> int:
    """Mark all of ``actor``'s unread notifications read; returns how many."""
    with session_scope(engine) as session:
        result = session.exec(update(Notification).where(
            Notification.user_id == actor.id, Notification.read_at == None)  # noqa: E711
            .values(read_at=utcnow()))
        return result.rowcount or 0


# --------------------------------------------------------------------------- last visits


def begin_visit(engine: Engine, *, actor: Actor, program_id: int) -> datetime | None:
    """Record that ``actor`` opens ``program_id`` now; returns their previous visit (``None``: first)."""
    with session_scope(engine) as session:
        row = session.get(LastVisit, (actor.id, program_id))
        previous = row.visited_at if row else None
        # one statement that inserts or updates: the same account opening the programme in two tabs or
        # on two servers at once must not meet the primary key (an insert after a read both saw empty)
        dialect = session.get_bind().dialect.name
        upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(LastVisit.__table__)
        now = utcnow()
        session.execute(upsert.values(user_id=actor.id, program_id=program_id, visited_at=now)
                        .on_conflict_do_update(index_elements=["user_id", "program_id"], set_={"visited_at": now}))
        return previous


def since(engine: Engine, *, actor: Actor, program_id: int, after: datetime | None) -> dict[str, Any]:
    """What happened in a programme since ``after`` for ``actor``: ``notifications`` (theirs, by kind)
    and ``changes`` (audit events by other people)."""
    from models import AuditEvent

    with session_scope(engine) as session:
        notes = select(Notification.kind, func.count()).where(
            Notification.user_id == actor.id, Notification.program_id == program_id)
        events = select(func.count()).select_from(AuditEvent).where(AuditEvent.program_id == program_id)
        if actor.id is not None:
            events = events.where((AuditEvent.user_id != actor.id) | (AuditEvent.user_id == None))  # noqa: E711
        if after is not None:
            notes = notes.where(Notification.created_at > after)
            events = events.where(AuditEvent.at > after)
        kinds = dict(session.exec(notes.group_by(Notification.kind)).all())
        return {"since": after.isoformat() if after else None, "notifications": kinds,
                "changes": session.exec(events).one()}


def text_of(note: dict[str, Any], lang: str) -> str:
    """A notification's message in ``lang`` (status and side values shown by their labels)."""
    from services.i18n import label, translate

    params = dict(note["params"])
    if "status" in params:
        params["status"] = label("alignment_status", params["status"], lang)
    if "side" in params:
        params["side"] = label("side", params["side"], lang)
    key = note["key"]
    if key == "notification.alignment_decided" and params.get("reason") in (None, "", "—"):
        key = "notification.alignment_decided_plain"  # an acceptance without a reason says no "Reason: —"
    text = translate(key, lang, **params)
    if params.get("approved"):
        text += " " + translate("notification.approved", lang)
    return text
