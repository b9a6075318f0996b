"""Several statements in one 职业能力 cell: one competency each, in order; wrapped sentences stay whole."""

from __future__ import annotations

from services.importing import analyse
from services.importing.splits import split_statements
from tests.importing.conftest import created, run_import, xlsx_bytes

ROWS = [
    ["工作领域", "工作任务", "职业能力", "重要程度"],
    ["1 工业机器人安装", "1.1 机械安装", "1.能识读机械装配图\n2.能完成本体安装", "A"],
    [None, "1.2 电气安装", "（1）能识读电气原理图；（2）能完成电气接线。", "A"],
    ["2 工业机器人编程", "2.1 示教编程", "①能完成示教编程②能编写码垛程序", "B"],
    [None, "2.2 离线编程", "1、能使用离线编程软件\n2、能完成仿真验证", "B"],
    [None, "2.3 程序调试", "能根据工艺要求\n完成机器人程序的调试与优化", "A"],
    [None, "2.4 日常维护", "能完成日常点检。\n能更换易损件。", "C"],
]
MERGES = ["A2:A3", "A4:A7"]


def competencies(preview) -> dict[str, str]:
    return {n.code: n.statement for n in preview.dataset.nodes if n.kind == "competency"}


def test_numbered_and_line_separated_statements_become_one_competency_each(sqlite_only):
    """Five split cells give 2 statements each, the wrapped sentence stays one: 11 competencies, codes by task."""
    preview, result = run_import(sqlite_only, xlsx_bytes(ROWS, merges=MERGES), "分析表.xlsx")
    assert result.ok, result.errors
    assert created(result) == {"area": 2, "task": 6, "competency": 11}
    assert competencies(preview) == {
        "1.1.1": "能识读机械装配图", "1.1.2": "能完成本体安装",
        "1.2.1": "能识读电气原理图；", "1.2.2": "能完成电气接线。",
        "2.1.1": "能完成示教编程", "2.1.2": "能编写码垛程序",
        "2.2.1": "能使用离线编程软件", "2.2.2": "能完成仿真验证",
        "2.3.1": "能根据工艺要求\n完成机器人程序的调试与优化",
        "2.4.1": "能完成日常点检。", "2.4.2": "能更换易损件。"}
    splits = preview.to_dict()["reading"][0]["splits"]
    assert [(s["row"], s["column"], len(s["parts"])) for s in splits] == [
        (2, "C", 2), (3, "C", 2), (4, "C", 2), (5, "C", 2), (7, "C", 2)]
    assert splits[0]["parts"] == ["能识读机械装配图", "能完成本体安装"]


def test_split_cells_false_keeps_every_cell_whole(sqlite_only):
    """``split_cells=False``: one competency per cell, its text exactly as the cell holds it."""
    preview = analyse(xlsx_bytes(ROWS, merges=MERGES), "分析表.xlsx", engine=None, program_code="P1",
                      split_cells=False)
    assert preview.ok, preview.errors
    got = competencies(preview)
    assert len(got) == 6 and got["1.1.1"] == "1.能识读机械装配图\n2.能完成本体安装"
    assert preview.to_dict()["reading"][0]["splits"] == []


def test_one_cell_can_be_kept_whole(sqlite_only):
    """``split_cells=["C2"]`` keeps only that cell whole: 10 competencies."""
    preview = analyse(xlsx_bytes(ROWS, merges=MERGES), "分析表.xlsx", engine=None, program_code="P1",
                      split_cells=["C2"])
    assert preview.ok, preview.errors
    got = competencies(preview)
    assert len(got) == 10 and got["1.1.1"] == "1.能识读机械装配图\n2.能完成本体安装"
    assert [s["row"] for s in preview.to_dict()["reading"][0]["splits"]] == [3, 4, 5, 7]


def test_split_rules():
    """Numbering decides: lists split, a wrapped sentence or a decimal outline code does not."""
    assert split_statements("1.能识读图纸\n2.能安装") == ["能识读图纸", "能安装"]
    assert split_statements("(1)能识读 (2)能安装 (3)能调试") == ["能识读", "能安装", "能调试"]
    assert split_statements("①能识读；\n②能安装；") == ["能识读；", "能安装；"]
    assert split_statements("1、能识读\n   图纸\n2、能安装") == ["能识读\n   图纸", "能安装"]
    assert split_statements("能根据工艺要求\n完成调试") is None
    assert split_statements("1.2.1 能识读图纸") is None
    assert split_statements("能识读图纸（1）") is None
    assert split_statements("Can read drawings;\nCan assemble parts.") == ["Can read drawings;", "Can assemble parts."]
    assert split_statements("能完成点检，\n并记录结果") is None


def test_lines_with_their_own_outline_codes_split_and_keep_the_codes(sqlite_only):
    """"1.1.1 能…\\n1.1.2 能…" in one cell: two competencies coded 1.1.1 and 1.1.2."""
    rows = [["工作领域", "工作任务", "职业能力"],
            ["1 安装", "1.1 机械安装", "1.1.1 能识读机械装配图\n1.1.2 能完成本体安装"]]
    preview = analyse(xlsx_bytes(rows), "f.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    assert competencies(preview) == {"1.1.1": "能识读机械装配图", "1.1.2": "能完成本体安装"}


def test_national_skill_standard_headers():
    """职业功能 | 工作内容 | 技能要求 map onto area | task | statement."""
    from services.importing.header import SYNONYMS, map_columns

    mapping, _ = map_columns(["职业功能", "工作内容", "技能要求", "相关知识要求"], SYNONYMS)
    assert [mapping.get(i) for i in range(3)] == ["area", "task", "statement"]
