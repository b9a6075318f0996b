"""A 国家职业技能标准 with its weight tables (比重表), laid out as the published standards lay them out: the
requirement table on one sheet, 理论知识权重表 and 技能要求权重表 on another. The weights are stored with the
source, checked (each level adds up to 100), shown per source and weigh coverage at a chosen level."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlmodel import select

from models import JobRole, Program, SkillWeight
from services import coverage, framework, sources
from services.actor import SYSTEM
from services.alignments import propose_alignment
from services.courses import create_course
from services.db import session_scope
from services.importing.readers import RawBook, RawSheet
from services.importing.weights import level_of, read_weight_tables
from tests.importing.conftest import created, run_import, table_counts

ROLE = "工业机器人系统运维员（国家职业技能标准）"
REQUIREMENTS = [
    ["工业机器人系统运维员国家职业技能标准"],
    ["职业功能", "工作内容", "技能要求", "相关知识要求", "等级", "岗位"],
    ["1 设备安装", "1.1 机械安装", "1.1.1 能安装机器人本体", "机械装配知识", "五级", ROLE],
    [None, None, "1.1.2 能调整减速器间隙", "传动知识", "四级", ROLE],
    ["2 设备维护", "2.1 日常保养", "2.1.1 能完成日常点检", "点检规范", "五级", ROLE],
    [None, None, "2.1.2 能更换易损件", "易损件知识", "四级", ROLE],
    [None, None, "2.1.3 能制定保养计划", "保养计划知识", "三级", ROLE],
]
LEVELS = ["五级/初级工(%)", "四级/中级工(%)", "三级/高级工(%)"]
WEIGHTS = [
    ["4.1 理论知识权重表"],
    ["项目", None, *LEVELS],
    ["基本要求", "职业道德", 5, 5, 5],
    [None, "基础知识", 25, 20, 15],
    ["相关知识要求", "设备安装", 40, 35, 30],
    [None, "设备维护", 30, 40, 50],
    ["合计", None, 100, 100, 100],
    [],
    ["4.2 技能要求权重表"],
    ["项目", None, *LEVELS],
    ["技能要求", "设备安装", 60, 30, 40],
    [None, "设备维护", 40, 70, 60],
    ["合计", None, 100, 100, 100],
]
WEIGHT_MERGES = ["A2:B2", "A3:A4", "A5:A6", "A7:B7", "A10:B10", "A11:A12", "A13:B13"]


def standard_workbook(weights=WEIGHTS, *, prefix: str = "") -> bytes:
    """The standard as an .xlsx; ``prefix`` goes before every outline code (G1.1.1), to import it beside a framework."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "职业技能要求"
    for n, row in enumerate(REQUIREMENTS):
        sheet.append([f"{prefix}{v}" if n >= 2 and c < 3 and v else v for c, v in enumerate(row)])
    for rng in ("A3:A4", "B3:B4", "A5:A7", "B5:B7"):
        sheet.merge_cells(rng)
    other = book.create_sheet("权重表")
    for row in weights:
        other.append(row)
    for rng in WEIGHT_MERGES:
        other.merge_cells(rng)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _weights(engine) -> list[tuple]:
    with session_scope(engine) as session:
        return sorted((w.part, w.section, w.item, w.level, w.weight) for w in session.exec(select(SkillWeight)).all())


def test_the_weight_tables_import_with_the_standard_and_replace_on_a_new_import(engine):
    _, result = run_import(engine, standard_workbook(), "国家标准.xlsx", kind="framework", program="NS")
    assert result.ok, result.errors
    assert created(result)["competency"] == 5  # the weight sheet is no requirement table
    stored = _weights(engine)
    assert len(stored) == 4 * 3 + 2 * 3
    assert ("theory", "基本要求", "职业道德", "五级", 5.0) in stored
    assert ("theory", "相关知识要求", "设备维护", "三级", 50.0) in stored
    assert ("skill", "技能要求", "设备维护", "四级", 70.0) in stored
    with session_scope(engine) as session:
        program_id = session.exec(select(Program.id).where(Program.code == "NS")).one()
    [table] = sources.skill_weight_tables(engine, program_id=program_id)
    assert table["name"] == ROLE and table["parts"]["skill"]["levels"] == ["五级", "四级", "三级"]
    assert [(r["section"], r["item"]) for r in table["parts"]["theory"]["rows"]] == [
        ("基本要求", "职业道德"), ("基本要求", "基础知识"), ("相关知识要求", "设备安装"), ("相关知识要求", "设备维护")]
    # importing the standard again with a changed table replaces the source's tables
    changed = [row[:] for row in WEIGHTS]
    changed[10], changed[11] = ["技能要求", "设备安装", 50, 30, 40], [None, "设备维护", 50, 70, 60]
    _, again = run_import(engine, standard_workbook(changed), "国家标准.xlsx", kind="framework", program="NS")
    assert again.ok and len(_weights(engine)) == 18
    assert ("skill", "技能要求", "设备安装", "五级", 50.0) in _weights(engine)


