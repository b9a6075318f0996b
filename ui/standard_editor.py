"""The course-standard editor: header, prose with preview, three data editors, Save and the conflict view.

Session state holds only plain data: ``std_base`` is what the editor started from
(``standard_id``, ``version``, ``content``, read in one transaction, and ``gen``, a number
that changes whenever the editor starts again); ``std_conflict`` the other version after a
stale save. Widget keys carry the standard id and ``gen`` (``editor_key``): starting again
(save, take theirs, restore, workflow step) gives new widgets, so the browser cannot keep
showing — and send back — the values of the old ones.
"""

from __future__ import annotations

import html
import time
from typing import Any

import streamlit as st

from services.conflicts import differences, open_items, resolve
from services.errors import Conflict, DomainError
from services.history import text_diff
from services.standards import (
    HEADER_FIELDS,
    TABLE_FIELDS,
    editing_snapshot,
    editor_frames,
    save_args_from_content,
    save_standard,
    standard_content,
)
from services.tablediff import from_editor_state
from services.vocabulary import STANDARD_PROSE_FIELDS as PROSE_FIELDS
from ui.i18n import enum_format, enum_label, join_list, show_error, t, tm
from ui.safe import md_escape, md_prose
from ui.widgets import flash_info, flash_toast, kept_button, show_flashed_infos, show_flashed_toasts

BASE_KEY = "std_base"
CONFLICT_KEY = "std_conflict"
GEN_KEY = "std_gen"
WIDGET_PREFIXES = ("std_h_", "std_tbl_", "std_cf_")
# A data editor sends a cell's edit about 180 ms after the cell is left (Enter, or the click on Save itself): a Save
# that found nothing to save takes an edit that arrives within this many seconds as its own
SAVE_AGAIN_SECONDS = 3.0
SHORT_FIELDS = tuple(f for f in HEADER_FIELDS if f not in PROSE_FIELDS)


def editor_key(base: dict[str, Any], name: str) -> str:
    """The widget key of ``name`` for this editor session (standard id and generation)."""
    return f"{name}_{base['standard_id']}_{base['gen']}"


def _reset_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIXES)]:
        del st.session_state[key]


