"""Chromium at phone width: a rater without an account fills a survey through a personal invitation link."""

from __future__ import annotations

import shutil

import pytest

from services.db import make_engine
from services.framework import list_job_roles
from services.i18n import translate
from services.programs import get_program
from services.surveys import create_invitation_link, open_survey, rater_access, rating_form
from services.users import get_actor
from tests.browser_support import browser, chromium_available, live_server, wait_idle
from tests.conftest import IN_CI

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def answer_on_phone(page, items: int, values: tuple[int, int, int]) -> None:
    """Answer ``items`` items on the rating page, one screen each, by tapping the radio labels."""
    from playwright.sync_api import expect

    for n in range(1, items + 1):
        page.get_by_text(f"第 {n} 项 / 共 {items} 项").wait_for()
        wait_idle(page)
        for scale, value in zip(("importance", "frequency", "difficulty"), values, strict=True):
            # the previous item's radios stay in the page until the new run has replaced them:
            # wait until only this item's group is left, then check that the tap took
            group = page.locator(f"[class*='st-key-rate_{scale}_']")
            expect(group).to_have_count(1)
            page.locator(f"[class*='st-key-rate_{scale}_'] [role=radiogroup] label").nth(value - 1).click()
            expect(group.locator("input[type=radio]").nth(value - 1)).to_be_checked()
            wait_idle(page)
        page.locator(".st-key-rate_save button").click()
        wait_idle(page)


def test_invitation_link_rating_at_phone_width(seeded_sqlite_template, tmp_path):
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI", pytrace=False)
        pytest.skip("Chromium not installed")
    path = tmp_path / "phone.db"
    shutil.copy(seeded_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    program = get_program(engine, code="460305")
    role = next(r for r in list_job_roles(engine, program_id=program["id"]) if r["name"] == "工业视觉系统运维员")
    survey = open_survey(engine, actor=get_actor(engine, username="mentor"), job_role_id=role["id"])
    link = create_invitation_link(engine, actor=get_actor(engine, username="mentor"), survey_id=survey["id"],
                                  name="赵师傅")
    with live_server(url) as base, browser() as chromium:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/rate?invite={link['token']}")
        wait_idle(page)
        assert page.locator("h1").first.inner_text().strip() == translate("rate.title", "zh")
        assert page.locator(".st-key-login_username").count() == 0
        assert page.get_by_text("第 1 项 / 共 5 项").is_visible()
        # one item per screen, nothing wider than the phone
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        answer_on_phone(page, survey["items"], (4, 5, 2))
        page.get_by_text(translate("rate.done", "zh", total=survey["items"])).wait_for()
        context.close()
    answers = rating_form(engine, access=rater_access(engine, token=link["token"]))
    assert [(a["answer"]["importance"], a["answer"]["frequency"], a["answer"]["difficulty"]) for a in answers] \
        == [(4, 5, 2)] * survey["items"]
    engine.dispose()
