"""AppTest: the Import page's Word path — what was read, the diff, confirmation, the import."""

from __future__ import annotations

import pytest

from services import standards
from services.actor import SYSTEM
from services.exports import export_standard_docx
from services.i18n import translate
from services.programs import get_program
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from tests.importing.docx_fixtures import school_docx
from tests.standard_factories import demo_standard_id

pytestmark = pytest.mark.apptest
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _open(lang: str = "zh"):
    at = login("lead", lang=lang)
    at.switch_page("pages/import.py").run()
    assert not at.exception, at.exception
    return at


def _frame(at, column: str, lang: str = "zh"):
    """The data frame showing ``column`` (a translation key of its header)."""
    label = translate(column, lang)
    return next(df.value for df in at.dataframe if label in df.value.columns)


def _upload(at, data: bytes, name: str):
    at.file_uploader(key="import_file").set_value((name, data, DOCX)).run()
    assert not at.exception, at.exception
    return at


def test_reimporting_an_exported_standard_asks_for_confirmation_then_saves_nothing_new(app_db):
    """The demo standard's own Word file: read in full, every row unchanged, written only after confirming."""
    standard_id = demo_standard_id(app_db, "ZH3021")
    data = export_standard_docx(app_db, actor=SYSTEM, standard_id=standard_id, lang="zh").content
    at = _upload(_open(), data, "ZH3021.docx")
    assert not at.error
    assert at.button(key="import_docx_commit").disabled  # content exists: confirm first
    units = _frame(at, "import.docx.col.tasks")
    assert len(units) == len(standards.standard_content(app_db, standard_id)["units"])
    reason = translate("import.docx.col.reason", "zh")
    skipped = _frame(at, "import.docx.col.reason")
    assert translate("import.reason.total", "zh") in set(skipped[reason])  # the 合计 rows, with their reason
    at.checkbox(key="import_docx_confirm").check().run()
    at.button(key="import_docx_commit").click().run()
    assert not at.exception and not at.error
    assert translate("import.docx.page.nothing_changed", "zh") in [i.value for i in at.info]


def test_a_school_file_into_a_missing_course_is_refused_then_created_on_request(app_db):
    """A course the programme lacks: an error naming it; ticking "create the course" imports the standard."""
    program = get_program(app_db, code="460305")
    at = _upload(_open("en"), school_docx(), "校本.docx")
    assert at.error and at.button(key="import_docx_commit").disabled if at.button else at.error
    errors = _frame(at, "import.page.col.message", "en")
    assert "ZH3099" in errors.iloc[0][translate("import.page.col.message", "en")]
    at.checkbox(key="import_docx_create").check().run()
    assert not at.error
    at.button(key="import_docx_commit").click().run()
    assert not at.exception and at.success
    listed = {s["course_code"]: s for s in standards.list_standards(app_db, program_id=program["id"])}
    content = standards.standard_content(app_db, listed["ZH3099"]["id"])
    assert [u["hours_practice"] for u in content["units"]] == [4, 12, 30]
    assert content["units"][2]["content"] == "数组与循环；<b>码垛</b> 的 **程序**"
