"""The import's bulk writer: shared values written once (as SQLite literals when plain), every new row
listed exactly once in its import's audit, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models import AuditEvent, Competency, Course
from services.actor import Actor
from services.db import session_scope
from services.importing.commit import _sql_literal, _Writer
from tests.factories import make_program
from tests.importing.conftest import run_import, xlsx_bytes

AWKWARD = ["O'Brien's \"lab\"", "反斜杠\\n 和 %s %(x)s ?", "emoji 🤖", "", "line\nbreak"]


@pytest.mark.parametrize("value, literal", [
    (None, "NULL"), (True, "1"), (7, "7"), (2.5, "2.5"), ("it's", "'it''s'"), ("课程", "'课程'"),
    (float("nan"), None), ("a\x00b", None), (b"bytes", None),
])
def test_sql_literal_renders_only_plain_values(value, literal):
    assert _sql_literal(value) == literal


@pytest.mark.parametrize("side_value", AWKWARD)
def test_shared_and_varying_values_round_trip(engine, side_value):
    """Quotes, backslashes, percent signs, emoji, line breaks and empty text survive, shared or per row."""
    program = make_program(engine)
    actor = Actor(id=None, username="tester", display_name="Tester", role="admin", side="school")
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        writer = _Writer(session, actor, program["id"], None)
        writer.now = now
        rows = [{"code": f"C{i}", "name": value, "credits": 1.5 * i} for i, value in enumerate(AWKWARD)]
        writer.insert_rows(Course.__table__, rows, shared={
            "program_id": program["id"], "course_type": side_value, "description": "", "hours_theory": 16,
            "hours_practice": 0, "semester": None, "created_at": now,
            "updated_at": now, "version": 1})
    with session_scope(engine) as session:
        got = {c.code: c for c in session.exec(select(Course).where(Course.program_id == program["id"])).all()}
    assert {code: c.name for code, c in got.items()} == {r["code"]: r["name"] for r in rows}
    assert all(c.course_type == side_value and c.description == "" for c in got.values())
    assert all(c.created_at == now and c.version == 1 for c in got.values())
    assert [got[r["code"]].credits for r in rows] == [r["credits"] for r in rows]


def test_matrix_import_lists_each_new_link_once(engine):
    """Each import's record lists exactly the alignments it wrote (same ids), none that already existed;
    one "import" audit event per import and no per-row events."""
    framework = [["能力编码", "职业能力"], ["1.1", "能装配"], ["1.2", "能调试"], ["1.3", "能维护"]]
    run_import(engine, xlsx_bytes(framework), "框架.xlsx")
    first = [["能力编码", "职业能力", "电工（KC1）", "钳工（KC2）"], ["1.1", "能装配", "●", ""],
             ["1.2", "能调试", "", "○"]]
    _p, one = run_import(engine, xlsx_bytes(first), "矩阵1.xlsx", kind="matrix")
    assert one.ok and one.counts["created"]["alignment"] == 2
    second = [*first, ["1.3", "能维护", "◐", "●"]]
    _p, two = run_import(engine, xlsx_bytes(second), "矩阵2.xlsx", kind="matrix")
    assert two.ok and two.counts["created"]["alignment"] == 2
    with session_scope(engine) as session:
        from models import Alignment, ImportRecord

        links = session.exec(select(Alignment).order_by(Alignment.id)).all()
        records = {r.id: r for r in session.exec(select(ImportRecord)).all()}
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "alignment")).all()
        imports = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
        codes = {c.id: c.code for c in session.exec(select(Competency)).all()}
    assert events == [] and sorted(e.entity_id for e in imports) == sorted(records)

    def listed(import_id):
        return [i for first, last in records[import_id].entities["created"]["alignment"]
                for i in range(first, last + 1)]

    assert listed(one.import_id) == [link.id for link in links[:2]]
    assert listed(two.import_id) == [link.id for link in links[2:]]
    assert "alignment" not in records[two.import_id].entities.get("updated", {})
    assert sorted(codes[link.competency_id] for link in links) == ["1.1", "1.2", "1.3", "1.3"]
