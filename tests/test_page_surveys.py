"""AppTest: a lead opens a survey, two mentors rate it (one by account, one through a personal link),
the lead closes it and the coverage weights change; the results page shows the charts."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from services.coverage import compute_coverage
from services.framework import list_job_roles
from services.i18n import catalog, translate
from services.programs import get_program
from services.survey_charts import DEFAULT_LABELS
from services.surveys import FREQUENCY_LEVELS, SCALES, role_competencies
from tests.apptest_support import ROOT, TIMEOUT, app_db, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest


def _fill(at: AppTest, values: dict[str, int]) -> int:
    """Answer every item on the rating page with ``values``; returns how many were saved."""
    saved = 0
    while any(b.key == "rate_save" for b in at.button):
        for radio in at.radio:
            scale = radio.key.split("_")[1]
            radio.set_value(values[scale])
        at.button(key="rate_save").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        saved += 1
    return saved


def test_two_mentors_fill_a_survey_and_closing_changes_coverage_weights(app_db):
    program = get_program(app_db, code="460305")
    role = next(r for r in list_job_roles(app_db, program_id=program["id"]) if r["name"] == "工业视觉系统运维员")
    codes = {c["code"] for c in role_competencies(app_db, job_role_id=role["id"])}
    before = compute_coverage(app_db, program_id=program["id"]).by_competency
    assert codes and set(before[before["code"].isin(codes)]["importance"]) != {1}

    lead = login("lead", lang="en")
    lead.switch_page("pages/surveys.py").run()
    lead.selectbox(key="survey_open_role").set_value(role["id"])
    lead.button(key="survey_open_submit").click().run()
    assert not lead.exception
    mentor_id = next(i for i in lead.multiselect(key="survey_invite_users").options
                     if i.startswith("张工"))
    lead.multiselect(key="survey_invite_users").select(mentor_id)
    lead.button(key="survey_invite_submit").click().run()
    lead.text_input(key="survey_link_name").input("赵师傅")
    lead.button(key="survey_link_submit").click().run()
    url = lead.code[0].value
    token = re.search(r"/rate\?invite=([\w-]+)$", url).group(1)

    mentor = login("mentor", lang="zh")
    mentor.switch_page("pages/rate.py").run()
    assert mentor.title[0].value == translate("rate.title", "zh")
    assert _fill(mentor, {"importance": 1, "frequency": 2, "difficulty": 3}) == len(codes)
    assert translate("rate.done", "zh", total=len(codes)) in [s.value for s in mentor.success]

    guest = AppTest.from_file(str(ROOT / "pages" / "rate.py"), default_timeout=TIMEOUT)
    guest.session_state["lang"] = "en"
    guest.query_params["invite"] = token
    guest.run()
    assert not guest.exception and [b.key for b in guest.button if b.key == "login_submit"] == []
    assert "赵师傅" in guest.caption[0].value
    assert _fill(guest, {"importance": 2, "frequency": 2, "difficulty": 3}) == len(codes)

    lead.switch_page("pages/surveys.py").run()
    assert f"{len(codes)} / {len(codes)}" in lead.dataframe[1].value.to_string()
    lead.button(key="survey_close").click().run()
    assert not lead.exception and not lead.error
    after = compute_coverage(app_db, program_id=program["id"]).by_competency
    # median of 1 and 2 is 1.5, rounded half up: every surveyed competency now weighs 2
    assert set(after[after["code"].isin(codes)]["importance"]) == {2}
    unchanged = ~before["code"].isin(codes)
    assert before[unchanged]["importance"].equals(after[unchanged]["importance"])

    lead.switch_page("pages/survey_results.py").run()
    assert not lead.exception
    assert lead.title[0].value == translate("results.title", "en")
    assert len(lead.get("plotly_chart")) == 3
    table = lead.dataframe[0].value
    assert set(table[translate("survey_results.col.now", "en")]) == {"2"}

    again = AppTest.from_file(str(ROOT / "pages" / "rate.py"), default_timeout=TIMEOUT)
    again.session_state["lang"] = "en"
    again.query_params["invite"] = token
    again.run()
    assert [e.value for e in again.error] == [translate("survey.error.closed", "en")]


def test_rating_page_labels_exist_in_both_languages():
    """The rating page and the charts build keys from the scales: every one is in both catalogs."""
    keys = {f"rate.{s}" for s in SCALES} | {f"survey_results.chart.{k}" for k in DEFAULT_LABELS}
    keys |= {f"survey.importance.{v}" for v in range(1, 6)} | {f"survey.difficulty.{v}" for v in range(1, 6)}
    keys |= {f"survey.frequency.{v}" for v in FREQUENCY_LEVELS}
    for lang in ("zh", "en"):
        assert sorted(keys - set(catalog(lang))) == [], lang
