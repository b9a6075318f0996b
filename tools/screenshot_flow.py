"""Screenshots of issue 13's everyday flow: inbox, review queue and the editor's units tab, in both languages.

Run ``python tools/screenshot_flow.py``; writes docs/screenshots/{inbox,review_queue,editor_units}_{zh,en}.png
at 1400 × 900 from a temporary seeded SQLite database (a mentor has decided faculty's proposals
and commented, so the inbox and the queue have something to show). Uses the browser tests' helpers.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.actor import SYSTEM, Actor  # noqa: E402
from services.alignments import (  # noqa: E402
    alignments_for_standard,
    decide_alignment,
    propose_alignment,
    search_competencies,
)
from services.comments import add_comment  # noqa: E402
from services.courses import list_courses  # noqa: E402
from services.i18n import translate  # noqa: E402
from services.programs import get_program  # noqa: E402
from services.standards import current_standard, standard_content  # noqa: E402
from services.users import list_users  # noqa: E402
from tests.browser_support import (  # noqa: E402
    demo_app,
    log_in,
    set_language,
    wait_idle,
    whole_page_screenshot,
)

OUT = ROOT / "docs" / "screenshots"
COURSE = "ZH3021"
SIZE = {"width": 1400, "height": 900}


def _actor(engine, username: str) -> Actor:
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)
    return Actor(id=user["id"], username=username, display_name=user["display_name"], role=user["role"],
                 side=user["side"])


def _seed(engine) -> None:
    """Faculty proposes four alignments; the mentor accepts one, rejects one with a reason and comments."""
    program_id = get_program(engine, code="460305")["id"]
    frame = list_courses(engine, program_id=program_id)
    course_id = int(frame.loc[frame["code"] == COURSE, "id"].iloc[0])
    sid = current_standard(engine, course_id=course_id)["id"]
    faculty, mentor = _actor(engine, "faculty"), _actor(engine, "mentor")
    taken = {(a["unit_id"], a["code"]) for a in alignments_for_standard(engine, standard_id=sid)}
    codes = [h["code"] for h in search_competencies(engine, program_id=program_id, query="", limit=100)]
    made = []
    for unit in standard_content(engine, sid)["units"][:2]:
        for code in [c for c in codes if (unit["id"], c) not in taken][:2]:
            made.append(propose_alignment(engine, actor=faculty, code=code, level=2, unit_id=unit["id"]))
    decide_alignment(engine, actor=mentor, alignment_id=made[0]["id"], expected_version=made[0]["version"],
                     decision="accept")
    decide_alignment(engine, actor=mentor, alignment_id=made[1]["id"], expected_version=made[1]["version"],
                     decision="reject", reason="该单元未涉及此项能力，建议对应到第三单元。")
    add_comment(engine, actor=mentor, entity_type="standard", entity_id=sid, body="请补充实训安全规范的学时安排。")


def _nav(page, slug: str) -> None:
    page.locator(f"[data-testid=stSidebarNav] a[href$='/{slug}']").first.click()
    wait_idle(page)


def _units_tab(page, lang: str, target: Path) -> None:
    """The editor's units tab at 1400 × 900: the whole table with its hours columns in view."""
    _nav(page, "standards")
    page.locator(".st-key-std_course").click()
    page.get_by_role("option", name=COURSE).first.click()
    wait_idle(page)
    page.get_by_role("tab", name=translate("standards.part.units", lang)).click()
    wait_idle(page)
    table = page.locator("[class*=st-key-std_tbl_units_]").first
    table.locator("canvas").first.wait_for(timeout=30_000)
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(target))
    print(f"wrote {target}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app(_seed) as app:
        base, chromium = app.base, app.chromium
        for username, shots in (("faculty", ("inbox", "editor_units")), ("mentor", ("review_queue",))):
            page = chromium.new_context(viewport=dict(SIZE), locale="zh-CN").new_page()
            log_in(page, base, username)
            for lang in ("zh", "en"):
                set_language(page, lang)
                for stem in shots:
                    page.set_viewport_size(dict(SIZE))
                    target = OUT / f"{stem}_{lang}.png"
                    if stem == "editor_units":
                        _units_tab(page, lang, target)
                    else:
                        _nav(page, {"inbox": "inbox", "review_queue": "review"}[stem])
                        page.wait_for_timeout(800)
                        whole_page_screenshot(page, target)


if __name__ == "__main__":
    main()
