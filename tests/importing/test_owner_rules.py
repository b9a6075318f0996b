"""One write path: the import refuses what each record's owning module refuses, at its cell, and stores the editor's row."""

from __future__ import annotations

import io

import openpyxl
from sqlmodel import select

from models import Competency, Course, CourseStandard, Program
from services.actor import SYSTEM
from services.courses import create_course
from services.db import session_scope
from services.framework import create_node
from services.importing import analyse, commit
from services.importing.plan import DbState, build_plan
from services.importing.records import AlignmentIn, CourseIn, Dataset, JobRoleIn, NodeIn, Origin, RatingIn
from services.importing.templates import template_workbook
from tests.factories import make_program
from tests.importing.conftest import created, run_import, table_counts, xlsx_bytes

COURSE_SHEET = "课程信息 Course"


def _standard_with(**cells) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook("standard")))
    for ref, value in cells.items():
        wb[COURSE_SHEET][ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _refusals(errors) -> set[tuple]:
    return {(e["sheet"], e["row"], e["column"]) for e in errors if e["key"] == "import.error.refused"}


def test_course_hours_and_credits_the_editor_refuses_are_refused_at_their_cells(engine):
    """A standard template whose new course has 3000 theory hours and 99 credits: both cells named in the
    preview in the editor's words, the whole import rejected, the database unchanged."""
    run_import(engine, template_workbook("framework"), "framework.xlsx")
    before = table_counts(engine)
    data = _standard_with(B5=99, B6=3000)
    preview = analyse(data, "standard.xlsx", engine=engine, program_code="P1", lang="en")
    assert _refusals(preview.errors) == {(COURSE_SHEET, 5, "学分 / Credits"),
                                         (COURSE_SHEET, 6, "理论学时 / Theory hours")}
    messages = " ".join(e["message"] for e in preview.errors)
    assert "ZY2031" in messages and "0–2000" in messages and "0–60" in messages
    result = commit(engine, actor=SYSTEM, preview=preview)
    assert not result.ok and table_counts(engine) == before


def test_a_refused_course_leaves_out_its_standard_when_invalid_rows_are_skipped(sqlite_only):
    """--skip-invalid: the refused course and the standard written for it stay out, nothing is half written."""
    run_import(sqlite_only, template_workbook("framework"), "framework.xlsx")
    _, result = run_import(sqlite_only, _standard_with(B6=3000), "standard.xlsx", skip_invalid=True)
    assert result.ok and created(result) == {}
    with session_scope(sqlite_only) as session:
        assert session.exec(select(Course)).all() == [] and session.exec(select(CourseStandard)).all() == []


def test_course_updates_are_checked_on_the_merged_values(engine):
    """A catalogue row that raises an existing course's credits to 61: refused at the credits cell, like
    ``update_course``; the stored course keeps its credits."""
    rows = [["课程代码", "课程名称", "学分", "理论学时"], ["ZY101", "机器人基础", 3, 32]]
    run_import(engine, xlsx_bytes(rows), "courses.xlsx")
    before = table_counts(engine)
    state = DbState(program={"id": 1, "code": "P1", "name": "P1", "version": 1}, courses={"ZY101": {
        "id": 1, "code": "ZY101", "name": "机器人基础", "course_type": "professional_core", "credits": 3.0,
        "hours_theory": 32, "hours_practice": 0, "semester": None, "description": "", "version": 1}})
    dataset = Dataset(kind="courses", courses=[CourseIn(
        code="ZY101", name="机器人基础", credits=61.0, fields=frozenset({"name", "credits"}),
        origin=Origin("课程", 2, columns={"credits": "学分"}))])
    plan = build_plan(state, dataset, program_code="P1", filename="c.xlsx")
    assert [(i.key, i.sheet, i.row, i.column) for i in plan.errors] == [("import.error.refused", "课程", 2, "学分")]
    assert plan.ops == []
    assert table_counts(engine) == before


def test_nodes_the_framework_editor_refuses_are_refused_with_their_descendants_and_links():
    """Importance 7 and an unknown kind: each refused at its cell; a child of the refused node and the links to
    them are left out without more errors; the valid area is still planned."""
    dataset = Dataset(kind="framework", nodes=[
        NodeIn(code="1", statement="安装调试", kind="area", origin=Origin("表", 3, "工作领域")),
        NodeIn(code="1.1", statement="能装配", kind="competency", parent="1", importance=7,
               origin=Origin("表", 4, "能力", columns={"importance": "重要程度"})),
        NodeIn(code="1.2", statement="能调试", kind="skill", parent="1",
               origin=Origin("表", 5, "能力", columns={"kind": "层级"})),
        NodeIn(code="1.2.1", statement="能记录", kind="competency", parent="1.2", origin=Origin("表", 6, "能力")),
    ], alignments=[AlignmentIn(competency="1.1", course="C1", level=2), AlignmentIn(competency="1.2.1", course="C1",
                                                                                    level=2)],
        courses=[CourseIn(code="C1", name="课程", origin=Origin("矩阵", 1))])
    plan = build_plan(DbState(program=None), dataset, program_code="P1", filename="f.xlsx")
    assert [(i.key, i.row, i.column) for i in plan.errors] == [("import.error.refused", 4, "重要程度"),
                                                                ("import.error.refused", 5, "层级")]
    assert [(op.entity, op.key) for op in plan.ops] == [("area", "1"), ("course", "C1")]
    assert "1–5" in plan.errors[0].message("en")


def test_ratings_and_job_roles_the_owners_refuse_are_refused():
    """A new rating of importance 9, a stored one's difficulty raised to 6, a job role without a name: refused
    at their cells (the rating rule of ``surveys.new_rating_row``, the job-role rule of the framework)."""
    node = {"id": 5, "code": "1.1.1", "kind": "competency", "statement": "能装配", "parent": None, "version": 1}
    state = DbState(program={"id": 1, "code": "P1", "name": "P1", "version": 1}, nodes={"1.1.1": node},
                    ratings={("1.1.1", "李工"): {"id": 9, "importance": 3, "frequency": 3, "difficulty": 3,
                                                "comment": "", "version": 1}})
    dataset = Dataset(kind="ratings", job_roles=[JobRoleIn(name="  ")], ratings=[
        RatingIn("1.1.1", "张工", importance=9, fields=frozenset({"importance"}),
                 origin=Origin("问卷", 2, columns={"importance": "重要程度"})),
        RatingIn("1.1.1", "李工", difficulty=6, fields=frozenset({"difficulty"}),
                 origin=Origin("问卷", 3, columns={"difficulty": "难度"})),
        RatingIn("1.1.1", "王工", importance=4, fields=frozenset({"importance"}), origin=Origin("问卷", 4))])
    plan = build_plan(state, dataset, program_code="P1", filename="r.xlsx")
    assert [(i.key, i.sheet, i.row, i.column) for i in plan.errors] == [
        ("import.error.refused", None, None, None), ("import.error.refused", "问卷", 2, "重要程度"),
        ("import.error.refused", "问卷", 3, "难度")]
    assert [(op.entity, op.action, op.key) for op in plan.ops] == [("rating", "create", "1.1.1 / 王工")]
    assert "1–5" in plan.errors[1].message("en") and "1–5" in plan.errors[2].message("zh")


COLUMNS = ("kind", "code", "statement", "comp_type", "importance", "required_level", "notes", "external_uri",
           "cert_level", "status", "proposed_by_id", "proposed_side", "confirmed_by_id", "version", "job_role_id")
COURSE_COLUMNS = ("code", "name", "course_type", "credits", "hours_theory", "hours_practice", "semester",
                  "description", "version")


def _rows(engine, program: str, model, columns) -> dict[str, tuple]:
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == program)).one()
        return {r.code: tuple(getattr(r, c) for c in columns)
                for r in session.exec(select(model).where(model.program_id == pid)).all()}


