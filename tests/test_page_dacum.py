"""AppTest: building a DACUM chart on the page — add a duty, add tasks by keyboard entry, move one, panels."""

from __future__ import annotations

import pytest

from services.dacum import dacum_chart
from services.framework import list_job_roles
from services.i18n import translate
from services.programs import get_program
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest


def test_mentor_builds_a_dacum_chart(app_db):
    program = get_program(app_db, code="460305")
    role = next(r for r in list_job_roles(app_db, program_id=program["id"]) if r["name"] == "工业视觉系统运维员")
    at = login("mentor", lang="en")
    at.switch_page("pages/dacum.py").run()
    assert at.title[0].value == translate("dacum.title", "en")
    at.selectbox(key="dacum_role").set_value(role["id"]).run()
    before = dacum_chart(app_db, job_role_id=role["id"])
    at.text_input(key="dacum_duty_text").input("视觉系统维护保养")
    at.button(key="dacum_duty_submit").click().run()
    assert not at.exception and not at.error
    chart = dacum_chart(app_db, job_role_id=role["id"])
    duty = next(d for d in chart["duties"] if d["statement"] == "视觉系统维护保养")
    for text in ("清洁相机镜头与光源", "了解镜头保养方法"):
        at.selectbox(key="dacum_task_duty").set_value(duty["id"])
        at.text_input(key="dacum_task_text").input(text)
        at.button(key="dacum_task_submit").click().run()
        assert not at.exception
    assert at.text_input(key="dacum_task_text").value == ""  # emptied for the next entry
    assert any("了解" in w.value for w in at.warning), [w.value for w in at.warning]  # the wording lint
    chart = dacum_chart(app_db, job_role_id=role["id"])
    row = next(d for d in chart["duties"] if d["id"] == duty["id"])
    assert [t["statement"] for t in row["tasks"]] == ["清洁相机镜头与光源", "了解镜头保养方法"]
    moved = before["duties"][0]["tasks"][0]
    at.selectbox(key="dacum_move_task").set_value(moved["id"])
    at.selectbox(key="dacum_move_duty").set_value(duty["id"])
    at.number_input(key="dacum_move_pos").set_value(1)
    at.button(key="dacum_move_submit").click().run()
    assert not at.exception and not at.error
    chart = dacum_chart(app_db, job_role_id=role["id"])
    row = next(d for d in chart["duties"] if d["id"] == duty["id"])
    assert row["tasks"][0]["code"] == moved["code"]
    at.text_area(key=f"dacum_panel_tools_{role['id']}").input("工业相机\n标定板")
    at.button(key="dacum_panel_submit").click().run()
    assert dacum_chart(app_db, job_role_id=role["id"])["role"]["dacum_panels"]["tools"] == ["工业相机", "标定板"]
    at.button(key="dacum_undo").click().run()  # takes back the move
    assert any(translate("dacum.undone", "en", what="")[:6] in i.value for i in at.info)
    chart = dacum_chart(app_db, job_role_id=role["id"])
    assert moved["code"] not in [t["code"] for d in chart["duties"] if d["id"] == duty["id"] for t in d["tasks"]]
    row = next(d for d in dacum_chart(app_db, job_role_id=role["id"])["duties"] if d["id"] == duty["id"])
    first, second = row["tasks"]  # the two tasks typed in above (the move was undone)
    at.selectbox(key="dacum_keep").set_value(first["id"])
    at.selectbox(key="dacum_drop").set_value(second["id"])
    at.button(key="dacum_merge_submit").click().run()
    assert not at.exception and not at.error
    chart = dacum_chart(app_db, job_role_id=role["id"])
    assert [t["id"] for d in chart["duties"] if d["id"] == duty["id"] for t in d["tasks"]] == [first["id"]]
    at.toggle(key="dacum_workshop").set_value(True).run()
    assert not at.exception and "font-size: 22px" in at.get("html")[0].proto.body
    assert [b.key for b in at.get("download_button")] == ["dacum_download_xlsx", "dacum_download_docx"]


def test_task_lint_messages_exist_for_every_lint_key():
    """add_task prefixes the objective lint's keys with "dacum.": each one has a task wording in both catalogs."""
    from services.i18n import catalog

    lint_keys = [k for k in catalog("en") if k.startswith("lint.")]
    assert lint_keys
    for lang in ("zh", "en"):
        assert sorted(f"dacum.{k}" for k in lint_keys if f"dacum.{k}" not in catalog(lang)) == []
