"""Login sessions in the database: create, resolve, idle expiry, rotation, logout, deactivation, processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from models import UserSession
from services import sessions, users
from services.db import make_engine, session_scope
from services.migrate import current_revision, upgrade
from tests.factories import make_user

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _rows(engine) -> list[UserSession]:
    with session_scope(engine) as session:
        return list(session.execute(select(UserSession)).scalars().all())


def _last_seen(engine, token: str) -> datetime:
    with session_scope(engine) as session:
        value = session.execute(select(UserSession.last_seen_at)
                                .where(UserSession.token_hash == sessions.hash_token(token))).scalar_one()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_create_stores_only_a_hash_and_resolve_gives_the_actor(engine):
    """The token is long and random; the table holds its SHA-256, never the token."""
    lead = make_user(engine, role="lead")
    token = sessions.create_session(engine, user_id=lead.id, now=T0)
    other = sessions.create_session(engine, user_id=lead.id, now=T0)
    assert token != other and len(token) >= 43  # 32 random bytes, URL-safe base64
    stored = {row.token_hash for row in _rows(engine)}
    assert token not in stored and sessions.hash_token(token) in stored and len(stored) == 2
    actor = sessions.resolve_session(engine, token=token, now=T0 + timedelta(seconds=5))
    assert actor == lead
    assert sessions.resolve_session(engine, token="not-a-token", now=T0) is None
    assert sessions.resolve_session(engine, token="", now=T0) is None


def test_last_seen_moves_at_most_once_a_minute(engine):
    """A run within a minute of the last touch writes nothing; a later one moves last_seen_at."""
    user = make_user(engine)
    token = sessions.create_session(engine, user_id=user.id, now=T0)
    sessions.resolve_session(engine, token=token, now=T0 + timedelta(seconds=59))
    assert _last_seen(engine, token) == T0
    sessions.resolve_session(engine, token=token, now=T0 + timedelta(minutes=2))
    assert _last_seen(engine, token) == T0 + timedelta(minutes=2)


def test_idle_session_expires_and_activity_keeps_it(engine, monkeypatch):
    """Past the idle timeout (from COSTANDARD_SESSION_IDLE_HOURS) a session is gone; use keeps it alive."""
    monkeypatch.setenv(sessions.IDLE_ENV, "2")
    assert sessions.idle_timeout() == timedelta(hours=2)
    user = make_user(engine)
    busy = sessions.create_session(engine, user_id=user.id, now=T0)
    idle = sessions.create_session(engine, user_id=user.id, now=T0)
    for hour in (1, 2, 3):  # touched every hour: never idle for two
        assert sessions.resolve_session(engine, token=busy, now=T0 + timedelta(hours=hour)) == user
    assert sessions.resolve_session(engine, token=idle, now=T0 + timedelta(hours=3)) is None
    assert sessions.count_sessions(engine, user_id=user.id) == 1  # the expired row was deleted


def test_idle_timeout_default_and_bad_values(monkeypatch):
    """Unset or unusable values fall back to 8 hours."""
    monkeypatch.delenv(sessions.IDLE_ENV, raising=False)
    assert sessions.idle_timeout() == timedelta(hours=8)
    for bad in ("soon", "0", "-3", "nan"):
        monkeypatch.setenv(sessions.IDLE_ENV, bad)
        assert sessions.idle_timeout() == timedelta(hours=8), bad
    monkeypatch.setenv(sessions.IDLE_ENV, "0.5")
    assert sessions.idle_timeout() == timedelta(minutes=30)


def test_login_rotates_the_token(engine):
    """A new login drops the browser's old session and starts a new one; expired rows are swept."""
    user = make_user(engine)
    stale = sessions.create_session(engine, user_id=user.id, now=T0 - timedelta(days=2))
    old = sessions.create_session(engine, user_id=user.id, now=T0)
    new = sessions.rotate_session(engine, user_id=user.id, old_token=old, now=T0 + timedelta(minutes=1))
    assert new not in (old, stale)
    assert sessions.resolve_session(engine, token=old, now=T0 + timedelta(minutes=1)) is None
    assert sessions.resolve_session(engine, token=new, now=T0 + timedelta(minutes=1)) == user
    assert {r.token_hash for r in _rows(engine)} == {sessions.hash_token(new)}
    assert sessions.rotate_session(engine, user_id=user.id, old_token=None, now=T0) != new


def test_logout_and_end_all(engine):
    """Logout ends one session; end_all ends every session of one user and no one else's."""
    a, b = make_user(engine), make_user(engine)
    a1, a2 = (sessions.create_session(engine, user_id=a.id) for _ in range(2))
    b1 = sessions.create_session(engine, user_id=b.id)
    sessions.end_session(engine, token=a1)
    sessions.end_session(engine, token=None)  # logging out twice is harmless
    assert sessions.resolve_session(engine, token=a1) is None
    assert sessions.resolve_session(engine, token=a2) == a
    assert sessions.end_all_sessions(engine, user_id=a.id) == 1
    assert sessions.resolve_session(engine, token=a2) is None
    assert sessions.resolve_session(engine, token=b1) == b


