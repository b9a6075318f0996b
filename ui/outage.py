"""Database outages: one clear message instead of Streamlit's generic error, the user's input kept.

``app.py`` runs the frame and the page inside ``outage_guard``. When the database cannot be reached
the run ends with ``st.stop()``: Streamlit keeps every widget's value after a stopped run (it drops
the state of widgets a run did not reach only when the run completes), so what the user typed is
still there. Nothing is cached from the failed run, and the engine's pool reconnects (PostgreSQL:
``pool_pre_ping``), so the next run after the database is back works by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from services.db import is_outage
from ui.i18n import t

log = logging.getLogger(__name__)


@contextmanager
def outage_guard() -> Iterator[None]:
    """Turn a database outage raised anywhere in the block into the outage message and a stopped run."""
    try:
        yield
    except Exception as exc:
        if not is_outage(exc):
            raise
        log.warning("database not reachable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        st.error(t("db.outage"), icon=":material/cloud_off:")
        st.button(t("db.retry"), key="db_outage_retry", icon=":material/refresh:")
        st.stop()
