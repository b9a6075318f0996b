"""AppTests for issue #11 (co-authoring people can trust), driven by widget key on the demo database."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from services.actor import SYSTEM, Actor
from services.programs import get_program
from services.users import list_users
from tests.apptest_support import APP, ROOT, TIMEOUT, app_db, login, shown  # noqa: F401 - fixture
from ui.context import AUTH_KEY, PROGRAM_KEY

pytestmark = pytest.mark.apptest

ENGLISH = re.compile(r"\b(?:already|exists|required|programme|code|row)\b", re.IGNORECASE)


def _framed_page(page: str) -> None:
    """The page inside app.py's frame: the sidebar programme picker is drawn first, as in the app."""
    import runpy

    import streamlit as st

    from services.programs import list_programs
    from ui.context import PROGRAM_KEY, get_engine

    ids = [p["id"] for p in list_programs(get_engine())]
    if st.session_state.get(PROGRAM_KEY) not in ids:
        st.session_state[PROGRAM_KEY] = ids[0]
    st.sidebar.selectbox("programme", ids, key=PROGRAM_KEY)
    st.session_state["auth_checked_by_entry"] = True  # as app.py does once sessions land: login checked
    runpy.run_path(page, run_name="__page__")


def framed(engine, username: str, page: str, lang: str = "zh") -> AppTest:
    """A logged-in session on ``page`` with the sidebar frame around it (AppTest's switch_page drops it)."""
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)
    actor = Actor(id=user["id"], username=username, display_name=user["display_name"], role=user["role"],
                  side=user["side"])
    at = AppTest.from_function(_framed_page, args=(str(ROOT / page),), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.session_state[AUTH_KEY] = actor.as_dict()
    return at.run()


def _add_program(at, code: str, name: str):
    at.text_input(key="program_add_code").input(code)
    at.text_input(key="program_add_name").input(name)
    at.button(key="program_add_submit").click().run()
    return at


def test_creating_a_programme_selects_it_and_a_duplicate_is_refused_in_chinese(app_db):
    """Item 1: the new programme is created and chosen without a crash; a retry says why, in Chinese."""
    at = framed(app_db, "lead", "pages/programs.py")
    assert not at.exception, at.exception
    _add_program(at, "TRUST1", "可信协作专业")
    assert not at.exception, at.exception
    created = get_program(app_db, code="TRUST1")
    assert at.session_state[PROGRAM_KEY] == created["id"]
    _add_program(at, "TRUST1", "可信协作专业")
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors and any("TRUST1" in e for e in errors), errors
    assert not any(ENGLISH.search(e) for e in errors), errors


def _open_standard(engine, username: str, code: str = "ZH3021"):
    from services.courses import list_courses

    program_id = get_program(engine, code="460305")["id"]
    frame = list_courses(engine, program_id=program_id)
    at = login(username)
    at.switch_page("pages/standards.py").run()
    at.selectbox(key="std_course").set_value(int(frame.loc[frame["code"] == code, "id"].iloc[0])).run()
    assert not at.exception, at.exception
    return at


def test_comment_and_reply_boxes_are_cleared_after_posting(app_db):
    """Item 6: after a successful post the box is empty, so a second click cannot post the text again."""
    from services.comments import standard_threads
    from services.standards import current_standard

    at = _open_standard(app_db, "mentor")
    at.text_input(key="std_new_standard").input("请补充安全规范。")
    at.button(key="std_post_standard").click().run()
    assert not at.exception and not at.error
    assert at.text_input(key="std_new_standard").value == ""
    at.button(key="std_post_standard").click().run()
    course_id = at.selectbox(key="std_course").value
    sid = current_standard(app_db, course_id=course_id)["id"]
    threads = [th for th in standard_threads(app_db, standard_id=sid) if th["body"] == "请补充安全规范。"]
    assert len(threads) == 1
    key = f"standard_{threads[0]['id']}"
    at.text_input(key=f"std_reply_{key}").input("好的，已补充。")
    at.button(key=f"std_send_{key}").click().run()
    assert not at.exception and not at.error
    assert at.text_input(key=f"std_reply_{key}").value == ""


def test_no_editor_column_is_marked_required_so_the_browser_sends_every_new_row():
    """Item 2: the browser silently drops a new row whose required cell is empty; the service checks instead."""
    from ui.standard_editor import _column_config

    for table in ("objectives", "units", "assessment"):
        for field, config in _column_config(table).items():
            assert not (isinstance(config, dict) and config.get("required")), (table, field)


@pytest.mark.parametrize("table, row, field_label", [
    ("objectives", {"code": "K9", "text": "能说明新增安全规范"}, "维度"),
    ("units", {"content": "安全规范", "hours_theory": 2, "hours_practice": 0}, "学习单元"),
    ("assessment", {"category": "process", "weight": 0, "method": "口试"}, "考核项目"),
])
def test_a_new_row_missing_a_required_field_stays_with_a_message_naming_it(app_db, table, row, field_label):
    """Item 2: no silent drop and no "没有改动": the row stays in the editor and the message names table, row, field."""
    from services.history import list_versions
    from services.standards import current_standard, standard_content

    at = _open_standard(app_db, "faculty")
    sid = current_standard(app_db, course_id=at.selectbox(key="std_course").value)["id"]
    before = standard_content(app_db, sid)
    versions = len(list_versions(app_db, standard_id=sid))
    from ui.standard_editor import editor_key

    key = editor_key(at.session_state["std_base"], f"std_tbl_{table}")
    at.session_state[key] = {"edited_rows": {}, "added_rows": [row], "deleted_rows": []}
    at.button(key="std_save").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    section = {"objectives": "课程目标", "units": "课程内容与要求", "assessment": "考核评价"}[table]
    row_number = len(before[table]) + 1
    assert f"{section} 第 {row_number} 行：「{field_label}」必填。" in errors, errors
    assert not any(ENGLISH.search(e) or table in e for e in errors), errors
    assert at.session_state[key]["added_rows"] == [row], "the row is still on screen"
    assert len(list_versions(app_db, standard_id=sid)) == versions


def _actor(engine, username: str) -> Actor:
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)
    return Actor(id=user["id"], username=username, display_name=user["display_name"], role=user["role"],
                 side=user["side"])


