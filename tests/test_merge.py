"""Merging duplicates: alignments, ratings, marks and children follow the node kept; nothing is lost silently."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Alignment, Rating
from services import dacum, framework
from services.actor import SYSTEM
from services.alignments import propose_alignment
from services.db import session_scope
from services.errors import Conflict, NotFound, ValidationFailed
from services.impact import list_marks, mark_changing
from tests.factories import make_framework, make_program, make_user


def _course(engine, program_id, code):
    from services.courses import create_course

    return create_course(engine, actor=SYSTEM, program_id=program_id, code=code, name=f"课程{code}")


def test_merging_two_competencies_moves_what_pointed_at_the_duplicate(engine):
    program = make_program(engine)
    nodes = make_framework(engine, program["id"], tasks=1, per_task=2)
    keep, drop = nodes["1.1.1"], nodes["1.1.2"]
    c1, c2 = _course(engine, program["id"], "C1"), _course(engine, program["id"], "C2")
    propose_alignment(engine, actor=SYSTEM, level=1, competency_id=keep["id"], course_id=c1["id"])
    propose_alignment(engine, actor=SYSTEM, level=3, competency_id=drop["id"], course_id=c1["id"])
    propose_alignment(engine, actor=SYSTEM, level=2, competency_id=drop["id"], course_id=c2["id"])
    with session_scope(engine) as session:
        session.add(Rating(competency_id=drop["id"], rater="赵师傅", importance=4))
    mentor = make_user(engine, role="mentor")
    mark_changing(engine, actor=mentor, node_id=drop["id"], reason="process", note="新工艺")
    result = framework.merge_nodes(engine, actor=mentor, keep_id=keep["id"], drop_id=drop["id"],
                                   keep_version=keep["version"], drop_version=drop["version"])
    assert result["moved"] == 1 and result["merged"] == 1
    with session_scope(engine) as session:
        links = {(a.course_id, a.level) for a in session.exec(select(Alignment)).all()}
        raters = session.exec(select(Rating.rater).where(Rating.competency_id == keep["id"])).all()
    assert links == {(c1["id"], 3), (c2["id"], 2)}  # the stronger level wins on the shared course
    assert raters == ["赵师傅"]
    assert [m["competency_id"] for m in list_marks(engine, program_id=program["id"])] == [keep["id"]]
    with pytest.raises(NotFound):
        framework.get_node(engine, node_id=drop["id"])


def test_merging_duplicate_tasks_moves_their_cards_children_and_checks_versions(engine):
    program = make_program(engine)
    nodes = make_framework(engine, program["id"], tasks=2, per_task=2)
    keep, drop = nodes["1.1"], nodes["1.2"]
    with pytest.raises(Conflict):
        framework.merge_nodes(engine, actor=SYSTEM, keep_id=keep["id"], drop_id=drop["id"],
                              keep_version=keep["version"], drop_version=drop["version"] + 1)
    with pytest.raises(ValidationFailed):
        framework.merge_nodes(engine, actor=SYSTEM, keep_id=keep["id"], drop_id=nodes["1.1.1"]["id"],
                              keep_version=keep["version"], drop_version=1)
    result = framework.merge_nodes(engine, actor=SYSTEM, keep_id=keep["id"], drop_id=drop["id"],
                                   keep_version=keep["version"], drop_version=drop["version"])
    assert result["children"] == 2
    children = framework.get_node(engine, node_id=keep["id"])["children"]
    assert [c["code"] for c in children] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2"]
    role = framework.create_job_role(engine, actor=SYSTEM, program_id=program["id"], name="x")
    assert dacum.dacum_chart(engine, job_role_id=role["id"])["duties"] == []
