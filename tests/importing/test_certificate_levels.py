"""1+X and 国家职业技能标准 tables import like frameworks; the 等级 column becomes each requirement's level."""

from __future__ import annotations

from sqlmodel import select

from models import Competency, JobRole, Program
from services import framework, sources
from services.actor import SYSTEM
from services.db import session_scope
from tests.importing.conftest import created, run_import, xlsx_bytes

ONE_PLUS_X = [
    ["工业机器人应用编程职业技能等级标准"],
    ["工作领域", "工作任务", "职业技能要求", "等级", "岗位"],
    ["1 工业机器人编程", "1.1 示教编程", "1.1.1 能使用示教器完成单轴运动", "初级", "1+X 工业机器人应用编程"],
    [None, None, "1.1.2 能编写码垛程序", "中级", "1+X 工业机器人应用编程"],
    [None, "1.2 离线编程", "1.2.1 能完成离线编程与仿真", "高级", "1+X 工业机器人应用编程"],
]
NATIONAL = [
    ["职业功能", "工作内容", "技能要求", "相关知识要求", "等级"],
    ["1 设备安装", "1.1 机械安装", "1.1.1 能安装机器人本体", "机械装配知识", "五级"],
    [None, None, "1.1.2 能调整减速器间隙", "传动知识", "四级"],
]


def _levels(engine, program="P1") -> dict[str, str]:
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == program)).one()
        return {c.code: c.cert_level for c in session.exec(select(Competency).where(
            Competency.program_id == pid, Competency.kind == "competency")).all()}


def test_a_1x_standard_imports_with_its_levels_and_shows_middle_level_coverage(engine):
    _, result = run_import(engine, xlsx_bytes(ONE_PLUS_X, merges=["A3:A5", "B3:B4"]), "1x.xlsx", kind="framework")
    assert result.ok and created(result)["competency"] == 3
    assert _levels(engine) == {"1.1.1": "初级", "1.1.2": "中级", "1.2.1": "高级"}
    with session_scope(engine) as session:
        role = session.exec(select(JobRole)).one()
        role_id, version, program_id = role.id, role.version, role.program_id
    framework.update_job_role(engine, actor=SYSTEM, job_role_id=role_id, expected_version=version,
                              changes={"kind": "certificate"})
    middle = sources.sources_overview(engine, program_id=program_id, level="中级")["by_kind"]["certificate"]
    assert middle["competencies"] == 2 and sorted(u["code"] for u in middle["uncovered"]) == ["1.1.1", "1.1.2"]
    # importing the same file again changes nothing; a changed level is an update
    _, again = run_import(engine, xlsx_bytes(ONE_PLUS_X, merges=["A3:A5", "B3:B4"]), "1x.xlsx", kind="framework")
    assert again.ok and not created(again)
    changed = [row[:] for row in ONE_PLUS_X]
    changed[3] = [None, None, "1.1.2 能编写码垛程序", "高级", "1+X 工业机器人应用编程"]
    _, update = run_import(engine, xlsx_bytes(changed, merges=["A3:A5", "B3:B4"]), "1x.xlsx", kind="framework")
    assert update.ok and _levels(engine)["1.1.2"] == "高级"


def test_a_national_occupational_standard_table_keeps_its_grades(engine):
    _, result = run_import(engine, xlsx_bytes(NATIONAL, merges=["A2:A3", "B2:B3"]), "国家标准.xlsx", kind="framework",
                           program="P2")
    assert result.ok and _levels(engine, "P2") == {"1.1.1": "五级", "1.1.2": "四级"}