@pytest.mark.parametrize("username", ["mentor", "faculty"])
def test_home_counts_what_awaits_this_user_as_the_review_queue_does(app_db, username):
    """Item 7: the home page's "awaiting" counts are the review queue's counts for the same user."""
    from services.alignments import review_queue
    from services.i18n import translate

    program_id = get_program(app_db, code="460305")["id"]
    counts = review_queue(app_db, actor=_actor(app_db, username), program_id=program_id)["counts"]
    at = login(username)
    warnings = [w.value for w in at.warning]
    for key, n in (("home.attention.proposed", counts["alignments"]), ("home.attention.comments", counts["comments"])):
        tail = translate(key, "zh", count=2).removeprefix("2").strip()
        assert [w for w in warnings if w.endswith(tail)] == ([translate(key, "zh", count=n)] if n else []), warnings


def test_home_and_editor_show_the_same_revision_and_version(app_db):
    """Item 7: one function says which revision and saved version is current; home and editor both show it."""
    from services.history import list_versions
    from services.i18n import translate
    from services.standards import current_standard
    from services.workflow import current_revisions

    program_id = get_program(app_db, code="460305")["id"]
    rows = current_revisions(app_db, program_id=program_id)
    assert rows
    at = login("faculty")
    home = at.dataframe[-1].value  # the standards table is the last one on Home
    for row in rows:
        assert current_standard(app_db, course_id=row["course_id"])["id"] == row["standard_id"]
        assert row["version_number"] == max(v["number"] for v in list_versions(app_db, standard_id=row["standard_id"]))
    first = rows[0]
    shown = home.iloc[0]
    assert shown[translate("field.revision", "zh")] == first["revision"]
    assert shown[translate("field.version", "zh")] == first["version_number"]
    at = _open_standard(app_db, "faculty", first["course_code"])
    caption = translate("standards.page.revision_line", "zh", revision=first["revision"],
                        status=translate(f"enum.standard_status.{first['status']}", "zh"),
                        version=first["version_number"])
    assert caption in [c.value for c in at.caption]


def test_a_save_that_clears_a_signature_says_whose_asks_first_and_tells_afterwards(app_db):
    """Item 3: the owner's editor names the lead's signature, refuses to save until confirmed, then says it was cleared."""
    from services.notifications import unread_count
    from services.standards import current_standard, standard_content
    from services.workflow import sign, submit, workflow_state

    faculty, lead = _actor(app_db, "faculty"), _actor(app_db, "lead")
    at = _open_standard(app_db, "faculty")
    sid = current_standard(app_db, course_id=at.selectbox(key="std_course").value)["id"]
    submit(app_db, actor=faculty, standard_id=sid, expected_version=workflow_state(app_db, standard_id=sid)["version"])
    sign(app_db, actor=lead, standard_id=sid, expected_version=workflow_state(app_db, standard_id=sid)["version"])
    at = _open_standard(app_db, "faculty")
    assert any(lead.display_name in shown(w.value) for w in at.warning), [w.value for w in at.warning]
    hours = int(standard_content(app_db, sid)["units"][0]["hours_practice"] or 0) + 2
    from ui.standard_editor import editor_key

    at.session_state[editor_key(at.session_state["std_base"], "std_tbl_units")] = {"edited_rows": {"0": {"hours_practice": hours}}, "added_rows": [],
        "deleted_rows": []}
    at.button(key="std_save").click().run()
    assert not at.exception and at.error, "an unconfirmed save is refused"
    assert workflow_state(app_db, standard_id=sid)["school_signed_by"] == lead.display_name
    at.checkbox(key="std_confirm_clear").check().run()
    at.button(key="std_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert workflow_state(app_db, standard_id=sid)["school_signed_by"] == ""
    assert any(lead.display_name in shown(i.value) for i in at.info), [i.value for i in at.info]
    from services.notifications import list_notifications

    assert [n["kind"] for n in list_notifications(app_db, actor=lead, unread_only=True)
            if n["entity_id"] == sid] == ["signoff_cleared", "review_requested"]  # the submit asked the lead (#13)
    assert unread_count(app_db, actor=lead) >= 1


def test_the_sidebar_shows_the_unread_count(app_db, monkeypatch):
    """Item 3: a user with an unread notification sees how many in the sidebar."""
    from services.i18n import translate
    from services.notifications import create_notification
    from ui.auth import TOKEN_KEY

    lead = _actor(app_db, "lead")
    create_notification(app_db, user_id=lead.id, kind="test", key="sidebar.unread", params={"n": 1})
    token = login("lead").session_state[TOKEN_KEY]
    # AppTest reruns a page without app.py after the login: a new session with the cookie draws the sidebar
    monkeypatch.setattr("ui.auth.browser_token", lambda: token)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh"
    at.run()
    assert translate("sidebar.unread", "zh", n=1) in [c.value for c in at.sidebar.caption]
