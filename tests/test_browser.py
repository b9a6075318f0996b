"""Chromium flows for what only a browser shows: real navigation, login, reload, deep links, logout, health."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from services.i18n import translate
from tests.browser_support import browser, chromium_available, live_server, log_in, set_language, wait_idle
from tests.conftest import IN_CI
from ui.nav import pages_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(seeded_sqlite_template, tmp_path_factory):
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI (.ci/run installs it)", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    import shutil

    path = tmp_path_factory.mktemp("live") / "live.db"
    shutil.copy(seeded_sqlite_template, path)
    with live_server(f"sqlite:///{path}") as base:
        yield base


@pytest.fixture(scope="module")
def chromium(server):
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_health_endpoint_answers_ok(server):
    """/_stcore/health answers ok once the app is served."""
    with urllib.request.urlopen(f"{server}/_stcore/health", timeout=5) as response:
        assert response.read().decode().strip() == "ok"


def test_the_browser_asks_no_host_but_the_app(page, server):
    """Offline colleges and privacy: login and the pages fetch nothing from another host
    (a ``:material/…:`` page icon once made each browser fetch the favicon from fonts.gstatic.com)."""
    origin = urllib.parse.urlsplit(server).netloc
    foreign: list[str] = []
    page.on("request", lambda request: foreign.append(request.url)
            if urllib.parse.urlsplit(request.url).netloc not in (origin, "") else None)
    log_in(page, server, "lead")
    for slug in ("standards", "review", "sources"):  # the page icon is in every page; a few pages suffice
        page.goto(f"{server}/{slug}")
        wait_idle(page, timeout=90_000)
    expect(page.locator("[data-testid=stSidebarNav]")).to_have_count(1)  # still logged in
    assert not [u for u in foreign if not u.startswith(("data:", "blob:"))], foreign[:5]


def test_faculty_logs_in_sees_own_pages_and_logs_out(page, server):
    """The sidebar offers a faculty member exactly the faculty pages; logout returns to login."""
    log_in(page, server, "faculty")
    nav = page.locator("[data-testid=stSidebarNav] a")
    hrefs = sorted(h.rstrip("/").rsplit("/", 1)[-1] for h in nav.evaluate_all("els => els.map(e => e.href)"))
    expected = ["127.0.0.1:" + server.rsplit(":", 1)[1]] + [p.slug for p in pages_for("faculty") if p.slug != "home"]
    assert hrefs == sorted(expected)
    assert "users" not in hrefs and "audit" not in hrefs
    expect(page.get_by_role("heading", name="工业机器人技术")).to_be_visible()
    page.locator(".st-key-logout button").click()
    wait_idle(page)
    expect(page.locator(".st-key-login_username input")).to_be_visible()
    expect(page.locator("[data-testid=stSidebarNav]")).to_have_count(0)


def test_admin_switches_language_and_opens_users_page(page, server):
    """English labels after switching; the users page is reachable by its ASCII slug."""
    log_in(page, server, "admin")
    set_language(page, "en")
    expect(page.get_by_text("Job roles").first).to_be_visible()
    page.locator("[data-testid=stSidebarNav] a[href$='/users']").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    assert urllib.parse.urlsplit(page.url).path == "/users"  # the query names programme and user (deep link)


def test_wrong_password_is_refused(page, server):
    page.goto(server)
    wait_idle(page)
    page.locator(".st-key-login_username input").fill("mentor")
    page.locator(".st-key-login_password input").fill("nope")
    page.locator(".st-key-login_submit button").click()
    wait_idle(page)
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()


def test_the_chosen_language_survives_a_reload_and_a_new_tab(page, server):
    """English chosen in a zh-CN browser stays English after a reload and in a link opened in a new tab."""
    log_in(page, server, "mentor")
    set_language(page, "en")
    page.reload()
    wait_idle(page)
    expect(page.locator(".st-key-logout")).to_contain_text("Log out")
    second = page.context.new_page()
    second.goto(f"{server}/coverage")
    wait_idle(second)
    expect(second.locator(".st-key-logout")).to_contain_text("Log out")
    set_language(second, "zh")
    second.reload()
    wait_idle(second)
    expect(second.locator(".st-key-logout")).to_contain_text("退出登录")


def _session_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == "costandard_session"), None)


def test_reload_keeps_the_login_and_logout_ends_it(page, server):
    """After a reload the user is still logged in (cookie → database session); after logout a reload shows login."""
    log_in(page, server, "lead")
    page.locator("[data-testid=stSidebarNav] a[href$='/courses']").click()
    wait_idle(page)
    cookie = _session_cookie(page)
    assert cookie is not None and len(cookie["value"]) >= 43
    assert cookie["sameSite"] == "Strict" and cookie["secure"] is False  # Secure only over https
    page.reload()
    wait_idle(page)
    expect(page.locator("[data-testid=stSidebarNav]")).to_be_visible()
    expect(page.get_by_role("heading", name=translate("courses.title", "zh"), exact=True)).to_be_visible()
    assert "/courses" in page.url
    page.locator(".st-key-logout button").click()
    wait_idle(page)
    expect(page.locator(".st-key-login_username input")).to_be_visible()
    page.reload()
    wait_idle(page)
    expect(page.locator(".st-key-login_username input")).to_be_visible()
    expect(page.locator("[data-testid=stSidebarNav]")).to_have_count(0)


def test_deep_link_opened_logged_out_lands_on_the_record_after_login(page, server):
    """/standards?course=ZH3021 while logged out: the login form, then that course's standard, URL kept."""
    page.goto(f"{server}/standards?course=ZH3021")
    wait_idle(page)
    expect(page.get_by_text("登录后将继续打开：课程标准")).to_be_visible()
    page.locator(".st-key-login_username input").fill("faculty")
    page.locator(".st-key-login_password input").fill("demo")
    page.locator(".st-key-login_submit button").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=30_000)
    wait_idle(page)
    expect(page.locator(".st-key-std_course input")).to_have_value(re.compile("^ZH3021 "))
    assert "/standards" in page.url and "course=ZH3021" in page.url and "program=460305" in page.url
    page.reload()  # the copied URL works as a link too
    wait_idle(page)
    expect(page.locator(".st-key-std_course input")).to_have_value(re.compile("^ZH3021 "))


def test_a_page_the_role_may_not_open_says_so(page, server):
    """A mentor following a link to the audit log gets the role message, not Home."""
    log_in(page, server, "mentor")
    page.goto(f"{server}/audit")
    wait_idle(page)
    expect(page.get_by_text("您的角色无法使用此页面。")).to_be_visible()
    assert page.locator("[data-testid=stSidebarNav] a[href$='/audit']").count() == 0
