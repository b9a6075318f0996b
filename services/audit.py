"""Audit trail: every change leaves who, when, what, before → after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel

from models import AuditEvent
from services.actor import Actor

_SKIP = {"password_hash"}


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe dict of a row's columns (no secrets), for before/after records."""
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key, value in row.model_dump().items():
        if key in _SKIP:
            continue
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        out[key] = value
    return out


def record(
    session: Session,
    *,
    actor: Actor,
    entity_type: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    program_id: int | None = None,
    summary: str = "",
) -> AuditEvent:
    """Add one audit event to the current transaction."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)} - {"version", "updated_at"}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    event = AuditEvent(**new_event_row(user_id=actor.id, username=actor.username, program_id=program_id,
                                       entity_type=entity_type, entity_id=entity_id, action=action,
                                       summary=summary, before=before, after=after))
    session.add(event)
    return event


def new_event_row(*, entity_type: str, action: str, user_id: int | None = None, username: str = "",
                  entity_id: int | None = None, program_id: int | None = None, summary: str = "",
                  before: dict[str, Any] | None = None, after: Any = None, **kept: Any) -> dict[str, Any]:
    """The columns of an audit event, the one rule for ``record``, the import's one event and a failed login:
    the username and summary cut to their columns (an audit line never fails a change); ``at`` kept when
    given. Pure: no session."""
    return {"user_id": user_id, "username": (username or "")[:64], "program_id": program_id,
            "entity_type": entity_type, "entity_id": entity_id, "action": action, "summary": (summary or "")[:500],
            "before": before, "after": after, **{k: v for k, v in kept.items() if k == "at" and v is not None}}
