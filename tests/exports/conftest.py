"""Fixtures for the export tests: the demo data plus what it lacks (built through services only),
and helpers that open exported files again."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from sqlmodel import select

from models import Competency, Course, LearningUnit, Objective
from services import comments, coverage, programs, suggestions, users, workflow
from services.actor import SYSTEM
from services.db import session_scope
from services.importing import import_file
from tests.standard_factories import demo_standard_id, version_of

RATINGS_CSV = "评分人,编码,重要程度,频率,难度,备注\n张工,1.1.1,5,6,3,现场常用\n刘工,1.1.1,4,5,4,\n张工,2.1.1,5,7,2,必备\n"


def program_id(engine, code: str = "460305") -> int:
    return programs.get_program(engine, code=code)["id"]


def node_id(engine, code: str, program: str = "460305") -> int:
    with session_scope(engine) as session:
        return session.exec(select(Competency.id).where(Competency.program_id == program_id(engine, program),
                                                        Competency.code == code)).one()


def course_id(engine, code: str, program: str = "460305") -> int:
    with session_scope(engine) as session:
        return session.exec(select(Course.id).where(Course.program_id == program_id(engine, program),
                                                    Course.code == code)).one()


def approve(engine, standard_id: int) -> None:
    """Submit, then sign for the school (lead) and the enterprise (mentor)."""
    lead, mentor = users.get_actor(engine, username="lead"), users.get_actor(engine, username="mentor")
    workflow.submit(engine, actor=lead, standard_id=standard_id, expected_version=version_of(engine, standard_id))
    workflow.sign(engine, actor=lead, standard_id=standard_id, expected_version=version_of(engine, standard_id))
    workflow.sign(engine, actor=mentor, standard_id=standard_id, expected_version=version_of(engine, standard_id))


def build_rich(engine) -> dict[str, int]:
    """Approve ZH3021 r1 and start r2, add threaded comments on every kind of entity, suggestion decisions,
    ratings and a snapshot."""
    mentor, faculty = users.get_actor(engine, username="mentor"), users.get_actor(engine, username="faculty")
    sid = demo_standard_id(engine, "ZH3021")
    approve(engine, sid)
    revision = workflow.start_revision(engine, actor=users.get_actor(engine, username="lead"), standard_id=sid)
    root = comments.add_comment(engine, actor=mentor, entity_type="standard", entity_id=sid, body="请补充安全规范要求")
    comments.reply(engine, actor=faculty, comment_id=root["id"], body="已在项目一中补充")
    comments.add_comment(engine, actor=faculty, entity_type="section", entity_id=revision["standard_id"],
                         section="nature", body="课程定位需与人才培养方案一致")
    comments.add_comment(engine, actor=mentor, entity_type="competency", entity_id=node_id(engine, "1.1.1"),
                         body="企业更看重装配图识读")
    with session_scope(engine) as session:
        unit = session.exec(select(LearningUnit).where(LearningUnit.standard_id == revision["standard_id"])
                            .order_by(LearningUnit.sort_order, LearningUnit.id)).first()
        objective = session.exec(select(Objective).where(Objective.standard_id == revision["standard_id"])
                                 .order_by(Objective.sort_order, Objective.id)).first()
    comments.add_comment(engine, actor=mentor, entity_type="unit", entity_id=unit.id, body="学时偏少")
    # suggestion decisions on r2: one accepted (it proposes an alignment), one rejected per target kind
    suggestions.clear_cache()
    offered = suggestions.suggest_for_target(engine, unit_id=unit.id, top=2)["suggestions"]
    suggestions.accept_suggestion(engine, actor=faculty, unit_id=unit.id, competency_id=offered[0]["competency_id"],
                                  score=offered[0]["score"])
    suggestions.reject_suggestion(engine, actor=faculty, unit_id=unit.id, competency_id=offered[1]["competency_id"],
                                  score=offered[1]["score"], reason="不相关")
    offered = suggestions.suggest_for_target(engine, objective_id=objective.id, top=1)["suggestions"]
    suggestions.reject_suggestion(engine, actor=faculty, objective_id=objective.id,
                                  competency_id=offered[0]["competency_id"], score=offered[0]["score"])
    result = import_file(engine, actor=SYSTEM, data=RATINGS_CSV.encode("utf-8"), filename="ratings.csv",
                         program_code="460305", kind="ratings")
    assert result.ok, result.errors
    coverage.take_snapshot(engine, actor=SYSTEM, program_id=program_id(engine), label="baseline")
    return {"standard_r1": sid, "standard_r2": revision["standard_id"]}


@pytest.fixture
def rich_engine(seeded_engine):
    """The demo database plus an approved standard with a second revision, comments, ratings and a snapshot."""
    build_rich(seeded_engine)
    return seeded_engine


def workbook(content: bytes, **kwargs) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content), **kwargs)


def sheet_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def no_formulas(wb: openpyxl.Workbook) -> None:
    """No cell of any sheet is a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"


def parsed(content: bytes) -> dict:
    return json.loads(content.decode("utf-8"))


def table_counts(engine) -> dict[str, int]:
    """Rows per table: a refused or dry-run restore leaves them all as they were."""
    from sqlalchemy import func
    from sqlalchemy import select as sa_select

    from models import metadata

    with engine.connect() as conn:
        return {t.name: conn.execute(sa_select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
