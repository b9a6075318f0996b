"""AppTest: the login gate on the database session, stale rights, reloads and deep links."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services import sessions
from services.actor import SYSTEM
from services.courses import list_courses
from services.i18n import translate
from services.programs import get_program
from services.users import list_users, update_user
from tests.apptest_support import APP, TIMEOUT, app_db, login  # noqa: F401 (fixture)
from ui.auth import TOKEN_KEY

pytestmark = pytest.mark.apptest


def _user(engine, username: str) -> dict:
    return next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)


def _change_user(engine, username: str, **changes) -> None:
    row = _user(engine, username)
    admin = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == "admin")
    from services.users import get_actor

    update_user(engine, actor=get_actor(engine, username=admin["username"]), user_id=row["id"],
                expected_version=row["version"], changes=changes)


def _course_id(engine, code: str, program: str = "460305") -> int:
    frame = list_courses(engine, program_id=get_program(engine, code=program)["id"])
    return int(frame.loc[frame["code"] == code, "id"].iloc[0])


def _edit_a_competency(engine) -> None:
    from services.framework import framework_frame, update_node

    frame = framework_frame(engine, program_id=get_program(engine, code="460305")["id"])
    node = frame[frame["kind"] == "competency"].iloc[0]
    update_node(engine, actor=SYSTEM, node_id=int(node["id"]), expected_version=int(node["version"]),
                changes={"importance": 1 if int(node["importance"]) != 1 else 2})


def _anonymous(lang: str = "en", **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.query_params.update(query)
    return at.run()


def _log_in_here(at: AppTest, username: str, password: str = "demo") -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def _reloaded(monkeypatch, token: str, **query) -> AppTest:
    """A fresh Streamlit session whose browser sends ``token`` in the cookie (what a reload starts)."""
    monkeypatch.setattr("ui.auth.browser_token", lambda: token)
    return _anonymous(**query)


def test_login_creates_a_database_session(app_db):
    """The session state holds the token; the database holds its hash (logout: tests/test_browser.py).

    AppTest does not deliver clicks on the entry script's sidebar after the first run, so the
    logout button and the programme picker are driven in Chromium instead.
    """
    token = login("faculty", lang="en").session_state[TOKEN_KEY]
    faculty = _user(app_db, "faculty")
    assert sessions.resolve_session(app_db, token=token).username == "faculty"
    assert sessions.count_sessions(app_db, user_id=faculty["id"]) == 1


def test_a_reload_with_the_cookie_stays_logged_in(app_db, monkeypatch):
    """A new Streamlit session (what a reload starts) that sends the cookie is logged in, on the same page."""
    token = login("lead", lang="en").session_state[TOKEN_KEY]
    at = _reloaded(monkeypatch, token)
    assert not at.exception
    assert at.title[0].value == "工业机器人技术" and at.session_state[TOKEN_KEY] == token
    at.switch_page("pages/audit.py").run()
    assert at.title[0].value == translate("audit.title", "en")


def test_a_stale_cookie_shows_the_login_and_login_rotates_it(app_db, monkeypatch):
    """A cookie whose session has ended opens nothing; logging in drops the browser's old session."""
    old = login("mentor", lang="en").session_state[TOKEN_KEY]
    at = _reloaded(monkeypatch, old)
    assert at.session_state[TOKEN_KEY] == old  # still valid: picked up from the cookie
    sessions.end_session(app_db, token=old)  # another tab with the same cookie logs out
    assert sessions.resolve_session(app_db, token=old) is None
    at.run()
    assert at.title[0].value == translate("login.title", "en")
    assert translate("login.session_ended", "en") in [i.value for i in at.info]
    _log_in_here(at, "mentor")
    new = at.session_state[TOKEN_KEY]
    assert new != old and sessions.resolve_session(app_db, token=new).username == "mentor"


def test_demoted_lead_no_longer_opens_the_audit_log(app_db):
    """An admin demotes a lead whose session is open: the next run of that session refuses the audit log."""
    at = login("lead", lang="en")
    at.switch_page("pages/audit.py").run()
    assert at.title[0].value == translate("audit.title", "en")
    _change_user(app_db, "lead", role="faculty")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("auth.not_allowed", "en")]
    assert not at.title
    assert at.session_state["auth"]["role"] == "faculty"


def test_deactivated_user_is_logged_out(app_db):
    """An admin deactivates a mentor: the mentor's open session ends at its next run, with a message."""
    at = login("mentor", lang="en")
    token = at.session_state[TOKEN_KEY]
    _change_user(app_db, "mentor", is_active=False)
    assert sessions.resolve_session(app_db, token=token) is None
    at.run()
    assert not at.exception
    assert at.title[0].value == translate("login.title", "en")
    assert translate("login.session_ended", "en") in [i.value for i in at.info]
    assert "auth" not in at.session_state