def rebase(engine, standard_id: int, snapshot: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start editing again from ``snapshot`` (``version`` and ``content`` of one read, e.g. a save's
    or restore's result) or from the standard as saved now: fresh widgets, no conflict."""
    snapshot = snapshot or editing_snapshot(engine, standard_id=standard_id)
    held = st.session_state.get(BASE_KEY) or {}
    gen = max(int(st.session_state.get(GEN_KEY, 0)), int(held.get("gen", 0))) + 1  # _advance counts in the base
    st.session_state[GEN_KEY] = gen
    base = {"standard_id": standard_id, "version": snapshot["version"], "content": snapshot["content"], "gen": gen}
    st.session_state[BASE_KEY] = base
    st.session_state.pop(CONFLICT_KEY, None)
    _reset_widgets()
    return base


def _advance(base: dict[str, Any], snapshot: dict[str, Any], conflict: dict[str, Any] | None) -> None:
    """``rebase`` without an st call, for the moment after a save (touching st.session_state there can stop the
    run, and the editor would go on from the version before its own save): the session's base and conflict
    objects are changed in place; a new generation gives fresh widgets (the old ones are not drawn again)."""
    base.update(version=snapshot["version"], content=snapshot["content"], gen=int(base["gen"]) + 1)
    if conflict:
        conflict.clear()  # an empty conflict is no conflict (conflict_view)


def base_for(engine, standard_id: int) -> dict[str, Any]:
    """The content this editor session started from; a new one when the standard changes."""
    base = st.session_state.get(BASE_KEY)
    if not base or base["standard_id"] != standard_id or "gen" not in base:
        base = rebase(engine, standard_id)
    return base


def follow_own_change(engine, standard_id: int, change: dict[str, Any] | int | None) -> None:
    """After an own alignment change (``change`` = its ``standard`` result, or just its version):
    take its alignments, and its version only if the change was the one step on top of the version
    this editor started from — otherwise someone else saved in between and the next Save must
    show the conflict instead of overwriting their work."""
    base = st.session_state.get(BASE_KEY)
    if not base or base["standard_id"] != standard_id or not change:
        return
    version = change.get("version") if isinstance(change, dict) else change
    fresh = standard_content(engine, standard_id)
    for table in ("objectives", "units"):
        links = {r["id"]: r.get("alignments", []) for r in fresh[table]}
        for row in base["content"][table]:
            row["alignments"] = links.get(row["id"], row.get("alignments", []))
    base["content"]["meta"] = fresh["meta"]
    # record_content_change bumps the version by exactly one inside the locked transaction
    if version is not None and version == base["version"] + 1:
        base["version"] = version


# Widths that keep every units column, hours included, in view at 1400 px without scrolling.
_WIDTHS = {"dimension": 90, "code": 70, "text": 640, "title": 170, "content": 215, "learning_tasks": 215,
           "hours_theory": 110, "hours_practice": 110, "name": 200, "category": 110, "weight": 80, "method": 420}


def _column_config(table: str) -> dict[str, Any]:
    # No column is ``required``: the browser would silently drop a new row with that cell empty;
    # save_standard checks required fields and names the row and field instead. ``id`` is hidden
    # (None) but stays in the data, so from_editor_state still knows each row.
    config: dict[str, Any] = {"id": None}
    labels = {f: t(f"standards.page.col.{f}") for f in TABLE_FIELDS[table]}
    for field, label in labels.items():
        width = _WIDTHS.get(field)
        if field in ("hours_theory", "hours_practice"):
            config[field] = st.column_config.NumberColumn(label, min_value=0, max_value=2000, step=1, width=width)
        elif field == "weight":
            config[field] = st.column_config.NumberColumn(label, min_value=0, max_value=100, width=width)
        elif field == "dimension":
            config[field] = st.column_config.SelectboxColumn(
                label, options=["knowledge", "skill", "quality"], format_func=enum_format("dimension"), width=width)
        elif field == "category":
            config[field] = st.column_config.SelectboxColumn(
                label, options=["process", "summative"], width=width,
                format_func=lambda v: t(f"standards.page.category.{v}"))
        else:
            config[field] = st.column_config.TextColumn(label, width=width)
    return config


def _shown_frame(frame):
    """The frame as the editor shows it: empty text cells blank, never "None" (the saved rows keep None)."""
    shown = frame.copy()
    for column in shown.columns:
        if column != "id" and shown[column].dtype == object:
            shown[column] = shown[column].where(shown[column].notna(), "")
    return shown


def header_part(base: dict[str, Any], *, read_only: bool) -> dict[str, Any]:
    """The header fields, then each prose field once: a text box, or its preview when the toggle is on."""
    content = base["content"]
    header = dict(content["header"])
    cols = st.columns(3)
    for i, field in enumerate(SHORT_FIELDS):
        header[field] = cols[i % 3].text_input(t(f"standards.page.field.{field}"), content["header"].get(field) or "",
                                               key=editor_key(base, f"std_h_{field}"), disabled=read_only)
    preview = st.toggle(t("standards.page.preview_toggle"), key="std_prose_preview", value=read_only)
    for field in PROSE_FIELDS:
        # the typed text is kept under a plain key too: a text box not drawn (preview) loses its state
        kept = editor_key(base, f"std_h_kept_{field}")
        text = st.session_state.get(kept, content["header"].get(field) or "")
        label = t(f"standards.page.field.{field}")
        if preview:
            st.markdown(f"**{label}**")
            with st.container(border=True, key=editor_key(base, f"std_h_preview_{field}")):
                st.markdown(md_prose(text) or "—")
        else:
            height = 80 if field in ("prerequisites", "follow_on") else 140  # a list of courses, not prose
            text = st.text_area(label, text, key=editor_key(base, f"std_h_{field}"), disabled=read_only, height=height)
        st.session_state[kept] = header[field] = text
    return header


def table_part(base: dict[str, Any], table: str, *, read_only: bool) -> list[dict[str, Any]]:
    """One data editor (objectives, units or assessment); returns its rows as edited."""
    content = base["content"]
    frame = editor_frames(content)[table]
    key = editor_key(base, f"std_tbl_{table}")
    st.data_editor(_shown_frame(frame), key=key, hide_index=True, width="stretch", disabled=read_only,
                   num_rows="fixed" if read_only else "dynamic", column_config=_column_config(table),
                   column_order=[c for c in frame.columns if c != "id"])
    rows = from_editor_state(frame, st.session_state.get(key) or {})
    if table != "assessment":
        links = {r["id"]: r.get("alignments", []) for r in content[table]}
        rows = [{**r, "alignments": links.get(r.get("id"), [])} for r in rows]
    return rows


def content_editor(base: dict[str, Any], *, read_only: bool, places: dict[str, Any] | None = None) -> dict[str, Any]:
    """Render the editable document, each part into ``places[part]`` (a tab; default: one after
    another with its heading); return the unsaved content ("mine") built from the widgets."""
    def place(part: str):
        if places and part in places:
            return places[part]
        box = st.container()
        box.subheader(t(f"standards.section.{part}"))
        return box

    with place("header"):
        mine = {"meta": base["content"]["meta"], "header": header_part(base, read_only=read_only)}
    for table in ("objectives", "units", "assessment"):
        with place(table):
            mine[table] = table_part(base, table, read_only=read_only)
    return mine


def _save_args(mine: dict[str, Any]) -> dict[str, Any]:
    args = save_args_from_content(mine)
    for table in ("objectives", "units"):
        for row in args[table]:
            row.pop("alignments", None)  # alignments are edited beside each row, not through Save
    return args


def _signatures_a_save_clears(engine, standard_id: int) -> list[str]:
    """Who signed a revision in review (a content change clears their signatures), as "name (side)"."""
    from services.workflow import workflow_state

    state = workflow_state(engine, standard_id=standard_id)
    if state["status"] != "in_review":
        return []
    return [t("format.name_side", name=state[f"{side}_signed_by"], side=t(f"enum.side.{side}")) for side in ("school", "enterprise")
            if state[f"{side}_signed_by"]]


def save_bar(ctx, base: dict[str, Any], mine: dict[str, Any]) -> None:
    """The explicit Save, naming the version this editor started from; a save that would clear
    signatures says whose and waits for a confirmation."""
    show_flashed_infos()
    st.caption(tm("standards.page.started_from", version=base["version"]))
    signers = _signatures_a_save_clears(ctx.engine, base["standard_id"])
    confirmed = True
    if signers:
        st.warning(tm("standards.page.will_clear", names=join_list(signers)))
        confirmed = st.checkbox(t("standards.page.confirm_clear"), key="std_confirm_clear")
    again = base.pop("save_again_until", None)  # kept in the base itself: no st call (see _save)
    if kept_button(t("standards.page.save"), type="primary", key="std_save"):  # a cell edit sent late keeps it
        if not confirmed:
            st.error(t("standards.page.confirm_clear_first"))
            return
        _save(ctx, base, mine, expected_version=base["version"], started_from=base["content"], signers=signers)
    elif again and time.monotonic() < again and confirmed:
        # the edit that left the browser just after the click: saved by that click ("nothing to save" is not said
        # twice when the run brought none)
        _save(ctx, base, mine, expected_version=base["version"], started_from=base["content"], signers=signers,
              late=True)


def _save(ctx, base: dict[str, Any], content: dict[str, Any], *, expected_version: int,
          started_from: dict[str, Any], signers: list[str] | None = None, late: bool = False) -> None:
    """Save ``content``; a stale save opens (or renews) the conflict view, a domain error is shown. ``late``: the
    save of an edit that arrived after a click that found nothing to save — only a success is said; a conflict or
    a refusal waits for the user's own Save (the edit stays in the editor), nothing opens by itself."""
    conflict = st.session_state.get(CONFLICT_KEY)  # read before the write: after it, no st call until all is kept
    cleared = join_list(signers or [])
    try:
        result = save_standard(ctx.engine, actor=ctx.actor, standard_id=base["standard_id"],
                               expected_version=expected_version, **_save_args(content))
    except Conflict as exc:
        if late:
            return
        if not exc.current.get("content"):  # the standard itself is gone or unreadable
            show_error(exc)
            return
        st.session_state[CONFLICT_KEY] = {"base": started_from, "mine": content, "theirs": exc.current["content"],
                                          "version": exc.current["version"],
                                          "token": f"{exc.current['version']}_{base['gen']}"}
        st.rerun()
    except DomainError as exc:
        if not late:
            show_error(exc)
    else:
        # first what must outlive a cut-off run (a request another widget or page sent meanwhile stops this one at
        # its next st call): the outcome, said by the next run of any page, and the new starting point
        if result["saved"]:
            flash_toast("standards.page.saved", number=result["version_number"])
        elif late:
            return  # nothing came after the click after all: nothing more to say, no rerun
        else:
            flash_toast("standards.page.nothing_to_save")
        if result.get("signoffs_cleared"):
            flash_info("standards.page.cleared", names=cleared)
        if not result["saved"] and not conflict:
            # nothing to save (and nothing written): no rerun, the widgets stay, so an edit the browser sends just
            # after the click lands in this editor and the next run saves it as this click's
            base["save_again_until"] = time.monotonic() + SAVE_AGAIN_SECONDS  # plain Python: touching st.session_state
            # here can stop the run (the edit's request is what stops it) before the mark is kept
            show_flashed_toasts()
            return
        _advance(base, result, conflict)
        st.session_state.pop("std_confirm_clear", None)
        st.rerun()


# --------------------------------------------------------------------------- conflict view

def _shown(item: dict[str, Any], value: Any) -> str:
    """A value as the user knows it: enums translated, whole rows as their fields, blanks as —."""
    if item["field"] == "row":
        if value is None:
            return t("standards.conflict.absent")
        return " · ".join(_shown({**item, "field": f}, value.get(f)) for f in TABLE_FIELDS[item["table"]]
                          if value.get(f) not in (None, ""))
    if value is None or value == "":
        return "—"
    if item["field"] == "dimension":
        return enum_label("dimension", value)
    if item["field"] == "category":
        return t(f"standards.page.category.{value}")
    if item["field"] == "status":
        return enum_label("alignment_status", value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _label(item: dict[str, Any]) -> str:
    if item["table"] == "header":
        return t(f"standards.page.field.{item['field']}")
    row = item["row"] or {}
    name = {"objectives": f"{row.get('code') or ''} {str(row.get('text') or '')[:40]}",
            "units": str(row.get("title") or ""), "assessment": str(row.get("name") or "")}[item["table"]].strip()
    field = t("standards.conflict.whole_row") if item["field"] == "row" else t(f"standards.page.col.{item['field']}")
    section = t(f"standards.section.{item['table']}")
    return f"{section} · {name or '—'} · {field}"


def _highlighted(mine: str, theirs: str) -> tuple[str, str]:
    """Both texts as HTML with the parts that differ marked (mine green, theirs amber)."""
    mine_html, theirs_html = [], []
    for op in text_diff(theirs, mine)["ops"]:
        if op["op"] == "equal":
            mine_html.append(html.escape(op["new"]))
            theirs_html.append(html.escape(op["old"]))
            continue
        if op["new"]:
            mine_html.append(f"<mark style='background:#cfc'>{html.escape(op['new'])}</mark>")
        if op["old"]:
            theirs_html.append(f"<mark style='background:#fd9'>{html.escape(op['old'])}</mark>")
    return "".join(mine_html) or "—", "".join(theirs_html) or "—"


def _choice_key(conflict: dict[str, Any], n: int) -> str:
    return f"std_cf_{conflict['token']}_{n}"


def _choose_all(conflict: dict[str, Any], count: int, side: str) -> None:
    for n in range(count):
        st.session_state[_choice_key(conflict, n)] = side


def conflict_view(ctx, base: dict[str, Any]) -> bool:
    """Every differing field side by side, differences marked, one choice (mine / theirs) per
    field; a clash has no default. True while a conflict is open (it stays until resolved)."""
    conflict = st.session_state.get(CONFLICT_KEY)
    if not conflict:
        st.session_state.pop(CONFLICT_KEY, None)  # resolved: _advance emptied it
        return False
    st.error(tm("standards.page.conflict", version=conflict["version"], mine=base["version"]))
    items = differences(conflict["base"], conflict["mine"], conflict["theirs"])
    sides = {"mine": t("standards.page.mine"), "theirs": t("standards.page.theirs")}
    choices: dict[str, str | None] = {}
    for n, item in enumerate(items):
        with st.container(border=True, key=f"std_cf_item_{n}"):
            clash = item["suggested"] is None
            st.markdown(f"**{md_escape(_label(item))}**" + (f" · :red[{t('standards.conflict.both_changed')}]" if clash else ""))
            mine_text, theirs_text = _shown(item, item["mine"]), _shown(item, item["theirs"])
            mine_html, theirs_html = _highlighted(mine_text, theirs_text)
            left, right, pick = st.columns([5, 5, 2])
            left.caption(sides["mine"])
            left.markdown(mine_html, unsafe_allow_html=True)
            right.caption(sides["theirs"])
            right.markdown(theirs_html, unsafe_allow_html=True)
            key = _choice_key(conflict, n)
            if key not in st.session_state:
                st.session_state[key] = item["suggested"]
            choices[item["key"]] = pick.radio(t("standards.conflict.keep"), list(sides), key=key,
                                              format_func=sides.__getitem__)
    if not items:
        st.info(t("standards.conflict.no_differences"))
    undecided = open_items(items, choices)
    if undecided:
        st.warning(tm("standards.conflict.undecided", n=len(undecided)))
    b1, b2, b3, b4 = st.columns(4)
    b3.button(t("standards.conflict.all_mine"), key="std_conflict_all_mine", on_click=_choose_all,
              args=(conflict, len(items), "mine"))
    b4.button(t("standards.conflict.all_theirs"), key="std_conflict_all_theirs", on_click=_choose_all,
              args=(conflict, len(items), "theirs"))
    if b1.button(t("standards.conflict.save"), key="std_conflict_save", type="primary", disabled=bool(undecided)):
        content = resolve(conflict["mine"], conflict["theirs"], items, choices)
        _save(ctx, base, content, expected_version=conflict["version"], started_from=conflict["theirs"])
    if b2.button(t("standards.page.take_theirs"), key="std_conflict_theirs"):
        rebase(ctx.engine, base["standard_id"])
        st.rerun()
    return True
