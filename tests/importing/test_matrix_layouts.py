"""Course–competency matrices as programme offices keep them (issue #10): legends, count rows and columns,
transposed sheets (courses as rows), marks that break the scheme named by cell. Expected counts are read off
the sheet by a person, not taken from the importer."""

from __future__ import annotations

import io

import pytest
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from services import framework
from services.actor import SYSTEM
from services.importing import analyse
from tests.factories import make_framework, make_program
from tests.importing.conftest import created, run_import, xlsx_bytes
from tests.importing.test_courses_matrix import alignments_of, courses_of

HEADER = ["能力编码", "职业能力", "工业机器人现场编程（ZY2031）", "PLC 编程（ZY2040）", "电气控制（ZY2050）"]
SYMBOL_ROWS = [["1.1.1", "能识读机械装配图", "●", "◐", ""],
               ["1.1.2", "能完成机器人示教编程", "", "●", "○"],
               ["1.2.1", "能调试 PLC 程序", "◐", "", "●"]]
# read off SYMBOL_ROWS: ● = 3, ◐ = 2, ○ = 1
SYMBOL_LINKS = {("1.1.1", "ZY2031"): 3, ("1.1.1", "ZY2040"): 2, ("1.1.2", "ZY2040"): 3, ("1.1.2", "ZY2050"): 1,
                ("1.2.1", "ZY2031"): 2, ("1.2.1", "ZY2050"): 3}


def _programme(engine, code="P1"):
    program = make_program(engine, code=code)
    make_framework(engine, program["id"], tasks=2, per_task=2)  # 1.1.1, 1.1.2, 1.2.1, 1.2.2
    return program


def _reading(preview, sheet=None):
    entries = [r for r in preview.info.get("reading", []) if sheet is None or r["sheet"] == sheet]
    assert len(entries) == 1, preview.info.get("reading")
    return entries[0]


def _ignored(preview, sheet=None):
    return {(i["row"], i["column"], i["reason"]) for i in _reading(preview, sheet)["ignored"]}


def ods_bytes(rows: list[list], title: str = "Sheet1") -> bytes:
    """A one-sheet .ods (odfpy): numbers as float cells, the rest as strings."""
    doc = OpenDocumentSpreadsheet()
    table = Table(name=title)
    for row in rows:
        tr = TableRow()
        for value in row:
            if value in ("", None):
                tr.addElement(TableCell())
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=str(value)))
                tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- legends and notes


@pytest.mark.parametrize("legend", ["图例：●强相关 ◐中等相关 ○弱相关", "●—强相关  ◐—中等相关  ○—弱相关"])
def test_legend_row_under_the_matrix_is_ignored(engine, legend):
    """A legend row under the matrix (merged across it) is set aside with a reason; the marks import."""
    _programme(engine)
    rows = [["课程–能力对应矩阵"], HEADER, *SYMBOL_ROWS, [], [legend]]
    preview, result = run_import(engine, xlsx_bytes(rows, merges=["A7:E7"]), "矩阵.xlsx", lang="en")
    assert preview.kind == "matrix" and result.ok, result.errors
    assert created(result) == {"course": 3, "alignment": 6} and result.counts["unchanged"]["competency"] == 3
    assert alignments_of(engine) == SYMBOL_LINKS
    assert _ignored(preview) == {(7, None, "legend")}
    ignored = _reading(preview)["ignored"][0]
    assert ignored["text"].startswith(legend[:5]) and not _reading(preview)["transposed"]
    assert [w["row"] for w in result.warnings if w["key"] == "import.warning.matrix_ignored_row.legend"] == [7]


