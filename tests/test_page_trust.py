"""AppTests for issue #11 (co-authoring people can trust), driven by widget key on the demo database."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from services.actor import SYSTEM, Actor
from services.programs import get_program
from services.users import list_users
from tests.apptest_support import ROOT, TIMEOUT, app_db  # noqa: F401 - fixture
from ui.context import AUTH_KEY, PROGRAM_KEY

pytestmark = pytest.mark.apptest

ENGLISH = re.compile(r"\b(?:already|exists|required|programme|code|row)\b", re.IGNORECASE)


def _framed_page(page: str) -> None:
    """The page inside app.py's frame: the sidebar programme picker is drawn first, as in the app."""
    import runpy

    import streamlit as st

    from services.programs import list_programs
    from ui.context import PROGRAM_KEY, get_engine

    ids = [p["id"] for p in list_programs(get_engine())]
    if st.session_state.get(PROGRAM_KEY) not in ids:
        st.session_state[PROGRAM_KEY] = ids[0]
    st.sidebar.selectbox("programme", ids, key=PROGRAM_KEY)
    runpy.run_path(page, run_name="__page__")


def framed(engine, username: str, page: str, lang: str = "zh") -> AppTest:
    """A logged-in session on ``page`` with the sidebar frame around it (AppTest's switch_page drops it)."""
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)
    actor = Actor(id=user["id"], username=username, display_name=user["display_name"], role=user["role"],
                  side=user["side"])
    at = AppTest.from_function(_framed_page, args=(str(ROOT / page),), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.session_state[AUTH_KEY] = actor.as_dict()
    return at.run()


def _add_program(at, code: str, name: str):
    at.text_input(key="program_add_code").input(code)
    at.text_input(key="program_add_name").input(name)
    at.button(key="program_add_submit").click().run()
    return at


def test_creating_a_programme_selects_it_and_a_duplicate_is_refused_in_chinese(app_db):
    """Item 1: the new programme is created and chosen without a crash; a retry says why, in Chinese."""
    at = framed(app_db, "lead", "pages/programs.py")
    assert not at.exception, at.exception
    _add_program(at, "TRUST1", "可信协作专业")
    assert not at.exception, at.exception
    created = get_program(app_db, code="TRUST1")
    assert at.session_state[PROGRAM_KEY] == created["id"]
    _add_program(at, "TRUST1", "可信协作专业")
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors and any("TRUST1" in e for e in errors), errors
    assert not any(ENGLISH.search(e) for e in errors), errors
