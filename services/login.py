"""Logging in: credentials checked in equal time, failed attempts throttled per account and per address.

Every failed login counts against the account name typed (whether that account exists or not, so
the answer tells nothing about which names are real) and against the client address. A few failures
are free; then each one makes the next attempt wait longer (2, 4, 8 … up to 60 seconds) and, at
``LOCK_AFTER`` failures, the account name or address is locked for ``LOCK_MINUTES``. The counters
live in the ``login_attempt`` table, so every app process on the same database shares them; a
counter whose last failure is older than ``WINDOW`` starts again. A successful login clears the
account's counter (not the address's: one valid account must not unlock guessing at others).
Every failure is audited (entity ``login``, action ``failed``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import AuditEvent, LoginAttempt
from services import audit
from services.actor import Actor
from services.db import retry_transient, session_scope
from services.errors import DomainError
from services.users import authenticate

TRUSTED_PROXIES_ENV = "COSTANDARD_TRUSTED_PROXIES"
WINDOW = timedelta(minutes=15)
LOCK_MINUTES = 15
MAX_DELAY_SECONDS = 60


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures before the first delay
    lock_after: int  # failures that lock for LOCK_MINUTES


# one address may hold many users (a school behind one NAT): it gets more room than one account name
POLICIES = {"account": Policy(free_failures=3, lock_after=10), "address": Policy(free_failures=10, lock_after=30)}


class LoginFailed(DomainError):
    """Wrong username or password (the same answer for an unknown name and a wrong password)."""

    key = "login.failed"


class LoginThrottled(DomainError):
    """Too many failed logins: no password is checked until ``retry_after`` seconds have passed."""

    key = "login.throttled"

    def __init__(self, message: str = "", *, retry_after: int, locked: bool) -> None:
        super().__init__(message or f"too many failed logins; try again in {retry_after} s",
                         key="login.locked" if locked else "login.throttled",
                         minutes=max(1, math.ceil(retry_after / 60)), seconds=retry_after)
        self.retry_after = retry_after
        self.locked = locked


def account_key(username: str) -> str:
    """The throttling key of a typed account name (case and surrounding spaces do not make a new one)."""
    return username.strip().casefold()[:128]


def client_address(peer: str | None, forwarded_for: str | None, trusted: str | None = None) -> str | None:
    """The client's address: the connecting peer, or, when that peer is one of the trusted proxies
    (``COSTANDARD_TRUSTED_PROXIES``, comma-separated), the right-most X-Forwarded-For entry that is not
    a trusted proxy itself. Without a trusted proxy the header is ignored (a client could write it)."""
    if trusted is None:
        trusted = os.environ.get(TRUSTED_PROXIES_ENV, "")
    proxies = {p.strip() for p in trusted.split(",") if p.strip()}
    if not peer or peer not in proxies or not forwarded_for:
        return peer or None
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in proxies:
            return hop[:128]
    return peer


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _delay(policy: Policy, failures: int) -> tuple[timedelta | None, bool]:
    """How long the next attempt waits after ``failures`` failures, and whether that is a lock."""
    if failures >= policy.lock_after:
        return timedelta(minutes=LOCK_MINUTES), True
    if failures <= policy.free_failures:
        return None, False
    return timedelta(seconds=min(2 ** (failures - policy.free_failures), MAX_DELAY_SECONDS)), False


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", account_key(username))]
    if address:
        keys.append(("address", address[:128]))
    return keys


def _blocked(session: Session, keys: list[tuple[str, str]], now: datetime) -> LoginThrottled | None:
    longest: tuple[int, bool] | None = None
    for scope, key in keys:
        row = session.execute(
            select(LoginAttempt.blocked_until, LoginAttempt.failures)
            .where(LoginAttempt.scope == scope, LoginAttempt.key == key)
        ).first()
        until = _aware(row[0]) if row else None
        if until is not None and until > now:
            wait = math.ceil((until - now).total_seconds())
            locked = row[1] >= POLICIES[scope].lock_after
            if longest is None or wait > longest[0]:
                longest = (wait, locked)
    return LoginThrottled(retry_after=longest[0], locked=longest[1]) if longest else None


def _count_failure(session: Session, scope: str, key: str, now: datetime) -> int:
    """Add one failure atomically (an upsert, so two processes never lose a count); returns the new count."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = LoginAttempt.__table__
    stmt = insert(table).values(scope=scope, key=key, failures=1, last_failed_at=now, blocked_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.key],
        set_={"failures": case((table.c.last_failed_at < now - WINDOW, 1), else_=table.c.failures + 1),
              "last_failed_at": now},
    ).returning(table.c.failures)
    failures = session.execute(stmt).scalar_one()
    delay, _locked = _delay(POLICIES[scope], failures)
    session.execute(table.update().where(table.c.scope == scope, table.c.key == key)
                    .values(blocked_until=now + delay if delay else None))
    return failures


@retry_transient
def log_in(engine: Engine, *, username: str, password: str, address: str | None = None,
           now: datetime | None = None) -> Actor:
    """The actor for valid credentials of an active user.

    Raises ``LoginThrottled`` (nothing checked) while the account name or the address must wait,
    ``LoginFailed`` for wrong credentials (counted, audited; carries ``retry_after`` when this failure
    started a wait). An unknown name costs the same password hashing as a known one.
    """
    now = now or datetime.now(UTC)
    keys = _keys(username, address)
    with session_scope(engine) as session:
        blocked = _blocked(session, keys, now)
    if blocked is not None:
        raise blocked
    actor = authenticate(engine, username=username, password=password)
    with session_scope(engine) as session:
        if actor is not None:
            session.execute(delete(LoginAttempt).where(LoginAttempt.scope == "account",
                                                       LoginAttempt.key == account_key(username)))
            return actor
        for scope, key in keys:
            _count_failure(session, scope, key, now)
        session.add(AuditEvent(**audit.new_event_row(username=username.strip(), entity_type="login", action="failed",
                                                     summary=f"address {address or 'unknown'}")))
        blocked = _blocked(session, keys, now)
    if blocked is not None:
        raise LoginFailed("wrong username or password", key="login.failed_locked" if blocked.locked else "login.failed_wait",
                          minutes=blocked.params["minutes"],
                          seconds=blocked.retry_after)
    raise LoginFailed("wrong username or password")


def clear_attempts(engine: Engine, *, username: str | None = None, address: str | None = None) -> int:
    """Unlock an account name and/or an address (for an admin or a test); returns how many counters went."""
    keys = ([("account", account_key(username))] if username else []) + ([("address", address)] if address else [])
    with session_scope(engine) as session:
        return sum(session.execute(delete(LoginAttempt).where(LoginAttempt.scope == s, LoginAttempt.key == k)).rowcount
                   or 0 for s, k in keys)
