"""AppTest: the 岗课赛证 page — add a certificate source, import-free requirements, coverage for the 中级 level."""

from __future__ import annotations

import pytest

from services import framework
from services.i18n import translate
from services.programs import get_program
from services.sources import sources_overview
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
    cert = next(r for r in framework.list_job_roles(app_db, program_id=program["id"])
                if r["name"] == "1+X 工业机器人应用编程")
    assert cert["kind"] == "certificate"
    lead = get_actor(app_db, username="lead")
    area = framework.create_node(app_db, actor=lead, program_id=program["id"], kind="area", code="X1",
                                 statement="编程", job_role_id=cert["id"])
    for n, level in enumerate(("初级", "中级", "高级"), start=1):
        framework.create_node(app_db, actor=lead, program_id=program["id"], kind="competency", code=f"X1.{n}",
                              statement=f"能完成{level}编程", parent_id=area["id"], cert_level=level)
    at.selectbox(key="sources_level").set_value("中级").run()
    label = translate("enum.source_kind.certificate", "zh")
    demo = sources_overview(app_db, program_id=program["id"], level="中级")["sources"]
    demo_cert = [s for s in demo if s["kind"] == "certificate" and s["id"] != cert["id"]]  # the demo's own
    covered, total = sum(s["covered"] for s in demo_cert), sum(s["competencies"] for s in demo_cert) + 2
    assert next(m for m in at.metric if m.label == label).value == f"{covered} / {total}"
    uncovered = list(at.dataframe[1].value[translate("field.code", "zh")])
    assert {"X1.1", "X1.2"} <= set(uncovered) and "X1.3" not in uncovered


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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_weight_tables_of_a_national_standard_are_shown_with_it(app_db, lang):
    """A 国家职业技能标准 imported with its 比重表: the page shows both tables, levels named in the user's language."""
    from services.importing.api import import_file
    from tests.importing.test_skill_weights import ROLE, standard_workbook

    lead = get_actor(app_db, username="lead")
    result = import_file(app_db, actor=lead, data=standard_workbook(prefix="G"), filename="国家标准.xlsx",
                         program_code="460305", kind="framework")
    assert result.ok, result.errors
    at = login("lead", lang=lang)
    at.switch_page("pages/sources.py").run()
    assert not at.exception
    assert translate("sources.weights.title", lang, name=ROLE) in [e.label for e in at.expander]
    item = translate("sources.weights.item", lang)
    tables = [d.value for d in at.dataframe if item in d.value.columns]
    assert len(tables) == 2  # 理论知识 and 技能要求
    theory, skill = tables
    four = translate("sources.level_name.4", lang)
    assert list(theory[item]) == ["职业道德", "基础知识", "设备安装", "设备维护"] and theory[four].sum() == 100
    assert dict(zip(skill[item], skill[four], strict=True)) == {"设备安装": 30, "设备维护": 70}
