"""#11, one rule in one place: the framework import refuses and accepts exactly the trees the editor does.

``services.hierarchy.parent_allowed`` decides for the editor; the import's tree finalisation (parents in the
file), its planner (parents only in the database) and the kind it picks for outline parents found in the
database all ask the same function.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Competency
from services import framework
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import ValidationFailed
from services.hierarchy import parent_allowed
from services.importing import analyse
from tests.factories import make_program
from tests.importing.conftest import run_import, xlsx_bytes

KINDS = ("area", "task", "competency")
HEADER = ["编码", "上级编码", "名称", "层级"]
BASE = [["1", "", "工作领域一", "area"], ["1.1", "1", "工作任务一", "task"], ["1.1.1", "1.1", "能完成装配", "competency"]]
PARENT_CODE = {None: "", "area": "1", "task": "1.1", "competency": "1.1.1"}


def _editor_accepts(engine, kind: str, parent_kind: str | None) -> bool:
    program = make_program(engine)
    pid = program["id"]
    made = {}
    for code, parent, statement, node_kind in BASE:
        made[code] = framework.create_node(engine, actor=SYSTEM, program_id=pid, kind=node_kind, code=code,
                                           statement=statement, parent_id=made[parent]["id"] if parent else None)
    parent_id = made[PARENT_CODE[parent_kind]]["id"] if parent_kind else None
    try:
        framework.create_node(engine, actor=SYSTEM, program_id=pid, kind=kind, code="9.9", statement="新节点",
                              parent_id=parent_id)
    except ValidationFailed:
        return False
    return True


def _kinds_in(engine, program_id: int) -> dict[str, str]:
    with session_scope(engine) as session:
        rows = session.exec(select(Competency.code, Competency.kind).where(Competency.program_id == program_id))
        return dict(rows.all())


def _import_preview(engine, rows, program: str):
    return analyse(xlsx_bytes([HEADER, *rows], title="框架"), "框架.xlsx", engine=engine, program_code=program)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("parent_kind", [None, "area", "task", "competency"])
def test_a_tree_in_one_file_is_accepted_by_the_import_exactly_when_the_editor_accepts_it(sqlite_engine, kind,
                                                                                         parent_kind):
    """The same new node (kind × parent kind) through the editor and through a flat file: same verdict."""
    editor = _editor_accepts(sqlite_engine, kind, parent_kind)
    assert editor == parent_allowed(kind, parent_kind)
    make_program(sqlite_engine, code="IMP")
    preview = _import_preview(sqlite_engine, [*BASE, ["9.9", PARENT_CODE[parent_kind], "新节点", kind]], "IMP")
    refused = [e for e in preview.errors if e["key"] == "import.error.parent_kind"]
    assert preview.ok == editor, preview.errors
    if editor:
        assert not refused
        assert {n.code: n.kind for n in preview.dataset.nodes}["9.9"] == kind
    else:
        assert [(e["sheet"], e["row"], e["column"]) for e in refused] == [("框架", 5, "层级")]
        assert "9.9" in refused[0]["message"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("parent_kind", ["area", "task", "competency"])
def test_a_parent_only_the_database_holds_gets_the_same_rule(sqlite_engine, kind, parent_kind):
    """The framework is already in the programme (made in the editor); the file adds one node under it."""
    editor = _editor_accepts(sqlite_engine, kind, parent_kind)
    program = make_program(sqlite_engine, code="DB1")
    made = {}
    for code, parent, statement, node_kind in BASE:
        made[code] = framework.create_node(sqlite_engine, actor=SYSTEM, program_id=program["id"], kind=node_kind,
                                           code=code, statement=statement,
                                           parent_id=made[parent]["id"] if parent else None)
    preview, result = run_import(sqlite_engine, xlsx_bytes([HEADER, ["9.9", PARENT_CODE[parent_kind], "新节点", kind]],
                                                           title="框架"), "框架.xlsx", program="DB1")
    assert result.ok == editor, result.errors
    keys = [e["key"] for e in preview.errors]
    assert ("import.error.parent_kind" in keys) == (not editor)
    nodes = _kinds_in(sqlite_engine, program["id"])
    assert ("9.9" in nodes) == editor and (not editor or nodes["9.9"] == kind)


def test_an_outline_parent_from_the_database_gives_the_kind_the_rule_allows(sqlite_engine):
    """Rows "1.2" (with children) and "1.1.5" (a leaf) whose outline parents exist only in the database: under
    the area "1" the row with children becomes a task, the leaf under task "1.1" a competency; under the task
    "1.1" a row with children is a task too (the editor allows tasks in tasks, never children under a
    competency)."""
    program = make_program(sqlite_engine, code="OUT")
    made = {}
    for code, parent, statement, node_kind in BASE:
        made[code] = framework.create_node(sqlite_engine, actor=SYSTEM, program_id=program["id"], kind=node_kind,
                                           code=code, statement=statement,
                                           parent_id=made[parent]["id"] if parent else None)
    rows = [["编码", "名称"], ["1.2", "工作任务二"], ["1.2.1", "能调试"], ["1.1.5", "能检测"],
            ["1.1.6", "子任务"], ["1.1.6.1", "能记录"]]
    preview, result = run_import(sqlite_engine, xlsx_bytes(rows, title="框架"), "框架.xlsx", program="OUT")
    assert result.ok, result.errors
    kinds = {n.code: (n.kind, n.parent) for n in preview.dataset.nodes}
    assert kinds["1.2"] == ("task", "1") and kinds["1.2.1"] == ("competency", "1.2")
    assert kinds["1.1.5"] == ("competency", "1.1")
    assert kinds["1.1.6"] == ("task", "1.1") and kinds["1.1.6.1"] == ("competency", "1.1.6")
    for code, (kind, parent) in kinds.items():
        parent_kind = kinds[parent][0] if parent in kinds else \
            {"1": "area", "1.1": "task", "1.1.1": "competency"}.get(parent)
        assert parent_allowed(kind, parent_kind), code
