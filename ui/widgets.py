"""Small widget helpers shared by pages: empty a text box on the run after a successful post; a button whose
click survives an interrupted run; messages that outlive the run that made them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_CLEAR = "_clear_next_run"
_CLICKS = "_kept_clicks"
_CLICK_RUNS = 3  # a kept click not taken within this many runs of its page is dropped


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


# --------------------------------------------------------------------------- kept clicks
# A click travels as a trigger in the rerun request that starts its run. A widget whose new value reaches the
# server just after (a data editor sends its last cell edit a moment after Enter; on a busy browser after the next
# click) starts another run that interrupts the first, and that request carries no trigger: the click is gone and
# the page says nothing. The button's callback runs before the script, which nothing interrupts: it keeps the click
# in the session, and the next run of the same page takes it, with every widget's latest value.


def _page() -> str:
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def _keep_click(key: str, page: str) -> None:
    st.session_state.setdefault(_CLICKS, {})[key] = {"page": page, "runs": 0}


def kept_button(label: str, *, key: str, **kwargs: Any) -> bool:
    """``st.button`` whose click is not lost when a late widget update interrupts the run it started: True once,
    in the run that reaches the button after the click (for a save that must see the last edit)."""
    pressed = st.button(label, key=key, on_click=_keep_click, args=(key, _page()), **kwargs)
    kept = st.session_state.get(_CLICKS) or {}
    return kept.pop(key, None) is not None or pressed


def age_kept_clicks() -> None:
    """Once per page run (``page_setup``): a click kept on another page, or not taken within a few runs, is dropped
    (it must not fire later, when its page is opened again)."""
    kept = st.session_state.get(_CLICKS)
    if not kept:
        return
    page = _page()
    for key, click in list(kept.items()):
        click["runs"] += 1
        if click["page"] != page or click["runs"] > _CLICK_RUNS:
            del kept[key]


# --------------------------------------------------------------------------- flash messages
# A message about a write is kept in the session before anything else is drawn and said by the next run: a toast
# sent in the run that wrote is lost when a request another widget or page sent meanwhile cuts that run off (the
# write is done, the user would never hear of it). Messages are kept as catalog keys and said in the language of
# the run that shows them.

_TOASTS = "_flash_toasts"


def flash(key: str, *messages: tuple[str, dict[str, Any]]) -> None:
    """Keep ``(catalog key, params)`` messages under ``key`` for ``show_flash``."""
    st.session_state.setdefault(key, []).extend(messages)


def flash_toast(message: str, /, *, icon: str | None = None, **params: Any) -> None:
    """The toast confirming a write (catalog key ``message`` with ``params``), said by the next page run
    (``show_flashed_toasts`` in ``page_setup``): the one way a page confirms a write."""
    flash(_TOASTS, (message, {"params": params, "icon": icon}))


def show_flash(key: str, show: Callable[[str, dict[str, Any]], Any]) -> None:
    """Say the messages kept under ``key`` with ``show(catalog key, params)``; each is forgotten only once sent
    (an st call is where a run is cut off: a message not yet sent is said by the next run)."""
    messages = st.session_state.get(key)
    while messages:
        show(*messages[0])
        messages.pop(0)


def show_flashed_toasts() -> None:
    from ui.i18n import tm

    show_flash(_TOASTS, lambda message, how: st.toast(tm(message, **how["params"]), icon=how["icon"]))
