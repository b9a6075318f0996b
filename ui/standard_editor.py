"""The course-standard editor: header, prose with preview, three data editors, Save and the conflict view.

Session state holds only plain data: ``std_base`` is the content the editor started from
(``standard_id``, ``version``, ``content``); ``std_conflict`` the other version after a stale save.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.errors import Conflict, DomainError
from services.history import merge_content
from services.standards import (TABLE_FIELDS, editor_frames,
                                save_args_from_content, save_standard, standard_content)
from services.tablediff import from_editor_state
from services.vocabulary import STANDARD_HEADER_FIELDS as SHORT_FIELDS, STANDARD_PROSE_FIELDS as PROSE_FIELDS
from ui.i18n import enum_format, show_error, t

BASE_KEY = "std_base"
CONFLICT_KEY = "std_conflict"
WIDGET_PREFIXES = ("std_h_", "std_tbl_")


def _reset_widgets() -> None:
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIXES)]:
        del st.session_state[key]


def rebase(engine, standard_id: int, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """Start editing from the saved standard (or ``content``): fresh widgets, no conflict."""
    content = content or standard_content(engine, standard_id)
    base = {"standard_id": standard_id, "version": None, "content": content}
    from services.workflow import workflow_state

    base["version"] = workflow_state(engine, standard_id=standard_id)["version"]
    st.session_state[BASE_KEY] = base
    st.session_state.pop(CONFLICT_KEY, None)
    _reset_widgets()
    return base


def base_for(engine, standard_id: int) -> dict[str, Any]:
    """The content this editor session started from; a new one when the standard changes."""
    base = st.session_state.get(BASE_KEY)
    if not base or base["standard_id"] != standard_id:
        base = rebase(engine, standard_id)
    return base


def follow_own_change(engine, standard_id: int, version: int | None) -> None:
    """After an own alignment / workflow change: take its version and alignments, keep unsaved edits."""
    base = st.session_state.get(BASE_KEY)
    if not base or base["standard_id"] != standard_id:
        return
    fresh = standard_content(engine, standard_id)
    for table in ("objectives", "units"):
        links = {r["id"]: r.get("alignments", []) for r in fresh[table]}
        for row in base["content"][table]:
            row["alignments"] = links.get(row["id"], row.get("alignments", []))
    base["content"]["meta"] = fresh["meta"]
    if version is not None:
        base["version"] = version


def _column_config(table: str) -> dict[str, Any]:
    # No column is ``required``: the browser would silently drop a new row with that cell empty;
    # save_standard checks required fields and names the row and field instead.
    config: dict[str, Any] = {"id": st.column_config.NumberColumn("id", disabled=True)}
    labels = {f: t(f"standards.page.col.{f}") for f in TABLE_FIELDS[table]}
    for field, label in labels.items():
        if field in ("hours_theory", "hours_practice"):
            config[field] = st.column_config.NumberColumn(label, min_value=0, max_value=2000, step=1)
        elif field == "weight":
            config[field] = st.column_config.NumberColumn(label, min_value=0, max_value=100)
        elif field == "dimension":
            config[field] = st.column_config.SelectboxColumn(
                label, options=["knowledge", "skill", "quality"], format_func=enum_format("dimension"))
        elif field == "category":
            config[field] = st.column_config.SelectboxColumn(
                label, options=["process", "summative"],
                format_func=lambda v: t(f"standards.page.category.{v}"))
        else:
            config[field] = st.column_config.TextColumn(label)
    return config


def content_editor(base: dict[str, Any], *, read_only: bool) -> dict[str, Any]:
    """Render the editable document; return the unsaved content ("mine") built from the widgets."""
    content = base["content"]
    header = dict(content["header"])
    st.subheader(t("standards.section.header"))
    cols = st.columns(3)
    for i, field in enumerate(SHORT_FIELDS):
        header[field] = cols[i % 3].text_input(t(f"standards.page.field.{field}"), content["header"].get(field) or "",
                                               key=f"std_h_{field}", disabled=read_only)
    for field in PROSE_FIELDS:
        label = t(f"standards.page.field.{field}")
        left, right = st.columns(2)
        header[field] = left.text_area(label, content["header"].get(field) or "", key=f"std_h_{field}",
                                       disabled=read_only, height=140)
        with right.container(border=True):
            st.caption(t("standards.page.preview"))
            st.markdown(header[field] or "—")
    mine = {"meta": content["meta"], "header": header}
    frames = editor_frames(content)
    for table in ("objectives", "units", "assessment"):
        st.subheader(t(f"standards.section.{table}"))
        key = f"std_tbl_{table}"
        st.data_editor(frames[table], key=key, hide_index=True, width="stretch", disabled=read_only,
                       num_rows="fixed" if read_only else "dynamic", column_config=_column_config(table),
                       column_order=[c for c in frames[table].columns if c != "id"] + ["id"])
        rows = from_editor_state(frames[table], st.session_state.get(key) or {})
        links = {r["id"]: r.get("alignments", []) for r in content[table]}
        if table != "assessment":
            rows = [{**r, "alignments": links.get(r.get("id"), [])} for r in rows]
        mine[table] = rows
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
    return [f"{state[f'{side}_signed_by']}（{t(f'enum.side.{side}')}）" for side in ("school", "enterprise")
            if state[f"{side}_signed_by"]]


def save_bar(ctx, base: dict[str, Any], mine: dict[str, Any]) -> None:
    """The explicit Save, naming the version this editor started from; a save that would clear
    signatures says whose and waits for a confirmation."""
    for line in st.session_state.pop("std_flash_info", []):
        st.info(line)
    st.caption(t("standards.page.started_from", version=base["version"]))
    signers = _signatures_a_save_clears(ctx.engine, base["standard_id"])
    confirmed = True
    if signers:
        st.warning(t("standards.page.will_clear", names="、".join(signers)))
        confirmed = st.checkbox(t("standards.page.confirm_clear"), key="std_confirm_clear")
    if st.button(t("standards.page.save"), type="primary", key="std_save"):
        if not confirmed:
            st.error(t("standards.page.confirm_clear_first"))
            return
        try:
            result = save_standard(ctx.engine, actor=ctx.actor, standard_id=base["standard_id"],
                                   expected_version=base["version"], **_save_args(mine))
        except Conflict as exc:
            st.session_state[CONFLICT_KEY] = {"mine": mine, "theirs": exc.current.get("content") or {},
                                              "version": exc.current.get("version")}
            st.rerun()
        except DomainError as exc:
            show_error(exc)
        else:
            rebase(ctx.engine, base["standard_id"], result["content"])
            st.session_state.pop("std_confirm_clear", None)
            if result["signoffs_cleared"]:
                st.session_state["std_flash_info"] = [t("standards.page.cleared", names="、".join(signers))]
            st.toast(t("standards.page.saved", number=result["version_number"]) if result["saved"]
                     else t("standards.page.nothing_to_save"))
            st.rerun()


def _summary(content: dict[str, Any]) -> None:
    for field in PROSE_FIELDS:
        label = t(f"standards.page.field.{field}")
        st.markdown(f"**{label}**: {content['header'].get(field) or '—'}")
    for table in ("objectives", "units", "assessment"):
        st.markdown("**" + t(f"standards.section.{table}") + "**")
        frame = editor_frames(content)[table]
        st.dataframe(frame.rename(columns={f: t(f"standards.page.col.{f}") for f in TABLE_FIELDS[table]}),
                     hide_index=True, width="stretch", key=f"std_conflict_{table}_{id(content)}")


def conflict_view(ctx, base: dict[str, Any]) -> bool:
    """Both versions side by side and three ways out; True while a conflict is open."""
    conflict = st.session_state.get(CONFLICT_KEY)
    if not conflict:
        return False
    st.error(t("standards.page.conflict", version=conflict["version"], mine=base["version"]))
    mine_col, theirs_col = st.columns(2)
    with mine_col:
        st.markdown(f"### {t('standards.page.mine')}")
        _summary(conflict["mine"])
    with theirs_col:
        st.markdown(f"### {t('standards.page.theirs')}")
        _summary(conflict["theirs"])
    b1, b2, b3 = st.columns(3)
    standard_id = base["standard_id"]
    content = None
    if b1.button(t("standards.page.keep_mine"), key="std_conflict_mine", type="primary"):
        content = conflict["mine"]
    if b3.button(t("standards.page.merge"), key="std_conflict_merge"):
        merged = merge_content(base["content"], conflict["mine"], conflict["theirs"], prefer="mine")
        content = merged["merged"]
        for c in merged["conflicts"]:
            st.warning(t("standards.page.merge_clash", label=c["label"], field=c["field"]))
    if content is not None:
        try:
            result = save_standard(ctx.engine, actor=ctx.actor, standard_id=standard_id,
                                   expected_version=conflict["version"], **_save_args(content))
            rebase(ctx.engine, standard_id, result["content"])
            st.toast(t("standards.page.saved", number=result["version_number"]))
            st.rerun()
        except DomainError as exc:
            show_error(exc)
    if b2.button(t("standards.page.take_theirs"), key="std_conflict_theirs"):
        rebase(ctx.engine, standard_id)
        st.rerun()
    return True