def test_hml_legend_and_a_note_under_the_matrix(sqlite_only):
    """"H—高 M—中 L—低" under an H/M/L matrix and a "注：" line: both ignored, M read as medium (2)."""
    _programme(sqlite_only)
    rows = [HEADER, ["1.1.1", "能识读机械装配图", "H", "M", ""], ["1.1.2", "能完成机器人示教编程", "", "L", "H"],
            ["H—高  M—中  L—低"], ["注：本表由专业教研室与合作企业共同填写"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok and preview.mark_scheme == "hml", result.errors
    assert alignments_of(sqlite_only) == {("1.1.1", "ZY2031"): 3, ("1.1.1", "ZY2040"): 2, ("1.1.2", "ZY2040"): 1,
                                          ("1.1.2", "ZY2050"): 3}
    assert _ignored(preview) == {(4, None, "legend"), (5, None, "note")}


def test_legend_row_that_shows_the_marks_in_the_course_columns(sqlite_only):
    """"图例" in the code column with "●强", "◐中", "○弱" under the courses: a legend, not a competency."""
    _programme(sqlite_only)
    rows = [HEADER, *SYMBOL_ROWS, ["图例", "", "●强", "◐中", "○弱"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok and alignments_of(sqlite_only) == SYMBOL_LINKS, result.errors
    assert _ignored(preview) == {(5, None, "legend")}


def test_signature_line_across_the_course_columns_is_a_note(sqlite_only):
    """"制表人：… 审核人：… 日期：…" spread over three cells under the matrix: a note, not marks."""
    _programme(sqlite_only)
    rows = [HEADER, *SYMBOL_ROWS, [], ["制表人：张三", "", "审核人：李四", "", "日期：2025年6月"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok and alignments_of(sqlite_only) == SYMBOL_LINKS, result.errors
    assert _ignored(preview) == {(6, None, "note")}


def test_legend_beside_the_matrix_is_not_a_course(sqlite_only):
    """A legend column to the right ("图例" over "●强相关", "◐中等相关", "○弱相关") is ignored, not a course."""
    _programme(sqlite_only)
    rows = [[*HEADER, "", "图例"]] + [[*r, "", m] for r, m in zip(SYMBOL_ROWS, ["●强相关", "◐中等相关", "○弱相关"],
                                                                      strict=True)]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok, result.errors
    assert created(result) == {"course": 3, "alignment": 6} and alignments_of(sqlite_only) == SYMBOL_LINKS
    assert _ignored(preview) == {(None, "G", "legend")}
    assert "图例" not in {c.name for c in courses_of(sqlite_only).values()}


# --------------------------------------------------------------------------- summary rows and columns

TICK_HEADER = ["序号", "能力编码", "职业能力", "机械制图（JX01）", "电工基础（DG02）", "PLC 编程（ZY2040）",
               "工业机器人现场编程（ZY2031）"]
# ticks: JX01 supports 1 competency, DG02 2, ZY2040 3, ZY2031 4 — the count row says so
TICK_ROWS = [[1, "1.1.1", "能识读机械装配图", "√", "√", "√", "√"],
             [2, "1.1.2", "能完成机器人示教编程", "", "√", "√", "√"],
             [3, "1.2.1", "能调试 PLC 程序", "", "", "√", "√"],
             [4, "1.2.2", "能排除设备常见故障", "", "", "", "√"]]
TICK_LINKS = {("1.1.1", "JX01"): 1, ("1.1.1", "DG02"): 1, ("1.1.1", "ZY2040"): 1, ("1.1.1", "ZY2031"): 1,
              ("1.1.2", "DG02"): 1, ("1.1.2", "ZY2040"): 1, ("1.1.2", "ZY2031"): 1,
              ("1.2.1", "ZY2040"): 1, ("1.2.1", "ZY2031"): 1, ("1.2.2", "ZY2031"): 1}


def test_tick_matrix_with_a_count_row(engine):
    """"支撑能力数" under a √ matrix counts the ticks of each course (1–4): it is a summary, not marks."""
    _programme(engine)
    rows = [["课程与职业能力对应关系表"], TICK_HEADER, *TICK_ROWS, ["支撑能力数", "", "", 1, 2, 3, 4]]
    preview, result = run_import(engine, xlsx_bytes(rows, merges=["A7:C7"]), "对应表.xlsx", lang="en")
    assert preview.kind == "matrix" and preview.mark_scheme == "ticks" and result.ok, result.errors
    assert created(result) == {"course": 4, "alignment": 10} and alignments_of(engine) == TICK_LINKS
    assert _ignored(preview) == {(7, None, "summary")}


def test_unlabelled_count_row_and_count_column_in_an_ods(sqlite_only):
    """An .ods whose last row and last column count the ticks without any label: both are recognised as counts."""
    _programme(sqlite_only)
    rows = [[*TICK_HEADER, "支撑课程数"]] + [[*r, sum(1 for v in r[3:] if v)] for r in TICK_ROWS]
    rows.append(["", "", "", 1, 2, 3, 4, ""])
    preview, result = run_import(sqlite_only, ods_bytes(rows), "对应表.ods")
    assert preview.kind == "matrix" and preview.mark_scheme == "ticks" and result.ok, result.errors
    assert alignments_of(sqlite_only) == TICK_LINKS and created(result) == {"course": 4, "alignment": 10}
    assert _ignored(preview) == {(6, None, "summary"), (None, "H", "summary")}


def test_numeric_marks_with_a_count_column(sqlite_only):
    """Marks 3/2/1 and a column "覆盖数" that counts them: the column is not a course, the marks stay numeric."""
    _programme(sqlite_only)
    rows = [["能力编码", "职业能力", "机械制图（JX01）", "电工基础（DG02）", "覆盖数"],
            ["1.1.1", "能识读机械装配图", 3, 2, 2], ["1.1.2", "能完成机器人示教编程", "", 1, 1]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok and preview.mark_scheme == "numeric", result.errors
    assert alignments_of(sqlite_only) == {("1.1.1", "JX01"): 3, ("1.1.1", "DG02"): 2, ("1.1.2", "DG02"): 1}
    assert _ignored(preview) == {(None, "E", "summary")}


def test_marks_that_break_the_scheme_are_named_by_cell(sqlite_only):
    """A tick matrix with two stray values: the message names those cells (sheet + D4, F5), not the count row."""
    _programme(sqlite_only)
    rows = [TICK_HEADER, *[list(r) for r in TICK_ROWS], ["支撑能力数", "", "", 1, 2, 3, 4]]
    rows[3][3] = "？"  # D4
    rows[4][5] = "待定"  # F5
    preview = analyse(xlsx_bytes(rows, title="对应表"), "m.xlsx", engine=None, program_code="P1", lang="en")
    assert not preview.ok
    error = preview.errors[0]
    assert error["key"] == "import.error.marks_unknown" and error["sheet"] == "对应表"
    assert "D4, F5" in error["message"] and "待定" in error["message"] and "√" not in error["message"]


def test_an_ambiguous_sheet_still_asks_even_with_a_count_row(sqlite_only):
    """Only "M" marks plus a count row: still a question (H/M/L or I/R/M?), never a guess."""
    rows = [HEADER, ["1.1.1", "能识读机械装配图", "M", "", "M"], ["1.1.2", "能完成机器人示教编程", "", "M", ""],
            ["合计", "", 1, 1, 1]]
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=None, program_code="P1", lang="en")
    assert preview.fatal and preview.errors[0]["key"] == "import.error.marks_ambiguous"


# --------------------------------------------------------------------------- orientation


def test_courses_as_rows_with_competency_codes_as_columns_and_totals(engine):
    """Courses down the first column ("名称（代码）"), competency codes across, a 合计 column and row: a matrix
    (not a course catalogue), read transposed; H/M/L give 3/2/1."""
    _programme(engine)
    rows = [["课程名称", "1.1.1", "1.1.2", "1.2.1", "1.2.2", "合计"],
            ["工业机器人现场编程（ZY2031）", "H", "M", "", "L", 3],
            ["PLC 编程（ZY2040）", "", "H", "H", "", 2],
            ["电气控制（ZY2050）", "L", "", "", "M", 2],
            ["合计", 2, 2, 1, 2, 7]]
    preview, result = run_import(engine, xlsx_bytes(rows), "课程支撑矩阵.xlsx")
    assert preview.kind == "matrix" and preview.mark_scheme == "hml" and result.ok, result.errors
    assert _reading(preview)["transposed"] and preview.sheets[0]["transposed"]
    assert created(result) == {"course": 3, "alignment": 7}
    assert alignments_of(engine) == {("1.1.1", "ZY2031"): 3, ("1.1.2", "ZY2031"): 2, ("1.2.2", "ZY2031"): 1,
                                     ("1.1.2", "ZY2040"): 3, ("1.2.1", "ZY2040"): 3, ("1.1.1", "ZY2050"): 1,
                                     ("1.2.2", "ZY2050"): 2}
    assert _ignored(preview) == {(5, None, "summary"), (None, "F", "summary")}  # counts of marks, either axis


def _letter_framework(engine, code="P1"):
    """Competencies coded A1, A2, B1 (no dots) under two areas."""
    program = make_program(engine, code=code)
    for area, leaves in (("A", ("A1", "A2")), ("B", ("B1",))):
        node = framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code=area,
                                     statement=f"领域{area}")
        task = framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="task", code=f"{area}0",
                                     statement=f"任务{area}", parent_id=node["id"])
        for leaf in leaves:
            framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="competency", code=leaf,
                                  statement=f"能力{leaf}", parent_id=task["id"])
    return program


TRANSPOSED_CODES = [["课程代码", "课程名称", "A1", "A2", "B1", "支撑数"],
                    ["ZY2031", "工业机器人现场编程", "√", "√", "", 2],
                    ["ZY2040", "PLC 编程", "", "√", "√", 2],
                    ["JX01", "机械制图", "√", "", "", 1]]
TRANSPOSED_LINKS = {("A1", "ZY2031"): 1, ("A2", "ZY2031"): 1, ("A2", "ZY2040"): 1, ("B1", "ZY2040"): 1,
                    ("A1", "JX01"): 1}


def test_course_code_and_name_columns_with_undotted_competency_codes(sqlite_only):
    """课程代码 | 课程名称 down the side, competency codes A1/A2/B1 across, a 支撑数 column: transposed matrix,
    each course named by its code and name."""
    _letter_framework(sqlite_only)
    preview, result = run_import(sqlite_only, xlsx_bytes(TRANSPOSED_CODES), "m.xlsx")
    assert preview.kind == "matrix" and result.ok, result.errors
    assert _reading(preview)["transposed"] and created(result) == {"course": 3, "alignment": 5}
    assert alignments_of(sqlite_only) == TRANSPOSED_LINKS
    assert courses_of(sqlite_only)["ZY2031"].name == "工业机器人现场编程"
    assert _ignored(preview) == {(None, "F", "summary")}


def test_transposed_matrix_in_a_gb18030_csv(sqlite_only):
    """The same sheet saved by Excel on a Chinese Windows desktop (GB18030 CSV): same reading, same links."""
    _letter_framework(sqlite_only)
    text = "\r\n".join(",".join(str(v) for v in row) for row in TRANSPOSED_CODES) + "\r\n"
    preview, result = run_import(sqlite_only, text.encode("gb18030"), "对应.csv")
    assert preview.info["encoding"] == "gb18030" and preview.kind == "matrix" and result.ok, result.errors
    assert alignments_of(sqlite_only) == TRANSPOSED_LINKS


def test_competency_statements_across_the_top():
    """Courses as rows, competency statements (no codes) as column headers: read as competencies by statement."""
    rows = [["课程", "能完成第1项操作", "能完成第2项操作"], ["工业机器人现场编程（ZY2031）", "●", "○"],
            ["PLC 编程（ZY2040）", "", "◐"]]
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=None, program_code="P1")
    assert preview.kind == "matrix" and _reading(preview)["transposed"], preview.errors
    assert preview.counts["created"]["alignment"] == 3


def test_one_course_column_whose_name_contains_the_word_course_is_still_a_matrix():
    """"测试课程（C3）" over marks is a course of a matrix, not the name column of a course catalogue."""
    rows = [["能力编码", "职业能力", "测试课程（C3）"], ["1.1.1", "能完成第1项操作", 3], ["1.1.2", "能完成第2项操作", 2]]
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=None, program_code="P1")
    assert preview.kind == "matrix" and preview.counts["created"]["alignment"] == 2, preview.kind_candidates


@pytest.mark.parametrize("header", [["编码", "能力", "ZY2031", "ZY2040"], ["代码", "能力", "ZY2031", "ZY2040"],
                                    ["名称", "工业机器人现场编程（ZY2031）", "PLC 编程（ZY2040）"]])
def test_a_competency_column_headed_like_a_course_field_keeps_the_usual_orientation(header):
    """"编码 | 能力 | ZY2031 | ZY2040", "名称 | 工业机器人现场编程（ZY2031）…": competencies as rows, courses across."""
    lead = len(header) - 2
    rows = [header, [*["1.1.1", "能识读装配图"][2 - lead:], "●", ""], [*["1.1.2", "能示教编程"][2 - lead:], "○", "◐"]]
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=None, program_code="P1")
    assert preview.kind == "matrix" and not _reading(preview)["transposed"], preview.errors
    assert preview.counts["created"]["alignment"] == 3
