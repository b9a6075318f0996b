"""AppTest: the import page — upload, preview, commit, history, re-upload, bad file, templates, roles."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from services.framework import framework_frame
from services.i18n import translate
from services.importing import list_imports
from services.importing.templates import TEMPLATE_KINDS
from services.programs import get_program
from services.users import authenticate
from tests.apptest_support import ROOT, TIMEOUT, app_db, login  # noqa: F401 (fixture)
from tests.workbooks import xlsx_bytes
from ui.context import AUTH_KEY

pytestmark = pytest.mark.apptest
PAGE = "pages/import.py"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [
    ["工业机器人技术专业职业能力分析表（补充）"],
    ["序号", "工作领域", "工作任务", "职业能力", "重要程度", "类型"],
    [1, "9 智能产线运维", "9.1 产线点检", "9.1.1 能完成产线日常点检", "A", "技能"],
    [2, None, None, "9.1.2 能记录并上报点检异常", "B", "素质"],
    [3, None, "9.2 故障排除", "9.2.1 能识读产线报警信息", "A", "知识"],
]
MERGES = ["A1:F1", "B3:B5", "C3:C4"]


def framework_workbook() -> bytes:
    """A 职业能力分析表 with a title row, merged 工作领域/工作任务 cells and outline codes."""
    return xlsx_bytes(ROWS, merges=MERGES, title="能力分析")


def open_page(role: str = "lead", lang: str = "zh"):
    at = login(role, lang=lang)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def upload(at, data: bytes, name: str = "分析表.xlsx"):
    at.file_uploader(key="import_file").set_value((name, data, XLSX)).run()
    assert not at.exception, at.exception
    return at


def metric_values(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_lead_previews_commits_and_sees_history_then_reupload_creates_nothing(app_db):
    """Upload → preview counts → commit → competencies in the DB, import in history; again → 0 created."""
    program_id = get_program(app_db, code="460305")["id"]
    before = len(framework_frame(app_db, program_id=program_id))
    at = upload(open_page(), framework_workbook())
    assert at.selectbox(key="import_kind").value == "framework"
    created = translate("import.page.action.created", "zh")
    assert metric_values(at)[created] == "6"  # 1 area, 2 tasks, 3 competencies
    assert not at.error
    at.button(key="import_commit").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == translate("import.page.done", "zh", created=6, updated=0)
    frame = framework_frame(app_db, program_id=program_id)
    assert len(frame) == before + 6
    assert frame.loc[frame["code"] == "9.1.2", "statement"].iloc[0] == "能记录并上报点检异常"
    records = list_imports(app_db, program_id=program_id)
    assert records[0]["filename"] == "分析表.xlsx" and records[0]["kind"] == "framework" and records[0]["ok"]
    file_column = translate("import.page.col.file", "zh")
    assert any("分析表.xlsx" in list(df.value.get(file_column, [])) for df in at.dataframe)  # the history

    upload(at, framework_workbook())
    assert metric_values(at)[created] == "0"
    assert metric_values(at)[translate("import.page.action.unchanged", "zh")] == "6"


def test_bad_file_shows_an_error_and_changes_nothing(app_db):
    """Random bytes named .xlsx: an error in the user's language, import disabled, database unchanged."""
    program_id = get_program(app_db, code="460305")["id"]
    before = len(framework_frame(app_db, program_id=program_id))
    imports_before = len(list_imports(app_db))
    at = upload(open_page(lang="en"), os.urandom(2048), "broken.xlsx")
    assert at.error and at.button(key="import_commit").disabled
    errors = next(df.value for df in at.dataframe if translate("import.page.col.message", "en") in df.value)
    assert errors.iloc[0][translate("import.page.col.file", "en")] == "broken.xlsx"
    assert "Excel" in errors.iloc[0][translate("import.page.col.message", "en")]
    assert len(framework_frame(app_db, program_id=program_id)) == before
    assert len(list_imports(app_db)) == imports_before


def test_a_template_download_for_each_kind(app_db):
    """Every template kind has a download button."""
    at = open_page(lang="en")
    for kind in TEMPLATE_KINDS:
        assert at.get("download_button")  # the buttons are rendered inside the templates expander
        assert any(b.key == f"import_template_{kind}" for b in at.get("download_button")), kind


@pytest.mark.parametrize("role", ["mentor", "faculty"])
def test_mentor_and_faculty_are_not_allowed(app_db, role):
    """Only admins and leads may import: opened directly, the page refuses them."""
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state[AUTH_KEY] = authenticate(app_db, username=role, password="demo").as_dict()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("auth.not_allowed", "en")]
    with pytest.raises(KeyError):
        at.file_uploader(key="import_file")