def test_deep_link_survives_the_login_and_opens_the_record(app_db):
    """/standards?course=ZH3021 while logged out: the login form, then that course's standard."""
    at = _anonymous(course="ZH3021")
    at.switch_page("pages/standards.py").run()
    assert at.title[0].value == translate("login.title", "en")
    continue_to = translate("login.continue_to", "en", page=translate("nav.standards", "en"))
    assert continue_to in [c.value for c in at.caption]
    _log_in_here(at, "faculty")
    assert not at.exception
    assert at.title[0].value == translate("standards.title", "en")
    assert at.selectbox(key="std_course").value == _course_id(app_db, "ZH3021")
    assert at.query_params["course"] == "ZH3021" and at.query_params["program"] == "460305"


# the pages whose record picker follows a link: (page, URL parameter, picker key)
LINKED_PICKERS = [
    ("pages/courses.py", "course", "course_selected"),
    ("pages/standards.py", "course", "std_course"),
    ("pages/competencies.py", "code", "comp_selected"),
    ("pages/exports.py", "course", "export_standard_course"),
    ("pages/audit.py", "event", "audit_selected"),
    ("pages/users.py", "user", "users_selected"),
]


@pytest.mark.parametrize(("page", "param", "key"), LINKED_PICKERS)
def test_url_follows_the_picked_record_and_opens_it_again(app_db, page, param, key):
    """Picking a record writes its code into the URL; a new session opened on that URL shows the same record."""
    if key == "audit_selected":  # the demo seed leaves one event in the programme: add a second
        _edit_a_competency(app_db)
    at = login("admin", lang="en")
    at.switch_page(page).run()
    first = at.query_params[param]
    box = at.selectbox(key=key)
    box.select_index(len(box.options) - 1).run()
    assert not at.exception
    value, code = at.session_state[key], at.query_params[param]
    assert code and code != first

    again = _anonymous(program="460305", **{param: code})
    again.switch_page(page).run()
    _log_in_here(again, "admin")
    assert not again.exception
    assert again.session_state[key] == value
    assert again.query_params[param] == code


@pytest.mark.parametrize(("page", "param", "key"), LINKED_PICKERS)
def test_the_same_link_followed_again_after_another_page_opens_its_record(app_db, page, param, key):
    """A link to a record, then another page, then the same link again (an inbox link followed twice, a bookmark):
    the record opens again. Streamlit forgets the picker's value once another page ran; the page used to take the
    link for the one it had written itself and showed the first record instead (found by the load test: a
    comment posted on the other course's standard)."""
    if key == "audit_selected":  # the demo seed leaves one event in the programme: add a second
        _edit_a_competency(app_db)
    at = login("admin", lang="en")
    at.switch_page(page).run()
    box = at.selectbox(key=key)
    box.select_index(len(box.options) - 1).run()
    value, code = at.session_state[key], at.query_params[param]
    assert value != box.options[0]
    for _ in range(2):
        at.query_params.clear()
        at.switch_page("pages/home.py").run()
        at.query_params.update({"program": "460305", param: code})
        at.switch_page(page).run()
        assert not at.exception
        assert not [w.value for w in at.warning if code in w.value]  # not "no record named …"
        assert at.session_state[key] == value
        assert at.query_params[param] == code


def test_programme_link_chooses_the_programme(app_db, monkeypatch):
    """?program=MECH-ENG picks that programme in the sidebar, before and after a login; the URL keeps it."""
    at = _anonymous(program="MECH-ENG")
    _log_in_here(at, "admin")
    assert at.session_state["program_id"] == get_program(app_db, code="MECH-ENG")["id"]
    assert at.query_params["program"] == "MECH-ENG"
    at = _reloaded(monkeypatch, at.session_state[TOKEN_KEY], program="460305")
    assert at.session_state["program_id"] == get_program(app_db, code="460305")["id"]
    assert at.query_params["program"] == "460305"


def test_a_link_to_an_unknown_record_says_so(app_db):
    at = _anonymous(course="NOPE1")
    at.switch_page("pages/courses.py").run()
    _log_in_here(at, "lead")
    assert not at.exception
    assert translate("link.not_found", "en", param="course", value="NOPE1") in [w.value for w in at.warning]
    assert at.query_params["course"] != "NOPE1"


def test_a_link_to_a_page_the_role_may_not_open_says_so_after_login(app_db):
    """/audit while logged out, then a faculty login: the role message, not Home."""
    at = _anonymous()
    at.switch_page("pages/audit.py").run()
    _log_in_here(at, "faculty")
    assert [e.value for e in at.error] == [translate("auth.not_allowed", "en")]
    assert not at.metric
