"""Screenshot the coverage page's heatmap for docs (issue 4): docs/screenshots/coverage_{zh,en}.png.

Serves a freshly seeded temporary SQLite demo database, logs in as the programme lead with
Chromium and captures the page in both languages (a tall viewport, as the app scrolls
its main area rather than the document), after clicking a heatmap cell for the drill-down.
Run with ``python tools/screenshot_coverage.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services import coverage  # noqa: E402
from services.i18n import translate  # noqa: E402
from tests.browser_support import demo_app, log_in, set_language, wait_idle  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 2600}  # tall: the app scrolls its main area, not the document


def capture(page, lang: str, result: coverage.CoverageResult) -> Path:
    """Open the coverage page in ``lang``, click one heatmap cell and save a full-page screenshot."""
    page.set_viewport_size(VIEWPORT)
    set_language(page, lang)
    page.locator("[data-testid=stSidebarNav] a[href$='/coverage']").first.click()
    wait_idle(page)
    page.wait_for_selector(".st-key-coverage_heatmap .js-plotly-plot", timeout=30_000)
    # click the cell of the first competency in the second course; the drill-down follows the click
    plot = page.locator(".st-key-coverage_heatmap .nsewdrag").first.bounding_box()
    columns, rows = len(result.courses) + 1, len(result.by_competency)  # + the required-level column
    page.mouse.click(plot["x"] + plot["width"] * 1.5 / columns, plot["y"] + plot["height"] * 0.5 / rows)
    page.get_by_text(translate("coverage.link.standards", lang)).wait_for(timeout=30_000)  # shown with the rows
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    main.evaluate("main => main.scrollTo(0, 0)")
    height = page.locator("[data-testid=stMainBlockContainer]").evaluate("block => block.scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(height + 20, VIEWPORT["height"])})  # no blank tail
    page.mouse.move(0, 0)  # no hover toolbar over the drill-down table
    page.wait_for_timeout(500)  # let plotly finish its layout transition before capturing
    path = OUT / f"coverage_{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _demo_coverage(engine):
    return coverage.compute_coverage(engine, program_id=coverage.program_id_for_code(engine, code="460305"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app(_demo_coverage) as app:
        base, chromium = app.base, app.chromium
        result = app.prepared
        page = chromium.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
        log_in(page, base, "lead")
        for lang in ("zh", "en"):
            print(f"wrote {capture(page, lang, result)}")


if __name__ == "__main__":
    main()
