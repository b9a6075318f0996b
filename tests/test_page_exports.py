"""AppTest: the exports page (prepare → download, admin-only backup and restore) and the audit page."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from services.courses import list_courses, update_course
from services.i18n import translate
from services.programs import get_program
from services.users import authenticate
from tests.apptest_support import ROOT, TIMEOUT, app_db  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest


def open_page(engine, username: str, page: str) -> AppTest:
    """The page run on its own, signed in as ``username`` (real credentials) on programme 460305.

    Opening the page file directly, as the navigation would after login, keeps these tests
    independent of the other pages the entry file registers.
    """
    actor = authenticate(engine, username=username, password="demo")
    assert actor is not None
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.session_state["auth"] = actor.as_dict()
    at.session_state["program_id"] = get_program(engine, code="460305")["id"]
    return at.run()


def _prepared(at, name):
    return at.session_state["exports_prepared"][name][1]


def test_faculty_prepares_a_course_standard_docx(app_db):
    """A faculty member picks ZH3021 and .docx, prepares it and gets a download named after the course."""
    at = open_page(app_db, "faculty", "exports.py")
    assert [t.value for t in at.title] == [translate("exports.title", "en")]
    at.selectbox(key="export_standard_course").set_value("ZH3021")
    at.selectbox(key="export_standard_format").set_value("docx")
    at.button(key="export_prepare_standard").click().run()
    assert not at.exception and not at.error
    download = at.get("download_button")
    assert len(download) == 1 and "ZH3021" in download[0].label
    result = _prepared(at, "standard")
    assert "ZH3021" in result.filename and result.filename.endswith(".docx")
    assert Document(io.BytesIO(result.content)).paragraphs  # opens as a Word document
    at.selectbox(key="export_standard_format").set_value("xlsx").run()  # other options: the old file is not offered
    assert len(at.get("download_button")) == 0


def test_lead_prepares_the_matrix_and_no_backup_for_non_admins(app_db):
    """A lead prepares the coverage matrix with I/R/M marks; backup and restore stay hidden."""
    at = open_page(app_db, "lead", "exports.py")
    at.selectbox(key="export_matrix_marks").set_value("irm")
    at.checkbox(key="export_matrix_confirmed").check()
    at.button(key="export_prepare_matrix").click().run()
    assert not at.exception and not at.error
    result = _prepared(at, "matrix")
    assert result.filename.startswith("460305-") and result.filename.endswith(".xlsx")
    assert load_workbook(io.BytesIO(result.content)).sheetnames
    assert [d.label for d in at.get("download_button")] == [translate("exports.page.download", "en",
                                                                      filename=result.filename)]
    for key in ("export_prepare_backup", "export_restore_merge"):
        with pytest.raises(KeyError):
            at.button(key=key) if key.startswith("export_prepare") else at.checkbox(key=key)


def test_admin_prepares_a_backup_and_previews_its_restore(app_db):
    """An admin backs up the programme, then restores that file: refused without merge, a dry-run
    preview with merge (everything unchanged), then the confirmed restore."""
    at = open_page(app_db, "admin", "exports.py")
    at.radio(key="export_backup_scope").set_value("program")
    at.button(key="export_prepare_backup").click().run()
    assert not at.exception and not at.error
    result = _prepared(at, "backup")
    assert result.filename.endswith(".json") and "460305" in json.loads(result.content).__repr__()
    assert any(result.filename in d.label for d in at.get("download_button"))

    at.file_uploader(key="export_restore_file").set_value((result.filename, result.content, result.media_type))
    at.run()
    at.button(key="export_restore_preview_button").click().run()  # the programme exists and merge is off
    assert [e.value for e in at.error] == [translate("exports.page.restore.rejected", "en", count=1)]
    with pytest.raises(KeyError):
        at.button(key="export_restore_confirm")
    at.checkbox(key="export_restore_merge").check().run()
    at.button(key="export_restore_preview_button").click().run()
    assert not at.exception and not at.error
    preview = at.dataframe[0].value
    assert preview[translate("exports.page.restore.created", "en")].sum() == 0
    assert preview[translate("exports.page.restore.unchanged", "en")].sum() > 0
    at.button(key="export_restore_confirm").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [translate("exports.page.restore.done", "en", programs="460305")]


def test_audit_page_lists_events_and_filters_by_user(app_db):
    """Changes by two users appear in the log; choosing one user narrows the table to theirs."""
    program_id = get_program(app_db, code="460305")["id"]
    course = list_courses(app_db, program_id=program_id).iloc[0]
    lead = authenticate(app_db, username="lead", password="demo")
    update_course(app_db, actor=lead, course_id=int(course["id"]), expected_version=int(course["version"]),
                  changes={"hours_practice": int(course["hours_practice"]) + 2})
    at = open_page(app_db, "admin", "audit.py")
    assert not at.exception
    assert [t.value for t in at.title] == [translate("audit.title", "en")]
    everyone = len(at.dataframe(key="audit_table").value)
    assert everyone >= 2
    at.selectbox(key="audit_user").set_value("lead").run()
    table = at.dataframe(key="audit_table").value
    assert 1 <= len(table) < everyone
    assert set(table[translate("audit.col.user", "en")]) == {"lead"}
    changes = at.dataframe[1].value  # before → after of the newest (selected) event
    assert "hours_practice" in set(changes[translate("audit.col.field", "en")])
    at.date_input(key="audit_since").set_value(date.today() + timedelta(days=2)).run()
    assert not at.exception and [i.value for i in at.info] == [translate("audit.empty", "en")]


@pytest.mark.parametrize("role", ["mentor", "faculty"])
def test_audit_page_refuses_mentors_and_faculty(app_db, role):
    """Only admins and leads read the audit log."""
    at = open_page(app_db, role, "audit.py")
    assert [e.value for e in at.error] == [translate("auth.not_allowed", "en")]
    assert len(at.dataframe) == 0
