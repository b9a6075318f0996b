"""Change impact: marking a task as changing reaches its competencies' courses, units, objectives and owners."""

from __future__ import annotations

import pytest

from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.framework import framework_frame
from services.impact import impact_report, list_marks, mark_changing, resolve_mark
from services.notifications import list_notifications
from services.programs import get_program
from services.users import get_actor


def test_marking_a_task_notifies_the_owners_of_every_affected_course(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    frame = framework_frame(seeded_engine, program_id=program["id"])
    task = frame[(frame["kind"] == "task") & (frame["code"] == "2.1")].iloc[0]
    mentor, faculty = get_actor(seeded_engine, username="mentor"), get_actor(seeded_engine, username="faculty")
    report = impact_report(seeded_engine, node_id=int(task["id"]))
    leaves = frame[(frame["parent_id"] == task["id"]) & (frame["kind"] == "competency")]
    assert [c["code"] for c in report["competencies"]] == list(leaves["code"])
    assert report["courses"], "the demo aligns task 2.1's competencies to courses"
    assert all(set(c["competencies"]) <= set(leaves["code"]) for c in report["courses"])
    assert any(c["units"] or c["objectives"] for c in report["courses"])
    owners = {o["id"] for c in report["courses"] for o in c["owners"]}
    assert faculty.id in owners

    mark = mark_changing(seeded_engine, actor=mentor, node_id=int(task["id"]), reason="equipment",
                         note="新一代示教器改为平板式，操作界面变化")
    assert mark["notified"] == sorted(owners - {mentor.id})
    notes = [n for n in list_notifications(seeded_engine, actor=faculty) if n["kind"] == "change_impact"]
    assert len(notes) == 1 and notes[0]["params"]["code"] == "2.1" and notes[0]["entity_id"] == mark["id"]
    assert [m["code"] for m in list_marks(seeded_engine, program_id=program["id"])] == ["2.1"]
    resolve_mark(seeded_engine, actor=mentor, mark_id=mark["id"], expected_version=mark["version"])
    assert list_marks(seeded_engine, program_id=program["id"]) == []
    with pytest.raises(Conflict):
        resolve_mark(seeded_engine, actor=mentor, mark_id=mark["id"], expected_version=mark["version"])


def test_marks_are_refused_without_a_note_a_reason_or_the_right_role(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    frame = framework_frame(seeded_engine, program_id=program["id"])
    leaf = int(frame[frame["kind"] == "competency"].iloc[0]["id"])
    area = int(frame[frame["kind"] == "area"].iloc[0]["id"])
    mentor = get_actor(seeded_engine, username="mentor")
    with pytest.raises(ValidationFailed):
        mark_changing(seeded_engine, actor=mentor, node_id=leaf, reason="equipment", note=" ")
    with pytest.raises(ValidationFailed):
        mark_changing(seeded_engine, actor=mentor, node_id=leaf, reason="weather", note="x")
    with pytest.raises(PermissionDenied):
        mark_changing(seeded_engine, actor=get_actor(seeded_engine, username="faculty"), node_id=leaf,
                      reason="trend", note="x")
    with pytest.raises(NotFound):
        mark_changing(seeded_engine, actor=mentor, node_id=area, reason="trend", note="x")
    assert list_marks(seeded_engine, program_id=program["id"]) == []
