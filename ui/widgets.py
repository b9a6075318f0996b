"""Small widget helpers shared by pages: empty a text box on the run after a successful post."""

from __future__ import annotations

import streamlit as st

_CLEAR = "_clear_next_run"


def clear_next_run(key: str) -> None:
    """Empty the widget ``key`` when it is drawn next (a drawn widget's value cannot be set now)."""
    st.session_state.setdefault(_CLEAR, set()).add(key)


def fresh_text(key: str) -> str:
    """Call before drawing text widget ``key``: empties it if a post asked for that; returns the key."""
    pending = st.session_state.get(_CLEAR)
    if pending and key in pending:
        pending.discard(key)
        st.session_state[key] = ""
    return key
