"""#10, one test per class of layout the engine misread before session 4 (each failed on the engine before).

Small hand-made sheets, not the corpus: two-row group headers (also in CSV, where there are no merges),
one-item numbered cells, categories written once above their rows in a CSV, weekly hours per semester,
type letters explained in the header, path columns, identifier-only lists, headers with nothing under them.
"""

from __future__ import annotations

import json

from services.importing import analyse
from services.importing.splits import single_item
from tests.importing.conftest import xlsx_bytes
from tests.importing.layouts import gb18030_csv


def _preview(data: bytes, name: str):
    return analyse(data, name, engine=None, program_code="P1")


def _nodes(preview) -> dict[str, tuple[str, str, str | None]]:
    return {n.code: (n.kind, n.statement, n.parent) for n in preview.dataset.nodes}


def test_group_headers_over_code_and_name_columns_map_to_the_groups_fields():
    """工作任务 over 编号 / 名称 and 职业能力 over 编号 / 描述: task code, task, competency code, statement."""
    rows = [["工作领域", "工作任务", None, "职业能力", None],
            [None, "编号", "名称", "编号", "描述"],
            ["安装调试", "1.1", "本体安装", "1.1.1", "能识读安装图纸"],
            [None, None, None, "1.1.2", "能完成本体固定"]]
    preview = _preview(xlsx_bytes(rows, merges=["A1:A2", "B1:C1", "D1:E1", "A3:A4", "B3:B4", "C3:C4"]), "f.xlsx")
    assert preview.ok, preview.errors
    assert {c["label"]: c["field"] for c in preview.columns if c["field"]} == {
        "工作领域": "area", "工作任务 / 编号": "task_code", "工作任务 / 名称": "task", "职业能力 / 编号": "code",
        "职业能力 / 描述": "statement"}
    assert _nodes(preview)["1.1.2"] == ("competency", "能完成本体固定", "1.1")


def test_a_csv_group_label_followed_by_empty_cells_spans_the_sub_labels_below():
    """CSV keeps no merges: "学时", "", "" over 总学时 / 理论 / 实践 is still one group; a title row is not."""
    rows = [["教学进程表", "", "", "", "", "", ""],
            ["课程代码", "课程名称", "学分", "学时", "", "", "开设学期"],
            ["", "", "", "总学时", "理论", "实践", ""],
            ["GB1001", "思想道德与法治", "3", "48", "40", "8", "1"]]
    preview = _preview(gb18030_csv(rows), "plan.csv")
    assert preview.ok, preview.errors
    assert preview.reading[0]["header_rows"] == [2, 3]
    course = preview.dataset.courses[0]
    assert (course.hours_theory, course.hours_practice, course.semester) == (40, 8, 1)


def test_a_numbered_cell_with_one_item_is_a_list_of_one():
    """"（1）能…" alone under its task: the number is the list's, not the statement's (reported as a split)."""
    assert single_item("（1）能使用离线编程软件") == "能使用离线编程软件"
    assert single_item("①能编程") == "能编程" and single_item("1、能编程") == "能编程"
    assert single_item("1.2.1 能编程") is None and single_item("2.能编程") is None and single_item("能编程") is None
    rows = [["工作领域", "工作任务", "职业能力"], ["编程", "示教编程", "（1）能创建程序（2）能编写码垛程序"],
            [None, "离线编程", "（1）能使用离线编程软件"]]
    preview = _preview(xlsx_bytes(rows, merges=["A2:A3"]), "f.xlsx")
    assert [n.statement for n in preview.dataset.nodes if n.kind == "competency"] == [
        "能创建程序", "能编写码垛程序", "能使用离线编程软件"]
    assert preview.reading[0]["splits"][1] == {"row": 3, "column": "C", "parts": ["能使用离线编程软件"]}
    # one numbered statement per row is no list cell: the numbers go, no split is reported
    rows = [["工作领域", "工作任务", "职业能力"], ["编程", "示教编程", "1.能创建程序"], [None, None, "2.能编写码垛程序"]]
    preview = _preview(xlsx_bytes(rows, merges=["A2:A3", "B2:B3"]), "f.xlsx")
    assert [n.statement for n in preview.dataset.nodes if n.kind == "competency"] == ["能创建程序", "能编写码垛程序"]
    assert preview.reading[0]["splits"] == []


