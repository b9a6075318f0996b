"""0002 (leaner indexes) keeps every row, leaves the indexes the lookups need, and downgrades cleanly."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from models import Alignment, Competency, Course, JobRole, Program, Rating
from models.tables import alignment_target
from services.db import make_engine, session_scope
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

    The models' columns are the same at 0001 and 0002 (only indexes change), so the ORM can write them.
    """
    with session_scope(engine) as session:
        program = Program(code="P", name="P")
        session.add(program)
        session.flush()
        role = JobRole(program_id=program.id, name="运维")
        session.add(role)
        session.flush()
        competency = Competency(program_id=program.id, kind="competency", code="1.1", statement="能调试",
                                job_role_id=role.id)
        course = Course(program_id=program.id, code="C1", name="课程")
        session.add_all([competency, course])
        session.flush()
        session.add_all([Alignment(competency_id=competency.id, course_id=course.id, level=2,
                                   target=alignment_target(course_id=course.id)),
                         Rating(competency_id=competency.id, rater="R1", importance=5)])


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
