"""One engine per process, one short session per action.

``DATABASE_URL`` selects the database; the default is a SQLite file under ``var/``
(git-ignored) in WAL mode with foreign keys on and a busy timeout, so several readers and
one writer work side by side. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlmodel import Session, create_engine

from services.errors import Busy, DatabaseUnavailable

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# deadlock_detected, serialization_failure, lock_not_available (PostgreSQL SQLSTATE codes)
TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}
RETRY_ATTEMPTS = 3

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "costandard.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit argument, then ``DATABASE_URL``, then the SQLite default."""
    return url or os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised via engine use
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create an engine for ``url`` with the settings every CoStandard process uses."""
    from services import textguard

    textguard.install()  # every ORM write: control characters out, field lengths checked
    raw = database_url(url)
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"DATABASE_URL is not a valid database URL: {raw!r}", url=raw) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                parsed, echo=echo, connect_args={"check_same_thread": False, "timeout": 15}
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(
                parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10,
                connect_args={"connect_timeout": 5},
            )
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(f"Unsupported database driver in {safe_url(raw)}: {exc}", url=raw) from exc
    return engine


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def check_connection(engine: Engine) -> None:
    """Raise ``DatabaseUnavailable`` with one clear sentence if the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"Cannot connect to the database {safe_url(str(engine.url))}: {reason}",
            url=safe_url(str(engine.url)), reason=reason,
        ) from exc


# SQLite messages that mean the file cannot be used right now (moved, unmounted, permissions, full disk)
_SQLITE_OUTAGE_MESSAGES = ("unable to open database file", "disk i/o error", "database or disk is full",
                           "attempt to write a readonly database")


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached or used at the moment (server down, network,
    SQLite file unavailable), as opposed to a bug or bad input: the UI then says so and keeps the user's input."""
    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, SATimeoutError):  # no pooled connection came free: the server does not answer
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, (InterfaceError,)):
        return True
    orig = exc.orig
    try:
        import psycopg

        if isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError)):
            return True
    except ImportError:  # pragma: no cover - SQLite-only installs
        pass
    return isinstance(exc, OperationalError) and any(m in str(orig).lower() for m in _SQLITE_OUTAGE_MESSAGES)


def schema_is_current(engine: Engine) -> bool:
    """True when the database has been migrated (the ``program`` table exists)."""
    return inspect(engine).has_table("program")


# the transaction of an open ``unit_of_work``: (engine, session), or None
_UNIT: ContextVar[tuple[Engine, Session] | None] = ContextVar("costandard_unit_of_work", default=None)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on any error.

    Inside ``unit_of_work(engine)`` it joins that transaction instead: it flushes on success and
    leaves the commit (or the rollback of everything, on an error) to the unit.
    """
    unit = _UNIT.get()
    if unit is not None and unit[0] is engine:
        yield unit[1]
        unit[1].flush()
        return
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Several service calls that must land together or not at all (one user action made of several
    records' writes, e.g. a Word import that creates the course, its first revision and its content):
    every ``session_scope`` opened inside joins this one transaction, so each record's owning module
    keeps its rules and the whole action still commits once."""
    unit = _UNIT.get()
    if unit is not None and unit[0] is engine:
        yield unit[1]
        return
    with session_scope(engine) as session:
        token = _UNIT.set((engine, session))
        try:
            yield session
        finally:
            _UNIT.reset(token)


def in_unit_of_work() -> bool:
    return _UNIT.get() is not None


def transient_reason(exc: BaseException) -> str | None:
    """Why a database error is worth one more try (deadlock, serialization failure, SQLite
    "database is locked"), or ``None`` when retrying would not help."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in TRANSIENT_SQLSTATES:
        return code
    if isinstance(exc, OperationalError) and "database is locked" in str(orig):
        return "sqlite_locked"
    return None


def retry_transient(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function again (up to ``RETRY_ATTEMPTS`` times, short random back-off) when
    its transaction failed for a transient reason; then raise ``Busy`` instead of a driver error.

    Only for functions that run their own ``session_scope`` transactions: a failed attempt has
    rolled back completely, so running it again (version checks included) is safe.
    """
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if in_unit_of_work():  # a failed statement spoilt the unit's transaction: the unit is retried whole
            return fn(*args, **kwargs)
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                reason = transient_reason(exc)
                if reason is None:
                    raise
                if attempt == RETRY_ATTEMPTS:
                    raise Busy(f"{fn.__name__}: the database stayed busy ({reason})", reason=reason) from exc
                log.warning("retry %s after %s (attempt %d of %d)", fn.__name__, reason, attempt, RETRY_ATTEMPTS)
                time.sleep(random.uniform(0.02, 0.1) * attempt)
        raise AssertionError("unreachable")
    return wrapper
