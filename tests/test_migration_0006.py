"""0006 (import audit) adds ``import_record.entities``, keeps every import record, and downgrades cleanly."""

from __future__ import annotations

from sqlalchemy import inspect, text

from services.migrate import current_revision, upgrade
from tests.test_migration_0002 import _downgrade, blank_engine  # noqa: F401  (the fixture)

INSERT = ("INSERT INTO import_record (username, at, filename, kind, ok, counts, errors, warnings) "
          "VALUES ('lead', '2026-11-30 08:00:00', 'old.xlsx', 'framework', :ok, '{}', 0, 0)")


def _records(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT id, filename FROM import_record ORDER BY id"))]


def test_upgrade_adds_the_entity_list_and_downgrade_removes_it(blank_engine):
    upgrade(blank_engine, "0005_notifications")
    with blank_engine.begin() as conn:
        conn.execute(text(INSERT), {"ok": True})
    before = _records(blank_engine)
    upgrade(blank_engine, "0006_import_audit")  # later revisions are tested on their own
    assert current_revision(blank_engine) == "0006_import_audit"
    assert "entities" in {c["name"] for c in inspect(blank_engine).get_columns("import_record")}
    assert _records(blank_engine) == before
    with blank_engine.connect() as conn:  # records made before 0006 list nothing
        assert conn.execute(text("SELECT entities FROM import_record")).scalar_one() is None
    _downgrade(blank_engine, "0005_notifications")
    assert "entities" not in {c["name"] for c in inspect(blank_engine).get_columns("import_record")}
    assert _records(blank_engine) == before
