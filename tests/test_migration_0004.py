"""Migration 0004: the suggestion_decision table comes and goes with its indexes; other rows are untouched."""

from __future__ import annotations

from sqlalchemy import inspect

from services.migrate import current_revision, upgrade
from tests.test_migration_0002 import _counts, _downgrade, _fill, blank_engine  # noqa: F401 - fixture


def test_upgrade_adds_the_table_and_downgrade_removes_it(blank_engine):  # noqa: F811
    upgrade(blank_engine, "0003_user_sessions")
    _fill(blank_engine)
    before = _counts(blank_engine)
    upgrade(blank_engine, "0004_suggestion_decisions")
    assert current_revision(blank_engine) == "0004_suggestion_decisions"
    inspector = inspect(blank_engine)
    assert "suggestion_decision" in inspector.get_table_names()
    assert {ix["name"] for ix in inspector.get_indexes("suggestion_decision")} >= {
        "ix_suggestion_decision_program", "ix_suggestion_decision_unit_id", "ix_suggestion_decision_objective_id"}
    assert {c["name"] for c in inspector.get_unique_constraints("suggestion_decision")} == {
        "uq_suggestion_decision_competency_target"}
    assert _counts(blank_engine) == before
    _downgrade(blank_engine, "0003_user_sessions")
    assert "suggestion_decision" not in inspect(blank_engine).get_table_names()
    assert _counts(blank_engine) == before
