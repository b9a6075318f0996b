"""#11 item 8: one hierarchy rule (services.hierarchy) decides for the editor, the demo seed and restore."""

from __future__ import annotations

import pytest

from services import framework
from services.actor import SYSTEM
from services.demo import validate_program_data
from services.errors import ValidationFailed
from services.hierarchy import ALLOWED_PARENTS, parent_allowed
from tests.factories import make_program

KINDS = ("area", "task", "competency")


def test_the_rule_keeps_areas_at_the_root_and_competencies_as_leaves():
    """What the import's shapes produce is allowed; a child under a competency or an area under anything is not."""
    assert parent_allowed("competency", "area") and parent_allowed("competency", None)
    assert parent_allowed("task", "task") and parent_allowed("task", "area")
    assert not parent_allowed("area", "area") and not parent_allowed("task", None)
    assert not any(parent_allowed(kind, "competency") for kind in KINDS)
    assert not parent_allowed("bogus", None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("parent_kind", ["area", "task", "competency"])
def test_the_framework_editor_accepts_exactly_what_the_rule_allows(sqlite_engine, kind, parent_kind):
    """create_node under each kind of parent succeeds if and only if parent_allowed says so."""
    program = make_program(sqlite_engine)
    pid = program["id"]
    area = framework.create_node(sqlite_engine, actor=SYSTEM, program_id=pid, kind="area", code="1", statement="领域")
    task = framework.create_node(sqlite_engine, actor=SYSTEM, program_id=pid, kind="task", code="1.1",
                                 statement="任务", parent_id=area["id"])
    leaf = framework.create_node(sqlite_engine, actor=SYSTEM, program_id=pid, kind="competency", code="1.1.1",
                                 statement="能完成", parent_id=task["id"])
    parent = {"area": area, "task": task, "competency": leaf}[parent_kind]
    create = lambda: framework.create_node(sqlite_engine, actor=SYSTEM, program_id=pid, kind=kind,  # noqa: E731
                                           code="9.9", statement="新节点", parent_id=parent["id"])
    if parent_allowed(kind, parent_kind):
        assert create()["kind"] == kind
    else:
        with pytest.raises(ValidationFailed):
            create()


@pytest.mark.parametrize("kind", KINDS)
def test_the_demo_format_check_uses_the_same_rule(kind):
    """A demo file may nest nodes exactly as the rule allows (a competency under an area is fine)."""
    data = {"job_roles": [], "framework": [{"code": "1", "kind": "area", "statement": "领域",
                                            "children": [{"code": "1.1", "kind": kind, "statement": "子节点"}]}],
            "courses": [], "alignments": [], "standards": []}
    if parent_allowed(kind, "area"):
        validate_program_data(data)
    else:
        with pytest.raises(ValidationFailed):
            validate_program_data(data)
    assert set(ALLOWED_PARENTS) == set(KINDS)
