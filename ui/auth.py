"""Login glue: the login form, the session cookie and the per-run recheck of the logged-in account.

The browser keeps an opaque token in the ``costandard_session`` cookie; ``services.sessions``
keeps its hash in the database. Streamlit reads cookies but has no API to set one, so
``ui.cookies`` writes it with a script (SameSite=Strict, Secure over https). Because the session lives in the database, a reload, a
second tab and every app process see the same login, and a logout or deactivation ends it for all.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from services import sessions
from services.actor import Actor
from services.errors import DomainError
from services.login import client_address, log_in
from services.users import active_actor, demo_accounts_active
from ui.cookies import read_cookie, write_cookie
from ui.i18n import enum_label, error_text, t, tm

COOKIE = "costandard_session"
AUTH_KEY = "auth"
TOKEN_KEY = "auth_token"
PROGRAM_KEY = "program_id"
_REJECTED_KEY = "auth_rejected_cookie"  # a cookie token that no longer resolves: not asked again
_ENDED_KEY = "auth_session_ended"
_CLEAR_KEY = "auth_clear_cookie"
ENTRY_KEY = "auth_checked_by_entry"  # app.py checked the login in this run; page_setup takes the flag


def current_actor() -> Actor | None:
    """The logged-in user of this Streamlit session (as last checked against the database)."""
    data = st.session_state.get(AUTH_KEY)
    return Actor(**data) if data else None


def sign_in(actor: Actor, token: str | None = None) -> None:
    st.session_state[AUTH_KEY] = actor.as_dict()
    if token is not None:
        st.session_state[TOKEN_KEY] = token
    st.session_state.pop(_CLEAR_KEY, None)


def sign_out() -> None:
    for key in (AUTH_KEY, TOKEN_KEY, PROGRAM_KEY):
        st.session_state.pop(key, None)


def browser_token() -> str | None:
    """The session token the browser sent when this Streamlit session connected, if any."""
    return read_cookie(COOKIE)


def request_address() -> str | None:
    """The client's address for login throttling (X-Forwarded-For only behind a trusted proxy)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no browser context (bare mode)
        return None
    return client_address(peer if isinstance(peer, str) else None, forwarded if isinstance(forwarded, str) else None)


def restore_login(engine: Engine) -> Actor | None:
    """Every script run: the logged-in account as the database has it now, else ``None``.

    A fresh Streamlit session (a reload, a new tab) picks the login up from the cookie. The role
    and the active flag come from the same indexed read, so a demoted or deactivated user loses
    their rights on their next click.
    """
    token = st.session_state.get(TOKEN_KEY)
    signed_in = current_actor()
    if token is None and signed_in is not None:  # signed in without a session (tests open pages directly)
        actor = active_actor(engine, user_id=signed_in.id)
        if actor is None:
            st.session_state[_ENDED_KEY] = True
            sign_out()
            return None
        sign_in(actor)
        return actor
    from_cookie = token is None
    if from_cookie:
        token = browser_token()
        if token is None or token == st.session_state.get(_REJECTED_KEY):
            sign_out()
            return None
    actor = sessions.resolve_session(engine, token=token)
    if actor is None:
        if not from_cookie:
            st.session_state[_ENDED_KEY] = True
        st.session_state[_REJECTED_KEY] = token
        st.session_state[_CLEAR_KEY] = True
        sign_out()
        return None
    sign_in(actor, token)
    return actor


def log_out(engine: Engine) -> None:
    """End the session in the database (every tab, every process) and forget it here."""
    sessions.end_session(engine, token=st.session_state.get(TOKEN_KEY))
    st.session_state[_REJECTED_KEY] = browser_token()
    st.session_state[_CLEAR_KEY] = True
    sign_out()


def keep_cookie() -> None:
    """Write this session's token into the browser cookie (for as long as the idle timeout)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        write_cookie(COOKIE, token, int(sessions.idle_timeout().total_seconds()))


def _clear_cookie_if_needed() -> None:
    if st.session_state.get(_CLEAR_KEY) or browser_token():
        write_cookie(COOKIE, "", 0)


def login_form(engine: Engine, *, continue_to: str | None = None) -> None:
    """The login page; on success a new session (the browser's old one dropped) and a rerun of this page."""
    st.title(t("login.title"))
    st.caption(t("login.subtitle"))
    if st.session_state.pop(_ENDED_KEY, False):
        st.info(t("login.session_ended"))
    if continue_to:
        st.caption(tm("login.continue_to", page=continue_to))
    with st.form("login_form"):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary", key="login_submit")
    if submitted:
        try:
            actor = log_in(engine, username=username, password=password, address=request_address())
        except DomainError as exc:
            st.error(error_text(exc))
        else:
            token = sessions.rotate_session(engine, user_id=actor.id, old_token=browser_token())
            sign_in(actor, token)
            st.rerun()  # the same URL, query parameters included, now opens the page itself
    if demo_accounts_active(engine):
        st.info(t("login.demo_hint"))
        st.table({
            t("login.demo_user"): ["admin", "lead", "faculty", "mentor"],
            t("login.demo_role"): [enum_label("role", r) for r in ("admin", "lead", "faculty", "mentor")],
            t("login.password"): ["demo"] * 4,
        })
    _clear_cookie_if_needed()
