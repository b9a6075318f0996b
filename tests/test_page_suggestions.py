"""AppTest flow of the suggestion panel in the standards editor, driven by widget key on the demo database."""

from __future__ import annotations

import pytest

from services.alignments import alignments_for_standard
from services.standards import standard_content
from services.suggestions import decisions, suggest_for_target
from tests.apptest_support import app_db, login, shown  # noqa: F401 - fixture
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


def test_open_a_unit_accept_one_reject_one_and_the_rejected_one_stays_gone(app_db):
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


def test_whole_standard_review_table_saves_accepted_and_rejected_rows_at_once(app_db):
    """The review table lists every unit's and objective's suggestions; one Save proposes the accepted rows at the
    edited level and hides the rejected one."""
    from services.suggestions import suggest_for_standard

    sid = _standard(app_db, "ZH3021")["id"]
    rows = suggest_for_standard(app_db, standard_id=sid)
    assert {r["target_type"] for r in rows} == {"unit", "objective"}
    at = login("faculty")
    at.switch_page("pages/standards.py").run()
    at.selectbox(key="std_course").set_value(_course_id(app_db, "ZH3021")).run()
    at.toggle(key=f"sug_std_show_{sid}").set_value(True).run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "competency_id" in d.value.columns)
    assert list(zip(table["target"], table["competency_id"], strict=True)) == [
        (r["target"], r["competency_id"]) for r in rows]
    assert not table["accept"].any() and not table["reject"].any()
    level = 1 if rows[0]["suggested_level"] != 1 else 2
    at.session_state[f"sug_std_table_{sid}_0"] = {
        "edited_rows": {"0": {"accept": True, "level": level}, "1": {"reject": True}}, "added_rows": [],
        "deleted_rows": []}
    at.button(key=f"sug_std_save_{sid}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    links = {(a["target"], a["competency_id"]): a for a in alignments_for_standard(app_db, standard_id=sid)}
    new = links[(rows[0]["target"], rows[0]["competency_id"])]
    assert (new["status"], new["level"], new["proposed_side"]) == ("proposed", level, "school")
    assert (rows[1]["target"], rows[1]["competency_id"]) not in links
    table = next(d.value for d in at.dataframe if "competency_id" in d.value.columns)
    shown = set(zip(table["target"], table["competency_id"], strict=True))
    assert not shown & {(rows[n]["target"], rows[n]["competency_id"]) for n in (0, 1)}
    assert not table["accept"].any(), "a fresh table after the save"


def test_ticking_both_accept_and_reject_names_the_row_and_saves_nothing(app_db):
    """A contradictory row is refused with a message naming it; nothing is written."""
    from services.suggestions import suggest_for_standard

    sid = _standard(app_db, "ZH3021")["id"]
    rows = suggest_for_standard(app_db, standard_id=sid)
    before = alignments_for_standard(app_db, standard_id=sid)
    at = login("faculty")
    at.switch_page("pages/standards.py").run()
    at.selectbox(key="std_course").set_value(_course_id(app_db, "ZH3021")).run()
    at.toggle(key=f"sug_std_show_{sid}").set_value(True).run()
    at.session_state[f"sug_std_table_{sid}_0"] = {
        "edited_rows": {"0": {"accept": True}, "2": {"accept": True, "reject": True}}, "added_rows": [],
        "deleted_rows": []}
    at.button(key=f"sug_std_save_{sid}").click().run()
    assert not at.exception, at.exception
    assert [shown(e.value) for e in at.error] == [f"第 3 行（{rows[2]['code']}）：请勾选“接受”或“拒绝”其中之一。"]
    assert alignments_for_standard(app_db, standard_id=sid) == before


def test_close_a_gap_from_the_coverage_page(app_db):
    """A lead picks an uncovered competency, sees the units that may build it with highlighted terms, and proposes
    one: the alignment is proposed and that unit is no longer listed."""
    from services import coverage
    from services.programs import get_program
    from services.suggestions import suggest_targets_for_competency
    from ui.gap_suggestions import gap_choices

    program_id = get_program(app_db, code="460305")["id"]
    gaps = coverage.compute_coverage(app_db, program_id=program_id).gaps
    competency_id, found = next(
        (cid, f) for cid in gap_choices(gaps)
        if (f := suggest_targets_for_competency(app_db, competency_id=cid, top=8))["suggestions"]
        and not f["suggestions"][0]["frozen"])
    best = found["suggestions"][0]
    at = login("lead")
    at.switch_page("pages/coverage.py").run()
    at.selectbox(key="coverage_sug_competency").set_value(competency_id).run()
    assert not at.exception, at.exception
    marked = [m.value for m in at.markdown if "<mark>" in m.value]
    assert marked and f"<mark>{best['matched'][0]}</mark>" in marked[0]
    key = f"coverage_sug_{competency_id}_{best['target'].replace(':', '_')}"
    at.button(key=f"{key}_prop").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    link = next(a for a in alignments_for_standard(app_db, standard_id=best["standard_id"])
                if (a["target"], a["competency_id"]) == (best["target"], competency_id))
    assert (link["status"], link["proposed_side"], link["level"]) == ("proposed", "school", found["suggested_level"])
    program_decisions = decisions(app_db, program_id=program_id)
    assert (program_decisions[0]["target"], program_decisions[0]["decision"]) == (best["target"], "accept")
    assert not any(b.key == f"{key}_prop" for b in at.button)
