"""Database outages: one clear message instead of Streamlit's generic error, the user's input kept.

``app.py`` runs the frame and the page inside ``outage_guard``; a page file Streamlit runs without
app.py (its pages-folder mode, AppTest) is covered by ``install_outage_handler``, which
``ui.context.get_engine`` sets as the run's uncaught-error handler on every run. Either way the run
ends early, and Streamlit keeps every widget's value after a run that stopped or failed (it drops
the state of widgets a run did not reach only when the run completes), so what the user typed is
still there. Nothing is cached from the failed run, and the engine's pool reconnects (PostgreSQL:
``pool_pre_ping``), so the next run after the database is back works by itself.

A real browser needs one more step (AppTest does not show it): the widgets the stopped run did not
reach leave the page, and when they come back the browser draws them with their default value and
sends that with the next click, overwriting what the server kept. So the outage message keeps a copy
of the typed values (``KEPT_KEY``), and the next run writes them back into ``st.session_state``
before any widget is drawn (``restore_kept_input``), which makes Streamlit send them to the browser.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, time

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from services.db import is_outage
from ui.i18n import t

log = logging.getLogger(__name__)
KEPT_KEY = "_outage_kept_input"
_SETTABLE = (str, int, float, date, time)  # values of widgets st.session_state may set (not buttons, uploads)


def _settable(value: object) -> bool:
    if isinstance(value, bool):
        return False  # buttons, checkboxes, toggles: a button's state cannot be set, a checkbox is no typing
    if isinstance(value, list | tuple):
        return all(isinstance(v, _SETTABLE) and not isinstance(v, bool) for v in value)
    return isinstance(value, _SETTABLE)


def _keep_input() -> None:
    """Copy what the user typed (text, numbers, choices) for ``restore_kept_input``."""
    kept = st.session_state.get(KEPT_KEY, {})
    for key, value in st.session_state.to_dict().items():
        if key != KEPT_KEY and _settable(value):
            kept[key] = value
    st.session_state[KEPT_KEY] = kept


def restore_kept_input() -> None:
    """First run after an outage: write the kept values back before any widget is drawn, so the browser
    shows them instead of the widgets' defaults (and sends them back with the next click). The server
    still holds each of them; writing one again is what makes Streamlit send it to the browser."""
    kept = st.session_state.pop(KEPT_KEY, None)
    for key, value in (kept or {}).items():
        if st.session_state.get(key) != value:
            continue  # changed in the browser since (a widget still on the page): the newer value stays
        with suppress(StreamlitAPIException):  # a widget already drawn in this run (or one that cannot be set)
            st.session_state[key] = value


def _show_outage(exc: BaseException) -> None:
    log.warning("%s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    _keep_input()
    st.error(t("db.outage"), icon=":material/cloud_off:")
    st.button(t("db.retry"), key="db_outage_retry", icon=":material/refresh:")


@contextmanager
def outage_guard() -> Iterator[None]:
    """Turn a database outage raised anywhere in the block into the outage message and a stopped run
    (also a decorator, for a fragment, whose reruns run without app.py around them)."""
    restore_kept_input()
    try:
        yield
    except Exception as exc:
        if not is_outage(exc):
            raise
        _show_outage(exc)
        st.stop()


def install_outage_handler() -> None:
    """For this script run: an outage error that escapes the page shows the outage message, not a traceback.

    Streamlit calls a run's ``on_script_error`` handler with every uncaught exception (``True`` means
    "handled, show nothing else"); other errors still reach the handler that was there before.
    """
    restore_kept_input()  # a page Streamlit runs without app.py: its first lines, before any widget
    ctx = get_script_run_ctx()
    if ctx is None or getattr(ctx.on_script_error, "costandard_outage", False):
        return
    previous = ctx.on_script_error

    def handler(exc: Exception) -> bool | None:
        if is_outage(exc):
            _show_outage(exc)
            return True
        return previous(exc) if previous is not None else None

    handler.costandard_outage = True
    ctx.on_script_error = handler
