"""AppTest flow of the suggestion panel in the standards editor, driven by widget key on the demo database."""

from __future__ import annotations

import pytest

from services.alignments import alignments_for_standard
from services.standards import standard_content
from services.suggestions import decisions, suggest_for_target
from tests.apptest_support import app_db, login  # noqa: F401 - fixture
from tests.test_page_standards import _course_id, _standard

pytestmark = pytest.mark.apptest


def _open_unit(engine, unit_id: int, lang: str = "zh"):
    at = login("faculty", lang=lang)
    at.switch_page("pages/standards.py").run()
    at.selectbox(key="std_course").set_value(_course_id(engine, "ZH3021")).run()
    at.toggle(key=f"sug_unit_{unit_id}_show").set_value(True).run()
    assert not at.exception, at.exception
    return at


def _shown(at, unit_id: int) -> list[int]:
    prefix = f"sug_unit_{unit_id}_acc_"
    return [int(b.key.removeprefix(prefix)) for b in at.button if b.key and b.key.startswith(prefix)]


def test_open_a_unit_accept_one_reject_one_and_the_rejected_one_stays_gone(app_db):  # noqa: F811
    """Suggestions show highlighted terms; accept proposes an alignment, reject hides the pair after a reload."""
    sid = _standard(app_db, "ZH3021")["id"]
    unit = standard_content(app_db, sid)["units"][4]  # 项目五 涂胶轨迹工作站编程与调试
    expected = suggest_for_target(app_db, unit_id=unit["id"], top=5)["suggestions"]
    at = _open_unit(app_db, unit["id"])
    shown = _shown(at, unit["id"])
    assert shown == [s["competency_id"] for s in expected] and len(shown) >= 2
    marked = [m.value for m in at.markdown if "<mark>" in m.value]
    assert marked and any(f"<mark>{expected[0]['matched'][0]}</mark>" in v for v in marked)

    accepted, rejected = expected[0], expected[1]
    at.button(key=f"sug_unit_{unit['id']}_acc_{accepted['competency_id']}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    links = [a for a in alignments_for_standard(app_db, standard_id=sid) if a["unit_id"] == unit["id"]]
    new = next(a for a in links if a["competency_id"] == accepted["competency_id"])
    assert (new["status"], new["proposed_side"], new["level"]) == ("proposed", "school", accepted["suggested_level"])

    at.button(key=f"sug_unit_{unit['id']}_rej_{rejected['competency_id']}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    program_id = standard_content(app_db, sid)["meta"]["program_id"]
    latest = decisions(app_db, program_id=program_id)[0]
    assert (latest["competency_id"], latest["decision"]) == (rejected["competency_id"], "reject")

    again = _open_unit(app_db, unit["id"])  # a new session: what a reload shows
    shown = _shown(again, unit["id"])
    assert rejected["competency_id"] not in shown and accepted["competency_id"] not in shown
    assert shown, "other suggestions are still offered"


def test_unit_text_with_markup_is_rendered_inert():
    """Statements reach the page escaped: no raw tag, no Markdown emphasis from user text."""
    from ui.suggestion_panel import highlighted

    out = highlighted("能使用<b>万用表</b>完成*检测*", ["万用表"])
    assert "<b>" not in out and "*" not in out and "<mark>万用表</mark>" in out
