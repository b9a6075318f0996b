"""A Streamlit client that speaks the app's own websocket protocol, for load tests.

A browser tab talks to a Streamlit server over one websocket (``/_stcore/stream``): it sends
``BackMsg`` rerun requests carrying the page, the query string and the widget values, and receives
``ForwardMsg`` deltas (the elements of the run) until the run is finished. This client does the same
with the protobuf classes Streamlit ships, so one simulated user costs the server exactly what a
browser tab costs it (same script runs, same session, same messages) and costs the test machine a
few MB instead of a Chromium renderer. The load test runs most of its users this way and a few in
Chromium, so both the server and the real front end are under load.

Widgets are found by their explicit key: Streamlit's id of a keyed widget ends in ``-<key>``.
The values sent are those the front end would send for the widget type (``string_value`` for text
inputs and data editors, ``bool_value`` for checkboxes, ``trigger_value`` for buttons). Like the front
end, every rerun carries the current value of every widget still on screen; triggers are sent once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

VALUE_FIELD = {"text_input": "string_value", "text_area": "string_value", "chat_input": "string_value",
               "dataframe": "string_value", "checkbox": "bool_value", "number_input": "double_value"}
SETTLE = 2.0  # s: no message for this long after a run ended means no other run follows
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


@dataclass
class Widget:
    key: str
    id: str
    kind: str
    path: tuple[int, ...]
    proto: Any


@dataclass
class Run:
    """What one script run showed: elements by delta path, keyed widgets, toasts (kept across a rerun)."""
    elements: dict[tuple, tuple[str, Any]] = field(default_factory=dict)
    widgets: dict[str, Widget] = field(default_factory=dict)
    toasts: list[str] = field(default_factory=list)
    status: int | None = None
    sent: str = ""  # the request: page hash and query string, for a failure's message
    urls: list[str] = field(default_factory=list)  # query strings the server wrote into the URL

    def texts(self, *kinds: str) -> list[str]:
        """The bodies (or labels) of the elements of ``kinds`` (all kinds when none), in screen order."""
        out = []
        for _, (kind, proto) in sorted(self.elements.items()):
            if kinds and kind not in kinds:
                continue
            body = getattr(proto, "body", None)
            out.append(str(body if body is not None else getattr(proto, "label", "")))
        return out

    def alerts(self, level: str) -> list[str]:
        """Alert bodies of one level: ``error``, ``warning``, ``info`` or ``success``."""
        wanted = {"error": 1, "warning": 2, "info": 3, "success": 4}[level]
        return [p.body for _, (k, p) in sorted(self.elements.items()) if k == "alert" and p.format == wanted]

    def exceptions(self) -> list[str]:
        return [f"{p.type}: {p.message}" for _, (k, p) in self.elements.items() if k == "exception"]

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.widgets if k.startswith(prefix))

    def frame(self, key_prefix: str) -> tuple[Widget, pa.Table]:
        """The data frame / data editor whose key starts with ``key_prefix`` and its data."""
        matches = self.keys(key_prefix)
        if not matches:
            raise LookupError(f"no data editor keyed {key_prefix}…")
        widget = self.widgets[matches[0]]
        return widget, pa.ipc.open_stream(widget.proto.arrow_data.data).read_all()


class ProtocolError(RuntimeError):
    pass


class Client:
    """One browser tab's websocket session with a Streamlit server (``async with Client(base)``)."""

    def __init__(self, base: str, *, timeout: float = 120.0) -> None:
        self.base, self.timeout = base, timeout
        self.pages: dict[str, str] = {}  # url path ("" for the default page) → page script hash
        self.page_hash = ""
        self.query = ""
        self.values: dict[str, tuple[str, Any]] = {}  # widget id → (value field, value)
        self.last = Run()
        self._ws = None
        self._early: list[bytes] = []  # messages read while waiting to see whether another run follows

    async def __aenter__(self) -> Client:
        self._ws = await websockets.connect(self.base.replace("http", "ws", 1) + "/_stcore/stream",
                                            subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
                                            ping_interval=None)  # a browser sends no websocket pings
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    async def open(self, page: str = "", query: str = "") -> Run:
        """Go to a page (its URL path, "" for the default) as a click on its link does."""
        self.query = query
        return await self._rerun(page=page)

    async def set(self, **values: Any) -> Run:
        """Change widgets by key (a data editor takes its edits dict) and rerun, as typing then leaving does."""
        return await self._rerun(values=values)

    async def click(self, key: str, **values: Any) -> Run:
        """Press a button by key, with the other widgets' new values (a form's inputs) sent in the same run."""
        return await self._rerun(values=values, trigger=key)

    def _widget(self, key: str) -> Widget:
        widget = self.last.widgets.get(key)
        if widget is None:
            shown = " | ".join(self.last.alerts("error") + self.last.alerts("warning") + self.last.toasts)[:400]
            raise LookupError(f"no widget keyed {key} on the page (it showed: {shown or 'no alert'}; "
                              f"{len(self.last.elements)} elements)")
        return widget

    async def click_then_set(self, key: str, **values: Any) -> Run:
        """Press a button, then, before its run has ended, send other widgets' new values without the trigger — what
        a browser does when a data editor's last cell edit leaves after the click (a busy browser sends it late)."""
        await self.press(key)  # its run has started: the values arrive while it runs
        sent = await self._send(values=values)
        run = await self._finish(sent)
        while True:  # the click's run may have ended before the second request came: then a second run follows
            try:
                raw = await asyncio.wait_for(self._ws.recv(), SETTLE)
            except TimeoutError:
                return run
            message = ForwardMsg()
            message.ParseFromString(raw)
            if message.WhichOneof("type") == "session_status_changed" and \
                    not message.session_status_changed.script_is_running:  # the end of the run just read
                continue
            self._early.append(raw)
            run = await self._finish(sent)

    async def press(self, key: str) -> None:
        """Press a button and return as soon as its run draws its first element (its callback has run), without
        waiting for the run to end: the next request cuts it off, as a click on another page's link does."""
        await self._send(trigger=key)
        while True:
            raw = await asyncio.wait_for(self._ws.recv(), self.timeout)
            message = ForwardMsg()
            message.ParseFromString(raw)
            if message.WhichOneof("type") == "delta":
                return

    async def _rerun(self, *, values: dict[str, Any] | None = None, trigger: str | None = None,
                     page: str | None = None) -> Run:
        return await self._finish(await self._send(values=values, trigger=trigger, page=page))

    async def _send(self, *, values: dict[str, Any] | None = None, trigger: str | None = None,
                    page: str | None = None) -> str:
        """Send one rerun request with every widget value the front end holds; return what it asked for."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if page is not None:
            state.page_script_hash = self.pages.get(page, "")
            if page not in self.pages:
                state.page_name = page
        else:
            state.page_script_hash = self.page_hash
        for key, value in (values or {}).items():
            widget = self._widget(key)
            if widget.kind == "dataframe":
                value = json.dumps({"edited_rows": value, "added_rows": [], "deleted_rows": []},
                                   ensure_ascii=False)
            self.values[widget.id] = (VALUE_FIELD[widget.kind], value)
        for wid, (name, value) in self.values.items():
            entry = state.widget_states.widgets.add()
            entry.id = wid
            setattr(entry, name, value)
        if trigger is not None:
            entry = state.widget_states.widgets.add()
            entry.id = self._widget(trigger).id
            entry.trigger_value = True
        await self._ws.send(msg.SerializeToString())
        return f"page {state.page_script_hash or state.page_name!r} query {state.query_string!r}"

    async def _finish(self, sent: str) -> Run:
        """Receive until the (last) run ends; the front end then holds the values of the widgets it shows."""
        run = await asyncio.wait_for(self._receive(), self.timeout)
        run.sent = sent
        shown = {w.id for w in run.widgets.values()}
        self.values = {wid: v for wid, v in self.values.items() if wid in shown}  # what the front end still holds
        self.last = run
        return run

    async def _receive(self) -> Run:
        run = Run()
        while True:
            message = ForwardMsg()
            message.ParseFromString(self._early.pop(0) if self._early else await self._ws.recv())
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                name = element.WhichOneof("type")
                proto = getattr(element, name)
                path = tuple(message.metadata.delta_path)
                run.elements[path] = (name, proto)
                if name == "toast":
                    run.toasts.append(proto.body)
                wid = getattr(proto, "id", "")
                if isinstance(wid, str) and wid.startswith("$$ID-") and wid.count("-") >= 2:
                    key = wid.split("-", 2)[2]
                    run.widgets[key] = Widget(key, wid, name, path, proto)
            elif kind == "navigation":
                for page in message.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
                self.page_hash = message.navigation.page_script_hash
            elif kind == "page_info_changed":  # st.query_params written: the browser's URL follows
                self.query = message.page_info_changed.query_string
                run.urls.append(self.query)
            elif kind == "page_not_found":
                raise ProtocolError(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                if message.script_finished in DONE:
                    run.status = message.script_finished
                    return run
                if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # st.rerun: a new run follows
                    run = Run(toasts=run.toasts)
