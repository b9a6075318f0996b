"""Capture docs/screenshots of the industry side (#14) in Chinese and English.

Run with ``.venv/bin/python tools/screenshot_industry.py [dacum surveys results sources rate]`` (all by
default). Serves a demo database — which holds the 1+X 工业视觉系统运维 certificate source — to which it
adds, through the services, DACUM side panels for the first job role, a 国家职业技能标准 with its weight
tables (imported like a user's file) and an open survey with a personal link; then shoots the DACUM
chart, the survey results (the demo's closed survey), the 岗课赛证 page (the weight tables opened) and
the rating page at phone width through the invitation link.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services import dacum, framework  # noqa: E402
from services.importing.api import import_file  # noqa: E402
from services.programs import get_program  # noqa: E402
from services.surveys import create_invitation_link, open_survey  # noqa: E402
from services.users import get_actor  # noqa: E402
from tests.browser_support import (  # noqa: E402
    demo_app,
    log_in,
    set_language,
    wait_idle,
    whole_page_screenshot,
)

OUT = ROOT / "docs" / "screenshots"


def prepare(engine) -> str:
    """Add the panels, a national standard with weight tables and an open survey; return the link's token."""
    from tests.importing.test_skill_weights import standard_workbook

    program = get_program(engine, code="460305")
    lead, mentor = get_actor(engine, username="lead"), get_actor(engine, username="mentor")
    roles = framework.list_job_roles(engine, program_id=program["id"])
    dacum.save_panels(engine, actor=mentor, job_role_id=roles[0]["id"], expected_version=roles[0]["version"], panels={
        "knowledge": "机械制图与识图\n电工电子基础\n工业机器人安全规范",
        "tools": "示教器\n万用表、兆欧表\n百分表、水平仪\nRobotStudio 离线编程软件",
        "behaviours": "严格执行安全操作规程\n注重细节、精益求精\n团队协作与沟通",
        "trends": "协作机器人普及\n视觉引导与AI质检\n数字孪生与虚拟调试"})
    standard = import_file(engine, actor=lead, data=standard_workbook(prefix="G"), filename="国家职业技能标准.xlsx",
                           program_code=program["code"], kind="framework")
    assert standard.ok, standard.errors
    national = next(r for r in framework.list_job_roles(engine, program_id=program["id"]) if r["name"] not in
                    {x["name"] for x in roles})
    framework.update_job_role(engine, actor=lead, job_role_id=national["id"], expected_version=national["version"],
                              changes={"kind": "certificate"})
    vision = next(r for r in roles if r["name"] == "工业视觉系统运维员")
    survey = open_survey(engine, actor=mentor, job_role_id=vision["id"], title="视觉系统运维员 补充调查")
    return create_invitation_link(engine, actor=mentor, survey_id=survey["id"], name="赵师傅")["token"]


def main(wanted: tuple[str, ...] = ("dacum", "surveys", "results", "sources", "rate")) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app(prepare) as app:
        base, chromium = app.base, app.chromium
        token = app.prepared
        for lang in ("zh", "en"):
            context = chromium.new_context(viewport={"width": 1400, "height": 1000},
                                           locale="zh-CN" if lang == "zh" else "en-US")
            page = context.new_page()
            log_in(page, base, "lead")
            for slug in [s for s in ("dacum", "surveys", "results", "sources") if s in wanted]:
                page.set_viewport_size({"width": 1400, "height": 1000})
                page.goto(f"{base}/{slug}")  # a deep link: the login is kept in the cookie
                wait_idle(page)
                set_language(page, lang)
                if slug == "sources":  # open the weight tables
                    page.get_by_text("权重表" if lang == "zh" else "Weight tables").first.click()
                    wait_idle(page)
                whole_page_screenshot(page, OUT / f"{slug}_{lang}.png")
            context.close()
            if "rate" not in wanted:
                continue
            phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                         locale="zh-CN" if lang == "zh" else "en-US").new_page()
            phone.goto(f"{base}/rate?invite={token}")
            wait_idle(phone)
            whole_page_screenshot(phone, OUT / f"rate_phone_{lang}.png")
            phone.context.close()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("dacum", "surveys", "results", "sources", "rate"))
