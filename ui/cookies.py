"""Browser cookies: Streamlit reads them (``st.context.cookies``, sent with the websocket handshake) but
has no API to set one, so a two-line script in ``st.html`` writes them."""

from __future__ import annotations

import re

import streamlit as st

_SAFE = re.compile(r"[A-Za-z0-9_\-]*")


def read_cookie(name: str) -> str | None:
    """The value the browser sent for cookie ``name`` when this Streamlit session connected, if any."""
    try:
        value = st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 - no browser context (bare mode)
        return None
    return value if isinstance(value, str) and value else None  # AppTest hands out a mock, not a str


def cookie_script(name: str, value: str, max_age: int) -> str:
    """The script that sets (``max_age`` > 0) or clears (0) a ``SameSite=Strict`` cookie, ``Secure`` over https."""
    if not (_SAFE.fullmatch(name) and _SAFE.fullmatch(value)):  # nothing may break out of the string
        raise ValueError("cookie names and values are URL-safe base64 or word characters")
    return ("<script>(function(){var c='" + name + "=" + value + "; Path=/; Max-Age=" + str(int(max_age))
            + "; SameSite=Strict';if(location.protocol==='https:'){c+='; Secure';}document.cookie=c;})();</script>")


def write_cookie(name: str, value: str, max_age: int) -> None:
    st.html(cookie_script(name, value, max_age), unsafe_allow_javascript=True)