def test_weights_that_do_not_add_up_or_are_no_number_are_refused_with_their_place(engine):
    bad = [row[:] for row in WEIGHTS]
    bad[4] = ["相关知识要求", "设备安装", 40, 30, 30]  # 四级 theory adds up to 95
    bad[11] = [None, "设备维护", "四十", 70, 60]
    before = table_counts(engine)
    preview, result = run_import(engine, standard_workbook(bad), "国家标准.xlsx", kind="framework", program="NS")
    assert not result.ok and table_counts(engine) == before
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in preview.errors}
    assert ("权重表", 7, "D") in errors and "95" in errors[("权重表", 7, "D")] and "四级" in errors[("权重表", 7, "D")]
    assert ("权重表", 12, "C") in errors and "四十" in errors[("权重表", 12, "C")]
    long = [row[:] for row in WEIGHTS]
    long[11] = [None, "设备维护" * 200, 40, 70, 60]
    preview, result = run_import(engine, standard_workbook(long), "国家标准.xlsx", kind="framework", program="NS",
                                 lang="en")
    assert not result.ok and table_counts(engine) == before
    assert ("权重表", 12, "B") in {(e["sheet"], e["row"], e["column"]) for e in preview.errors}


def test_rounded_tables_pass_and_levels_without_numbers_are_left_out():
    rows = [["技能操作比重表"], ["项目", None, "五级", "四级", "二级/技师(%)"],
            ["技能要求", "设备安装", 33.3, 50, "—"], [None, "设备维护", 33.3, 50, None], [None, "设备调试", 33.3, "", "—"],
            ["合计", None, 100, 100, "—"]]
    tables = read_weight_tables(RawBook(filename="x.xlsx", fmt="xlsx", sheets=[RawSheet(name="Sheet2", rows=rows)]))
    assert tables.errors == [] and tables.levels("skill") == ["五级", "四级"]
    assert level_of("一级/高级技师(%)") == "一级" and level_of("技师") == "二级" and level_of("项目") is None


def test_coverage_at_a_level_weighs_requirements_by_the_skill_table(sqlite_engine):
    """四级: 设备安装 30 %, 设备维护 70 % — four requirements (五级 and 四级), two under each function."""
    engine = sqlite_engine
    _, result = run_import(engine, standard_workbook(), "国家标准.xlsx", kind="framework", program="NS")
    assert result.ok
    with session_scope(engine) as session:
        role = session.exec(select(JobRole).where(JobRole.name == ROLE)).one()
        role_id, version, program_id = role.id, role.version, role.program_id
    framework.update_job_role(engine, actor=SYSTEM, job_role_id=role_id, expected_version=version,
                              changes={"kind": "certificate"})
    course = create_course(engine, actor=SYSTEM, program_id=program_id, code="C1", name="工业机器人维护")
    node = {n["code"]: int(n["id"]) for _, n in framework.framework_frame(engine, program_id=program_id).iterrows()}
    propose_alignment(engine, actor=SYSTEM, level=3, competency_id=node["2.1.1"], course_id=course["id"], accept=True)

    plain = coverage.compute_coverage(engine, program_id=program_id)
    weighted = coverage.compute_coverage(engine, program_id=program_id, level="四级")
    assert plain.metrics["weighted_coverage"] == pytest.approx(1 / 5)  # every requirement weighs 1
    by_code = dict(zip(weighted.by_competency["code"], weighted.by_competency["weight"], strict=True))
    # I_S = 4 (unrated: 1 each); w = 4 × (W / n) / Σ W = 4 × (70 / 2) / 100 = 1.4 and 4 × (30 / 2) / 100 = 0.6
    assert by_code == pytest.approx({"1.1.1": 0.6, "1.1.2": 0.6, "2.1.1": 1.4, "2.1.2": 1.4})
    assert weighted.metrics["weighted_coverage"] == pytest.approx(1.4 / 4)
    uncovered = weighted.gaps.loc[weighted.gaps["kind"] == "uncovered", "code"].tolist()
    assert uncovered == ["2.1.2", "1.1.1", "1.1.2"]  # the heavier function's gap first
    page = sources.sources_overview(engine, program_id=program_id, level="四级")["by_kind"]["certificate"]
    assert page["weighted_coverage"] == pytest.approx(1.4 / 4)  # the 岗课赛证 page weighs the same way
    # 五级: 60 % / 40 %, one requirement under each: w = 2 × 60 / 100 = 1.2 and 0.8
    lowest = coverage.compute_coverage(engine, program_id=program_id, level="五级")
    assert lowest.metrics["weighted_coverage"] == pytest.approx(0.8 / 2)
