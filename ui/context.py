"""Page context: the one call each page starts with (user, language, database, role guard)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.runtime.pages_manager import PagesManager

from services.actor import Actor
from services.db import check_connection, database_url, make_engine, safe_url, schema_is_current
from services.errors import DatabaseUnavailable
from ui.auth import AUTH_KEY, ENTRY_KEY, PROGRAM_KEY, current_actor, login_form, restore_login  # noqa: F401
from ui.i18n import current_lang, t, tm
from ui.links import follow_link, keep_link
from ui.nav import spec_for
from ui.outage import install_outage_handler
from ui.widgets import age_kept_clicks, bind_flash, show_flashed_toasts, wrap_metric_tiles

_STARTED_KEY = "session_started"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    check_connection(engine)
    return engine


def get_engine() -> Engine:
    """The process-wide engine; stops the page with one clear message if the database is unusable.

    Every run of every page comes here first, so this is where the run's outage handler is set.
    """
    install_outage_handler()
    url = database_url()
    try:
        engine = _engine_for(url)
    except DatabaseUnavailable as exc:
        st.error(tm("db.unavailable", url=safe_url(url), reason=exc.params.get("reason", str(exc))))
        st.stop()
    if not schema_is_current(engine):
        st.error(tm("db.not_migrated", url=safe_url(url)))
        st.stop()
    return engine


def _follow_program_link(engine: Engine) -> None:
    from services.programs import list_programs

    codes = {p["code"]: p["id"] for p in list_programs(engine)}
    follow_link("program", PROGRAM_KEY, codes)
    if codes and st.session_state.get(PROGRAM_KEY) not in codes.values():
        st.session_state[PROGRAM_KEY] = next(iter(codes.values()))
    chosen = st.session_state.get(PROGRAM_KEY)
    keep_link("program", PROGRAM_KEY, next((code for code, pid in codes.items() if pid == chosen), None))


@dataclass
class PageContext:
    engine: Engine
    actor: Actor
    lang: str
    program_id: int | None


def page_setup() -> PageContext:
    """Guard a page: a logged-in user of a role the page registry allows, the engine and the programme.

    The calling page is found by its file, so its roles (and whether it needs a programme) are
    read from ``ui.nav.PAGES`` and declared nowhere else. Anonymous visitors get the login form
    on the very URL they asked for, so a deep link survives the login.
    """
    spec = spec_for(inspect.currentframe().f_back.f_globals.get("__file__", ""))
    age_kept_clicks()
    bind_flash()
    lang = current_lang()
    engine = get_engine()
    via_entry = st.session_state.pop(ENTRY_KEY, False)
    first_run = not st.session_state.get(_STARTED_KEY)
    st.session_state[_STARTED_KEY] = True
    if not via_entry and first_run and PagesManager.uses_pages_directory:
        # Streamlit's legacy pages/-folder mode ran this file without app.py (a page URL as the first
        # request after a server start): leave that mode for the process and run through app.py. Only
        # on a session's first run, which has no click a rerun could drop (AppTest re-enters the mode
        # on every run).
        PagesManager.uses_pages_directory = False
        st.rerun()
    # a page file run without app.py (AppTest, tests opening a page) checks the login and ?program= itself
    actor = current_actor() if via_entry else restore_login(engine)
    if actor is None:
        login_form(engine, continue_to=None if spec.slug == "home" else t(spec.title_key))
        st.stop()
    if actor.role not in spec.roles:
        st.error(t("auth.not_allowed"))
        st.stop()
    if not via_entry:
        _follow_program_link(engine)
    program_id = st.session_state.get(PROGRAM_KEY)
    if spec.needs_program and program_id is None:
        from services.programs import list_programs

        programs = list_programs(engine)
        if not programs:
            st.info(t("program.none_yet"))
            st.stop()
        program_id = programs[0]["id"]
        st.session_state[PROGRAM_KEY] = program_id
    wrap_metric_tiles()
    show_flashed_toasts()
    return PageContext(engine=engine, actor=actor, lang=lang, program_id=program_id)
