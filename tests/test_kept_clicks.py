"""A Save click is not lost when a late widget update interrupts its run (live server, Streamlit's protocol).

A browser sends a click as a trigger in the rerun request that starts its run. A data editor sends its last cell
edit a moment after Enter; on a busy browser that request leaves after the Save click's. It interrupts the click's
run, and it carries no trigger: the click was gone, the page said nothing (seen in the 20-user load run as "no toast,
conflict view or message after Save", and reproduced in Chromium by clicking Save right after Enter). The Save
button now keeps its click (``ui.widgets.kept_button``): the next run saves, with the late edit in it.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from services.db import make_engine
from services.i18n import translate
from services.standards import standard_content
from tests.browser_support import live_server
from tests.st_protocol import Client
from tests.standard_factories import demo_standard_id

COURSE = "ZJ2011"
SAVED = re.compile(re.escape(translate("standards.page.saved", "zh", number="§")).replace("§", r"(\d+)"))


@pytest.fixture(scope="module")
def server(seeded_sqlite_template, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("kept_clicks") / "app.db"
    shutil.copy(seeded_sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with live_server(url) as base:
        yield base, engine
    engine.dispose()


async def _editor(client: Client) -> tuple[str, int]:
    """Log in as faculty and open the course's standard; the objectives editor's key and row 0's id."""
    await client.open("")
    await client.click("login_submit", login_username="faculty", login_password="demo")
    run = await client.open("standards", query=f"course={COURSE}")
    widget, data = run.frame("std_tbl_objectives_")
    return widget.key, data.column("id").to_pylist()[0]


def _text(engine, row_id: int) -> str:
    content = standard_content(engine, demo_standard_id(engine, COURSE))
    return next(o["text"] for o in content["objectives"] if o["id"] == row_id)


def test_a_cell_edit_sent_after_the_save_click_is_saved_and_said(server):
    base, engine = server

    async def go():
        async with Client(base) as client:
            key, row_id = await _editor(client)
            run = await client.click_then_set("std_save", **{key: {"0": {"text": "迟到的编辑：能识读电气原理图。"}}})
            return run, row_id

    run, row_id = asyncio.run(go())
    assert not run.exceptions()
    saved = [m for m in map(SAVED.search, run.toasts) if m]
    assert saved, f"no save toast; toasts {run.toasts}, errors {run.alerts('error')}"
    assert _text(engine, row_id) == "迟到的编辑：能识读电气原理图。"  # stored exactly as typed, full-width colon too


def test_save_then_another_page_at_once_says_what_it_did_and_does_nothing_later(server):
    """Save pressed and another page opened at once, so the click's run is cut off by the page change, wherever
    that lands: before the save (nothing saved, and coming back the page does not save by itself) or after it
    (the save is said, on that page or the next). A change is stored if and only if it is said, and never by the
    later visit."""
    base, engine = server
    sid = demo_standard_id(engine, COURSE)
    nothing = translate("standards.page.nothing_to_save", "zh")

    async def go():
        async with Client(base) as client:
            key, _ = await _editor(client)
            await client.set(**{key: {"0": {"text": "保存后立刻离开"}}})
            before = standard_content(engine, sid)
            await client.press("std_save")  # returns once the click's run has started drawing
            inbox = await client.open("inbox")
            after_inbox = standard_content(engine, sid)
            back = await client.open("standards", query=f"course={COURSE}")
            return before, after_inbox, inbox, back

    before, after_inbox, inbox, back = asyncio.run(go())
    assert not inbox.exceptions() and not back.exceptions()
    toasts = inbox.toasts + back.toasts
    assert standard_content(engine, sid) == after_inbox, toasts  # the later visit saved nothing by itself
    assert (after_inbox != before) == any(SAVED.search(t) for t in toasts), toasts
    assert nothing not in toasts, toasts


def test_a_cell_edit_sent_after_a_save_with_nothing_to_save_is_saved_by_that_click(server):
    """Save pressed before the data editor sent its edit (it sends a cell about 180 ms after the cell is left, and
    clicking Save is what leaves it), and the run ended first with "nothing to save": the edit, sent to the
    editor the browser still shows, is saved by that click. The editor used to start again after "nothing to
    save" (new widget keys) and the edit vanished."""
    base, engine = server

    async def go():
        async with Client(base) as client:
            key, row_id = await _editor(client)
            shown = client.last.widgets[key]  # the editor as the browser shows it
            nothing = await client.click("std_save")
            edit = json.dumps({"edited_rows": {"0": {"text": "保存之后才送到的编辑"}}, "added_rows": [],
                               "deleted_rows": []}, ensure_ascii=False)
            client.values[shown.id] = ("string_value", edit)  # sent to that editor, as the browser does
            late = await client._rerun()
            return nothing, late, row_id

    nothing, late, row_id = asyncio.run(go())
    assert translate("standards.page.nothing_to_save", "zh") in nothing.toasts
    assert any(SAVED.search(t) for t in late.toasts), (late.toasts, late.alerts("error"))
    assert _text(engine, row_id) == "保存之后才送到的编辑"
