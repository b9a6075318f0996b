"""Small widget helpers shared by pages: empty a text box on the run after a successful post; a button whose
click survives an interrupted run; messages that outlive the run that made them."""

from __future__ import annotations

import threading
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
# A message about a write is kept in the session and said by the next run: a toast sent in the run that wrote is
# lost when a request another widget or page sent meanwhile cuts that run off (the write done, the user never told).
# Worse, in Streamlit 1.67 touching st.session_state is itself a point where a run is stopped (StopException): so
# after a write nothing may touch it before the message is kept. ``page_setup`` therefore binds this run to the
# session's message list (``bind_flash``), and ``flash_toast`` appends to that list as a plain Python object. The
# messages are catalog keys, said in the language of the run that shows them.

_TOASTS = "_flash_toasts"
_RUN = threading.local()  # this script thread's session id and its message list (bound by page_setup)


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def bind_flash() -> None:
    """Once per run, before any write (``page_setup``): hold the session's message list for ``flash_toast``."""
    _RUN.session, _RUN.toasts = _session_id(), st.session_state.setdefault(_TOASTS, [])


def _toasts() -> list:
    if getattr(_RUN, "session", None) == _session_id() and getattr(_RUN, "toasts", None) is not None:
        return _RUN.toasts  # no st call: a run stopped right after a write still keeps its message
    return st.session_state.setdefault(_TOASTS, [])  # a callback before page_setup of this thread's first run


def flash_toast(message: str, /, *, icon: str | None = None, now: bool = False, **params: Any) -> None:
    """The toast confirming a write (catalog key ``message`` with ``params``), said by the next page run
    (``show_flashed_toasts`` in ``page_setup``): the one way a page confirms a write. ``now``: the run goes on
    without a rerun, so say it in this run (it is kept first, so a run stopped here still says it next time)."""
    _toasts().append((message, {"params": params, "icon": icon, "kind": "toast"}))
    if now:
        show_flashed_toasts()


def flash_info(message: str, /, **params: Any) -> None:
    """Like ``flash_toast``, for what must stay on the page (an info box, ``show_flashed_infos`` where the page
    that made it shows it): whose signatures a save cleared."""
    _toasts().append((message, {"params": params, "icon": None, "kind": "info"}))


def _say(kind: str, show: Callable[[str, dict[str, Any]], Any]) -> None:
    """Say the kept messages of ``kind`` with ``show(catalog key, how)``; each is forgotten only once sent (an st
    call is where a run is cut off: a message not yet sent is said by the next run)."""
    messages = st.session_state.get(_TOASTS)
    for entry in [m for m in messages or [] if m[1]["kind"] == kind]:
        show(*entry)
        messages.remove(entry)


def show_flashed_toasts() -> None:
    from ui.i18n import tm

    _say("toast", lambda message, how: st.toast(tm(message, **how["params"]), icon=how["icon"]))


def show_flashed_infos() -> None:
    from ui.i18n import tm

    _say("info", lambda message, how: st.info(tm(message, **how["params"])))
