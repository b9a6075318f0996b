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


# Streamlit cuts metric labels and values with an ellipsis; names must be read in full, so they wrap.
_WRAP_METRICS = ("<style>[data-testid='stMetricLabel'] *, [data-testid='stMetricValue'] * "
                 "{white-space: normal !important; overflow: visible !important; text-overflow: clip !important;"
                 " overflow-wrap: anywhere;}</style>")


def wrap_metric_tiles() -> None:
    """Let every metric tile on the page wrap its label and value instead of truncating them."""
    st.html(_WRAP_METRICS)
