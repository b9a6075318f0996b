"""Database outages: one clear message instead of Streamlit's generic error, the user's input kept.

``app.py`` runs the frame and the page inside ``outage_guard``; a page file Streamlit runs without
app.py (its pages-folder mode, AppTest) is covered by ``install_outage_handler``, which
``ui.context.get_engine`` sets as the run's uncaught-error handler on every run. Either way the run
ends early, and Streamlit keeps every widget's value after a run that stopped or failed (it drops
the state of widgets a run did not reach only when the run completes), so what the user typed is
still there. Nothing is cached from the failed run, and the engine's pool reconnects (PostgreSQL:
``pool_pre_ping``), so the next run after the database is back works by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from services.db import is_outage
from ui.i18n import t

log = logging.getLogger(__name__)


def _show_outage(exc: BaseException) -> None:
    log.warning("%s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    st.error(t("db.outage"), icon=":material/cloud_off:")
    st.button(t("db.retry"), key="db_outage_retry", icon=":material/refresh:")


@contextmanager
def outage_guard() -> Iterator[None]:
    """Turn a database outage raised anywhere in the block into the outage message and a stopped run
    (also a decorator, for a fragment, whose reruns run without app.py around them)."""
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
