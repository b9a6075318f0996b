"""Notifications: short messages to one user, shown in their language, read or unread.

A notification is written in the same transaction as the change it reports (``notify`` takes
the open session), so nobody is told about a change that was rolled back. The first kind is
``signoff_cleared``: a save or decision during review cleared someone's signature. The inbox
page (a later issue) lists them; the sidebar shows the unread count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Course, CourseStandard, Notification
from models.tables import utcnow
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, PermissionDenied


def notify(session: Session, *, user_id: int, kind: str, key: str, params: dict[str, Any] | None = None,
           entity_type: str = "", entity_id: int | None = None, program_id: int | None = None,
           actor: Actor | None = None) -> Notification:
    """Add a notification for ``user_id`` inside the caller's transaction; returns the row."""
    row = Notification(user_id=user_id, kind=kind, key=key, params=dict(params or {}), entity_type=entity_type,
                       entity_id=entity_id, program_id=program_id, created_by_id=actor.id if actor else None)
    session.add(row)
    return row


def create_notification(engine: Engine, *, user_id: int, kind: str, key: str, params: dict[str, Any] | None = None,
                        entity_type: str = "", entity_id: int | None = None, program_id: int | None = None,
                        actor: Actor | None = None) -> dict[str, Any]:
    """Create one notification in its own transaction; returns it as a dict."""
    with session_scope(engine) as session:
        row = notify(session, user_id=user_id, kind=kind, key=key, params=params, entity_type=entity_type,
                     entity_id=entity_id, program_id=program_id, actor=actor)
        session.flush()
        return _as_dict(row)


def signoffs_cleared(session: Session, *, actor: Actor, standard: CourseStandard) -> list[int]:
    """Tell each signer of ``standard`` (before its signatures are cleared) that ``actor``'s change
    cleared their signature; nobody is told about their own change. Returns the users notified."""
    course = session.get(Course, standard.course_id)
    notified = []
    for side in ("school", "enterprise"):
        signer = getattr(standard, f"{side}_signed_by_id")
        if signer is None or signer == actor.id:
            continue
        notify(session, user_id=signer, kind="signoff_cleared", key="notification.signoff_cleared",
               params={"course": course.code, "revision": standard.revision, "side": side,
                       "by": actor.display_name},
               entity_type="standard", entity_id=standard.id, program_id=course.program_id, actor=actor)
        notified.append(signer)
    return notified


def _as_dict(row: Notification) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "program_id": row.program_id, "kind": row.kind, "key": row.key,
            "params": dict(row.params or {}), "entity_type": row.entity_type, "entity_id": row.entity_id,
            "created_by_id": row.created_by_id, "created_at": row.created_at.isoformat() if row.created_at else None,
            "read": row.read_at is not None}


def list_notifications(engine: Engine, *, actor: Actor, unread_only: bool = False) -> list[dict[str, Any]]:
    """``actor``'s notifications, newest first (``read`` says whether each was marked read)."""
    with session_scope(engine) as session:
        query = select(Notification).where(Notification.user_id == actor.id)
        if unread_only:
            query = query.where(Notification.read_at == None)  # noqa: E711
        rows = session.exec(query.order_by(Notification.created_at.desc(), Notification.id.desc())).all()
        return [_as_dict(r) for r in rows]


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
        return _as_dict(row)
