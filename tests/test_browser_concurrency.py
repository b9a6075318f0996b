"""Two app servers on one database, two people in two browsers: what only real widgets show.

A stale save gets the conflict view; after "take theirs" the widgets show their text and the next
Save keeps it; after a restore the widgets show the restored text and the next Save keeps it.
"""

from __future__ import annotations

import shutil
import time

import pytest
from playwright.sync_api import expect

from services.db import make_engine
from services.history import list_versions
from services.standards import standard_content
from tests.browser_support import browser, chromium_available, live_server, log_in, wait_idle
from tests.conftest import IN_CI
from tests.standard_factories import demo_standard_id

pytestmark = pytest.mark.browser
COURSE = "ZJ2011"


@pytest.fixture(scope="module")
def servers(seeded_sqlite_template, tmp_path_factory):
    """Two ``streamlit run app.py`` processes on different ports sharing one SQLite file."""
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI (.ci/run installs it)", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    path = tmp_path_factory.mktemp("two_servers") / "shared.db"
    shutil.copy(seeded_sqlite_template, path)
    url = f"sqlite:///{path}"
    with live_server(url) as first, live_server(url) as second:
        yield url, first, second


@pytest.fixture(scope="module")
def chromium(servers):
    with browser() as instance:
        yield instance


def _page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1400}, locale="zh-CN")
    return context, context.new_page()


def _open_course(page, base: str, username: str) -> None:
    log_in(page, base, username)
    page.locator("[data-testid=stSidebarNav] a[href$='/standards']").first.click()
    wait_idle(page)
    page.locator(".st-key-std_course").click(timeout=120_000)  # a loaded machine renders slowly
    page.get_by_role("option", name=COURSE).first.click()
    wait_idle(page)


def _field(page, name: str):
    return page.locator(f"[class*=st-key-std_h_{name}] textarea").first


def _type(page, name: str, text: str) -> None:
    """Replace a prose field's text and commit it (Ctrl+Enter), as a user finishing an edit."""
    box = _field(page, name)
    box.fill(text)
    box.press("Control+Enter")
    wait_idle(page)


def _save(page) -> None:
    page.locator(".st-key-std_save button").click()
    wait_idle(page)


def _header_becomes(engine, sid: int, field: str, value: str) -> str:
    """Wait (bounded) until the saved header field holds ``value``; return what it holds then."""
    deadline = time.monotonic() + 30
    while True:
        now = standard_content(engine, sid)["header"][field]
        if now == value or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def test_take_theirs_and_restore_then_save_keep_the_other_text(servers, chromium):
    """Stale save → conflict view; take theirs + Save keeps their text; restore + Save keeps the restored text."""
    url, first, second = servers
    engine = make_engine(url)
    sid = demo_standard_id(engine, COURSE)
    original = standard_content(engine, sid)["header"]["resources"]
    ctx_a, me = _page(chromium)
    ctx_b, colleague = _page(chromium)
    try:
        _open_course(me, first, "faculty")
        _open_course(colleague, second, "lead")
        before_theirs = list_versions(engine, standard_id=sid)[0]["number"]

        _type(colleague, "resources", "同事的实训资源：六个工位。")
        _save(colleague)
        assert _header_becomes(engine, sid, "resources", "同事的实训资源：六个工位。") == "同事的实训资源：六个工位。"

        _type(me, "resources", "我的资源。")
        _save(me)
        expect(me.locator(".st-key-std_conflict_theirs button")).to_be_visible()
        me.locator(".st-key-std_conflict_theirs button").click()
        wait_idle(me)
        expect(_field(me, "resources")).to_have_value("同事的实训资源：六个工位。")
        _type(me, "nature", "我改的课程性质。")
        _save(me)
        assert _header_becomes(engine, sid, "nature", "我改的课程性质。") == "我改的课程性质。"
        assert standard_content(engine, sid)["header"]["resources"] == "同事的实训资源：六个工位。", \
            "take theirs + Save kept their text"

        me.get_by_role("tab", name="历史").click()
        wait_idle(me)
        me.locator(".st-key-std_restore_pick").click()
        me.get_by_role("option", name=str(before_theirs), exact=True).click()
        wait_idle(me)
        me.locator(".st-key-std_restore button").click()
        wait_idle(me)
        assert _header_becomes(engine, sid, "resources", original) == original
        me.get_by_role("tab", name="基本信息").click()
        wait_idle(me)
        expect(_field(me, "resources")).to_have_value(original)
        _type(me, "design_rationale", "恢复后再改设计思路。")
        _save(me)
        assert _header_becomes(engine, sid, "design_rationale", "恢复后再改设计思路。") == "恢复后再改设计思路。"
        assert standard_content(engine, sid)["header"]["resources"] == original, "restore + Save kept the restored text"
    finally:
        ctx_a.close()
        ctx_b.close()
        engine.dispose()
