"""Login sessions kept in the database, so a browser reload and every app process see the same login.

The browser holds an opaque random token (``secrets.token_urlsafe``); the database holds only its
SHA-256, the user and when the session was last seen. A session ends at logout, when the user
logs in again (rotation), when it has been idle longer than ``COSTANDARD_SESSION_IDLE_HOURS``
(default 8) or when its user is deactivated. Resolving a token also reads the user's current
role and active flag, so a demotion applies on the next script run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import User, UserSession
from services.actor import Actor
from services.db import session_scope

IDLE_ENV = "COSTANDARD_SESSION_IDLE_HOURS"
DEFAULT_IDLE_HOURS = 8.0
TOKEN_BYTES = 32
# last_seen_at is written at most this often, so a busy page costs no write per script run
TOUCH_INTERVAL = timedelta(minutes=1)

log = logging.getLogger(__name__)


def idle_timeout() -> timedelta:
    """How long an unused session stays valid: ``COSTANDARD_SESSION_IDLE_HOURS`` hours (default 8)."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    if not raw:
        return timedelta(hours=DEFAULT_IDLE_HOURS)
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    if not hours > 0:
        log.warning("%s=%r is not a positive number of hours; using %s", IDLE_ENV, raw, DEFAULT_IDLE_HOURS)
        return timedelta(hours=DEFAULT_IDLE_HOURS)
    return timedelta(hours=hours)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256); the token itself never reaches the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _insert(session: Session, user_id: int, now: datetime) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(UserSession(token_hash=hash_token(token), user_id=user_id, created_at=now, last_seen_at=now))
    # keep the table small: whoever logs in sweeps the sessions that have idled out
    session.execute(delete(UserSession).where(UserSession.last_seen_at < now - idle_timeout()))
    return token


def create_session(engine: Engine, *, user_id: int, now: datetime | None = None) -> str:
    """Start a session for ``user_id``; returns the new token (shown to the browser once, never stored)."""
    with session_scope(engine) as session:
        return _insert(session, user_id, _now(now))


def rotate_session(engine: Engine, *, user_id: int, old_token: str | None, now: datetime | None = None) -> str:
    """At login: drop the browser's previous session (if any) and start a fresh one in one transaction."""
    with session_scope(engine) as session:
        if old_token:
            session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(old_token)))
        return _insert(session, user_id, _now(now))


def resolve_session(engine: Engine, *, token: str | None, now: datetime | None = None) -> Actor | None:
    """The user behind ``token`` with their current role, or ``None`` if the session is unknown or over.

    One indexed read joins the session to its user; an idle-expired session or one whose user
    was deactivated is deleted on the spot. ``last_seen_at`` moves at most once a minute.
    """
    if not token:
        return None
    now = _now(now)
    with session_scope(engine) as session:
        row = session.execute(
            select(UserSession.id, UserSession.last_seen_at, User.id, User.username, User.display_name, User.role,
                   User.side, User.is_active)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == hash_token(token))
        ).first()
        if row is None:
            return None
        session_id, last_seen, user_id, username, display_name, role, side, is_active = row
        if not is_active:
            end_all_in(session, user_id=user_id)
            return None
        last_seen = _aware(last_seen)
        if now - last_seen > idle_timeout():
            session.execute(delete(UserSession).where(UserSession.id == session_id))
            return None
        if now - last_seen >= TOUCH_INTERVAL:
            session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
        return Actor(id=user_id, username=username, display_name=display_name, role=role, side=side)


def end_session(engine: Engine, *, token: str | None) -> None:
    """Logout: the session behind ``token`` stops working in every tab and process."""
    if not token:
        return
    with session_scope(engine) as session:
        session.execute(delete(UserSession).where(UserSession.token_hash == hash_token(token)))


def end_all_in(session: Session, *, user_id: int) -> int:
    """``end_all_sessions`` inside a caller's transaction (the user update that deactivates)."""
    return session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount or 0


def end_all_sessions(engine: Engine, *, user_id: int) -> int:
    """End every session of ``user_id`` (deactivation, password reset); returns how many ended."""
    with session_scope(engine) as session:
        return end_all_in(session, user_id=user_id)


def count_sessions(engine: Engine, *, user_id: int) -> int:
    """How many sessions ``user_id`` has open (for tests and the users page)."""
    with session_scope(engine) as session:
        return len(session.execute(select(UserSession.id).where(UserSession.user_id == user_id)).all())
