"""AppTest: every page behind the login gate, each role's pages, both languages, key flows."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services.actor import SYSTEM
from services.courses import get_course, list_courses
from services.i18n import translate
from services.programs import get_program
from services.users import list_users
from tests.apptest_support import APP, ROOT, TIMEOUT, app_db, login, shown  # noqa: F401 (fixture)
from ui.nav import PAGES, pages_for

pytestmark = pytest.mark.apptest


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.slug)
def test_no_page_renders_content_without_login(app_db, spec):
    """Opened directly, a page shows only the login form (and where the login continues to)."""
    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == [translate("login.title", "en")]
    assert [b.key for b in at.button] == ["login_submit"]
    assert len(at.dataframe) == 0 and len(at.metric) == 0
    continue_to = translate("login.continue_to", "en", page=translate(spec.title_key, "en"))
    assert (continue_to in [shown(c.value) for c in at.caption]) == (spec.slug != "home")


def test_login_page_lists_demo_accounts_and_rejects_wrong_password(app_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == translate("login.title", "en")
    assert "mentor" in str(at.table[0].value.to_dict())
    at = login("faculty", "wrong", lang="en")
    assert at.error[0].value == translate("login.failed", "en")
    assert at.title[0].value == translate("login.title", "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ["admin", "lead", "faculty", "mentor", "anonymous"])
def test_every_page_for_every_role_from_the_one_registry(app_db, role, lang):
    """Every page × role gives the page, the translated "not available for your role" or (anonymous) the login."""
    at = login(role, lang=lang) if role != "anonymous" else AppTest.from_file(APP, default_timeout=TIMEOUT)
    if role == "anonymous":
        at.session_state["lang"] = lang
        at.run()
    else:
        assert at.title[0].value == "工业机器人技术"
        assert at.metric[0].label == translate("home.metric.job_roles", lang)
    assert not at.exception
    for spec in PAGES:
        at.switch_page(spec.path).run()
        assert not at.exception, (role, spec.slug, at.exception)
        titles = [t.value for t in at.title][:1]
        if role == "anonymous":
            assert titles == [translate("login.title", lang)], spec.slug
        elif role in spec.roles:
            expected = "工业机器人技术" if spec.slug == "home" else translate(f"{spec.slug}.title", lang)
            assert titles == [expected], (role, spec.slug)
            assert not [e.value for e in at.error if e.value == translate("auth.not_allowed", lang)]
        else:
            assert [e.value for e in at.error] == [translate("auth.not_allowed", lang)], (role, spec.slug)
            assert titles == [], (role, spec.slug)


def test_the_role_message_reads_as_the_issue_asks():
    assert translate("auth.not_allowed", "zh") == "您的角色无法使用此页面。"
    assert "not available for your role" in translate("auth.not_allowed", "en")


def test_every_page_file_is_registered_and_declares_no_roles_of_its_own():
    """Roles live in ui/nav.py only: no page passes roles to page_setup, every page file has an entry."""
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    assert files == sorted(spec.path for spec in PAGES)
    for path in files:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert "ctx = page_setup()" in source, path
    for path in [ROOT / "app.py", *(ROOT / "ui").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert '("admin", "lead")' not in text or path.name == "nav.py", path


def test_role_navigation_matrix():
    """The navigation offers each role only its pages."""
    everyone = {"home", "competencies", "courses", "standards", "review", "inbox", "coverage", "exports",
                "dacum", "rate", "results", "sources", "impact"}
    assert {p.slug for p in pages_for("admin")} == everyone | {"import", "audit", "programs", "users", "surveys"}
    assert {p.slug for p in pages_for("lead")} == everyone | {"import", "audit", "programs", "surveys"}
    assert {p.slug for p in pages_for("faculty")} == everyone
    assert {p.slug for p in pages_for("mentor")} == everyone | {"surveys"}
    assert all(p.slug.isascii() and p.slug.replace("-", "").isalnum() for p in PAGES)


def test_faculty_edits_an_owned_course(app_db):
    """A course owner changes practice hours; the change is saved with a new version."""
    at = login("faculty")
    at.switch_page("pages/courses.py").run()
    program_id = get_program(app_db, code="460305")["id"]
    frame = list_courses(app_db, program_id=program_id)
    owned = frame[frame["owners"].str.contains("Wang")].iloc[0]
    at.selectbox(key="course_selected").set_value(int(owned["id"])).run()
    at.number_input(key="course_edit_practice").set_value(int(owned["hours_practice"]) + 4)
    at.button(key="course_edit_save").click().run()
    assert not at.exception and not at.error
    after = get_course(app_db, course_id=int(owned["id"]))
    assert after["hours_practice"] == owned["hours_practice"] + 4 and after["version"] == owned["version"] + 1


def _keyed(widgets, prefix: str):
    """The one widget whose key starts with ``prefix`` (edit-form keys carry the node id and version)."""
    return next(w for w in widgets if str(w.key).startswith(prefix))


def test_the_competency_form_follows_the_chosen_node(app_db):
    """After choosing a second node the form holds that node, and Save changes it (not the first)."""
    at = login("lead", lang="en")
    at.switch_page("pages/competencies.py").run()
    at.text_input(key="comp_search").input("2.1.1").run()
    picker = at.selectbox(key="comp_selected")
    first, second = picker.options[-2], picker.options[-1]
    at.selectbox(key="comp_selected").select_index(len(picker.options) - 2).run()
    at.selectbox(key="comp_selected").select_index(len(picker.options) - 1).run()
    code = second.split()[0]
    assert _keyed(at.text_input, "comp_edit_code_").value == code
    _keyed(at.select_slider, "comp_edit_importance_").set_value(1)
    _keyed(at.button, "comp_edit_save_").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    from services.framework import framework_frame

    frame = framework_frame(app_db, program_id=get_program(app_db, code="460305")["id"])
    assert int(frame.loc[frame["code"] == code, "importance"].iloc[0]) == 1
    assert first.split()[0] != code


def test_mentor_cannot_edit_courses_but_can_rate_competency_importance(app_db):
    at = login("mentor", lang="en")
    at.switch_page("pages/courses.py").run()
    with pytest.raises(KeyError):
        at.text_input(key="course_edit_name")
    at.switch_page("pages/competencies.py").run()
    at.text_input(key="comp_search").input("2.1.10").run()
    options = at.selectbox(key="comp_selected").options
    assert any(o.startswith("2.1.10 ") for o in options)
    at.selectbox(key="comp_selected").select_index(len(options) - 1).run()
    _keyed(at.select_slider, "comp_edit_importance_").set_value(2)
    _keyed(at.button, "comp_edit_save_").click().run()
    assert not at.exception and not at.error
    from services.framework import framework_frame

    frame = framework_frame(app_db, program_id=get_program(app_db, code="460305")["id"])
    assert int(frame.loc[frame["code"] == "2.1.10", "importance"].iloc[0]) == 2


def test_admin_creates_a_user_and_lead_creates_a_programme(app_db):
    at = login("admin", lang="en")
    at.switch_page("pages/users.py").run()
    at.text_input(key="user_add_username").input("zhao")
    at.text_input(key="user_add_name").input("赵工")
    at.selectbox(key="user_add_role").set_value("mentor")
    at.selectbox(key="user_add_side").set_value("enterprise")
    at.text_input(key="user_add_password").input("zhao1234")
    at.button(key="user_add_submit").click().run()
    assert not at.error
    assert any(u["username"] == "zhao" and u["role"] == "mentor" for u in list_users(app_db, actor=SYSTEM))

    at = login("lead", lang="en")
    at.switch_page("pages/programs.py").run()
    at.text_input(key="program_add_code").input("460301")
    at.text_input(key="program_add_name").input("机电一体化技术")
    at.button(key="program_add_submit").click().run()
    assert not at.error
    assert get_program(app_db, code="460301")["name"] == "机电一体化技术"
    assert at.session_state["program_id"] == get_program(app_db, code="460301")["id"]


def test_unreachable_database_shows_one_message(monkeypatch):
    """A wrong DATABASE_URL gives a clear message at start, not a traceback."""
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "Cannot connect to the database" in at.error[0].value


def test_lead_assigns_course_owners(app_db):
    """A programme lead picks a course's owners (课程负责人)."""
    at = login("lead", lang="en")
    at.switch_page("pages/courses.py").run()
    course_id = at.selectbox(key="course_selected").value
    candidates = {u["username"]: u["id"] for u in list_users(app_db, actor=SYSTEM)}
    at.multiselect(key=f"course_owners_{course_id}").set_value([candidates["faculty2"]])
    at.button(key="course_owners_save").click().run()
    assert not at.exception and not at.error
    assert [o["username"] for o in get_course(app_db, course_id=course_id)["owners"]] == ["faculty2"]