def test_resolve_reads_the_current_role(engine):
    """A demotion shows on the next resolve: the session carries no copy of the role."""
    admin = make_user(engine, role="admin")
    lead = make_user(engine, role="lead")
    token = sessions.create_session(engine, user_id=lead.id)
    row = next(u for u in users.list_users(engine, actor=admin) if u["id"] == lead.id)
    users.update_user(engine, actor=admin, user_id=lead.id, expected_version=row["version"],
                      changes={"role": "faculty"})
    assert sessions.resolve_session(engine, token=token).role == "faculty"


def test_deactivation_ends_the_users_sessions(engine):
    """The admin's deactivate path ends the sessions in the same transaction."""
    admin = make_user(engine, role="admin")
    mentor = make_user(engine, role="mentor")
    token = sessions.create_session(engine, user_id=mentor.id)
    row = next(u for u in users.list_users(engine, actor=admin) if u["id"] == mentor.id)
    users.update_user(engine, actor=admin, user_id=mentor.id, expected_version=row["version"],
                      changes={"is_active": False})
    assert sessions.count_sessions(engine, user_id=mentor.id) == 0
    assert sessions.resolve_session(engine, token=token) is None


def test_inactive_user_found_by_resolve_is_logged_out(engine):
    """Even a session left behind by a direct database change stops at the inactive flag."""
    user = make_user(engine)
    token = sessions.create_session(engine, user_id=user.id)
    with engine.begin() as conn:
        conn.execute(text("UPDATE app_user SET is_active = :f WHERE id = :id"), {"f": False, "id": user.id})
    assert sessions.resolve_session(engine, token=token) is None
    assert sessions.count_sessions(engine, user_id=user.id) == 0


def test_admin_password_reset_ends_sessions_but_own_change_keeps_them(engine):
    admin = make_user(engine, role="admin")
    user = make_user(engine)
    token = sessions.create_session(engine, user_id=user.id)
    users.set_password(engine, actor=user, user_id=user.id, password="new-one")
    assert sessions.resolve_session(engine, token=token) == user
    users.set_password(engine, actor=admin, user_id=user.id, password="reset-1")
    assert sessions.resolve_session(engine, token=token) is None


def test_deleting_a_user_deletes_their_sessions(engine):
    user = make_user(engine)
    sessions.create_session(engine, user_id=user.id)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=ON"))
        conn.execute(text("DELETE FROM app_user WHERE id = :id"), {"id": user.id})
    assert _rows(engine) == []


def test_two_processes_share_a_session_on_postgresql(pg_engine):
    """Two engines (two app processes) on one PostgreSQL: a login in one is valid in the other, so is logout."""
    second = make_engine(pg_engine.url.render_as_string(hide_password=False))
    try:
        user = make_user(pg_engine, role="mentor")
        token = sessions.create_session(pg_engine, user_id=user.id)
        assert sessions.resolve_session(second, token=token) == user
        sessions.end_session(second, token=token)
        assert sessions.resolve_session(pg_engine, token=token) is None
        rotated = sessions.rotate_session(second, user_id=user.id, old_token=None)
        admin = make_user(pg_engine, role="admin")
        row = next(u for u in users.list_users(pg_engine, actor=admin) if u["id"] == user.id)
        users.update_user(pg_engine, actor=admin, user_id=user.id, expected_version=row["version"],
                          changes={"is_active": False})
        assert sessions.resolve_session(second, token=rotated) is None
    finally:
        second.dispose()


@pytest.fixture
def blank_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    yield engine
    engine.dispose()


def test_migration_0003_adds_and_removes_the_table(blank_sqlite):
    """0003 creates user_session on top of 0002 (existing users kept) and its downgrade drops it.

    The user row is written and read with plain SQL: the ORM model is the newest schema (later
    revisions add columns), not 0002's."""
    from alembic import command
    from sqlalchemy import text

    from services.migrate import alembic_config

    def usernames() -> list[str]:
        with blank_sqlite.connect() as conn:
            return list(conn.execute(text("SELECT username FROM app_user")).scalars())

    upgrade(blank_sqlite, "0002_leaner_indexes")
    with blank_sqlite.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, display_name, role, side, organisation, password_hash, "
                          "is_active, is_demo, created_at, version) VALUES ('before', 'Before', 'faculty', "
                          "'school', '', '', 1, 0, '2026-11-30', 1)"))
    upgrade(blank_sqlite, "0003_user_sessions")
    assert current_revision(blank_sqlite) == "0003_user_sessions"
    assert "user_session" in inspect(blank_sqlite).get_table_names()
    assert usernames() == ["before"]
    config = alembic_config(blank_sqlite)
    with blank_sqlite.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0002_leaner_indexes")
    assert "user_session" not in inspect(blank_sqlite).get_table_names()
    assert usernames() == ["before"]


def test_the_idle_setting_is_documented():
    """README's configuration table names the variable and its default."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if f"`{sessions.IDLE_ENV}`" in line)
    assert row.startswith("|") and row.rstrip().endswith(f"`{int(sessions.DEFAULT_IDLE_HOURS)}` |")
