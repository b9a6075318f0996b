"""Screenshot the coverage page's heatmap for docs (issue 4): docs/screenshots/coverage_{zh,en}.png.

Serves a freshly seeded temporary SQLite demo database, logs in as the programme lead with
Chromium and captures the page in both languages (a tall viewport, as the app scrolls
its main area rather than the document), after picking a competency for the drill-down.
Run with ``python tools/screenshot_coverage.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.db import make_engine  # noqa: E402
from services.demo import seed_demo  # noqa: E402
from services.migrate import upgrade  # noqa: E402
from tests.browser_support import browser, live_server, log_in, set_language, wait_idle  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DRILL_COMPETENCY = "1.1.1"  # a covered competency of the demo programme, so the drill-down has rows


def capture(page, lang: str) -> Path:
    """Open the coverage page in ``lang``, drill into one competency and save a full-page screenshot."""
    set_language(page, lang)
    page.locator("[data-testid=stSidebarNav] a[href$='/coverage']").first.click()
    wait_idle(page)
    page.wait_for_selector(".st-key-coverage_heatmap .js-plotly-plot", timeout=30_000)
    page.locator(".st-key-coverage_drill_competency input").click()
    page.keyboard.type(DRILL_COMPETENCY + " ")  # the option list is virtualised: filter it by typing
    page.get_by_role("option").first.click()
    wait_idle(page)
    page.locator("[data-testid=stMain]").evaluate("main => main.scrollTo(0, 0)")
    page.mouse.move(0, 0)  # no hover toolbar over the drill-down table
    page.wait_for_timeout(500)  # let plotly finish its layout transition before capturing
    path = OUT / f"coverage_{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp())
    try:
        url = f"sqlite:///{workdir / 'shots.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine)
        engine.dispose()
        with live_server(url) as base, browser() as chromium:
            page = chromium.new_context(viewport={"width": 1400, "height": 2600}, locale="zh-CN").new_page()
            log_in(page, base, "lead")
            for lang in ("zh", "en"):
                print(f"wrote {capture(page, lang)}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
