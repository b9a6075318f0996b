"""Programmes, the competency framework and courses through their services."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent
from services import courses, framework, programs
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import make_course, make_framework, make_program, make_user


def test_program_create_edit_and_duplicate(engine):
    lead = make_user(engine, role="lead")
    p = programs.create_program(engine, actor=lead, code="460305", name="工业机器人技术")
    with pytest.raises(ValidationFailed):
        programs.create_program(engine, actor=lead, code="460305", name="again")
    updated = programs.update_program(engine, actor=lead, program_id=p["id"], expected_version=p["version"],
                                      changes={"name": "工业机器人技术（新）"})
    assert updated["version"] == p["version"] + 1
    with pytest.raises(Conflict):
        programs.update_program(engine, actor=lead, program_id=p["id"], expected_version=p["version"],
                                changes={"name": "stale"})
    faculty = make_user(engine, role="faculty")
    with pytest.raises(PermissionDenied):
        programs.create_program(engine, actor=faculty, code="X", name="x")


def test_outline_codes_stay_text_and_sort_naturally(engine):
    """"1.10" is not "1.1", and 1.10 sorts after 1.9."""
    p = make_program(engine)
    nodes = make_framework(engine, p["id"], tasks=1, per_task=10)
    assert "1.1.10" in nodes and "1.1.1" in nodes and nodes["1.1.10"]["id"] != nodes["1.1.1"]["id"]
    frame = framework.framework_frame(engine, program_id=p["id"])
    leaf_codes = list(frame.loc[frame["kind"] == "competency", "code"])
    assert leaf_codes == [f"1.1.{i}" for i in range(1, 11)]
    assert list(frame["kind"][:2]) == ["area", "task"]
    assert set(frame.loc[frame["kind"] == "competency", "required_level"]) == {3}


def test_framework_tree_rules(engine):
    """The hierarchy rule (services.hierarchy): nothing under a competency, a competency may sit directly
    under an area as imports allow; codes are unique per programme."""
    p = make_program(engine)
    nodes = make_framework(engine, p["id"])
    leaf = framework.create_node(engine, actor=SYSTEM, program_id=p["id"], kind="competency", code="9.9.9",
                                 statement="能…", parent_id=nodes["1"]["id"])
    with pytest.raises(ValidationFailed):
        framework.create_node(engine, actor=SYSTEM, program_id=p["id"], kind="task", code="9.9.9.1",
                              statement="任务", parent_id=leaf["id"])
    with pytest.raises(ValidationFailed):
        framework.create_node(engine, actor=SYSTEM, program_id=p["id"], kind="task", code="1.1",
                              statement="重复", parent_id=nodes["1"]["id"])
    other = make_program(engine)
    framework.create_node(engine, actor=SYSTEM, program_id=other["id"], kind="area", code="1", statement="同码不同专业")


def test_node_edit_records_audit_and_conflicts(engine):
    p = make_program(engine)
    nodes = make_framework(engine, p["id"])
    mentor = make_user(engine, role="mentor")
    leaf = nodes["1.1.1"]
    framework.update_node(engine, actor=mentor, node_id=leaf["id"], expected_version=leaf["version"],
                          changes={"importance": 3, "statement": "能独立完成第1项操作"})
    detail = framework.get_node(engine, node_id=leaf["id"])
    assert detail["importance"] == 3 and detail["required_level_effective"] == 2
    assert [a["code"] for a in detail["ancestors"]] == ["1", "1.1"]
    with pytest.raises(Conflict):
        framework.update_node(engine, actor=mentor, node_id=leaf["id"], expected_version=leaf["version"],
                              changes={"importance": 1})
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "competency",
                                                       AuditEvent.action == "update")).all()
        assert len(events) == 1
        assert events[0].username == mentor.username
        assert events[0].before == {"importance": 5, "statement": "能完成第1项操作"}
        assert events[0].after == {"importance": 3, "statement": "能独立完成第1项操作"}


def test_proposals_by_mentors_start_as_proposed(engine):
    p = make_program(engine)
    nodes = make_framework(engine, p["id"])
    mentor = make_user(engine, role="mentor")
    node = framework.create_node(engine, actor=mentor, program_id=p["id"], kind="competency", code="1.1.3",
                                 statement="能进行现场安全检查", parent_id=nodes["1.1"]["id"], comp_type="quality",
                                 importance=4)
    assert node["status"] == "proposed" and node["proposed_side"] == "enterprise"
    assert node["proposed_by_id"] == mentor.id


def test_search_keeps_ancestors(engine):
    p = make_program(engine)
    make_framework(engine, p["id"], tasks=2, per_task=3)
    frame = framework.framework_frame(engine, program_id=p["id"])
    hit = framework.search_frame(frame, "1.2.3")
    assert list(hit["code"]) == ["1", "1.2", "1.2.3"]
    assert len(framework.search_frame(frame, "")) == len(frame)
    assert framework.search_frame(frame, "没有这个词").empty


def test_course_catalogue_edit_and_ownership(engine):
    p = make_program(engine)
    owner = make_user(engine, role="faculty")
    stranger = make_user(engine, role="faculty")
    c2 = make_course(engine, p["id"], code="B2", name="后开课程", semester=4)
    c1 = make_course(engine, p["id"], code="A1", name="先开课程", semester=1)
    courses.set_course_owners(engine, actor=SYSTEM, course_id=c1["id"], user_ids=[owner.id])
    frame = courses.list_courses(engine, program_id=p["id"])
    assert list(frame["code"]) == ["A1", "B2"]
    assert frame.loc[0, "hours_total"] == 64
    courses.update_course(engine, actor=owner, course_id=c1["id"], expected_version=c1["version"],
                          changes={"hours_practice": 48})
    with pytest.raises(PermissionDenied):
        courses.update_course(engine, actor=stranger, course_id=c1["id"], expected_version=c1["version"] + 1,
                              changes={"name": "x"})
    with pytest.raises(PermissionDenied):
        courses.update_course(engine, actor=owner, course_id=c2["id"], expected_version=c2["version"],
                              changes={"name": "x"})
    with pytest.raises(ValidationFailed):
        courses.update_course(engine, actor=SYSTEM, course_id=c2["id"], expected_version=c2["version"],
                              changes={"code": "A1"})
    with pytest.raises(ValidationFailed):
        make_course(engine, p["id"], code="C3", hours_theory=-1)
    detail = courses.get_course(engine, course_id=c1["id"])
    assert detail["hours_total"] == 80 and [o["id"] for o in detail["owners"]] == [owner.id]
