"""Browser load: two app servers on one PostgreSQL, simulated users, for a fixed time.

Each user is on one of two ``streamlit run app.py`` servers (127.0.0.1 only, users split between
them). The first ``COSTANDARD_LOAD_BROWSERS`` users (default: up to 4) are Playwright
browser contexts in one Chromium (asyncio); the others speak Streamlit's websocket protocol
(``tests/st_protocol.py``): for the server the same sessions, script runs and messages as a browser
tab, for the test machine no renderer (20 Chromium contexts on two cores spent them on rendering:
logins took 117 s at p50 on an idle machine, which measured Chromium, not the app). Each user logs in as a demo account (faculty, mentor,
lead, …; password "demo"). Then, until the time is up, it does what its role does, with a think time
between actions: opens the home page, the inbox, the standards editor, coverage and the review
queue; saves an objective or a unit field in the standards editor (typed into the data editor, then
Save); accepts or rejects an alignment in the review queue; posts a comment on a standard.

Every write the UI confirmed is logged: a save by the version number its toast named, a decision by
the alignment id its "done" toast confirmed, a comment once its text is shown. A save that meets a
conflict takes the other version and edits again once (the conflict is counted, not an error).

The test fails on any server error — a Streamlit exception element or the outage message in a
page, a traceback in either server's log, an HTTP 5xx answer — on any step that did not finish
within its timeout, and on any acknowledged write lost. Lost means, checked through services at the
end: the version a save was confirmed as does not hold the value typed; a later version changes that
field without a confirmed save of its own (a silent overwrite); the final value differs from the
last confirmed save; a confirmed decision is not the alignment's status; a confirmed comment is not
there exactly once.

Short in ``make test`` (``COSTANDARD_LOAD_WORKERS`` = 4 users, ``COSTANDARD_LOAD_SECONDS`` = 20);
``make load`` runs 20 users for 60 s with a mean think time of 10 s (``COSTANDARD_LOAD_THINK``, default
3 here: the short form keeps its few users busy). The report (p50 / p95 per action,
counts, peak memory) is printed and, for ``make reliability``, appended to
``COSTANDARD_RELIABILITY_OUT``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import re
import shutil
import threading
import time
import uuid
from collections import Counter, deque
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from services.i18n import translate
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, IDLE, chromium_available, live_server
from tests.conftest import IN_CI, PG_ADMIN_URL
from tests.st_protocol import Client

pytestmark = [pytest.mark.browser, pytest.mark.load]

USERS = int(os.environ.get("COSTANDARD_LOAD_WORKERS", "4"))
SECONDS = float(os.environ.get("COSTANDARD_LOAD_SECONDS", "20"))
THINK = float(os.environ.get("COSTANDARD_LOAD_THINK", "3"))
# how many of the users drive a real Chromium (default: up to 4); the others speak Streamlit's websocket protocol
# (tests/st_protocol.py): the same server work, a fraction of the machine (20 Chromium contexts on two
# cores spend the cores on rendering: logins took 117 s at p50 on an idle machine)
BROWSERS = int(os.environ.get("COSTANDARD_LOAD_BROWSERS", str(min(4, USERS))))
# the protocol clients alone, a short run of its own (in make test the main run is all Chromium)
PROTOCOL_USERS, PROTOCOL_SECONDS = 4, 15.0
SERVERS = 2
# ms; a step slower than this is a failure, not a wait (generous: two cores shared with other work)
# every toast the page shows, kept (a toast disappears after 4 s; a busy browser may not look in time)
TOAST_LOG = """
window.__toasts = [];
const seen = new WeakSet();
new MutationObserver(() => {
  for (const t of document.querySelectorAll('[data-testid=stToast]')) {
    const text = t.innerText;
    if (text && !seen.has(t)) { seen.add(t); window.__toasts.push(text); }
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
STEP_TIMEOUT = int(float(os.environ.get("COSTANDARD_LOAD_STEP_TIMEOUT", "180")) * 1000)
PROGRAM = "460305"
COURSES = ("ZJ2011", "ZH3021")
# the accounts in turn: every four users hold an editor, a mentor, a lead and a second mentor
ACCOUNTS = ("faculty", "mentor", "lead", "mentor2", "faculty", "mentor", "lead", "faculty2")
ROLE = {"faculty": "editor", "lead": "editor", "mentor": "reviewer", "mentor2": "reviewer", "faculty2": "reader"}
# what each kind of user does, by weight
MIX = {
    "editor": {"home": 1, "inbox": 1, "standards": 1, "coverage": 1, "review": 1, "save_objective": 3,
               "save_unit": 2, "decide": 2, "comment": 1},
    "reviewer": {"home": 1, "inbox": 1, "standards": 1, "coverage": 1, "review": 1, "decide": 4, "comment": 2},
    "reader": {"home": 1, "inbox": 1, "standards": 2, "coverage": 2, "review": 1, "comment": 2},
}
# each account's first actions, then weighted draws: any four users hold a save, a decision and a comment
FIRST = {"faculty": ("save_objective", "comment", "decide", "save_unit"), "mentor": ("decide", "comment"),
         "lead": ("comment", "save_unit", "decide"), "mentor2": ("decide", "comment"), "faculty2": ("comment",)}
# the data editors' columns (ui/standard_editor.py _WIDTHS): x offset of a cell in the column, px
CELL_X = {("objectives", "text"): 90 + 70 + 120, ("units", "title"): 80, ("units", "content"): 170 + 100}
ROW_H = 35  # glide data grid: header and rows


def _pattern(key: str, name: str) -> re.Pattern:
    """A zh catalog message as a regex with its one ``{name}`` placeholder captured as digits."""
    before, after = translate(key, "zh").split("{" + name + "}")
    return re.compile(re.escape(before) + r"(\d+)" + re.escape(after))


SAVED = _pattern("standards.page.saved", "number")
DECIDED = _pattern("review.batch.done", "n")


# --------------------------------------------------------------------------- the database and servers


@pytest.fixture
def load_database():
    """A PostgreSQL database of its own, migrated and seeded with the demo, plus extra open proposals."""
    if not chromium_available():
        if IN_CI:
            pytest.fail("Chromium is required in CI (.ci/run installs it)", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install -y chromium)")
    name = f"costandard_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "unavailable"
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI (CI=true) but unavailable: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL unavailable: {str(exc).splitlines()[0]}")
    from services.db import make_engine
    from services.demo import seed_demo
    from services.migrate import upgrade

    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        seed_demo(engine)
        world = _world(engine, proposals=2 * USERS + 10)
        yield url, engine, world
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _world(engine, *, proposals: int) -> dict[str, Any]:
    """Open course-level proposals from both sides (so the queue lasts the run) and what the users need."""
    from services.alignments import propose_alignment
    from services.errors import DomainError
    from services.framework import framework_frame
    from services.programs import get_program
    from services.review_queue import queue_groups
    from services.standards import standard_content
    from services.users import get_actor
    from tests.standard_factories import demo_standard_id

    program = get_program(engine, code=PROGRAM)
    courses = {c: demo_standard_id(engine, c) for c in COURSES}
    frame = framework_frame(engine, program_id=program["id"])
    codes = [str(c) for c in frame.loc[frame["kind"] == "competency", "code"]]
    from services.courses import list_courses

    listed = list_courses(engine, program_id=program["id"])
    course_ids = {str(code): int(cid) for cid, code in zip(listed["id"], listed["code"], strict=True)}
    rng = random.Random(12)
    for who in ("faculty", "mentor"):
        actor, made = get_actor(engine, username=who), 0
        for code in rng.sample(codes, len(codes)):
            if made >= proposals:
                break
            try:
                propose_alignment(engine, actor=actor, level=rng.randint(1, 3), code=code,
                                  course_id=course_ids[COURSES[made % len(COURSES)]])
                made += 1
            except DomainError:  # already linked: take the next competency
                continue
    pending = {}
    admin = get_actor(engine, username="admin")
    for group in queue_groups(engine, actor=admin, program_id=program["id"])["groups"]:
        for a in group["alignments"]:
            pending[a["id"]] = {"competency_id": a["competency_id"], "course_id": group["course_id"]}
    rows = {}
    for code, sid in courses.items():
        content = standard_content(engine, sid)
        rows[code] = {t: [r["id"] for r in content[t]][:6] for t in ("objectives", "units")}
    return {"program_id": program["id"], "program_name": program["name"], "standards": courses, "rows": rows,
            "pending": pending}


# --------------------------------------------------------------------------- memory


class MemorySampler:
    """Peak RSS and PSS (summed) of this process's descendants: the app servers and the browser."""

    def __init__(self) -> None:
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @staticmethod
    def _descendants() -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        found, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            children = [p for p, parent in parents.items() if parent == pid]
            found += children
            todo += children
        return found

    @staticmethod
    def _kb(path: str, field: str) -> int:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self) -> None:
        totals: Counter = Counter()
        for pid in self._descendants():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            group = "servers" if "streamlit" in cmd else "browser"
            rss = self._kb(f"/proc/{pid}/status", "VmRSS")
            pss = self._kb(f"/proc/{pid}/smaps_rollup", "Pss")
            totals[f"{group}_rss"] += rss
            totals[f"{group}_pss"] += pss
            totals["all_rss"] += rss
            totals["all_pss"] += pss
        for key, kb in totals.items():
            self.peak[key] = max(self.peak.get(key, 0.0), round(kb / 1024, 1))

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()


# --------------------------------------------------------------------------- what a browser said and heard


class FrameLog:
    """The last websocket frames of one Chromium page (Streamlit's ``BackMsg`` sent, ``ForwardMsg`` received), kept
    raw and decoded only to explain a failed step: did the click's trigger leave the browser, and what came back."""

    def __init__(self, size: int = 600) -> None:
        self.frames: deque[tuple[float, str, bytes]] = deque(maxlen=size)

    def watch(self, socket) -> None:
        if "_stcore/stream" not in socket.url:
            return
        for event, side in (("framesent", "sent"), ("framereceived", "recv")):
            socket.on(event, lambda payload, side=side: self.frames.append(
                (time.monotonic(), side, payload if isinstance(payload, bytes) else payload.encode())))

    def since(self, started: float) -> list[str]:
        """The frames from ``started`` (``time.monotonic()``) on, one line each: a rerun request with the widgets it
        triggers; a received run start, toast, alert, exception or script end."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        lines = []
        for at, side, payload in list(self.frames):
            if at < started:
                continue
            stamp = f"+{at - started:.1f}s"
            if side == "sent":
                msg = BackMsg()
                msg.ParseFromString(payload)
                kind = msg.WhichOneof("type")
                if kind == "rerun_script":
                    triggers = [w.id.rsplit("-", 1)[-1] for w in msg.rerun_script.widget_states.widgets
                                if w.WhichOneof("value") == "trigger_value" and w.trigger_value]
                    lines.append(f"{stamp} sent rerun triggers={triggers}")
                else:
                    lines.append(f"{stamp} sent {kind}")
                continue
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                name = msg.delta.new_element.WhichOneof("type")
                if name in ("toast", "alert", "exception"):
                    body = getattr(msg.delta.new_element, name)
                    lines.append(f"{stamp} recv {name} {getattr(body, 'body', '') or getattr(body, 'message', '')}"[:160])
            elif kind == "new_session":
                lines.append(f"{stamp} recv run start")
            elif kind == "script_finished":
                lines.append(f"{stamp} recv script_finished={ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)}")
            elif kind == "session_status_changed":
                lines.append(f"{stamp} recv running={msg.session_status_changed.script_is_running}")
        return lines


# --------------------------------------------------------------------------- one simulated user


class User:
    """One browser context logged in as ``account`` on ``base``; logs timings, writes and problems."""

    def __init__(self, number: int, account: str, base: str, world: dict[str, Any], log: list[dict]) -> None:
        self.number, self.account, self.base, self.world, self.log = number, account, base, world, log
        self.role = ROLE[account]
        self.rng = random.Random(number)
        self.page = None
        self.done = 0
        self.frames = FrameLog()

    client_kind = "chromium"

    def record(self, **entry: Any) -> None:
        self.log.append({"user": self.number, "account": self.account, "server": self.base,
                         "client": self.client_kind, **entry})

    async def idle(self) -> None:
        await self.page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT)
        await self.page.wait_for_load_state("networkidle", timeout=STEP_TIMEOUT)

    async def timed(self, action: str, step) -> Any:
        started = time.perf_counter()
        result = await step()
        self.record(kind="timing", action=action, ms=round((time.perf_counter() - started) * 1000, 1))
        await self.check_page(action)
        return result

    async def check_page(self, action: str) -> None:
        """A Streamlit exception element or the outage message is a server error."""
        for selector, what in (("[data-testid=stException]", "exception"), (".st-key-db_outage_retry", "outage")):
            found = self.page.locator(selector)
            if await found.count():
                self.record(kind="server_error", action=action, what=what,
                            text=(await found.first.inner_text())[:500])

    # ----------------------------------------------------------------- steps

    async def log_in(self) -> None:
        page = self.page
        await page.goto(self.base)
        await self.idle()
        await page.locator(".st-key-login_username input").fill(self.account)
        await page.locator(".st-key-login_password input").fill("demo")
        await page.locator(".st-key-login_submit button").click()
        await page.wait_for_selector("[data-testid=stSidebarNav]", timeout=STEP_TIMEOUT)
        await self.idle()

    async def open(self, slug: str) -> None:
        """Follow the sidebar link to a page and wait for its title and the end of the run."""
        link = f"a[href='{self.base}/']" if slug == "home" else f"a[href$='/{slug}']"
        await self.page.locator(f"[data-testid=stSidebarNav] {link}").first.click()
        title = self.world["program_name"] if slug == "home" else translate(f"{slug}.title", "zh")
        await self.page.get_by_role("heading", name=title).first.wait_for(timeout=STEP_TIMEOUT)
        await self.idle()

    async def open_course(self, course: str) -> None:
        page = self.page
        await self.timed("open standards", lambda: self.open("standards"))
        if f"course={course}" not in page.url:  # the page keeps the chosen course in the URL (ui/links.py)
            async def pick() -> None:
                option = page.get_by_role("option", name=course).first
                for attempt in range(3):  # a rerun arriving while the list opens closes it again: reopen
                    await page.locator(".st-key-std_course").click()
                    try:
                        await option.wait_for(timeout=STEP_TIMEOUT // 6 if attempt < 2 else STEP_TIMEOUT)
                        break
                    except Exception:  # the last attempt's timeout propagates
                        if attempt == 2:
                            raise
                await option.click()
                await page.wait_for_url(re.compile(f"course={course}"), timeout=STEP_TIMEOUT)
                await self.idle()
            await self.timed("pick course", pick)

    async def tab(self, part: str) -> None:
        await self.page.get_by_role("tab", name=translate(f"standards.part.{part}", "zh")).click()
        await self.idle()

    async def toasts(self) -> list[str]:
        """Every toast the page has shown, in order: a toast lasts 4 s, and on a loaded machine one poll may take
        longer (``fresh = (await self.toasts())[len(before):]``)."""
        return await self.page.evaluate("() => window.__toasts || []")

    async def edit_cell(self, table: str, field: str, row: int, value: str) -> None:
        page = self.page
        grid = page.locator(f"[class*=st-key-std_tbl_{table}] [data-testid=stDataFrameResizable]")
        await grid.wait_for(timeout=STEP_TIMEOUT)
        editor = page.locator("textarea.gdg-input")
        for attempt in range(3):  # a double click on a grid still being laid out may open nothing: again
            box = await grid.bounding_box()
            await page.mouse.dblclick(box["x"] + CELL_X[(table, field)], box["y"] + ROW_H * (row + 1) + ROW_H // 2)
            try:  # typing before the cell's editor is open would lose text
                await editor.wait_for(timeout=STEP_TIMEOUT // 3 if attempt < 2 else STEP_TIMEOUT)
                break
            except Exception:  # the last attempt's timeout propagates
                if attempt == 2:
                    raise
        await editor.fill(value)
        await editor.press("Enter")  # commits the cell: a rerun
        await self.idle()

    async def save(self, action: str, course: str, table: str, field: str, row: int, value: str) -> str:
        """Click Save; return "saved" (toast naming the version), "conflict" or "unchanged"."""
        page = self.page
        before = await self.toasts()
        conflict = page.locator(".st-key-std_conflict_theirs button")
        started, clicked = time.perf_counter(), time.monotonic()
        await page.locator(".st-key-std_save button").click()
        deadline = time.monotonic() + STEP_TIMEOUT / 1000
        while True:
            fresh = (await self.toasts())[len(before):]
            if await conflict.count():
                outcome = "conflict"
                break
            if any(SAVED.search(t) for t in fresh):
                outcome = "saved"
                break
            if any(translate("standards.page.nothing_to_save", "zh") in t for t in fresh):
                outcome = "unchanged"
                break
            if await page.locator("[data-testid=stException]").count() or time.monotonic() > deadline:
                outcome = "no answer"
                break
            await asyncio.sleep(0.1)
        self.record(kind="timing", action=action, ms=round((time.perf_counter() - started) * 1000, 1))
        await self.idle()
        await self.check_page(action)
        if outcome == "saved":
            number = int(next(SAVED.search(t) for t in fresh if SAVED.search(t)).group(1))
            self.record(kind="save", standard_id=self.world["standards"][course], table=table,
                        row_id=self.world["rows"][course][table][row], field=field, value=value, number=number)
        elif outcome == "no answer":
            alerts = await page.locator("[data-testid=stAlert]").all_inner_texts()
            self.record(kind="step_failed", action=action, error="no toast, conflict view or message after Save; "
                        f"alerts: {' | '.join(alerts)[:300]}; toasts seen: {' | '.join(fresh)[:200]}; "
                        f"frames since the click: {' ; '.join(self.frames.since(clicked))[:1500]}")
        else:
            self.record(kind=outcome, action=action)
        return outcome

    # ----------------------------------------------------------------- actions

    async def open_part(self, table: str) -> None:
        await self.timed("open tab", lambda: self.tab(table))

    async def take_theirs(self) -> None:
        await self.page.locator(".st-key-std_conflict_theirs button").click()
        await self.page.locator(".st-key-std_conflict_theirs").wait_for(state="detached", timeout=STEP_TIMEOUT)
        await self.idle()

    async def save_field(self, table: str) -> None:
        course = self.rng.choice(COURSES)
        await self.open_course(course)
        await self.open_part(table)
        rows = self.world["rows"][course][table]
        row = self.rng.randrange(len(rows))
        field = "text" if table == "objectives" else self.rng.choice(["title", "content"])
        action = "save objective" if table == "objectives" else "save unit"
        for attempt in range(2):  # after a conflict: take theirs, type the change again, save once more
            self.done += 1
            value = f"负载{'目标' if table == 'objectives' else '单元'} u{self.number}-{self.done}"
            await self.timed("edit cell", lambda: self.edit_cell(table, field, row, value))  # noqa: B023
            if await self.save(action, course, table, field, row, value) != "conflict" or attempt:
                return
            await self.timed("take theirs", self.take_theirs)
            await self.open_part(table)

    async def decide(self) -> None:
        page = self.page
        await self.timed("open review", lambda: self.open("review"))
        picks = page.locator("[class*='st-key-review_pick_']")
        count = await picks.count()
        if not count:
            self.record(kind="nothing_to_decide")
            return
        pick = picks.nth(self.rng.randrange(min(count, 8)))
        classes = await pick.get_attribute("class") or ""
        alignment_id = int(re.search(r"st-key-review_pick_(\d+)", classes).group(1))
        group = await pick.evaluate("e => e.closest(\"[class*='st-key-review_group_']\").className")
        gid = int(re.search(r"st-key-review_group_(\d+)", group).group(1))
        decision = "accept" if self.rng.random() < 0.7 else "reject"
        before = await self.toasts()
        errors, warnings = page.locator("[data-testid=stAlertContentError]"), \
            page.locator("[data-testid=stAlertContentWarning]")
        errors_before, warnings_before = await errors.count(), await warnings.count()
        started = time.perf_counter()
        await pick.locator("label").first.click()
        # the tick is a rerun of its own: press the button once the box shows ticked (else "tick one first")
        await pick.locator("input[type=checkbox]:checked").wait_for(timeout=STEP_TIMEOUT)
        await self.idle()
        if decision == "reject":
            await page.locator(f".st-key-review_reason_{gid} input").fill(f"负载理由 u{self.number}")
        await page.locator(f".st-key-review_{decision}_{gid} button").click()
        deadline, outcome = time.monotonic() + STEP_TIMEOUT / 1000, "no answer"
        while time.monotonic() < deadline:
            fresh = (await self.toasts())[len(before):]
            if any(DECIDED.search(t) for t in fresh):
                outcome = "decided"
                break
            if await errors.count() > errors_before:
                outcome = "refused"  # decided by someone else meanwhile: a version check, not an error
                break
            if await warnings.count() > warnings_before:
                gone = translate("review.batch.gone", "zh") in " ".join(await warnings.all_inner_texts())
                outcome = "refused" if gone else "not ticked"  # gone: decided by someone else meanwhile
                break
            if await page.locator("[data-testid=stException]").count():
                break
            await asyncio.sleep(0.1)
        self.record(kind="timing", action=decision, ms=round((time.perf_counter() - started) * 1000, 1))
        await self.idle()
        await self.check_page(decision)
        if outcome == "decided":
            self.record(kind="decision", alignment_id=alignment_id, decision=decision)
        elif outcome == "refused":
            self.record(kind="refused", action=decision, alignment_id=alignment_id)
        else:
            self.record(kind="step_failed", action=decision, error=f"{outcome} after the decision")

    async def comment(self) -> None:
        page = self.page
        course = self.rng.choice(COURSES)
        await self.open_course(course)
        await self.timed("open tab", lambda: self.tab("comments"))
        self.done += 1
        body = f"负载评论 u{self.number}-{self.done}"
        box = page.locator("[class*=st-key-std_new_standard] input")

        async def post() -> None:
            await box.fill(body)
            await box.press("Enter")
            await self.idle()
            await page.locator(".st-key-std_post_standard button").click()
            await page.get_by_text(body).first.wait_for(timeout=STEP_TIMEOUT)
            await self.idle()
        await self.timed("comment", post)
        self.record(kind="comment", standard_id=self.world["standards"][course], body=body)

    async def act(self, action: str) -> None:
        if action in ("home", "inbox", "standards", "coverage", "review"):
            await self.timed(f"open {action}", lambda: self.open(action))
        elif action == "save_objective":
            await self.save_field("objectives")
        elif action == "save_unit":
            await self.save_field("units")
        elif action == "decide":
            await self.decide()
        else:
            await self.comment()

    async def run(self, browser, seconds: float, start_delay: float) -> None:
        await asyncio.sleep(start_delay)  # logins spread over the first seconds, as people arrive
        context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        context.set_default_timeout(STEP_TIMEOUT)
        context.set_default_navigation_timeout(STEP_TIMEOUT)
        context.on("response", lambda r: r.status >= 500 and self.record(
            kind="server_error", what=f"HTTP {r.status}", text=r.url))
        context.on("weberror", lambda e: self.record(kind="page_error", text=str(e.error)[:300]))
        await context.add_init_script(TOAST_LOG)
        self.page = await context.new_page()
        self.page.on("websocket", self.frames.watch)
        try:
            await self.session(seconds)
        finally:
            await context.close()

    async def restart(self, action: str) -> None:
        """After a failed step: look for an error on the page, then start again from the home page."""
        await self.check_page(action)
        await self.page.goto(self.base)
        await self.idle()

    async def session(self, seconds: float) -> None:
        """Log in, then act by the role's mix with think times until ``seconds`` after the login."""
        try:
            await self.timed("log in", self.log_in)
        except Exception as exc:  # noqa: BLE001 - reported; this user does nothing more
            self.record(kind="step_failed", action="log in", error=f"{type(exc).__name__}: {str(exc)[:300]}")
            return
        deadline = time.monotonic() + seconds  # the fixed time counts from this user's login
        queue = list(FIRST[self.account])
        weights = MIX[self.role]
        while time.monotonic() < deadline:
            action = queue.pop(0) if queue else self.rng.choices(list(weights), list(weights.values()))[0]
            try:
                await self.act(action)
            except Exception as exc:  # noqa: BLE001 - a step that failed or timed out is reported
                self.record(kind="step_failed", action=action, error=f"{type(exc).__name__}: {str(exc)[:300]}")
                try:
                    await self.restart(action)  # as a user would
                except Exception as again:  # noqa: BLE001 - the page is gone: this user stops here
                    self.record(kind="step_failed", action="reload", error=f"{type(again).__name__}: "
                                f"{str(again)[:300]}")
                    return
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * THINK)


class ProtocolUser(User):
    """A user whose "browser" is a websocket client speaking Streamlit's protocol (tests/st_protocol.py):
    the same accounts, actions, mix and acknowledgements as ``User``, read from the elements of each
    run instead of a rendered page; the server does the same work, the test machine far less."""

    client_kind = "protocol"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.st, self.course = None, None

    async def check_page(self, action: str) -> None:
        run = self.st.last
        for message in run.exceptions():
            self.record(kind="server_error", action=action, what="exception", text=message[:500])
        if "db_outage_retry" in run.widgets:
            self.record(kind="server_error", action=action, what="outage", text=" ".join(run.alerts("error"))[:500])

    @staticmethod
    def seen(run) -> str:
        """What a run showed, for a failure's message: headings, alerts, first texts."""
        picked = run.widgets.get("std_course")
        course = f"course {picked.proto.raw_value!r} default {picked.proto.default} set {picked.proto.set_value}" \
            if picked is not None else ""
        return " | ".join([*run.texts("heading")[:3], *run.alerts("error"), *run.alerts("warning"),
                           *run.texts()[:4], course, f"status {run.status}", f"{len(run.elements)} elements",
                           f"sent {run.sent}", f"url {run.urls}"])[:800]

    async def log_in(self) -> None:
        run = await self.st.open("")
        if "login_submit" not in run.widgets:
            raise AssertionError("no login form")
        run = await self.st.click("login_submit", login_username=self.account, login_password="demo")
        if "logout" not in run.widgets:
            raise AssertionError(f"not logged in: {run.alerts('error')[:1]}")

    async def open(self, slug: str) -> None:
        run = await self.st.open("" if slug == "home" else slug)
        title = self.world["program_name"] if slug == "home" else translate(f"{slug}.title", "zh")
        if title not in run.texts("heading"):
            raise AssertionError(f"{slug}: heading {title!r} not shown")

    async def open_course(self, course: str) -> None:
        self.course = course

        async def go() -> None:
            run = await self.st.open("standards", query=f"course={course}")
            if "std_new_standard" not in run.widgets:  # every role may comment; only editors get the grids
                raise AssertionError(f"standards?course={course}: the standard did not open: {self.seen(run)}")
            # the course the page shows: the picker names it when the run set it (a new link), and the page writes
            # it into the URL whenever it differs from the query (a picker left as it was sends neither)
            picker = run.widgets["std_course"].proto
            shown = [picker.raw_value] if picker.set_value else []
            shown += [part.split("=", 1)[1] for url in run.urls for part in url.split("&") if part.startswith("course=")]
            if any(not name.startswith(course) for name in shown):
                raise AssertionError(f"standards?course={course} opened {shown}: {self.seen(run)}")
        await self.timed("open standards", go)

    async def save(self, action: str, course: str, table: str, field: str, row: int, value: str) -> str:
        started = time.perf_counter()
        run = await self.st.click("std_save")
        self.record(kind="timing", action=action, ms=round((time.perf_counter() - started) * 1000, 1))
        await self.check_page(action)
        saved = [m for m in map(SAVED.search, run.toasts) if m]
        if "std_conflict_theirs" in run.widgets:
            outcome = "conflict"
        elif saved:
            outcome = "saved"
            self.record(kind="save", standard_id=self.world["standards"][course], table=table,
                        row_id=self.world["rows"][course][table][row], field=field, value=value,
                        number=int(saved[0].group(1)))
        elif any(translate("standards.page.nothing_to_save", "zh") in t for t in run.toasts):
            outcome = "unchanged"
        else:
            self.record(kind="step_failed", action=action, error="no toast, conflict view or message after Save: "
                        + " | ".join(run.alerts("error") + run.alerts("warning"))[:300])
            return "no answer"
        if outcome != "saved":
            self.record(kind=outcome, action=action)
        return outcome

    async def open_part(self, table: str) -> None:
        """Every part of the editor is in each run's elements: nothing to open."""

    async def edit_cell(self, table: str, field: str, row: int, value: str) -> None:
        widget, data = self.st.last.frame(f"std_tbl_{table}_")
        position = data.column("id").to_pylist().index(self.world["rows"][self.course][table][row])  # the world's row
        await self.st.set(**{widget.key: {str(position): {field: value}}})

    async def take_theirs(self) -> None:
        run = await self.st.click("std_conflict_theirs")
        if "std_conflict_theirs" in run.widgets:
            raise AssertionError("the conflict view stayed after taking theirs")

    async def decide(self) -> None:
        await self.timed("open review", lambda: self.open("review"))
        run = self.st.last
        picks = run.keys("review_pick_")
        if not picks:
            self.record(kind="nothing_to_decide")
            return
        pick = run.widgets[picks[self.rng.randrange(min(len(picks), 8))]]
        alignment_id = int(pick.key.rsplit("_", 1)[1])

        def shared(path: tuple) -> int:
            return next((i for i, (a, b) in enumerate(zip(path, pick.path, strict=False)) if a != b),
                        min(len(path), len(pick.path)))
        # the group's buttons sit in the same container as the pick: the longest common delta path
        gid = max((int(k.rsplit("_", 1)[1]) for k in run.keys("review_accept_")),
                  key=lambda g: shared(run.widgets[f"review_accept_{g}"].path))
        decision = "accept" if self.rng.random() < 0.7 else "reject"
        errors_before, warnings_before = len(run.alerts("error")), len(run.alerts("warning"))
        started = time.perf_counter()
        run = await self.st.set(**{pick.key: True})  # a tick is a rerun, as in the browser
        if pick.key not in run.widgets:  # decided by someone else since the queue was shown: gone from it
            self.record(kind="timing", action=decision, ms=round((time.perf_counter() - started) * 1000, 1))
            self.record(kind="refused", action=decision, alignment_id=alignment_id, why="gone from the queue")
            return
        values = {f"review_reason_{gid}": f"负载理由 u{self.number}"} if decision == "reject" else {}
        ticked_id = run.widgets[pick.key].id
        run = await self.st.click(f"review_{decision}_{gid}", **{pick.key: True}, **values)  # the box shows ticked
        self.record(kind="timing", action=decision, ms=round((time.perf_counter() - started) * 1000, 1))
        await self.check_page(decision)
        if any(DECIDED.search(t) for t in run.toasts):
            self.record(kind="decision", alignment_id=alignment_id, decision=decision)
        elif len(run.alerts("error")) > errors_before or translate("review.batch.gone", "zh") in run.alerts("warning") \
                or f"review_accept_{gid}" not in run.widgets:  # decided meanwhile (its group may be gone)
            self.record(kind="refused", action=decision, alignment_id=alignment_id)
        else:
            outcome = "not ticked" if len(run.alerts("warning")) > warnings_before else "no answer"
            now = run.widgets.get(pick.key)
            self.record(kind="step_failed", action=decision, error=f"{outcome} after the decision: {self.seen(run)}"
                        f" | pick id {'same' if now and now.id == ticked_id else 'changed or gone'}")

    async def comment(self) -> None:
        course = self.rng.choice(COURSES)
        await self.open_course(course)
        self.done += 1
        body = f"负载评论 u{self.number}-{self.done}"

        async def post() -> None:
            await self.st.set(std_new_standard=body)  # typed, then Enter: a rerun
            run = await self.st.click("std_post_standard")
            if not any(body in text for text in run.texts()):
                raise AssertionError("the posted comment is not shown")
        await self.timed("comment", post)
        self.record(kind="comment", standard_id=self.world["standards"][course], body=body)

    async def restart(self, action: str) -> None:
        await self.check_page(action)
        await self.st.open("")

    async def run(self, browser, seconds: float, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        async with Client(self.base, timeout=STEP_TIMEOUT / 1000) as self.st:
            await self.session(seconds)


async def _warm_up(browser, bases: list[str]) -> None:
    """Load the login page once per server: the first script run imports the app (not part of the load)."""
    context = await browser.new_context()
    context.set_default_timeout(STEP_TIMEOUT)
    context.set_default_navigation_timeout(STEP_TIMEOUT)
    try:
        for base in bases:
            page = await context.new_page()
            await page.goto(base)
            await page.locator(".st-key-login_username input").wait_for(timeout=STEP_TIMEOUT)
            await page.close()
    finally:
        await context.close()


async def _drive(bases: list[str], world: dict[str, Any], users: int, seconds: float, log: list[dict], *,
                 browsers: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists()
                                          else shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            await _warm_up(browser, bases)
            spread = min(10.0, 0.5 * users)
            crowd = [(User if i < browsers else ProtocolUser)(i, ACCOUNTS[i % len(ACCOUNTS)], bases[i % len(bases)],
                                                             world, log) for i in range(users)]
            limit = spread + seconds + 10 * STEP_TIMEOUT / 1000  # bounded in time whatever happens
            try:
                await asyncio.wait_for(asyncio.gather(*(u.run(browser, seconds, spread * i / users)
                                                        for i, u in enumerate(crowd))), timeout=limit)
            except TimeoutError:
                log.append({"kind": "step_failed", "action": "run", "error": f"users still busy after {limit:g} s"})
        finally:
            await browser.close()


# --------------------------------------------------------------------------- the check


def lost_writes(engine, world: dict[str, Any], log: list[dict]) -> list[Any]:
    """Every acknowledged write that the database does not hold (empty when nothing was lost)."""
    from services.comments import standard_threads
    from services.coverage.compute import alignment_details
    from services.history import get_version, list_versions
    from services.standards import standard_content

    lost: list[Any] = []
    saves = [e for e in log if e["kind"] == "save"]
    for sid in world["standards"].values():
        mine = [e for e in saves if e["standard_id"] == sid]
        numbers = sorted(v["number"] for v in list_versions(engine, standard_id=sid) if v["has_content"])
        contents = {n: get_version(engine, standard_id=sid, number=n)["content"] for n in numbers}
        if len({e["number"] for e in mine}) != len(mine):
            lost.append(f"standard {sid}: two confirmed saves name the same version")
        by_number = {e["number"]: e for e in mine}

        def value(content: dict, table: str, row_id: int, field: str) -> Any:
            return next((r.get(field) for r in content[table] if r["id"] == row_id), None)

        for key in {(e["table"], e["row_id"], e["field"]) for e in mine}:
            ack = sorted((e for e in mine if (e["table"], e["row_id"], e["field"]) == key), key=lambda e: e["number"])
            for e in ack:
                if e["number"] not in contents or value(contents[e["number"]], *key) != e["value"]:
                    lost.append({"save": e, "version holds": value(contents.get(e["number"], {key[0]: []}), *key)})
            # after the first confirmed save, every change of the field is a confirmed save of that field
            seen = [n for n in numbers if n >= ack[0]["number"]]
            for old, new in itertools.pairwise(seen):
                if value(contents[old], *key) != value(contents[new], *key):
                    e = by_number.get(new)
                    if e is None or (e["table"], e["row_id"], e["field"]) != key:
                        lost.append({"field": key, "overwritten in version": new, "without a confirmed save": True})
            final = value(standard_content(engine, sid), *key)
            if final != ack[-1]["value"]:
                lost.append({"field": key, "final": final, "last confirmed": ack[-1]})
        bodies = [th["body"] for th in standard_threads(engine, standard_id=sid)]
        for e in (e for e in log if e["kind"] == "comment" and e["standard_id"] == sid):
            if bodies.count(e["body"]) != 1:
                lost.append({"comment": e, "found": bodies.count(e["body"])})
    decisions = [e for e in log if e["kind"] == "decision"]
    if len({e["alignment_id"] for e in decisions}) != len(decisions):
        lost.append("one alignment decided twice with both decisions confirmed")
    for e in decisions:
        where = world["pending"].get(e["alignment_id"])
        if where is None:
            lost.append({"decision": e, "problem": "not an alignment that was open at the start"})
            continue
        rows = alignment_details(engine, program_id=world["program_id"], competency_id=where["competency_id"],
                                 course_id=where["course_id"])
        status = [r["status"] for r in rows.to_dict("records") if r["alignment_id"] == e["alignment_id"]]
        expected = "accepted" if e["decision"] == "accept" else "rejected"
        if status != [expected]:
            lost.append({"decision": e, "status": status})
    return lost


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def summary(log: list[dict], lost: list[Any], server_logs: list[str], memory: dict[str, float], *, users: int,
            seconds: float, browsers: int) -> dict[str, Any]:
    """What ``make reliability`` reports: actions with p50 / p95, counts, errors, lost writes, memory."""
    timings: dict[str, list[float]] = {}
    for e in log:
        if e["kind"] == "timing":
            timings.setdefault(e["action"], []).append(e["ms"])
    actions = {name: {"count": len(ms), "p50_ms": _percentile(ms, 0.5), "p95_ms": _percentile(ms, 0.95)}
               for name, ms in sorted(timings.items())}
    by_client: dict[str, dict[str, list[float]]] = {}
    for e in log:
        if e["kind"] == "timing":
            by_client.setdefault(e.get("client", "chromium"), {}).setdefault(e["action"], []).append(e["ms"])
    actions_by_client = {client: {name: {"count": len(ms), "p50_ms": _percentile(ms, 0.5),
                                         "p95_ms": _percentile(ms, 0.95)} for name, ms in sorted(named.items())}
                         for client, named in sorted(by_client.items())}
    counts = Counter(e["kind"] for e in log if e["kind"] != "timing")
    errors = [e for e in log if e["kind"] == "server_error"] + [{"kind": "server_log", "text": t} for t in server_logs]
    return {"check": "browser_load", "db": "postgresql", "users": users, "servers": SERVERS, "seconds": seconds,
            "think_s": THINK, "accounts": dict(Counter(ACCOUNTS[i % len(ACCOUNTS)] for i in range(users))),
            "browsers": browsers, "protocol_users": users - browsers,
            "actions": actions, "actions_by_client": actions_by_client, "counts": dict(sorted(counts.items())), "server_errors": len(errors),
            "step_failures": counts.get("step_failed", 0), "lost": len(lost), "memory_mb": memory,
            "examples": {"errors": errors[:5], "step_failures": [e for e in log if e["kind"] == "step_failed"][:5],
                         "lost": lost[:5]}}


def _tracebacks(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [f"{path.name}: " + " | ".join(lines[i:i + 12])[:800] for i, line in enumerate(lines)
            if line.startswith("Traceback") or "Uncaught app exception" in line]


def test_users_in_browsers_on_two_servers_lose_nothing(load_database, tmp_path):
    """Simulated users on two app servers: no server error, no failed step, no acknowledged write lost."""
    _load_run(load_database, tmp_path, users=USERS, seconds=SECONDS, browsers=min(BROWSERS, USERS))


def test_protocol_users_on_two_servers_lose_nothing(load_database, tmp_path):
    """The same check with websocket-protocol users only (tests/st_protocol.py), so the client the full
    ``make load`` run relies on is itself checked in ``make test``."""
    _load_run(load_database, tmp_path, users=PROTOCOL_USERS, seconds=PROTOCOL_SECONDS, browsers=0)


def _load_run(load_database, tmp_path, *, users: int, seconds: float, browsers: int) -> None:
    url, engine, world = load_database
    log: list[dict] = []
    logs = [tmp_path / f"server{i}.log" for i in range(SERVERS)]
    with MemorySampler() as memory, ExitStack() as stack:
        bases = [stack.enter_context(live_server(url, log=path)) for path in logs]
        asyncio.run(_drive(bases, world, users, seconds, log, browsers=browsers))
        memory.sample()
    result = summary(log, lost_writes(engine, world, log), [t for p in logs for t in _tracebacks(p)],
                     memory.peak, users=users, seconds=seconds, browsers=browsers)
    print(f"\nbrowser load: {users} users ({browsers} in Chromium) × {seconds:g} s on {SERVERS} servers: "
          f"counts {result['counts']}, "
          f"peak memory {result['memory_mb']}")
    for client, actions in result["actions_by_client"].items():
        for name, a in actions.items():
            print(f"  {client:<9} {name:<16} {a['count']:>5}  p50 {a['p50_ms']:>8} ms  p95 {a['p95_ms']:>8} ms")
    out = os.environ.get("COSTANDARD_RELIABILITY_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    problems = {k: result["examples"][k] for k, n in (("errors", result["server_errors"]),
                                                       ("step_failures", result["step_failures"]),
                                                       ("lost", result["lost"])) if n}
    assert not problems, json.dumps(problems, ensure_ascii=False, default=str)[:4000]
    assert result["counts"].get("save", 0) > 0, "the run confirmed at least one save"
    assert result["counts"].get("comment", 0) > 0, "the run confirmed at least one comment"
    assert result["counts"].get("decision", 0) > 0, "the run confirmed at least one decision"
