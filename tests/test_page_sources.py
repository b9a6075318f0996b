"""AppTest: the 岗课赛证 page — add a certificate source, import-free requirements, coverage for the 中级 level."""

from __future__ import annotations

import pytest

from services import framework
from services.i18n import translate
from services.programs import get_program
from services.users import get_actor
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest


def test_lead_adds_a_certificate_and_sees_its_middle_level_coverage(app_db):
    program = get_program(app_db, code="460305")
    at = login("lead", lang="zh")
    at.switch_page("pages/sources.py").run()
    assert at.title[0].value == translate("sources.title", "zh")
    at.text_input(key="sources_new_name").input("1+X 工业机器人应用编程")
    at.button(key="sources_add_submit").click().run()
    assert not at.exception and not at.error
    cert = next(r for r in framework.list_job_roles(app_db, program_id=program["id"]) if r["kind"] == "certificate")
    lead = get_actor(app_db, username="lead")
    area = framework.create_node(app_db, actor=lead, program_id=program["id"], kind="area", code="X1",
                                 statement="编程", job_role_id=cert["id"])
    for n, level in enumerate(("初级", "中级", "高级"), start=1):
        framework.create_node(app_db, actor=lead, program_id=program["id"], kind="competency", code=f"X1.{n}",
                              statement=f"能完成{level}编程", parent_id=area["id"], cert_level=level)
    at.selectbox(key="sources_level").set_value("中级").run()
    label = translate("enum.source_kind.certificate", "zh")
    assert next(m for m in at.metric if m.label == label).value == "0 / 2"
    uncovered = at.dataframe[1].value
    assert list(uncovered[translate("field.code", "zh")]) == ["X1.1", "X1.2"]


def test_lead_seeds_a_job_role_from_an_esco_occupation(app_db):
    program = get_program(app_db, code="460305")
    at = login("lead", lang="en")
    at.switch_page("pages/sources.py").run()
    at.text_input(key="sources_occ_query").input("mechatronics").run()
    assert len(at.selectbox(key="sources_occ_pick").options) == 1
    at.button(key="sources_occ_import").click().run()
    assert not at.exception and not at.error
    names = [r["name"] for r in framework.list_job_roles(app_db, program_id=program["id"])]
    assert "mechatronics engineering technician" in names
    table = at.dataframe[0].value
    assert "mechatronics engineering technician" in set(table[translate("sources.col.source", "en")])
