"""Refresh docs/screenshots: serve a demo database, log in with Chromium, capture pages.

Run with ``make screenshots``. Uses the same helpers as the browser tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import demo_app, log_in, set_language, wait_idle  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
# (user, slug, file stem) per language
SHOTS = (("lead", "", "home"), ("lead", "competencies", "competencies"), ("lead", "courses", "courses"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app() as app:
        base, chromium = app.base, app.chromium
        page = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        page.goto(base)
        wait_idle(page)
        page.screenshot(path=str(OUT / "login_zh.png"), full_page=True)
        log_in(page, base, "lead")
        for lang in ("zh", "en"):
            set_language(page, lang)
            for _user, slug, stem in SHOTS:
                page.locator(f"[data-testid=stSidebarNav] a[href$='/{slug}']").first.click()
                wait_idle(page)
                page.screenshot(path=str(OUT / f"{stem}_{lang}.png"), full_page=True)
                print(f"wrote {OUT / f'{stem}_{lang}.png'}")


if __name__ == "__main__":
    main()
