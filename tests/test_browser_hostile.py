"""Chromium: hostile user text is shown as text, no <img> or <a> of it in the DOM (#12 hole 3)."""

from __future__ import annotations

import shutil

import pytest

from services.db import make_engine
from tests.browser_support import browser, chromium_available, live_server, log_in, wait_idle
from tests.conftest import IN_CI
from tests.test_hostile_markdown import _seed_hostile

pytestmark = pytest.mark.browser

# a heading's own anchor (href="#slug-of-its-text") is Streamlit's, not a link out of user text
EVIL_ELEMENTS = ("els => els.filter(e => { const url = e.getAttribute('src') || e.getAttribute('href') || '';"
                 " return (url.includes('evil') && !url.startsWith('#')) || e.getAttribute('onerror'); })"
                 ".map(e => e.outerHTML)")


def test_review_page_and_sidebar_show_hostile_text_as_text(seeded_sqlite_template, tmp_path):
    """Review queue (statements, units, names, comments) and the sidebar's display name: text only."""
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI (.ci/run installs it)", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    path = tmp_path / "hostile.db"
    shutil.copy(seeded_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    _seed_hostile(engine)
    engine.dispose()
    with live_server(f"sqlite:///{path}") as base, browser() as chromium:
        page = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        log_in(page, base, "lead")
        for slug in ("", "review", "competencies"):
            page.goto(f"{base}/{slug}")
            wait_idle(page)
            page.wait_for_selector("[data-testid=stSidebarNav]")
            assert page.locator("img, a, [onerror]").evaluate_all(EVIL_ELEMENTS) == [], slug
            assert "evil.example" in page.locator("[data-testid=stMain]").inner_text(), slug
        assert "evil.example" in page.locator("[data-testid=stSidebar]").inner_text()  # the display name, as text
        assert not [url for url in requests if "evil" in url]
