"""Page context: the one call each page starts with (user, language, database, role guard)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine

from services.actor import Actor
from services.db import check_connection, database_url, make_engine, schema_is_current, safe_url
from services.errors import DatabaseUnavailable
from ui.i18n import current_lang, t

AUTH_KEY = "auth"
PROGRAM_KEY = "program_id"


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    check_connection(engine)
    return engine


def get_engine() -> Engine:
    """The process-wide engine; stops the page with one clear message if the database is unusable."""
    url = database_url()
    try:
        engine = _engine_for(url)
    except DatabaseUnavailable as exc:
        st.error(t("db.unavailable", url=safe_url(url), reason=exc.params.get("reason", str(exc))))
        st.stop()
    if not schema_is_current(engine):
        st.error(t("db.not_migrated", url=safe_url(url)))
        st.stop()
    return engine


def current_actor() -> Actor | None:
    data = st.session_state.get(AUTH_KEY)
    return Actor(**data) if data else None


def sign_in(actor: Actor) -> None:
    st.session_state[AUTH_KEY] = actor.as_dict()


def sign_out() -> None:
    for key in (AUTH_KEY, PROGRAM_KEY):
        st.session_state.pop(key, None)


@dataclass
class PageContext:
    engine: Engine
    actor: Actor
    lang: str
    program_id: int | None


def page_setup(*, roles: tuple[str, ...] | None = None, needs_program: bool = True) -> PageContext:
    """Guard a page: a logged-in user (and one of ``roles``), the engine and the chosen programme."""
    lang = current_lang()
    actor = current_actor()
    if actor is None:
        st.warning(t("auth.login_required"))
        st.stop()
    if roles and actor.role not in roles:
        st.error(t("auth.not_allowed"))
        st.stop()
    engine = get_engine()
    program_id = st.session_state.get(PROGRAM_KEY)
    if needs_program and program_id is None:
        from services.programs import list_programs

        programs = list_programs(engine)
        if not programs:
            st.info(t("program.none_yet"))
            st.stop()
        program_id = programs[0]["id"]
        st.session_state[PROGRAM_KEY] = program_id
    return PageContext(engine=engine, actor=actor, lang=lang, program_id=program_id)
