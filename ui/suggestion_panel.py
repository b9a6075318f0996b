"""Suggestion panel beside a unit or objective in the standards editor (issue 15).

Shown on request (a toggle, so a standard with many units does not rank them all on every
run): the programme's best competencies for the row with their matched terms highlighted, a
level picker preset to the suggested level, and accept / reject buttons (one click each). For
a unit with aligned competencies it also offers a draft of task-table rows and objectives,
added to the standard only by a click. Texts are rendered escaped (HTML and Markdown).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.drafting import apply_objective_drafts, draft_for_standard
from services.errors import DomainError
from services.suggestion_index import highlight_spans
from services.suggestions import accept_suggestion, reject_suggestion, suggest_for_target
from services.workflow import workflow_state
from ui.i18n import enum_label, show_error, t
from ui.safe import html_text, md_escape
from ui.standard_editor import follow_own_change, rebase
from ui.widgets import flash_toast

TOP = 5
safe_text = html_text  # the name the panels use


def highlighted(statement: str, terms: list[str]) -> str:
    """The statement with its matched terms in ``<mark>``, every piece escaped."""
    return "".join(f"<mark>{safe_text(piece)}</mark>" if hit else safe_text(piece)
                   for piece, hit in highlight_spans(statement, terms))


def _flash(ctx, standard_id: int, result: dict[str, Any] | None, message: str, code: str) -> None:
    flash_toast(message, code=code)
    if result is not None:
        follow_own_change(ctx.engine, standard_id, (result.get("standard") or {}).get("version"))
    st.rerun()


def _errors(exc: DomainError) -> None:
    show_error(exc)


def suggestion_panel(ctx, standard_id: int, table: str, row: dict[str, Any], actions: dict[str, bool]) -> None:
    """Suggestions (and, for units, drafts) for one unit or objective of the standard being edited."""
    if not actions.get("propose_alignment") or row.get("id") is None:
        return
    kind = table[:-1]
    key = f"sug_{kind}_{row['id']}"
    if not st.toggle(t("suggest.show"), key=f"{key}_show"):
        return
    target = {"unit_id": row["id"]} if kind == "unit" else {"objective_id": row["id"]}
    try:
        found = suggest_for_target(ctx.engine, top=TOP, **target)
    except DomainError as exc:
        _errors(exc)
        return
    if not found["suggestions"]:
        st.caption(t("suggest.none"))
    else:
        st.caption(t("suggest.hint"))
    for s in found["suggestions"]:
        cid = s["competency_id"]
        c1, c2, c3, c4 = st.columns([6, 2, 1, 1], vertical_alignment="center")
        why = t("suggest.why", score=f"{s['score']:.2f}", task=s["task"] or "—") + _evidence(s)
        c1.markdown(f"<b>{safe_text(s['code'])}</b> {highlighted(s['statement'], s['matched'])}<br>"
                    f"<small>{safe_text(why)}</small>", unsafe_allow_html=True)
        level = c2.selectbox(t("field.level"), [1, 2, 3], index=int(s["suggested_level"]) - 1,
                             key=f"{key}_lvl_{cid}", label_visibility="collapsed")
        try:
            if c3.button(t("suggest.accept"), key=f"{key}_acc_{cid}"):
                result = accept_suggestion(ctx.engine, actor=ctx.actor, competency_id=cid, level=int(level),
                                           score=s["score"], **target)
                _flash(ctx, standard_id, result["alignment"], "suggest.accepted", s["code"])
            if c4.button(t("suggest.reject"), key=f"{key}_rej_{cid}"):
                reject_suggestion(ctx.engine, actor=ctx.actor, competency_id=cid, score=s["score"], **target)
                _flash(ctx, standard_id, None, "suggest.rejected", s["code"])
        except DomainError as exc:
            _errors(exc)
    if kind == "unit" and row.get("alignments"):
        _draft(ctx, standard_id, row["id"], key, actions)


def _evidence(s: dict[str, Any]) -> str:
    accepted, rejected = s["evidence"]["accepted"], s["evidence"]["rejected"]
    return t("suggest.evidence", accepted=accepted, rejected=rejected) if accepted or rejected else ""


def _draft(ctx, standard_id: int, unit_id: int, key: str, actions: dict[str, bool]) -> None:
    """Draft task-table rows and objectives from the unit's aligned competencies; add them on a click."""
    if not st.toggle(t("suggest.draft.show"), key=f"{key}_draft"):
        return
    draft = draft_for_standard(ctx.engine, standard_id=standard_id, unit_id=unit_id)
    st.caption(t("suggest.draft.task_table"))
    st.dataframe(pd.DataFrame([{t("suggest.draft.area"): r["area"], t("suggest.draft.task"): r["task"],
                                t("suggest.draft.competency"): f"{r['code']} {r['statement']}"}
                               for r in draft["task_table"]]),
                 hide_index=True, key=f"{key}_draft_table")
    if not draft["objectives"]:
        st.caption(t("suggest.draft.no_objectives"))
        return
    st.caption(t("suggest.draft.objectives"))
    chosen = []
    for n, o in enumerate(draft["objectives"]):
        label = md_escape(f"{o['code']} ({enum_label('dimension', o['dimension'])}) {o['text']} ← {o['source_code']}")
        if st.checkbox(label, key=f"{key}_draft_pick_{n}_{o['source_code']}"):
            chosen.append(o)
    if actions.get("edit") and st.button(t("suggest.draft.apply"), key=f"{key}_draft_apply", disabled=not chosen):
        try:
            version = workflow_state(ctx.engine, standard_id=standard_id)["version"]
            apply_objective_drafts(ctx.engine, actor=ctx.actor, standard_id=standard_id, expected_version=version,
                                   drafts=chosen)
            flash_toast("saved")  # first: it needs no st call
            rebase(ctx.engine, standard_id)
            st.rerun()
        except DomainError as exc:
            _errors(exc)
