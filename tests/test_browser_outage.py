"""Chromium: PostgreSQL stopped and started under an open session (#12 hole 4, the real server, not a patch).

A private cluster (tests/pg_cluster.py, never the shared server at 127.0.0.1:5432) holds the demo; the
app runs on it. A lead saves a programme's name (acknowledged), types a description, the server is
stopped with ``pg_ctl stop -m fast``: Save shows the outage message, not Streamlit's error, and the
typed text is kept. After ``pg_ctl start`` the same session goes on without a new login, the
acknowledged name is in the database and the kept description saves.
"""

from __future__ import annotations

import json
import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from services.db import make_engine
from services.demo import seed_demo
from services.i18n import translate
from services.migrate import upgrade
from tests.browser_support import browser, chromium_available, free_port, live_server, log_in, wait_idle
from tests.conftest import IN_CI
from tests.pg_cluster import SHARED_PORT, binaries_available, private_cluster

pytestmark = pytest.mark.browser
ACKNOWLEDGED = "确认保存的专业名称"
KEPT = "数据库停机时输入的说明"


def _require(available: bool, what: str) -> None:
    if not available:
        if IN_CI:
            pytest.fail(f"{what} is required in CI", pytrace=False)
        pytest.skip(f"{what} not installed")


def _record(outcome: dict) -> None:
    """One JSON line for ``make reliability`` (when ``COSTANDARD_RELIABILITY_OUT`` is set)."""
    out = os.environ.get("COSTANDARD_RELIABILITY_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"check": "outage", **outcome}, ensure_ascii=False) + "\n")


def _program(engine) -> tuple[str, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(text("SELECT name, description FROM program WHERE code = '460305'")).one())


def _field(page, key: str):
    return page.locator(f".st-key-{key} input, .st-key-{key} textarea").first


def test_postgresql_stopped_and_started_under_an_open_session():
    """Stop: the outage message and the typed text kept; start: the session goes on, nothing acknowledged lost."""
    _require(chromium_available(), "Chromium (apt-get install -y chromium)")
    _require(binaries_available(), "PostgreSQL server binaries (initdb, pg_ctl)")
    port = free_port()
    assert port != SHARED_PORT
    with private_cluster(port) as cluster:
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE costandard"))
        admin.dispose()
        url = cluster.url("costandard")
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine)
        outage = translate("db.outage", "zh")
        with live_server(url) as base, browser() as chromium:
            page = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
            log_in(page, base, "lead")
            page.goto(f"{base}/programs?program=460305")
            wait_idle(page)
            _field(page, "program_edit_name").fill(ACKNOWLEDGED)
            page.locator(".st-key-program_edit_save button").click()
            wait_idle(page)
            expect(page.get_by_text(translate("saved", "zh"))).to_be_visible()  # the toast: acknowledged
            assert _program(engine)[0] == ACKNOWLEDGED
            _field(page, "program_edit_description").fill(KEPT)

            cluster.stop()
            assert not cluster.running()
            page.locator(".st-key-program_edit_save button").click()
            wait_idle(page, timeout=60_000)
            expect(page.locator("[data-testid=stAlertContentError] p")).to_have_text(outage)
            assert page.locator("[data-testid=stException]").count() == 0  # no traceback, no generic error
            page.locator(".st-key-db_outage_retry button").click()  # still down: the same message again
            wait_idle(page, timeout=60_000)
            expect(page.locator("[data-testid=stAlertContentError] p")).to_have_text(outage)

            cluster.start()
            page.locator(".st-key-db_outage_retry button").click()
            wait_idle(page, timeout=60_000)
            expect(_field(page, "program_edit_description")).to_have_value(KEPT)  # typed before the stop, kept
            expect(_field(page, "program_edit_name")).to_have_value(ACKNOWLEDGED)
            assert page.locator(".st-key-login_username").count() == 0  # no new login
            assert page.locator("[data-testid=stAlertContentError], [data-testid=stException]").count() == 0
            assert _program(engine)[0] == ACKNOWLEDGED  # the acknowledged save survived the stop
            page.locator(".st-key-program_edit_save button").click()
            wait_idle(page)
            expect(page.get_by_text(translate("saved", "zh"))).to_be_visible()
            assert _program(engine) == (ACKNOWLEDGED, KEPT)
        engine.dispose()
    _record({"fault": "PostgreSQL stopped (pg_ctl stop -m fast) and started under an open browser session",
             "message_shown": True, "input_kept": True, "relogin_needed": False, "lost": 0})
