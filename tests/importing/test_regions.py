"""Table regions on real layouts: notes, legends, signatures, subtotals, totals, sections, blank rows, headers.

The expected counts are how a person reads each sheet, written before running the importer.
"""

from __future__ import annotations

from services.importing import analyse
from tests.importing.conftest import created, run_import, xlsx_bytes
from tests.importing.layouts import xls_bytes


def reading(preview, sheet: str | None = None) -> dict:
    entries = preview.to_dict()["reading"]
    return next(e for e in entries if sheet is None or e["sheet"] == sheet)


def reasons(entry: dict) -> dict[int, str]:
    return {i["row"]: i["reason"] for i in entry["ignored"] if i["row"] is not None}


NOTE_UNDER_ANALYSIS = [
    ["工业机器人技术专业职业能力分析表"],
    ["序号", "工作领域", "工作任务", "职业能力", "重要程度"],
    [1, "1 工业机器人安装", "1.1 机械安装", "1.1.1 能识读机械装配图", "A"],
    [2, None, None, "1.1.2 能完成本体安装", "B"],
    [3, "2 工业机器人编程", "2.1 示教编程", "2.1.1 能完成示教编程", "A"],
    [4, None, None, "2.1.2 能编写码垛程序", "B"],
    [5, "3 工业机器人维护", "3.1 日常点检", "3.1.1 能完成日常点检", "A"],
    [6, None, None, "3.1.2 能更换易损件", "C"],
    [7, "4 工作站集成", "4.1 系统集成", "4.1.1 能完成工作站布局", "A"],
    [8, None, None, "4.1.2 能完成外围设备接线", "B"],
    ["注：重要程度 A—核心能力，B—重要能力，C—一般能力；编码按“领域.任务.能力”编排。"],
]
NOTE_MERGES = ["A1:E1", "B3:B4", "C3:C4", "B5:B6", "C5:C6", "B7:B8", "C7:C8", "B9:B10", "C9:C10", "A11:E11"]


def test_note_merged_across_the_table_is_not_a_work_area(sqlite_only):
    """A "注：…" row merged over the whole width under the table is a note: 4 areas, 4 tasks, 8 competencies."""
    data = xlsx_bytes(NOTE_UNDER_ANALYSIS, title="职业能力分析表", merges=NOTE_MERGES)
    preview, result = run_import(sqlite_only, data, "分析表.xlsx")
    assert result.ok, result.errors
    assert created(result) == {"area": 4, "task": 4, "competency": 8}
    entry = reading(preview)
    assert entry["header_rows"] == [2]
    assert reasons(entry) == {1: "title", 11: "note"}
    assert any(w["key"] == "import.warning.ignored_row" and w["row"] == 11 for w in result.warnings)


TEACHING_PLAN = [
    ["工业机器人技术专业教学进程表"],
    ["课程类别", "课程代码", "课程名称", "学分", "学时", None, None, "开课学期"],
    [None, None, None, None, "总学时", "理论", "实践", None],
    ["公共基础课", "GB001", "思想道德与法治", 3, 48, 40, 8, 1],
    [None, "GB002", "大学英语", 4, 64, 64, 0, "1-2"],
    [None, "GB003", "体育", 2, 32, 4, 28, "第2学期"],
    [None, "小计", None, 9, 144, 108, 36, None],
    ["专业核心课", "ZH001", "工业机器人编程", 4, 64, 32, 32, 3],
    [None, "ZH002", "机器人系统集成", 3, 48, 16, 32, "第四学期"],
    [None, "小计", None, 7, 112, 48, 64, None],
    ["合计", None, None, 16, 256, 156, 100, None],
]
PLAN_MERGES = ["A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:G2", "H2:H3", "A4:A7", "B7:C7", "A8:A10",
               "B10:C10", "A11:C11"]


def test_teaching_plan_xls_with_two_row_header_merged_types_subtotals_and_total(sqlite_only):
    """教学进程表 (.xls): 学时 over 总学时/理论/实践, 课程类别 merged down, 小计 rows and a 合计 row → 5 courses."""
    data = xls_bytes(TEACHING_PLAN, title="教学进程表", merges=PLAN_MERGES)
    preview, result = run_import(sqlite_only, data, "教学进程表.xls")
    assert preview.kind == "courses"
    assert result.ok, result.errors
    assert created(result) == {"course": 5}
    entry = reading(preview)
    assert entry["header_rows"] == [2, 3]
    fields = {m["column"]: m["field"] for m in entry["mapping"]}
    assert fields == {"A": "course_type", "B": "code", "C": "name", "D": "credits", "E": "hours_total",
                      "F": "hours_theory", "G": "hours_practice", "H": "semester"}
    assert reasons(entry) == {1: "title", 7: "subtotal", 10: "subtotal", 11: "total"}
    groups = [(g["column"], g["field"], g["value"], g["rows"]) for g in entry["groups"]]
    assert groups == [("A", "course_type", "公共基础课", [4, 6]), ("A", "course_type", "专业核心课", [8, 9])]
    courses = {c.code: c for c in preview.dataset.courses}
    assert [courses[c].course_type for c in ("GB001", "GB002", "GB003", "ZH001", "ZH002")] == \
        ["public_basic"] * 3 + ["professional_core"] * 2
    assert (courses["GB001"].hours_theory, courses["GB001"].hours_practice) == (40, 8)
    assert (courses["GB002"].semester, courses["GB003"].semester, courses["ZH002"].semester) == (1, 2, 4)
    assert any(w["key"] == "import.warning.semester_span" and w["row"] == 5 for w in result.warnings)


