"""Stored text is what the file said (trimmed only); matching and duplicate detection use normalised keys."""

from __future__ import annotations

from sqlmodel import select

from models import Competency, Course
from services.db import session_scope
from services.importing import analyse
from services.importing.readers import exact_text
from tests.importing.conftest import created, run_import, updated, xlsx_bytes
from tests.importing.layouts import gb18030_csv

STATEMENT = "能识读机械装配图，并按照工艺要求（GB/T 1234—2018）完成本体安装；"
ROWS = [
    ["工作领域", "工作任务", "职业能力", "重要程度"],
    ["1 工业机器人安装：本体与外围", "1.1 机械安装", f"1.1.1 {STATEMENT}", "A"],
    [None, None, "1.1.2 能完成PLC与机器人的I/O通信配置：\n信号表、地址表", "B"],
]


def statements(engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return {c.code: c.statement for c in session.exec(select(Competency)).all()}


def test_full_width_punctuation_and_line_breaks_are_stored_as_written(engine):
    """，；：（）— and a line break inside a statement survive the import; re-import changes nothing."""
    data = xlsx_bytes(ROWS, merges=["A2:A3", "B2:B3"])
    _preview, result = run_import(engine, data, "分析表.xlsx")
    assert result.ok, result.errors
    got = statements(engine)
    assert got["1.1.1"] == STATEMENT
    assert got["1.1.2"] == "能完成PLC与机器人的I/O通信配置：\n信号表、地址表"
    assert got["1"] == "工业机器人安装：本体与外围"
    _preview, again = run_import(engine, data, "分析表.xlsx")
    assert again.ok and created(again) == {} and updated(again) == {}


def test_a_folded_statement_in_the_database_is_updated_to_the_exact_text(engine):
    """The planner compares stored text exactly: the old folded text (，→,) is a change, matched by code."""
    folded = [ROWS[0], ["1 工业机器人安装：本体与外围", "1.1 机械安装", "1.1.1 " + STATEMENT.replace("，", ",")
                        .replace("；", ";").replace("（", "(").replace("）", ")"), "A"]]
    run_import(engine, xlsx_bytes(folded), "old.xlsx")
    _preview, result = run_import(engine, xlsx_bytes(ROWS[:2]), "new.xlsx")
    assert result.ok and updated(result) == {"competency": 1}
    assert statements(engine)["1.1.1"] == STATEMENT


def test_gb18030_csv_keeps_full_width_text(sqlite_only):
    """A CSV saved by Excel on Chinese Windows: GB18030 decoded, full-width text stored unchanged."""
    rows = [["课程代码", "课程名称", "学分", "课程简介"],
            ["ZH001", "工业机器人编程（ABB）", "４", "掌握示教编程；了解离线编程：RobotStudio。"]]
    preview, result = run_import(sqlite_only, gb18030_csv(rows), "课程.csv")
    assert preview.info["encoding"] == "gb18030" and result.ok, result.errors
    with session_scope(sqlite_only) as session:
        course = session.exec(select(Course).where(Course.code == "ZH001")).one()
        assert course.name == "工业机器人编程（ABB）" and course.credits == 4
        assert course.description == "掌握示教编程；了解离线编程：RobotStudio。"


def test_error_messages_quote_the_original_text(sqlite_only):
    """An unreadable importance is quoted as typed (full-width colon kept)."""
    rows = [ROWS[0], ["1 安装", "1.1 机械安装", "1.1.1 能识读图纸", "很重要：待定"]]
    preview = analyse(xlsx_bytes(rows), "分析表.xlsx", engine=None, program_code="P1", lang="zh")
    assert not preview.ok
    assert "很重要：待定" in preview.errors[0]["message"]


def test_duplicates_are_found_by_normalised_key_but_reported_in_original_text(sqlite_only):
    """Two courses whose codes differ only in width are one code: the second is a duplicate."""
    rows = [["课程代码", "课程名称"], ["ZH001", "工业机器人编程"], ["ＺＨ００１", "工业机器人编程（二）"]]
    preview = analyse(xlsx_bytes(rows), "c.xlsx", engine=None, program_code="P1")
    assert [e["key"] for e in preview.errors] == ["import.error.duplicate_code"]


def test_exact_text_trims_only():
    """``exact_text``: surrounding whitespace and Excel's "_x000D_" go, everything else stays."""
    assert exact_text("  能识读，图纸；\n  ") == "能识读，图纸；"
    assert exact_text("第一行_x000D_\n第二行") == "第一行\n第二行"
    assert exact_text("ＡＢＣ　１２３") == "ＡＢＣ　１２３"
    assert exact_text(3.0) == "3" and exact_text(None) == ""
