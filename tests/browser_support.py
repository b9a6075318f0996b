"""Live Streamlit server + Debian Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("COSTANDARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(database_url: str, *, timeout: float = 60.0, log: Path | None = None):
    """Run ``streamlit run app.py`` on a free loopback port; yield its base URL.

    With ``log``, the server's output goes to that file (read it for tracebacks); otherwise to a pipe.
    """
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    output = open(log, "wb") if log is not None else subprocess.PIPE  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                if log is not None:
                    text = Path(log).read_text(encoding="utf-8", errors="replace")
                else:
                    text = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start: {text[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log is not None:
            output.close()


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@contextmanager
def browser():
    """A headless Debian Chromium under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                     args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until the app has finished its script run (no sleeps)."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_load_state("networkidle")


def log_in(page, base: str, username: str, password: str = "demo") -> None:
    page.goto(base)
    wait_idle(page)
    page.locator(".st-key-login_username input").fill(username)
    page.locator(".st-key-login_password input").fill(password)
    page.locator(".st-key-login_submit button").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=30_000)
    wait_idle(page)


def set_language(page, lang: str) -> None:
    """Choose the UI language in the sidebar select box."""
    label = {"zh": "中文", "en": "English"}[lang]
    from playwright.sync_api import expect

    page.locator(".st-key-lang").click()
    page.get_by_role("option", name=label).click()
    wait_idle(page)
    expect(page.locator(".st-key-logout")).to_contain_text({"zh": "退出登录", "en": "Log out"}[lang])


def whole_page_screenshot(page, target) -> None:
    """Capture the whole page: the app scrolls inside its main block, so the viewport grows to the content first."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(1000, int(height) + 40)})
    wait_idle(page)
    page.screenshot(path=str(target), full_page=True)
    print(f"wrote {target}")


@contextmanager
def demo_app(prepare=None):
    """A served demo database and a Chromium for the screenshot tools: ``prepare(engine)`` runs first
    (its result is ``app.prepared``); the folder, the server and the browser go away afterwards."""
    from types import SimpleNamespace

    workdir, url, engine = demo_database()
    try:
        prepared = prepare(engine) if prepare else None
        engine.dispose()
        with live_server(url) as base, browser() as chromium:
            yield SimpleNamespace(base=base, chromium=chromium, workdir=workdir, prepared=prepared)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def demo_database():
    """A temporary folder holding a SQLite file migrated and seeded with the demo.

    Returns ``(workdir, url, engine)``; the caller removes ``workdir`` when done.
    """
    import tempfile

    from services.db import make_engine
    from services.demo import seed_demo
    from services.migrate import upgrade

    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'shots.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_demo(engine)
    return workdir, url, engine