def test_a_category_written_once_above_its_rows_in_a_csv_applies_to_them():
    """课程类别 only in the first row of its group (a merged cell saved as CSV): the rows under it, until 小计."""
    rows = [["课程类别", "课程代码", "课程名称", "学分"],
            ["公共基础课", "GB1001", "高等数学", "4"], ["", "GB1002", "大学英语", "4"], ["", "小计", "", "8"],
            ["专业核心课", "ZH3001", "PLC应用技术", "4"], ["", "ZH3002", "系统集成", "3"], ["", "小计", "", "7"]]
    preview = _preview(gb18030_csv(rows), "plan.csv")
    assert preview.ok, preview.errors
    assert {c.code: c.course_type for c in preview.dataset.courses} == {
        "GB1001": "public_basic", "GB1002": "public_basic", "ZH3001": "professional_core",
        "ZH3002": "professional_core"}
    assert [(g["value"], g["rows"]) for g in preview.reading[0]["groups"]] == [
        ("公共基础课", [2, 3]), ("专业核心课", [5, 6])]


def test_weekly_hours_per_semester_give_the_first_semester_and_say_when_there_are_more():
    """各学期周学时分配 over 第1学期 … 第4学期: the semester is the first with hours; two of them is a warning."""
    rows = [["课程代码", "课程名称", "各学期周学时分配", None, None, None],
            [None, None, "第1学期", "第2学期", "第3学期", "第4学期"],
            ["ZJ2001", "电工电子技术", None, 4, None, None],
            ["GB1003", "大学英语", 2, 2, None, None]]
    preview = _preview(xlsx_bytes(rows, merges=["A1:A2", "B1:B2", "C1:F1"]), "plan.xlsx")
    assert {c.code: c.semester for c in preview.dataset.courses} == {"ZJ2001": 2, "GB1003": 1}
    assert [(w["key"], w["row"]) for w in preview.warnings if "semester" in w["key"]] == [
        ("import.warning.semester_span", 4)]


def test_type_letters_explained_in_the_header_are_read_and_that_column_wins():
    """课程层次 holds no type words; 课程类别（A:通识；B:学科基础；C:专业基础）holds letters its header explains."""
    rows = [["课程层次", "课程代码", "课程名称", "课程类别（A:通识；B:学科基础；C:专业基础；D:专业方向）"],
            ["层次一", "X1", "电机学", "C"], ["层次一", "X2", "大学体育", "A"]]
    preview = _preview(xlsx_bytes(rows), "plan.xlsx")
    assert {c.code: c.course_type for c in preview.dataset.courses} == {
        "X1": "professional_basic", "X2": "public_basic"}


def test_a_path_column_gives_each_row_its_code_and_parent():
    """JSON records with "path": "/A/A.1/A.1.1": one root, its groups and their leaves, kinds by shape."""
    records = [{"fullname": "Conseiller", "shortname": "A", "path": "/A"},
               {"fullname": "Évaluer l'état", "shortname": "A.1", "path": "/A/A.1"},
               {"fullname": "Réaliser un examen", "shortname": "A.1.1", "path": "/A/A.1/A.1.1"}]
    preview = _preview(json.dumps(records).encode(), "comp.json")
    assert preview.ok, preview.errors
    assert _nodes(preview) == {"A": ("area", "Conseiller", None), "A.1": ("task", "Évaluer l'état", "A"),
                               "A.1.1": ("competency", "Réaliser un examen", "A.1")}


def test_a_flat_list_of_bare_identifiers_is_refused():
    """UC51 … UC55 name teaching units; they state no competency."""
    records = [{"fullname": f"UC5{i}", "shortname": f"UC5{i}"} for i in range(1, 6)]
    preview = _preview(json.dumps(records).encode(), "ue.json")
    assert not preview.ok and preview.errors[0]["key"] == "import.error.identifiers_only"


def test_a_header_with_no_rows_under_it_is_refused_with_a_message():
    """A calculation template: the header is there, nothing to import; not "0 created"."""
    preview = _preview(xlsx_bytes([["序号", "毕业要求指标点", "课程目标"]]), "t.xlsx")
    assert not preview.ok and [e["key"] for e in preview.errors] == ["import.error.no_rows"]
    assert preview.errors[0]["sheet"] == "Sheet1"


def test_a_matrix_without_competency_headers_is_found_from_its_codes_and_asks_for_its_marks():
    """Course codes (UC51 …) merged over sub-columns in row 1, a date where the code header would be, per-course
    sums in row 2, outline codes down column A: a matrix; its coded values (3, 30, 400) are no known scheme, so
    the import asks for a mapping and names the mark cells (not the sums)."""
    rows = [["Adéquation", None, "UC51", None, "UC52", None, "UC53", None],
            ["2019-02-20", None, 24, 1, 4.5, 1.5, 0, 0],
            *[[f"CoPrev.1.{i}.", f"Réaliser l'examen numéro {i}", 3, 30, 400, 3000, 3, 30] for i in range(1, 7)]]
    preview = _preview(xlsx_bytes(rows, merges=["C1:D1", "E1:F1", "G1:H1"]), "matrice.xlsx")
    assert preview.kind == "matrix" and not preview.ok
    error = preview.errors[0]
    assert error["key"] == "import.error.marks_unknown" and "D3" in error["message"] and "E2" not in error["message"]
