"""DACUM chart: duties and tasks of a job role, edits through the framework with version checks, exports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from services import dacum, framework
from services.actor import SYSTEM
from services.errors import Conflict, ValidationFailed
from services.exports.dacum_chart import export_dacum
from services.programs import get_program
from services.users import get_actor
from tests.factories import make_framework, make_program, make_user


def _role(engine, name="运维员"):
    program = make_program(engine)
    nodes = make_framework(engine, program["id"], tasks=2, per_task=1)
    role = framework.create_job_role(engine, actor=SYSTEM, program_id=program["id"], name=name)
    framework.update_node(engine, actor=SYSTEM, node_id=nodes["1"]["id"], expected_version=nodes["1"]["version"],
                          changes={"job_role_id": role["id"]})
    return program, nodes, role


def test_chart_build_add_move_and_version_checks(engine):
    """Duties as rows and tasks as cards; adding, reordering and moving go through the framework."""
    _, nodes, role = _role(engine)
    mentor = make_user(engine, role="mentor")
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert [(d["code"], [t["code"] for t in d["tasks"]]) for d in chart["duties"]] == [("1", ["1.1", "1.2"])]
    assert chart["duties"][0]["tasks"][0]["competencies"] == 1
    duty = dacum.add_duty(engine, actor=mentor, job_role_id=role["id"], statement="设备点检与维护")
    assert duty["code"] == "2" and duty["proposed_side"] == "enterprise"
    added = dacum.add_task(engine, actor=mentor, job_role_id=role["id"], duty_id=duty["id"], statement="了解点检标准")
    assert added["node"]["code"] == "2.1" and [w["key"] for w in added["warnings"]] == ["dacum.lint.zh.vague_verb"]
    task = nodes["1.2"]
    moved = dacum.move_task(engine, actor=mentor, task_id=task["id"], expected_version=task["version"],
                            duty_id=duty["id"], position=0)
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert [[t["code"] for t in d["tasks"]] for d in chart["duties"]] == [["1.1"], ["1.2", "2.1"]]
    with pytest.raises(Conflict):  # a second person moving from the old version loses nothing silently
        dacum.move_task(engine, actor=mentor, task_id=task["id"], expected_version=task["version"],
                        duty_id=nodes["1"]["id"], position=0)
    dacum.move_task(engine, actor=mentor, task_id=task["id"], expected_version=moved["version"],
                    duty_id=duty["id"], position=5)
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert [t["code"] for t in chart["duties"][1]["tasks"]] == ["2.1", "1.2"]
    with pytest.raises(ValidationFailed):  # a task never goes under a task's competency or itself
        dacum.move_task(engine, actor=mentor, task_id=task["id"], expected_version=moved["version"] + 1,
                        duty_id=nodes["1.1.1"]["id"], position=0)
    with pytest.raises(ValidationFailed):
        dacum.add_task(engine, actor=mentor, job_role_id=role["id"], duty_id=duty["id"], statement="  ")


def test_side_panels_are_saved_as_typed_with_a_version_check(engine):
    _, _, role = _role(engine)
    saved = dacum.save_panels(engine, actor=SYSTEM, job_role_id=role["id"], expected_version=role["version"],
                              panels={"tools": "万用表\n\n 示教器 \n", "trends": ["协作机器人"]})
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert chart["role"]["dacum_panels"] == {"knowledge": [], "tools": ["万用表", "示教器"], "behaviours": [],
                                             "trends": ["协作机器人"]}
    with pytest.raises(Conflict):
        dacum.save_panels(engine, actor=SYSTEM, job_role_id=role["id"], expected_version=role["version"],
                          panels={"tools": "x"})
    assert saved["version"] == role["version"] + 1
    with pytest.raises(ValidationFailed):
        dacum.save_panels(engine, actor=SYSTEM, job_role_id=role["id"], expected_version=saved["version"],
                          panels={"snacks": "x"})


def test_exports_look_like_a_dacum_chart(seeded_engine):
    """The demo role's chart as a landscape sheet and a landscape Word page, opened again and read."""
    program = get_program(seeded_engine, code="460305")
    role = next(r for r in framework.list_job_roles(seeded_engine, program_id=program["id"])
                if r["name"] == "工业机器人系统运维员")
    dacum.save_panels(seeded_engine, actor=SYSTEM, job_role_id=role["id"], expected_version=role["version"],
                      panels={"tools": "万用表\n兆欧表", "behaviours": "安全意识"})
    chart = dacum.dacum_chart(seeded_engine, job_role_id=role["id"])
    lead = get_actor(seeded_engine, username="lead")
    xlsx = export_dacum(seeded_engine, actor=lead, job_role_id=role["id"], fmt="xlsx", lang="zh")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.page_setup.orientation == "landscape"
    assert "工业机器人系统运维员" in ws.cell(1, 1).value
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    first = chart["duties"][0]
    assert f"{first['code']}\n{first['statement']}" in values
    assert all(f"{t['code']}\n{t['statement']}" in values for d in chart["duties"] for t in d["tasks"])
    assert {"万用表", "兆欧表", "安全意识"} <= set(values)
    docx = export_dacum(seeded_engine, actor=lead, job_role_id=role["id"], fmt="docx", lang="en")
    document = Document(io.BytesIO(docx.content))
    assert document.sections[0].page_width > document.sections[0].page_height
    text = "\n".join(c.text for table in document.tables for row in table.rows for c in row.cells)
    assert all(t["statement"] in text for d in chart["duties"] for t in d["tasks"])
    assert "Tools, equipment" in text and "• 万用表" in text
    assert xlsx.filename.startswith("460305-dacum-") and docx.filename.endswith(".docx")


def test_undo_takes_back_the_last_add_and_move_of_this_person_only(engine):
    """Workshop undo: the latest add is deleted, the latest move goes back; another person's edits stay."""
    _, nodes, role = _role(engine)
    mentor, other = make_user(engine, role="mentor"), make_user(engine, role="mentor")
    task = nodes["1.2"]
    duty = dacum.add_duty(engine, actor=mentor, job_role_id=role["id"], statement="点检")
    dacum.move_task(engine, actor=mentor, task_id=task["id"], expected_version=task["version"], duty_id=duty["id"],
                    position=0)
    theirs = dacum.add_task(engine, actor=other, job_role_id=role["id"], duty_id=nodes["1"]["id"], statement="清洁")
    assert dacum.undo_last(engine, actor=mentor, job_role_id=role["id"])["action"] == "move"
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert [t["code"] for t in chart["duties"][0]["tasks"]] == ["1.1", "1.2", theirs["node"]["code"]]
    assert dacum.undo_last(engine, actor=mentor, job_role_id=role["id"])["action"] == "create"
    chart = dacum.dacum_chart(engine, job_role_id=role["id"])
    assert [d["code"] for d in chart["duties"]] == ["1"]  # the empty duty is gone
    assert dacum.undo_last(engine, actor=mentor, job_role_id=role["id"]) is None
    with pytest.raises(ValidationFailed):  # a duty that holds tasks is never deleted by an undo
        framework.delete_node(engine, actor=SYSTEM, node_id=nodes["1"]["id"],
                              expected_version=framework.get_node(engine, node_id=nodes["1"]["id"])["version"])