def test_subtotal_rows_without_a_word_are_found_by_their_sums(sqlite_only):
    """A row with no code and no name whose numbers are the sums of the rows above is a subtotal, not an error."""
    rows = [["课程代码", "课程名称", "学分", "总学时"],
            ["C1", "电工基础", 3, 48], ["C2", "机械制图", 4, 64], [None, None, 7, 112],
            ["C3", "液压与气动", 2, 32], [None, None, 2, 32], [None, None, 9, 144]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    assert [c.code for c in preview.dataset.courses] == ["C1", "C2", "C3"]
    assert reasons(reading(preview)) == {4: "subtotal", 6: "subtotal", 7: "total"}


WRAPPED = [
    ["序号", "工作\n领域", "工作\n任务", "职业\n能力", "重要\n程度"],
    [1, "工业机器人安装", "机械安装", "能识读机械装配图", "A"],
    [2, None, None, "能完成本体安装", "B"],
    [3, None, "电气安装", "能识读电气原理图", "A"],
    [None, None, None, None, None],
    [4, "工业机器人编程", "示教编程", "能完成示教编程", "A"],
    [5, None, "离线编程", "能使用离线编程软件", "B"],
    [None, None, None, None, None],
    [None, None, None, None, None],
    ["制表人：张三", None, "审核人：李四", None, "日期：2024年6月"],
]


def test_wrapped_header_blank_rows_and_a_signature_row(sqlite_only):
    """"工作\\n领域" headers match, blank rows between areas are skipped, 制表人/审核人/日期 is a signature."""
    preview, result = run_import(sqlite_only, xlsx_bytes(WRAPPED), "分析表.xlsx")
    assert result.ok, result.errors
    assert created(result) == {"area": 2, "task": 4, "competency": 5}
    entry = reading(preview)
    assert {m["column"]: m["field"] for m in entry["mapping"]} == {"A": "seq", "B": "area", "C": "task",
                                                                  "D": "statement", "E": "importance"}
    assert reasons(entry) == {5: "blank", 8: "blank", 9: "blank", 10: "signature"}


SECTIONS = [
    ["序号", "工作任务", "职业能力", "重要程度"],
    ["一、工业机器人安装"],
    [1, "机械安装", "能识读机械装配图", "A"],
    [2, None, "能完成本体安装", "B"],
    ["二、工业机器人编程"],
    [3, "示教编程", "能完成示教编程", "A"],
    ["图例：A—核心  B—重要  C—一般"],
]


def test_section_rows_give_the_work_area_of_the_rows_under_them(sqlite_only):
    """"一、…" rows in a framework without a 工作领域 column are areas: 2 areas, 2 tasks, 3 competencies."""
    preview, result = run_import(sqlite_only, xlsx_bytes(SECTIONS, merges=["A2:D2", "A5:D5", "A7:D7"]), "f.xlsx")
    assert result.ok, result.errors
    assert created(result) == {"area": 2, "task": 2, "competency": 3}
    entry = reading(preview)
    assert reasons(entry) == {2: "section", 5: "section", 7: "legend"}
    assert [(g["field"], g["value"], g["rows"]) for g in entry["groups"]] == [
        ("area", "工业机器人安装", [3, 4]), ("area", "工业机器人编程", [6, 6])]
    areas = sorted(n.statement for n in preview.dataset.nodes if n.kind == "area")
    assert areas == ["工业机器人安装", "工业机器人编程"]


def test_course_sections_give_the_course_type(sqlite_only):
    """"二、专业核心课" rows set the type of the courses under them when the sheet has no type column."""
    rows = [["课程代码", "课程名称", "学分"], ["一、公共基础课"], ["GB001", "大学英语", 4],
            ["二、专业核心课"], ["ZH001", "工业机器人编程", 4], ["ZH002", "机器人系统集成", 3]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    assert {c.code: c.course_type for c in preview.dataset.courses} == {
        "GB001": "public_basic", "ZH001": "professional_core", "ZH002": "professional_core"}
    assert reasons(reading(preview)) == {2: "section", 4: "section"}


def test_user_can_turn_an_ignored_row_back_into_data(sqlite_only):
    """``row_roles={11: "data"}`` reads the note row as data again (and it is reported as such)."""
    data = xlsx_bytes(NOTE_UNDER_ANALYSIS, title="职业能力分析表", merges=NOTE_MERGES)
    preview = analyse(data, "分析表.xlsx", engine=None, program_code="P1", row_roles={11: "data"})
    assert 11 not in reasons(reading(preview))
    preview = analyse(data, "分析表.xlsx", engine=None, program_code="P1", row_roles={"4": "ignore"})
    ignored = {i["row"]: i for i in reading(preview)["ignored"]}
    assert ignored[4]["reason"] == "note" and ignored[4]["by"] == "user"
    assert sum(1 for n in preview.dataset.nodes if n.kind == "competency") == 7


def test_dry_run_json_carries_the_reading(tmp_path):
    """``manage.py import --dry-run --json`` prints the reading: header rows, ignored rows with reasons."""
    import json

    from tests.importing.test_cli import manage

    path = tmp_path / "分析表.xlsx"
    path.write_bytes(xlsx_bytes(NOTE_UNDER_ANALYSIS, title="职业能力分析表", merges=NOTE_MERGES))
    done = manage("--db", f"sqlite:///{tmp_path / 'cli.db'}", "import", str(path), "--program", "460305",
                  "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)["reading"]
    assert entry["sheet"] == "职业能力分析表" and entry["header_rows"] == [2] and not entry["transposed"]
    assert [(i["row"], i["reason"]) for i in entry["ignored"]] == [(1, "title"), (11, "note")]


def test_summary_column_is_reported_not_imported(sqlite_only):
    """A 合计 column beside the hours is a summary: in the reading with its reason, and a warning."""
    rows = [["课程代码", "课程名称", "理论学时", "实践学时", "合计"], ["C1", "电工基础", 32, 16, 48]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    ignored = reading(preview)["ignored"]
    assert [(i["row"], i["column"], i["reason"]) for i in ignored] == [(None, "E", "summary")]
    assert any(w["key"] == "import.warning.ignored_column" for w in preview.warnings)


def test_a_count_row_under_a_matrix_is_a_summary():
    """A 支撑数 row under competency rows counts the marks: classified "summary", the rows above stay data."""
    from services.importing.readers import RawSheet
    from services.importing.regions import classify

    sheet = RawSheet("m", [["能力编码", "职业能力", "机械制图（JX01）", "电工基础（DG01）"],
                           ["1.1", "能识读机械装配图", "●", ""], ["1.2", "能识读电气原理图", "", "●"],
                           ["支撑数", "", 1, 1]])
    regions = classify(sheet, header_start=0, data_start=1, mapped=[0, 1, 2, 3], key_columns=[0, 1])
    assert regions.data == [1, 2] and [(i.row, i.reason) for i in regions.ignored] == [(3, "summary")]


def test_a_course_type_alone_on_a_row_is_a_section(sqlite_only):
    """"专业核心课" alone in the code column (no ordinal, no merge) heads the courses under it."""
    rows = [["课程代码", "课程名称", "学分"], ["公共基础课", None, None], ["GB001", "大学英语", 4],
            ["专业核心课程", None, None], ["ZH001", "工业机器人编程", 4], ["合计", None, 8]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    assert {c.code: c.course_type for c in preview.dataset.courses} == {"GB001": "public_basic",
                                                                       "ZH001": "professional_core"}
    assert reasons(reading(preview)) == {2: "section", 4: "section", 6: "total"}


def test_subtotal_in_the_name_column_and_a_total_with_a_count(sqlite_only):
    """"小计" under 课程名称 (the code cell empty) and "合计：3门" are not courses without a code."""
    rows = [["课程代码", "课程名称", "学分", "总学时", "开课学期"],
            ["C1", "电工基础", 3, 48, 1], ["C2", "机械制图", 4, 64, 2], [None, "小计", 7, 112, None],
            ["C3", "液压与气动", 2, 32, 3], ["合计：3门", None, 9, 144, None]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=None, program_code="P1")
    assert preview.ok, preview.errors
    assert [c.code for c in preview.dataset.courses] == ["C1", "C2", "C3"]
    assert reasons(reading(preview)) == {4: "subtotal", 6: "total"}


def test_a_starred_statement_is_data():
    """"*能完成示教编程" (a star marking a core competency) in the statement column stays a data row."""
    from services.importing.readers import RawSheet
    from services.importing.regions import classify

    sheet = RawSheet("f", [["工作任务", "职业能力"], ["示教编程", "*能完成示教编程"], [None, "*能编写码垛程序"],
                           ["注：带*者为核心能力"]])
    regions = classify(sheet, header_start=0, data_start=1, mapped=[0, 1], key_columns=[0, 1])
    assert regions.data == [1, 2] and [(i.row, i.reason) for i in regions.ignored] == [(3, "note")]


def test_text_below_the_last_data_row_is_not_data():
    """"2024年6月" alone under the 重要程度 column after the table is a date line, not a row without statement."""
    from services.importing.readers import RawSheet
    from services.importing.regions import classify

    sheet = RawSheet("f", [["工作任务", "职业能力", "重要程度"], ["示教编程", "能完成示教编程", "A"],
                           [None, None, "B"], [None, "能编写码垛程序", "B"], [None, None, "2024年6月"]])
    regions = classify(sheet, header_start=0, data_start=1, mapped=[0, 1, 2], key_columns=[0, 1])
    assert regions.data == [1, 2, 3] and [(i.row, i.reason) for i in regions.ignored] == [(4, "signature")]
