"""AppTest: a mentor marks a task as changing; the page shows the courses it reaches; owners are notified."""

from __future__ import annotations

import pytest

from services.framework import framework_frame
from services.i18n import translate
from services.notifications import list_notifications
from services.programs import get_program
from services.users import get_actor
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest


def test_mentor_marks_a_task_and_sees_its_impact(app_db):
    program = get_program(app_db, code="460305")
    frame = framework_frame(app_db, program_id=program["id"])
    task_id = int(frame[(frame["kind"] == "task") & (frame["code"] == "2.1")].iloc[0]["id"])
    at = login("mentor", lang="en")
    at.switch_page("pages/impact.py").run()
    assert at.title[0].value == translate("impact.title", "en")
    assert translate("impact.none", "en") in [i.value for i in at.info]
    at.selectbox(key="impact_node").set_value(task_id)
    at.selectbox(key="impact_reason").set_value("equipment")
    at.text_area(key="impact_note").input("新一代示教器改为平板式")
    at.button(key="impact_mark_submit").click().run()
    assert not at.exception and not at.error
    competencies = at.dataframe[0].value
    assert set(competencies[translate("field.code", "en")]) == set(frame[frame["parent_id"] == task_id]["code"])
    assert len(at.dataframe) >= 2  # one table per course reached
    assert any("新一代示教器改为平板式" in i.value for i in at.info)
    faculty = get_actor(app_db, username="faculty")
    assert [n["kind"] for n in list_notifications(app_db, actor=faculty)].count("change_impact") == 1
    at.button(key="impact_resolve").click().run()
    assert translate("impact.none", "en") in [i.value for i in at.info]
