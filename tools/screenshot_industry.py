"""Capture docs/screenshots of the industry side (#14) in Chinese and English.

Run with ``.venv/bin/python tools/screenshot_industry.py``. Serves a demo database to which it adds,
through the services, DACUM side panels for the first job role, a 1+X certificate source with
requirements at three levels (one covered) and an open survey with a personal link; then shoots
the DACUM chart, the survey results (the demo's closed survey), the 岗课赛证 page and the rating
page at phone width through the invitation link.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services import dacum, framework  # noqa: E402
from services.alignments import propose_alignment  # noqa: E402
from services.courses import list_courses  # noqa: E402
from services.programs import get_program  # noqa: E402
from services.surveys import create_invitation_link, open_survey  # noqa: E402
from services.users import get_actor  # noqa: E402
from tests.browser_support import (  # noqa: E402
    browser,
    demo_database,
    live_server,
    log_in,
    set_language,
    wait_idle,
    whole_page_screenshot,
)

OUT = ROOT / "docs" / "screenshots"


def prepare(engine) -> str:
    """Add the panels, the certificate and an open survey; return the survey link's token."""
    program = get_program(engine, code="460305")
    lead, mentor = get_actor(engine, username="lead"), get_actor(engine, username="mentor")
    roles = framework.list_job_roles(engine, program_id=program["id"])
    dacum.save_panels(engine, actor=mentor, job_role_id=roles[0]["id"], expected_version=roles[0]["version"], panels={
        "knowledge": "机械制图与识图\n电工电子基础\n工业机器人安全规范",
        "tools": "示教器\n万用表、兆欧表\n百分表、水平仪\nRobotStudio 离线编程软件",
        "behaviours": "严格执行安全操作规程\n注重细节、精益求精\n团队协作与沟通",
        "trends": "协作机器人普及\n视觉引导与AI质检\n数字孪生与虚拟调试"})
    cert = framework.create_job_role(engine, actor=lead, program_id=program["id"], kind="certificate",
                                     name="1+X 工业机器人应用编程职业技能等级证书")
    area = framework.create_node(engine, actor=lead, program_id=program["id"], kind="area", code="X1",
                                 statement="工业机器人编程", job_role_id=cert["id"])
    task = framework.create_node(engine, actor=lead, program_id=program["id"], kind="task", code="X1.1",
                                 statement="示教编程与调试", parent_id=area["id"], job_role_id=cert["id"])
    course = list_courses(engine, program_id=program["id"]).iloc[0]
    for n, (level, text) in enumerate((("初级", "能使用示教器完成工业机器人的手动操纵"), ("中级", "能编写搬运与码垛程序"),
                                       ("中级", "能完成程序的单步与连续调试"), ("高级", "能完成多机器人协同编程")), start=1):
        node = framework.create_node(engine, actor=lead, program_id=program["id"], kind="competency",
                                     code=f"X1.1.{n}", statement=text, parent_id=task["id"], comp_type="skill",
                                     importance=4, cert_level=level)
        if n <= 2:
            propose_alignment(engine, actor=lead, level=3, competency_id=node["id"], course_id=int(course["id"]),
                              accept=True)
    vision = next(r for r in roles if r["name"] == "工业视觉系统运维员")
    survey = open_survey(engine, actor=mentor, job_role_id=vision["id"], title="视觉系统运维员 补充调查")
    return create_invitation_link(engine, actor=mentor, survey_id=survey["id"], name="赵师傅")["token"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    workdir, url, engine = demo_database()
    try:
        token = prepare(engine)
        engine.dispose()
        with live_server(url) as base, browser() as chromium:
            for lang in ("zh", "en"):
                context = chromium.new_context(viewport={"width": 1400, "height": 1000},
                                               locale="zh-CN" if lang == "zh" else "en-US")
                page = context.new_page()
                log_in(page, base, "lead")
                for slug in ("dacum", "surveys", "results", "sources"):
                    page.set_viewport_size({"width": 1400, "height": 1000})
                    page.goto(f"{base}/{slug}")  # a deep link: the login is kept in the cookie
                    wait_idle(page)
                    set_language(page, lang)
                    whole_page_screenshot(page, OUT / f"{slug}_{lang}.png")
                context.close()
                phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                             locale="zh-CN" if lang == "zh" else "en-US").new_page()
                phone.goto(f"{base}/rate?invite={token}")
                wait_idle(phone)
                whole_page_screenshot(phone, OUT / f"rate_phone_{lang}.png")
                phone.context.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
