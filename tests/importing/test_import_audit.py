"""The audit of a bulk import: one event per import, yet each row's history shows the import.

An import lists the rows it created, changed and deleted on its import record;
``services.history.audit_events`` filtered by one competency or alignment shows, for each
import that touched it, who ran it, when, the file, and before → after for a change.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import select

from models import Alignment, AuditEvent, Competency, ImportRecord
from services import framework, history
from services.db import session_scope
from tests.factories import make_user
from tests.importing.conftest import run_import, xlsx_bytes

FRAMEWORK = [["工作领域", "工作任务", "能力编码", "职业能力"], ["1 安装", "1.1 机械安装", "1.1.1", "能装配"],
             ["1 安装", "1.1 机械安装", "1.1.2", "能调试"]]
MATRIX = [["能力编码", "职业能力", "电工（KC1）"], ["1.1.1", "能装配", "●"], ["1.1.2", "能调试", "◐"]]


def _ids(engine, model, **where):
    with session_scope(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return [row.id for row in session.exec(query.order_by(model.id)).all()]


def test_history_of_an_imported_competency_shows_the_import_user_time_and_file(engine):
    lead = make_user(engine, role="lead")
    _p, result = run_import(engine, xlsx_bytes(FRAMEWORK), "框架.xlsx", actor=lead)
    assert result.ok
    leaf = _ids(engine, Competency, code="1.1.2")[0]
    with session_scope(engine) as session:
        record = session.get(ImportRecord, result.import_id)
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type != "user")).all()
    # one audit event for the import itself, none per row
    assert [(e.entity_type, e.action, e.entity_id) for e in events] == [("import", "import", record.id)]

    entries = history.audit_events(engine, actor=lead, entity_type="competency", entity_id=leaf)
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert (entry["action"], entry["username"], entry["import_id"], entry["entity_id"]) == \
        ("create", lead.username, record.id, leaf)
    assert entry["at"] == record.at and "框架.xlsx" in entry["summary"]
    assert entry["program_id"] == record.program_id

    # an edit afterwards is an ordinary event; the history shows both, newest first
    node = framework.get_node(engine, node_id=leaf)
    framework.update_node(engine, actor=lead, node_id=leaf, expected_version=node["version"],
                          changes={"importance": 2})
    entries = history.audit_events(engine, actor=lead, entity_type="competency", entity_id=leaf)
    assert list(entries["action"]) == ["update", "create"]
    assert pd.isna(entries.iloc[0]["import_id"]) and entries.iloc[0]["username"] == lead.username
    # by type alone: one entry per import that created competencies, with the counts
    by_type = history.audit_events(engine, actor=lead, entity_type="competency")
    imported = by_type[by_type["action"] == "import"]
    assert len(imported) == 1 and "created 4" in imported.iloc[0]["summary"]
    assert "competency" in history.audit_filters(engine, actor=lead)["entity_types"]
    # other filters apply to the import's entries too
    assert history.audit_events(engine, actor=lead, entity_type="competency", entity_id=leaf,
                                username="someone-else").empty
    assert history.audit_events(engine, actor=lead, entity_type="competency", entity_id=leaf,
                                action="delete").empty
    assert history.audit_events(engine, actor=lead, entity_type="competency", entity_id=leaf + 1000).empty


def test_history_of_a_relevelled_alignment_shows_both_imports_with_before_and_after(engine):
    lead = make_user(engine, role="lead")
    admin = make_user(engine, role="admin")
    run_import(engine, xlsx_bytes(FRAMEWORK), "框架.xlsx", actor=lead)
    _p, first = run_import(engine, xlsx_bytes(MATRIX), "矩阵.xlsx", kind="matrix", actor=lead)
    assert first.ok and first.counts["created"]["alignment"] == 2
    relevelled = [row[:] for row in MATRIX]
    relevelled[1][2] = "○"
    _p, second = run_import(engine, xlsx_bytes(relevelled), "矩阵（改）.xlsx", kind="matrix", actor=admin)
    assert second.ok and second.counts["updated"]["alignment"] == 1
    link = _ids(engine, Alignment)[0]
    with session_scope(engine) as session:
        assert session.get(Alignment, link).level == 1
        at = {r.id: r.at for r in session.exec(select(ImportRecord)).all()}

    entries = history.audit_events(engine, actor=admin, entity_type="alignment", entity_id=link)
    assert list(entries["action"]) == ["update", "create"]
    change, creation = entries.iloc[0], entries.iloc[1]
    assert (change["username"], change["import_id"], change["at"]) == \
        (admin.username, second.import_id, at[second.import_id])
    assert change["before"]["level"] == 3 and change["after"]["level"] == 1
    assert "矩阵（改）.xlsx" in change["summary"]
    assert (creation["username"], creation["import_id"], creation["at"]) == \
        (lead.username, first.import_id, at[first.import_id])
    # the other link was not touched by the second import
    other = _ids(engine, Alignment)[1]
    assert list(history.audit_events(engine, actor=admin, entity_type="alignment", entity_id=other)["action"]) == \
        ["create"]
    assert history.audit_events(engine, actor=admin, entity_type="alignment", entity_id=link,
                                since=at[second.import_id]).shape[0] == 1


def test_a_backup_of_an_imported_programme_restores(engine, tmp_path):
    """Backups carry content, not the audit trail: an imported programme (one audit event, its rows listed on
    the import record) backs up and restores into an empty database to the same document."""
    import json

    from models import Program
    from services.actor import SYSTEM
    from services.db import make_engine
    from services.exports import export_backup, restore_backup
    from services.migrate import upgrade

    lead = make_user(engine, role="lead")
    run_import(engine, xlsx_bytes(FRAMEWORK), "框架.xlsx", actor=lead)
    _p, result = run_import(engine, xlsx_bytes(MATRIX), "矩阵.xlsx", kind="matrix", actor=lead)
    first = json.loads(export_backup(engine, actor=SYSTEM, program_id=result.program_id).content)
    target = make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    upgrade(target)
    try:
        report = restore_backup(target, actor=SYSTEM, data=json.dumps(first).encode())
        assert report.ok, report.errors
        with session_scope(target) as session:
            program_id = session.exec(select(Program.id).where(Program.code == "P1")).one()
            restored = (len(session.exec(select(Competency)).all()), len(session.exec(select(Alignment)).all()))
        second = json.loads(export_backup(target, actor=SYSTEM, program_id=program_id).content)
    finally:
        target.dispose()

    def comparable(doc):
        return {k: v for k, v in doc.items() if k not in ("created_at", "users")}

    assert restored == (4, 2)
    assert comparable(second) == comparable(first)
