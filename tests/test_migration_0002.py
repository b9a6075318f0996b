"""0002 (leaner indexes) keeps every row, leaves the indexes the lookups need, and downgrades cleanly."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from services.db import make_engine
from services.migrate import alembic_config, current_revision, upgrade
from tests.conftest import PG_ADMIN_URL, _pg_unavailable

PARTIAL = {"alignment": {"ix_alignment_unit_id": "unit_id", "ix_alignment_objective_id": "objective_id"},
           "competency": {"ix_competency_job_role_id": "job_role_id"}}
DROPPED = {"competency": "ix_competency_program_id", "course": "ix_course_program_id",
           "alignment": "ix_alignment_competency_id", "rating": "ix_rating_competency_id"}


@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request, tmp_path):
    """An empty database (no schema at all): a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
        yield engine
        engine.dispose()
        return
    name = f"costandard_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        _pg_unavailable(str(exc).splitlines()[0])
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _downgrade(engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _fill(engine) -> None:
    """A programme with a job role, a competency, a course, a course-level link and a rating.

    Plain SQL naming only the columns 0001 has: later revisions add columns the ORM would write.
    """
    now = "2026-11-30 08:00:00"
    statements = (
        "INSERT INTO program (id, code, name, language, description, is_demo, created_at, updated_at, version) "
        "VALUES (1, 'P', 'P', 'zh', '', false, :now, :now, 1)",
        "INSERT INTO job_role (id, program_id, name, description, external_code, external_uri, source, sort_order, "
        "version) VALUES (1, 1, '运维', '', '', '', 'manual', 0, 1)",
        "INSERT INTO competency (id, program_id, kind, code, statement, job_role_id, external_uri, notes, sort_order, "
        "status, created_at, updated_at, version) VALUES (1, 1, 'competency', '1.1', '能调试', 1, '', '', 0, "
        "'accepted', :now, :now, 1)",
        "INSERT INTO course (id, program_id, code, name, course_type, credits, hours_theory, hours_practice, "
        "description, created_at, updated_at, version) VALUES (1, 1, 'C1', '课程', 'professional_core', 0, 0, 0, '', "
        ":now, :now, 1)",
        "INSERT INTO alignment (id, competency_id, course_id, target, level, status, source, reason, created_at, "
        "updated_at, version) VALUES (1, 1, 1, 'course:1', 2, 'proposed', 'manual', '', :now, :now, 1)",
        "INSERT INTO rating (id, competency_id, rater, importance, comment, created_at, version) "
        "VALUES (1, 1, 'R1', 5, '', :now, 1)",
    )
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), {"now": now})


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("program", "job_role", "competency", "course", "alignment", "rating")}


def _where(engine, table: str, name: str) -> str | None:
    """The predicate of index ``name`` on ``table`` (None for a full index)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                               {"n": name}).scalar_one()
            _head, _sep, where = sql.upper().partition(" WHERE ")
            return where.strip() or None
        return conn.execute(text("SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                                 "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = :n"),
                            {"n": name}).scalar_one()


def test_upgrade_keeps_rows_and_downgrade_restores_indexes(blank_engine):
    upgrade(blank_engine, "0001_initial")
    _fill(blank_engine)
    before = _counts(blank_engine)
    assert before == {"program": 1, "job_role": 1, "competency": 1, "course": 1, "alignment": 1, "rating": 1}

    upgrade(blank_engine, "0002_leaner_indexes")  # later revisions are tested on their own
    assert current_revision(blank_engine) == "0002_leaner_indexes"
    assert _counts(blank_engine) == before
    inspector = inspect(blank_engine)
    for table, name in DROPPED.items():
        assert name not in {ix["name"] for ix in inspector.get_indexes(table)}
    for table, indexes in PARTIAL.items():
        for name, column in indexes.items():
            assert (_where(blank_engine, table, name) or "").replace("(", "").replace(")", "").upper() == \
                f"{column.upper()} IS NOT NULL"

    _downgrade(blank_engine, "0001_initial")
    assert _counts(blank_engine) == before
    inspector = inspect(blank_engine)
    for table, name in DROPPED.items():
        assert name in {ix["name"] for ix in inspector.get_indexes(table)}
    for table, indexes in PARTIAL.items():
        for name in indexes:
            assert _where(blank_engine, table, name) is None


def test_lookups_still_use_an_index(sqlite_engine):
    """SQLite's planner takes the partial and the constraint indexes for the lookups the app makes."""
    queries = {
        "SELECT id FROM alignment WHERE unit_id = 7": "ix_alignment_unit_id",
        "SELECT id FROM alignment WHERE objective_id = 7": "ix_alignment_objective_id",
        "SELECT id FROM alignment WHERE competency_id = 7": "uq_alignment_competency_target",
        "SELECT id FROM competency WHERE job_role_id = 7": "ix_competency_job_role_id",
        "SELECT id FROM course WHERE program_id = 7": "uq_course_program_code",
        "SELECT id FROM rating WHERE competency_id = 7": "uq_rating_competency_rater",
    }
    with sqlite_engine.connect() as conn:
        for query, index in queries.items():
            plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
            expected = index if not index.startswith("uq_") else "sqlite_autoindex"
            assert "USING" in plan and expected in plan, (query, plan)