def test_the_same_values_store_the_same_row_through_the_editor_and_the_import(engine):
    """A course and an area → task → competency imported into one programme and entered in the editor
    (``create_course``, ``create_node``) into another: the stored rows are the same, column for column."""
    catalogue = [["课程代码", "课程名称", "课程类别", "学分", "理论学时", "实践学时", "开设学期"],
                 ["ZY101", "工业机器人编程（ABB）", "专业核心课", 3.5, 32, 16, 2]]
    framework = [["工作领域", "工作任务", "能力编码", "职业能力", "类型", "重要程度"],
                 ["1 安装调试", "1.1 机械安装", "1.1.1", "能识读装配图", "技能", "A"]]
    for rows, name in ((catalogue, "courses.xlsx"), (framework, "framework.xlsx")):
        _, result = run_import(engine, xlsx_bytes(rows), name)
        assert result.ok, result.errors
    program = make_program(engine, code="P2")
    create_course(engine, actor=SYSTEM, program_id=program["id"], code="ZY101", name="工业机器人编程（ABB）",
                  course_type="professional_core", credits=3.5, hours_theory=32, hours_practice=16, semester=2)
    area = create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code="1", statement="安装调试")
    task = create_node(engine, actor=SYSTEM, program_id=program["id"], kind="task", code="1.1", statement="机械安装",
                       parent_id=area["id"])
    create_node(engine, actor=SYSTEM, program_id=program["id"], kind="competency", code="1.1.1",
                statement="能识读装配图", parent_id=task["id"], comp_type="skill", importance=5)
    assert _rows(engine, "P1", Course, COURSE_COLUMNS) == _rows(engine, "P2", Course, COURSE_COLUMNS)
    imported, edited = _rows(engine, "P1", Competency, COLUMNS), _rows(engine, "P2", Competency, COLUMNS)
    assert set(imported) == {"1", "1.1", "1.1.1"} and imported == edited


def test_the_import_s_node_checker_answers_as_the_rule_does():
    """``framework.node_checker`` (the import's many-row form) reuses ``node_errors``' answer per distinct
    combination: for every combination of kinds, texts, types, importance and level values (ints, a float,
    a bool, a string), statuses and parent kinds it answers exactly as ``node_errors``."""
    from itertools import product

    from services.framework import node_checker, node_errors

    check, compared = node_checker(), 0
    for kind, code, statement, comp_type, importance, required, status, parent_kind in product(
            ("area", "task", "competency", "x"), ("A1", "", " ", None, "_x000D_"), ("能", ""), (None, "skill", "bad"),
            (None, 1, 5, 7, 1.0, True, "3"), (None, 2, 4), ("accepted", "nope"), (None, "area", "task", "competency")):
        values = dict(kind=kind, code=code, statement=statement, comp_type=comp_type, importance=importance,
                      required_level=required, status=status)
        got = [(e.field, e.params) for e in check(values, parent_kind=parent_kind)]
        assert got == [(e.field, e.params) for e in node_errors(values, parent_kind=parent_kind)], values
        compared += 1
    assert compared == 4 * 5 * 2 * 3 * 7 * 3 * 2 * 4
