"""Screenshots of the course-standard editor, its checklist and its history diff (issue 5).

The review queue's screenshots come from ``tools/screenshot_flow.py`` (issue 13).
Run ``python tools/screenshot_standards.py``; writes docs/screenshots/{editor,checklist,diff}_zh.png
from a temporary seeded SQLite database. Uses the same helpers as the browser tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.actor import SYSTEM, Actor  # noqa: E402
from services.courses import list_courses  # noqa: E402
from services.programs import get_program  # noqa: E402
from services.standards import current_standard, save_args_from_content, save_standard, standard_content  # noqa: E402
from services.users import list_users  # noqa: E402
from tests.browser_support import demo_app, log_in, wait_idle  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
COURSE = "ZH3021"


def _seed_history(engine) -> None:
    """Two saves by the course owner so the history tab has a prose change and a table change to show."""
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == "faculty")
    actor = Actor(id=user["id"], username="faculty", display_name=user["display_name"], role=user["role"],
                  side=user["side"])
    frame = list_courses(engine, program_id=get_program(engine, code="460305")["id"])
    course_id = int(frame.loc[frame["code"] == COURSE, "id"].iloc[0])
    standard = current_standard(engine, course_id=course_id)
    for step in range(2):
        content = standard_content(engine, standard["id"])
        args = save_args_from_content(content)
        for table in ("objectives", "units"):
            for row in args[table]:
                row.pop("alignments")
        if step == 0:
            args["header"]["resources"] = (args["header"]["resources"] or "") + "\n\n校内工业机器人实训室（6 个工位）。"
        else:
            args["header"]["teaching_methods"] = (args["header"]["teaching_methods"] or "").replace("。", "，以项目为载体。", 1)
            args["units"][0]["hours_practice"] = int(args["units"][0]["hours_practice"] or 0) + 2
        result = save_standard(engine, actor=actor, standard_id=standard["id"], expected_version=standard["version"],
                               note="补充实训资源与学时", **args)
        standard = {**standard, "version": result["version"]}


def _nav(page, slug: str) -> None:
    """Follow the sidebar link (a full page load would start a new, logged-out session)."""
    page.locator(f"[data-testid=stSidebarNav] a[href$='/{slug}']").first.click()
    wait_idle(page)


def _open_course(page, base: str) -> None:
    _nav(page, "standards")
    page.locator(".st-key-std_course").click()
    page.get_by_role("option", name=COURSE).first.click()
    wait_idle(page)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def _settle(page) -> None:
    """Wait until text areas and tables have painted (they render after the script run ends)."""
    page.locator("[class*=st-key-std_h_resources_] textarea").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app(_seed_history) as app:
        base, chromium = app.base, app.chromium
        page = chromium.new_context(viewport={"width": 1400, "height": 2400}, locale="zh-CN").new_page()
        log_in(page, base, "faculty")
        _open_course(page, base)
        _settle(page)
        page.screenshot(path=str(OUT / "editor_zh.png"), full_page=True)
        _tab(page, "检查清单")
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "checklist_zh.png"), full_page=True)
        _tab(page, "历史")
        page.locator(".st-key-std_diff_a").wait_for(timeout=30_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(OUT / "diff_zh.png"), full_page=True)
        for stem in ("editor", "checklist", "diff"):
            print(f"wrote {OUT / f'{stem}_zh.png'}")


if __name__ == "__main__":
    main()
