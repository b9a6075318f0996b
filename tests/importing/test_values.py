"""Values as real plans write them: semesters, hours, stars, codes with trailing dots, numbers as text."""

from __future__ import annotations

import pytest

from services.importing import analyse
from services.importing.kinds.courses import parse_hours, parse_semester
from services.outline import parse_importance
from tests.importing.conftest import xlsx_bytes


@pytest.mark.parametrize(("text", "expected"), [
    ("3", (3, False)), ("第3学期", (3, False)), ("第三学期", (3, False)), ("1-2", (1, True)),
    ("1、2", (1, True)), ("1～4", (1, True)), ("第2、3学期", (2, True)), ("３", (3, False)), ("5.0", (5, False)),
])
def test_semesters(text, expected):
    """The first semester is kept; a span is flagged so the importer can warn."""
    assert parse_semester(text, spans=True) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("64", [64.0]), ("16+48", [16.0, 48.0]), ("１６＋４８", [16.0, 48.0]), ("32学时", [32.0]), ("48.0", [48.0]),
])
def test_hours(text, expected):
    assert parse_hours(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("★★★", 5), ("★★", 3), ("★", 1), ("核心", 5), ("重要", 3), ("一般", 1), ("A", 5), ("ｂ", 3), ("C", 1),
    ("4", 4), ("5.0", 5), ("★★★★★", 5), ("★★★★", 4),
])
def test_importance(text, expected):
    """Three stars are 核心 (like A); four and five stars count on a five-star scale."""
    assert parse_importance(text) == expected


def test_course_plan_values_import_with_warnings_not_errors(sqlite_only):
    """"16+48" hours, "1-2" semesters, credits as text, full-width digits: all rows import."""
    rows = [["课程代码", "课程名称", "学分", "学时", "开课学期"],
            ["C1", "电工基础", "3", "16+48", "1-2"], ["C2", "机械制图", "４", "６４", "第三学期"],
            ["C3", "液压与气动", "2.0", "32学时", "2、3"]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    courses = {c.code: c for c in preview.dataset.courses}
    assert (courses["C1"].hours_theory, courses["C1"].hours_practice, courses["C1"].semester) == (16, 48, 1)
    assert (courses["C2"].credits, courses["C2"].hours_theory, courses["C2"].semester) == (4, 64, 3)
    assert (courses["C3"].credits, courses["C3"].semester) == (2, 2)
    spans = [w["row"] for w in preview.warnings if w["key"] == "import.warning.semester_span"]
    assert spans == [2, 4]


def test_framework_codes_with_trailing_dots_and_star_importance(sqlite_only):
    """"1.2." is the code 1.2; ★★★ / ★★ / ★ read as 核心 / 重要 / 一般."""
    rows = [["能力编码", "职业能力", "重要程度"], ["1.", "工业机器人安装", None], ["1.1.", "机械安装", None],
            ["1.1.1.", "能识读机械装配图", "★★★"], ["1.1.2.", "能完成本体安装", "★★"], ["1.1.3", "能清点工具", "★"]]
    preview = analyse(xlsx_bytes(rows), "f.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    nodes = {n.code: n for n in preview.dataset.nodes}
    assert set(nodes) == {"1", "1.1", "1.1.1", "1.1.2", "1.1.3"}
    assert nodes["1.1.1"].parent == "1.1" and nodes["1.1"].parent == "1"
    assert [nodes[c].importance for c in ("1.1.1", "1.1.2", "1.1.3")] == [5, 3, 1]
