"""Engine set-up, connection errors and transactions."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import Program
from services.db import check_connection, make_engine, schema_is_current, session_scope
from services.errors import DatabaseUnavailable


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine):
    """The embedded default: WAL journal, foreign keys enforced, a busy timeout."""
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_unreachable_postgresql_gives_one_clear_message():
    """A wrong DATABASE_URL is a sentence naming the URL, not a traceback."""
    engine = make_engine("postgresql://postgres:secret@127.0.0.1:1/nowhere")
    with pytest.raises(DatabaseUnavailable) as info:
        check_connection(engine)
    message = str(info.value)
    assert "Cannot connect to the database" in message and "127.0.0.1:1" in message
    assert "secret" not in message


@pytest.mark.parametrize("url", ["not a url", "foo://bar"])
def test_malformed_database_url_is_rejected(url):
    """Garbage URLs and unknown drivers raise DatabaseUnavailable."""
    with pytest.raises(DatabaseUnavailable):
        make_engine(url)


def test_session_scope_rolls_back_on_error(engine):
    """A failing action leaves nothing behind."""
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Program(code="X1", name="x"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.exec(select(Program)).all() == []


def test_schema_is_current_after_migration(engine):
    assert schema_is_current(engine)


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_transient_failures_are_retried_a_few_times_then_reported_as_busy(caplog):
    """A deadlock is retried (bounded); one that keeps coming back is Busy; other errors pass through."""
    import pytest
    from sqlalchemy.exc import IntegrityError, OperationalError

    from services.db import RETRY_ATTEMPTS, retry_transient
    from services.errors import Busy

    calls = []

    @retry_transient
    def flaky(fail_times: int) -> str:
        calls.append(1)
        if len(calls) <= fail_times:
            raise OperationalError("UPDATE course_standard …", {}, _Deadlock("deadlock detected"))
        return "saved"

    assert flaky(RETRY_ATTEMPTS - 1) == "saved" and len(calls) == RETRY_ATTEMPTS
    assert len([r for r in caplog.records if "retry flaky" in r.getMessage()]) == RETRY_ATTEMPTS - 1
    calls.clear()
    with pytest.raises(Busy):
        flaky(RETRY_ATTEMPTS)
    assert len(calls) == RETRY_ATTEMPTS

    @retry_transient
    def broken() -> None:
        calls.append(1)
        raise IntegrityError("INSERT …", {}, Exception("violates check constraint"))

    calls.clear()
    with pytest.raises(IntegrityError):
        broken()
    assert len(calls) == 1
