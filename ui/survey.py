"""Survey UI helpers: the personal link's URL and the invitation token in the URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

INVITE_PARAM = "invite"


def invitation_url(token: str) -> str:
    """The rating page's address with ``?invite=TOKEN``, on the host this app is served from."""
    try:
        parts = urlsplit(st.context.url or "")
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    except Exception:  # noqa: BLE001 - no browser context (bare mode, AppTest)
        base = ""
    return f"{base}/rate?{INVITE_PARAM}={token}"


def invite_token() -> str | None:
    """The invitation token the URL carries, if any."""
    value = st.query_params.get(INVITE_PARAM)
    return value if isinstance(value, str) and value else None
