"""Screenshots of a quick Save in the course-standard editor, in both languages (issue 12).

A teacher types into an objective's cell and clicks Save straight away, without Enter: leaving the cell is what
makes the data editor send the edit, about 180 ms after the click (the case where the edit used to vanish after
"nothing to save", or the click was lost). The toast names the version and the editor stays on the course.
Run ``python tools/screenshot_save.py``; writes docs/screenshots/editor_saved_{zh,en}.png from a
temporary seeded SQLite database; fails when no toast names a version or the course changed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.i18n import translate  # noqa: E402
from tests.browser_support import demo_app, log_in, set_language, wait_idle  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
COURSE = "ZH3021"
TEXT = {"zh": "能够说明工业机器人坐标系的种类与用途（快速保存）", "en": "Explain the robot's coordinate systems (quick save)"}


def _saved(lang: str) -> re.Pattern:
    return re.compile(re.escape(translate("standards.page.saved", lang, number="§")).replace("§", r"\d+"))


def _open_course(page) -> None:
    page.locator("[data-testid=stSidebarNav] a[href$='/standards']").first.click()
    wait_idle(page)
    page.locator(".st-key-std_course").click()
    page.get_by_role("option", name=COURSE).first.click()
    wait_idle(page)


def _quick_save(page, lang: str) -> None:
    page.get_by_role("tab", name=translate("standards.part.objectives", lang)).click()
    wait_idle(page)
    grid = page.locator("[class*=st-key-std_tbl_objectives] [data-testid=stDataFrameResizable]")
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + 280, box["y"] + 35 + 17)
    editor = page.locator("textarea.gdg-input")
    editor.wait_for(timeout=30_000)
    editor.fill(TEXT[lang])
    page.locator(".st-key-std_save button").click()  # no Enter: the click leaves the cell, the edit follows it
    toast = page.locator("[data-testid=stToast]").filter(has_text=_saved(lang))
    toast.wait_for(timeout=60_000)
    wait_idle(page)
    page.screenshot(path=str(OUT / f"editor_saved_{lang}.png"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app() as app:
        page = app.chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        log_in(page, app.base, "faculty")
        for lang in ("zh", "en"):
            set_language(page, lang)
            _open_course(page)
            _quick_save(page, lang)
            shown = page.locator(".st-key-std_course input").input_value()
            if COURSE not in shown:
                raise SystemExit(f"{lang}: the editor shows {shown!r}, not {COURSE}")
        print("wrote", *(OUT / f"editor_saved_{lang}.png" for lang in ("zh", "en")))


if __name__ == "__main__":
    main()
