"""Deep links: ``?param=code`` in the URL opens a record, and the URL follows the record the user picks.

Two calls around a record picker: ``follow_link`` before it (a new link value chooses the record
once) and ``keep_link`` after it (the URL names the chosen record, so a copied link opens it).
Links name records by their stable codes (programme code, course code, outline code), never by
database ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from services.i18n import catalog
from ui.i18n import current_lang, tm


def _seen_key(key: str) -> str:
    return f"link_seen_{key}"


def follow_link(param: str, key: str, by_code: Mapping[str, Any]) -> None:
    """Before the widget ``key``: if the URL brings a new ``param`` value, select its record."""
    code = st.query_params.get(param)
    if code is None:
        st.session_state.pop(_seen_key(key), None)
        return
    # the URL shows what the page last wrote, and the picker still holds it (Streamlit forgets a widget's value
    # once a run on another page has not drawn it: coming back by the same link must select the record again)
    if st.session_state.get(_seen_key(key)) == code and key in st.session_state:
        return
    st.session_state[_seen_key(key)] = code
    if code in by_code:
        st.session_state[key] = by_code[code]
    else:
        names = catalog(current_lang())  # the URL's parameter name, said in the user's words
        st.warning(tm("link.not_found", param=names.get(f"link.param.{param}", param), value=code))


def keep_link(param: str, key: str, code: str | None) -> None:
    """After the widget ``key``: write the chosen record's code into the URL."""
    if code is None:
        st.query_params.pop(param, None)
        st.session_state.pop(_seen_key(key), None)
        return
    if st.query_params.get(param) != code:
        st.query_params[param] = code
    st.session_state[_seen_key(key)] = code