def test_skip_invalid_imports_the_valid_rows_and_offers_the_rejected_ones(app_db):
    """With one bad row the import is blocked until "skip invalid rows"; the bad row comes back as a workbook."""
    rows = [*ROWS, [4, None, None, "9.2.2 能排除传送带常见故障", "很重要", "技能"]]
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    at = upload(open_page(lang="en"), buffer.getvalue(), "with_error.xlsx")
    assert at.button(key="import_commit").disabled
    at.checkbox(key="import_skip_invalid").check().run()
    at.button(key="import_commit").click().run()
    assert not at.exception
    assert at.success and at.warning[0].value == translate("import.page.invalid_rows", "en", count=1)
    assert any(b.key == "import_invalid_download" for b in at.get("download_button"))
    invalid = openpyxl.load_workbook(io.BytesIO(at.session_state["import_report"]["invalid"]))
    assert "很重要" in [c.value for row in invalid.active.iter_rows() for c in row]
    frame = framework_frame(app_db, program_id=get_program(app_db, code="460305")["id"])
    assert "9.2.1" in set(frame["code"]) and "9.2.2" not in set(frame["code"])


def test_matrix_offers_mark_scheme_and_replace_alignments(app_db):
    """A matrix template shows the mark-scheme selector and the "replace course alignments" option."""
    from services.importing.templates import template_workbook

    at = upload(open_page(lang="en"), template_workbook("matrix"), "matrix.xlsx")
    assert at.selectbox(key="import_kind").value == "matrix"
    assert at.selectbox(key="import_marks").value == "symbols"
    at.checkbox(key="import_replace_alignments").check().run()
    assert not at.exception
    assert at.session_state["import_options"]["replace_alignments"] is True


def test_mapping_edits_round_trip_through_the_editor_labels():
    """Unchanged editor rows give no override; a changed label gives {letter: field}, "not imported" gives None."""
    from services.importing import view

    columns = [{"letter": "A", "label": "工作领域", "field": "area"}, {"letter": "B", "label": "备注", "field": None},
               {"letter": "C", "label": "类型", "field": "comp_type"}]
    choices = view.field_choices(["area", "comp_type", "notes"], "framework", "zh")
    shown = [r["field"] for r in view.mapping_rows(columns, "zh")]
    assert view.mapping_changes(columns, shown, choices) == {}
    edited = [shown[0], view.label("field", "notes", "zh"), view.label("field", None, "zh")]
    assert view.mapping_changes(columns, edited, choices) == {"B": "notes", "C": None}
    assert "course" in view.field_choices(["code"], "matrix", "en").values()
    assert view.report_pages({"created": {"competency": 2}, "updated": {"alignment": 1}}) == [
        ("pages/competencies.py", "nav.competencies", ":material/account_tree:"),
        ("pages/coverage.py", "nav.coverage", ":material/grid_on:")]


MESSY = [
    ["工业机器人技术专业职业能力分析表"],
    ["序号", "工作\n领域", "工作\n任务", "职业\n能力", "重要\n程度"],
    [1, "8 工作站集成", "8.1 系统集成", "1.能完成工作站布局\n2.能完成外围设备接线", "A"],
    [2, None, "8.2 系统调试", "能完成联机调试", "B"],
    ["注：重要程度 A—核心能力，B—重要能力"],
    ["制表人：张三", None, "审核人：李四", None, "日期：2024年6月"],
]


def messy_workbook() -> bytes:
    """Title, wrapped header, a split cell, a note merged across and a signature row."""
    return xlsx_bytes(MESSY, merges=["A1:E1", "B3:B4", "A5:E5"], title="能力分析")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reading_shows_ignored_rows_and_split_cells_and_takes_overrides(app_db, lang):
    """The reading panel lists the note/signature rows and the split cell; picking them changes the preview."""
    at = upload(open_page(lang=lang), messy_workbook())
    created = translate("import.page.action.created", lang)
    assert metric_values(at)[created] == "6"  # 1 area, 2 tasks, 3 competencies (one cell split in two)
    rows = at.multiselect(key="import_row_roles")
    assert rows.label == translate("import.page.rows_as_data", lang) and rows.options
    assert [o.split(" · ")[0] for o in rows.options] == [translate("import.page.row_choice", lang, row=n, reason="",
                                                                   text="").split(" · ")[0] for n in (1, 5, 6)]
    cells = at.multiselect(key="import_split_cells")
    assert cells.options == ["D3"]
    cells.set_value(["D3"]).run()
    assert not at.exception and metric_values(at)[created] == "5"  # the cell kept whole: one competency
    at.multiselect(key="import_row_roles").set_value([6]).run()
    assert not at.exception and at.error  # the signature read as data: "日期：2024年6月" is no importance
    at.multiselect(key="import_row_roles").set_value([]).run()
    assert not at.exception and not at.error and metric_values(at)[created] == "5"
