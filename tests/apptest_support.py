"""Shared AppTest helpers: a seeded database per test and logging in through the real login form."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services.db import make_engine

TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture
def app_db(monkeypatch, seeded_sqlite_path):
    """DATABASE_URL points at a fresh copy of the demo database; yields an engine on it."""
    url = f"sqlite:///{seeded_sqlite_path}"
    monkeypatch.setenv("DATABASE_URL", url)
    main_module = sys.modules.get("__main__")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    # AppTest leaves app.py registered as __main__; spawned processes in later tests would re-run it.
    if main_module is not None:
        sys.modules["__main__"] = main_module


def login(username: str, password: str = "demo", lang: str = "zh") -> AppTest:
    """Log in through the login form; returns the AppTest on the home page."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click().run()
    return at


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown source AppTest returns: backslash escapes and word joiners gone
    (``ui.safe.md_escape`` puts them into user text)."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "").replace("  \n", "\n")
